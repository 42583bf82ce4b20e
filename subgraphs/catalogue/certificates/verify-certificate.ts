// The issuing province's verdict on a presented certificate (docs/DESIGN.md §1 journey 2).
// Order matters: a record whose seal fails is not trusted for anything else; a wrong holder
// learns nothing about the certificate's status; then revocation, then the validity window.
import type { JSONWebKeySet } from 'jose';
import { holderMatches, type CertificateRecord, type HolderIdType } from '../../../domain/certificate.js';
import { verifySeal } from '../../../domain/certificate-seal.js';
import type { ReceiptResult } from '../../../domain/receipt.js';

export interface PresentedHolder {
  idType: HolderIdType;
  id: string;
}

export async function verdict(
  record: CertificateRecord | null,
  presented: PresentedHolder,
  salt: Uint8Array,
  sealJwks: JSONWebKeySet,
  today: string,
): Promise<ReceiptResult> {
  if (!record) return 'NOT_FOUND';
  if (!(await verifySeal(record, sealJwks)).ok) return 'SEAL_INVALID';
  if (!holderMatches(record.holder, salt, presented.idType, presented.id)) return 'HOLDER_MISMATCH';
  if (record.status !== 'VALID') return 'REVOKED';
  if (record.validFrom > today || (record.validTo !== null && record.validTo < today)) return 'EXPIRED';
  return 'VALID';
}
