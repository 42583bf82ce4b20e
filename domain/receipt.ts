// Signing verification receipts (docs/DESIGN.md §1 journey 2, §3), in the issuing province: a
// compact JWS (RFC 7515), ES256, signed with the province's seal key, typ verification-receipt+jwt.
// Node-only (node:crypto for the key, the signature and the request hash). The checks (header, issuer, signature,
// claims) are browser-safe and live in receipt-check.ts, which the console imports too; they are
// re-exported here for the gateway, the subgraphs and the CLI.
import { createHash, type KeyObject } from 'node:crypto';
import { signCompactEs256 } from './es256-jws.js';
import { claimsIssue, issuerClaim, RECEIPT_TYP, type ReceiptResult, receiptClaimsSchema } from './receipt-check.js';

export {
  RECEIPT_RESULTS,
  type ReceiptCheck,
  type ReceiptClaims,
  type ReceiptKeys,
  type ReceiptResult,
  verifyReceipt,
} from './receipt-check.js';

export interface ReceiptRequest {
  certificateId: string;
  purpose: string;
  /** holderIdHash(issuer's salt, idType, presented id) — never the ID itself. */
  holderIdHash: string;
  requesterProvince: string;
  requesterSubject: string;
  requestId: string;
}

/**
 * base64url(SHA-256(canonical JSON of the request)), keys sorted. Binds the receipt to exactly
 * the request the issuer answered (including which holder ID was presented) without carrying the
 * ID: the hash is over the issuer's keyed holder hash, so it cannot be reversed by enumerating IDs.
 */
export function receiptRequestHash(req: ReceiptRequest): string {
  const fields: Record<string, string> = {
    certificateId: req.certificateId,
    holderIdHash: req.holderIdHash,
    purpose: req.purpose,
    requestId: req.requestId,
    requesterProvince: req.requesterProvince,
    requesterSubject: req.requesterSubject,
  };
  for (const [k, v] of Object.entries(fields)) if (typeof v !== 'string') throw new TypeError(`request field ${k} must be a string`);
  const canonical = `{${Object.keys(fields)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${JSON.stringify(fields[k])}`)
    .join(',')}}`;
  return createHash('sha256').update(canonical, 'utf8').digest('base64url');
}

export interface ReceiptInput {
  /** Becomes `jti`. */
  requestId: string;
  requester: { province: string; subject: string; certThumbprint: string };
  purpose: string;
  certificateId: string;
  result: ReceiptResult;
  checkedAt: Date | string;
  holderIdHash: string;
}

/**
 * Signs a receipt as `issuerProvince` (a province id such as "chongqing"): compact JWS with header
 * {alg: ES256, kid, typ: verification-receipt+jwt}. `signingKey`: the province's seal key (PKCS#8
 * PEM or KeyObject). Throws rather than sign malformed claims.
 */
export async function signReceipt(input: ReceiptInput, signingKey: string | KeyObject, kid: string, issuerProvince: string): Promise<string> {
  if (typeof kid !== 'string' || kid.length === 0) throw new Error('receipt kid is required');
  const checked = new Date(input.checkedAt);
  if (Number.isNaN(checked.getTime())) throw new RangeError('checkedAt is not a date');
  if (!/^[0-9a-f]{64}$/.test(input.holderIdHash)) throw new RangeError('holderIdHash must be lower-case hex SHA-256');
  const claims = {
    iss: issuerClaim(issuerProvince),
    jti: input.requestId,
    iat: Math.floor(checked.getTime() / 1000),
    requester: {
      province: input.requester.province,
      subject: input.requester.subject,
      certThumbprint: input.requester.certThumbprint,
    },
    purpose: input.purpose,
    certificateId: input.certificateId,
    result: input.result,
    checkedAt: checked.toISOString(),
    requestHash: receiptRequestHash({
      certificateId: input.certificateId,
      purpose: input.purpose,
      holderIdHash: input.holderIdHash,
      requesterProvince: input.requester.province,
      requesterSubject: input.requester.subject,
      requestId: input.requestId,
    }),
  };
  const parsed = receiptClaimsSchema.safeParse(claims);
  if (!parsed.success) throw new RangeError(`cannot sign receipt: ${claimsIssue(parsed.error)}`);
  return signCompactEs256({ kid, typ: RECEIPT_TYP }, JSON.stringify(parsed.data), signingKey);
}
