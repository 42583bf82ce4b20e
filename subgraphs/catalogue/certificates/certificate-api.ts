// The issuing province's verification endpoint (index API, gateway only): checks a presented
// certificate and answers with a receipt signed by this province. Every verification is
// recorded in the province's audit chain before the answer leaves; the holder ID is never
// stored or logged, only its keyed hash goes into the receipt's request hash.
import express, { type Request, type Response, type Router } from 'express';
import type { AuditLog } from '../../../common/audit/audit-log.js';
import type { ProvinceConfig } from '../../../common/config.js';
import { INDEX_REQUESTS, describeIssues } from '../../../common/index-api.js';
import { hasScope, type Caller } from '../../../common/identity/caller.js';
import { parseCertificateId } from '../../../domain/certificate-id.js';
import { holderIdHash, isValidHolderId } from '../../../domain/certificate.js';
import { signReceipt } from '../../../domain/receipt.js';
import type { CertificateStore } from './certificate-store.js';
import type { SealKeys } from './seal-keys.js';
import { verdict } from './verify-certificate.js';

export function certificateApi(
  province: ProvinceConfig,
  certificates: CertificateStore,
  keys: SealKeys,
  audit: AuditLog,
  now: () => Date = () => new Date(),
): Router {
  const router = express.Router();
  router.use(express.json({ limit: '16kb' }));

  router.post('/verify', async (req: Request, res: Response) => {
    const caller = res.locals.caller as Caller;
    if (!hasScope(caller, 'certificate:verify')) {
      res.status(403).json({ error: { code: 'FORBIDDEN', message: 'certificate:verify is required' } });
      return;
    }
    const parsed = INDEX_REQUESTS['/certificates/verify'].safeParse(req.body);
    if (!parsed.success) {
      res.status(400).json({ error: { code: 'BAD_USER_INPUT', message: describeIssues(parsed.error) } });
      return;
    }
    const presented = parsed.data;
    const id = parseCertificateId(presented.certificateId);
    if (!id.ok || id.value.divisionCode.slice(0, 2) !== province.divisionCode.slice(0, 2)) {
      res.status(400).json({ error: { code: 'BAD_USER_INPUT', message: `not a certificate identifier issued in ${province.enumValue}` } });
      return;
    }
    if (!isValidHolderId(presented.holderIdType, presented.holderId)) {
      res.status(400).json({ error: { code: 'BAD_USER_INPUT', message: `holderId is not a valid ${presented.holderIdType}` } });
      return;
    }
    const checked = now();
    const record = await certificates.get(presented.certificateId);
    const result = await verdict(
      record,
      { idType: presented.holderIdType, id: presented.holderId },
      keys.holderSalt,
      keys.jwks,
      checked.toISOString().slice(0, 10),
    );
    const presentedHash = holderIdHash(keys.holderSalt, presented.holderIdType, presented.holderId);
    const receipt = await signReceipt(
      {
        requestId: caller.requestId,
        requester: { province: caller.province, subject: caller.subject, certThumbprint: caller.certThumbprint },
        purpose: presented.purpose,
        certificateId: presented.certificateId,
        result,
        checkedAt: checked,
        holderIdHash: presentedHash,
      },
      keys.key,
      keys.kid,
      province.id,
    );
    await audit.append({
      kind: 'verification',
      requestId: caller.requestId,
      province: caller.province,
      subject: caller.subject,
      certThumbprint: caller.certThumbprint,
      certificateId: presented.certificateId,
      purpose: presented.purpose,
      holderIdHash: presentedHash,
      result,
    });
    res.json({ result, receipt, receiptKeyId: keys.kid, checkedAt: checked.toISOString() });
  });

  return router;
}
