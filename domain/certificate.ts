// The e-certificate record (电子证照), a subset of the GB/T 36903-2018 metadata (docs/DESIGN.md §3):
// identifier, type, number, name, issuer, defining authority, dates, holder, status and the
// issuing province's seal over the issued metadata.
//
// A holder's ID number is never stored in clear: the record keeps a keyed hash (to check the ID a
// counter presents) and a masked form (to show a clerk which holder it is).
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { parseCertificateId } from './certificate-id.js';
import { isValidUscc } from './uscc.js';

export const HOLDER_ID_TYPES = ['RESIDENT_ID', 'USCC', 'PASSPORT'] as const;
export type HolderIdType = (typeof HOLDER_ID_TYPES)[number];

export const CERTIFICATE_STATUSES = ['VALID', 'REVOKED', 'SUSPENDED'] as const;
export type CertificateStatus = (typeof CERTIFICATE_STATUSES)[number];

export interface CertificateHolder {
  name: string;
  idType: HolderIdType;
  /** holderIdHash(salt, idType, id): lower-case hex HMAC-SHA256. */
  idHash: string;
  /** maskHolderId(idType, id). */
  idMasked: string;
}

export interface CertificateRecord {
  /** GB/T 36904 identifier (电子证照标识). */
  id: string;
  typeCode: string;
  typeName: string;
  /** 证照编号: the number printed on the certificate. */
  number: string;
  /** 证照名称. */
  name: string;
  issuerName: string;
  /** Issuer's GB 32100 USCC (证照颁发机构代码). */
  issuerCode: string;
  /** GB/T 2260 code: characters 3–8 of issuerCode. */
  issuerDivisionCode: string;
  /** 证照定义机构. */
  definingAuthority: string;
  /** Dates as YYYY-MM-DD. */
  issueDate: string;
  validFrom: string;
  /** null: open-ended (长期有效). */
  validTo: string | null;
  holder: CertificateHolder;
  status: CertificateStatus;
  /** ISO 8601 instant; set iff status is REVOKED. */
  revokedAt: string | null;
  revocationReason: string | null;
  /** Compact JWS by the issuing province over canonicalCertificateMetadata (certificate-seal.ts). */
  seal: string;
}

export type CertificateRecordWithoutSeal = Omit<CertificateRecord, 'seal'>;

// ---------------------------------------------------------------------------------------------
// Resident identity numbers (公民身份号码), GB 11643-1999:
//   pos 1–6 GB/T 2260 address code, 7–14 birth date YYYYMMDD, 15–17 sequence (odd: male),
//   18 check character, ISO/IEC 7064 MOD 11-2.

// ISO/IEC 7064 MOD 11-2 (pure system, radix 2): weight of position i (1-based) is 2^(18−i) mod 11.
const RESIDENT_WEIGHTS: readonly number[] = Array.from({ length: 17 }, (_, i) => 2 ** (17 - i) % 11);

/** The GB 11643 check character for the first 17 digits. Throws RangeError on anything else. */
export function residentIdCheckChar(first17: string): string {
  if (typeof first17 !== 'string' || !/^\d{17}$/.test(first17)) throw new RangeError('expected 17 digits');
  let sum = 0;
  for (let i = 0; i < 17; i += 1) sum += Number(first17.charAt(i)) * (RESIDENT_WEIGHTS[i] as number);
  // MOD 11-2: the check c makes (Σ + c) ≡ 1 (mod 11); the value 10 is written X.
  const c = (12 - (sum % 11)) % 11;
  return c === 10 ? 'X' : String(c);
}

/**
 * GB 11643-1999 validation of an 18-character resident ID in canonical form (upper-case X):
 * address code starting 1–8 (GB/T 2260 regions), a real birth date from 1800 on (the standard's
 * own example, 440524188001010014, was born in 1880), check character. Does not read the clock,
 * so a birth date in the future is not refused here.
 */
export function isValidResidentId(id: string): boolean {
  if (typeof id !== 'string' || !/^[1-8]\d{16}[0-9X]$/.test(id)) return false;
  const y = Number(id.slice(6, 10));
  const m = Number(id.slice(10, 12));
  const d = Number(id.slice(12, 14));
  if (y < 1800 || y > 2099) return false;
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return false;
  return residentIdCheckChar(id.slice(0, 17)) === id.charAt(17);
}

// ---------------------------------------------------------------------------------------------
// Holder IDs: normalisation, keyed hash, mask

/**
 * The form that is hashed and masked: whitespace removed and upper-cased, so "…123x" typed at a
 * counter matches "…123X" on record (GB 11643 writes the check value 10 as upper-case X).
 */
export function normalizeHolderId(idType: HolderIdType, id: string): string {
  if (!(HOLDER_ID_TYPES as readonly string[]).includes(idType)) throw new RangeError('unknown holder ID type');
  if (typeof id !== 'string') throw new TypeError('holder ID must be a string');
  return id.replace(/\s+/g, '').toUpperCase();
}

/** Whether a (normalised) ID is well formed for its type. */
export function isValidHolderId(idType: HolderIdType, id: string): boolean {
  const n = normalizeHolderId(idType, id);
  switch (idType) {
    case 'RESIDENT_ID':
      return isValidResidentId(n);
    case 'USCC':
      return isValidUscc(n);
    case 'PASSPORT':
      // ICAO Doc 9303 document numbers: up to 9 characters in the MRZ; national formats vary.
      return /^[A-Z0-9]{5,20}$/.test(n);
    default:
      return false;
  }
}

const MIN_SALT_BYTES = 16;

/**
 * HMAC-SHA256(salt, idType + ':' + normalised id) as lower-case hex. The salt is the issuing
 * province's secret: resident IDs have little entropy (region, birth date, 3 digits), so an
 * unkeyed hash could be reversed by enumeration. The idType is bound in so that the same string
 * under two ID types never collides.
 */
export function holderIdHash(salt: string | Uint8Array, idType: HolderIdType, id: string): string {
  const key = typeof salt === 'string' ? Buffer.from(salt, 'utf8') : Buffer.from(salt);
  if (key.length < MIN_SALT_BYTES) throw new RangeError(`holder ID salt must be at least ${MIN_SALT_BYTES} bytes`);
  return createHmac('sha256', key)
    .update(`${idType}:${normalizeHolderId(idType, id)}`, 'utf8')
    .digest('hex');
}

/** Whether a presented ID is the holder's, compared in constant time. */
export function holderMatches(holder: Pick<CertificateHolder, 'idType' | 'idHash'>, salt: string | Uint8Array, idType: HolderIdType, id: string): boolean {
  if (holder.idType !== idType) return false;
  const a = Buffer.from(holderIdHash(salt, idType, id), 'hex');
  const b = Buffer.from(/^[0-9a-f]{64}$/.test(holder.idHash) ? holder.idHash : '', 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

// Characters kept in clear at each end. Resident ID: address code and the last four (the way
// Chinese government services display them); USCC: authority, category and province prefix, and
// the last two; passport: two at each end.
const MASK_KEEP: Readonly<Record<HolderIdType, readonly [number, number]>> = {
  RESIDENT_ID: [6, 4],
  USCC: [4, 2],
  PASSPORT: [2, 2],
};

/** e.g. 510104********1234, 9151************3X, E1*****78. */
export function maskHolderId(idType: HolderIdType, id: string): string {
  const n = normalizeHolderId(idType, id);
  const [head, tail] = MASK_KEEP[idType];
  // An unexpectedly short value would be mostly shown: mask it whole if under a third is hidden.
  if (n.length - head - tail < Math.ceil(n.length / 3)) return '*'.repeat(n.length);
  return n.slice(0, head) + '*'.repeat(n.length - head - tail) + n.slice(n.length - tail);
}

// ---------------------------------------------------------------------------------------------
// Record validation

const text = (max: number) => z.string().min(1).max(max);
const isoDate = z.iso.date();

const holderSchema = z.object({
  name: text(200),
  idType: z.enum(HOLDER_ID_TYPES),
  idHash: z.string().regex(/^[0-9a-f]{64}$/, 'lower-case hex SHA-256'),
  idMasked: text(64),
});

const certificateRecordSchema = z
  .object({
    id: z.string().max(128),
    typeCode: z.string().regex(/^[0-9A-Z]{21}$/),
    typeName: text(200),
    number: text(200),
    name: text(200),
    issuerName: text(200),
    issuerCode: z.string().refine(isValidUscc, 'not a valid USCC'),
    issuerDivisionCode: z.string().regex(/^\d{6}$/),
    definingAuthority: text(200),
    issueDate: isoDate,
    validFrom: isoDate,
    validTo: isoDate.nullable(),
    holder: holderSchema,
    status: z.enum(CERTIFICATE_STATUSES),
    revokedAt: z.iso.datetime({ offset: true }).nullable(),
    revocationReason: text(500).nullable(),
    seal: z.string().max(16_384),
  })
  .superRefine((r, ctx) => {
    const id = parseCertificateId(r.id);
    if (!id.ok) {
      ctx.addIssue({ code: 'custom', path: ['id'], message: id.reason });
      return;
    }
    // The identifier repeats the type and issuer (GB/T 36904); a record that disagrees with its
    // own identifier would route or display as something it is not.
    if (id.value.typeCode !== r.typeCode) ctx.addIssue({ code: 'custom', path: ['typeCode'], message: 'differs from the identifier' });
    if (id.value.issuerCode !== r.issuerCode) ctx.addIssue({ code: 'custom', path: ['issuerCode'], message: 'differs from the identifier' });
    if (id.value.divisionCode !== r.issuerDivisionCode) {
      ctx.addIssue({ code: 'custom', path: ['issuerDivisionCode'], message: 'differs from the issuer code' });
    }
    if (r.validTo !== null && r.validTo < r.validFrom) ctx.addIssue({ code: 'custom', path: ['validTo'], message: 'before validFrom' });
    if ((r.status === 'REVOKED') !== (r.revokedAt !== null)) {
      ctx.addIssue({ code: 'custom', path: ['revokedAt'], message: 'set if and only if the status is REVOKED' });
    }
    if (r.status === 'REVOKED' && r.revocationReason === null) {
      ctx.addIssue({ code: 'custom', path: ['revocationReason'], message: 'required for a revoked certificate' });
    }
  });

export type RecordCheck = { ok: true; value: CertificateRecord } | { ok: false; reason: string };

/** Shape and consistency check of a stored record; the reason names fields, never values. */
export function validateCertificateRecord(rec: unknown): RecordCheck {
  const r = certificateRecordSchema.safeParse(rec);
  if (r.success) return { ok: true, value: r.data as CertificateRecord };
  const first = r.error.issues[0];
  return { ok: false, reason: `record ${first?.path.join('.') || '(root)'}: ${first?.message ?? 'invalid'}` };
}

// ---------------------------------------------------------------------------------------------
// Canonical metadata (what the seal covers)

/** JSON with keys sorted at every level; only strings, null and plain objects occur here. */
function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'object' && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    return `{${Object.keys(obj)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`)
      .join(',')}}`;
  }
  throw new TypeError('canonical metadata holds only strings, null and objects');
}

function str(v: unknown, field: string): string {
  if (typeof v !== 'string') throw new TypeError(`certificate field ${field} must be a string`);
  return v;
}

/**
 * The bytes the issuing province seals: what the issuer certified at issue time (GB/T 36903
 * metadata) — identifier, type, number, name, issuer, defining authority, dates, and the holder's
 * name, ID type, ID hash and masked ID. Fields are picked explicitly, so a storage column added
 * later can never silently change what a seal covers.
 *
 * Status, revokedAt and revocationReason are excluded: revocation or suspension is a later state
 * change by the issuer, not part of the issued metadata, so a certificate's seal stays valid when
 * it is revoked, and its status is checked from the issuer's live record instead.
 *
 * Keys are sorted and strings written by JSON.stringify (UTF-8, no insignificant whitespace); for
 * values that are only strings and null this is the RFC 8785 (JCS) serialisation.
 */
export function canonicalCertificateMetadata(rec: CertificateRecordWithoutSeal): string {
  const h = rec.holder;
  if (h === null || typeof h !== 'object') throw new TypeError('certificate field holder must be an object');
  if (rec.validTo !== null && typeof rec.validTo !== 'string') throw new TypeError('certificate field validTo must be a string or null');
  return canonicalJson({
    id: str(rec.id, 'id'),
    typeCode: str(rec.typeCode, 'typeCode'),
    typeName: str(rec.typeName, 'typeName'),
    number: str(rec.number, 'number'),
    name: str(rec.name, 'name'),
    issuerName: str(rec.issuerName, 'issuerName'),
    issuerCode: str(rec.issuerCode, 'issuerCode'),
    issuerDivisionCode: str(rec.issuerDivisionCode, 'issuerDivisionCode'),
    definingAuthority: str(rec.definingAuthority, 'definingAuthority'),
    issueDate: str(rec.issueDate, 'issueDate'),
    validFrom: str(rec.validFrom, 'validFrom'),
    validTo: rec.validTo,
    holder: {
      name: str(h.name, 'holder.name'),
      idType: str(h.idType, 'holder.idType'),
      idHash: str(h.idHash, 'holder.idHash'),
      idMasked: str(h.idMasked, 'holder.idMasked'),
    },
  });
}
