// Verification receipts (docs/DESIGN.md §1 journey 2, §3): the issuing province's signed answer to
// "is this certificate valid for this holder?", which a counter in the other province can check
// offline against the issuer's published seal JWKS. A compact JWS (RFC 7515), ES256, signed with
// the province's seal key; typ distinguishes it from a certificate seal made with the same key.
//
// ISSUER_UNAVAILABLE is deliberately not a receipt result: when the issuing province cannot be
// reached there is nobody to sign, and the gateway says so without a receipt.
import { createHash, type KeyObject } from 'node:crypto';
import { CompactSign, compactVerify, type JSONWebKeySet } from 'jose';
import { z } from 'zod';
import { isValidCertificateId } from './certificate-id.js';
import { checkProtectedHeader, compactJwsSegments, es256Key, joseFailure, localKeySet } from './certificate-seal.js';

export const RECEIPT_RESULTS = ['VALID', 'EXPIRED', 'REVOKED', 'NOT_FOUND', 'HOLDER_MISMATCH', 'SEAL_INVALID'] as const;
export type ReceiptResult = (typeof RECEIPT_RESULTS)[number];

const RECEIPT_TYP = 'verification-receipt+jwt';
const RECEIPT_ALG = 'ES256';
const RECEIPT_MAX_LENGTH = 8192;

const ISSUER_PREFIX = 'province:';
// Same grammar as a province id in config (common/config.ts).
const PROVINCE_ID = /^[a-z][a-z0-9-]{1,30}$/;

function receiptIssuer(provinceId: string): string {
  if (!PROVINCE_ID.test(provinceId)) throw new RangeError('invalid province id');
  return `${ISSUER_PREFIX}${provinceId}`;
}

// ---------------------------------------------------------------------------------------------
// Claims

const provinceId = z.string().regex(PROVINCE_ID);
// RFC 8705 §3.1 x5t#S256 and our request hash: base64url (no padding) of a SHA-256 digest.
const sha256b64url = z.string().regex(/^[A-Za-z0-9_-]{43}$/);

const receiptClaimsSchema = z.strictObject({
  iss: z.string().regex(/^province:[a-z][a-z0-9-]{1,30}$/),
  jti: z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/),
  iat: z.number().int().min(0),
  requester: z.strictObject({
    province: provinceId,
    subject: z.string().min(1).max(256),
    certThumbprint: sha256b64url,
  }),
  purpose: z.string().min(1).max(500),
  certificateId: z.string().refine(isValidCertificateId, 'not a valid GB/T 36904 identifier'),
  result: z.enum(RECEIPT_RESULTS),
  checkedAt: z.iso.datetime(),
  requestHash: sha256b64url,
});

export type ReceiptClaims = z.infer<typeof receiptClaimsSchema>;

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

function issues(error: z.ZodError): string {
  const first = error.issues[0];
  return `${first?.path.join('.') || '(root)'}: ${first?.message ?? 'invalid'}`;
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
    iss: receiptIssuer(issuerProvince),
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
  if (!parsed.success) throw new RangeError(`cannot sign receipt: ${issues(parsed.error)}`);
  return new CompactSign(new TextEncoder().encode(JSON.stringify(parsed.data)))
    .setProtectedHeader({ alg: RECEIPT_ALG, kid, typ: RECEIPT_TYP })
    .sign(es256Key(signingKey));
}

// ---------------------------------------------------------------------------------------------
// Verification

export type ReceiptKeys = Record<string, JSONWebKeySet> | ((province: string) => JSONWebKeySet | undefined);

export type ReceiptCheck = { ok: true; claims: ReceiptClaims; province: string; kid: string } | { ok: false; reason: string };

const fail = (reason: string): ReceiptCheck => ({ ok: false, reason });

function keysFor(keys: ReceiptKeys, province: string): JSONWebKeySet | undefined {
  if (typeof keys === 'function') return keys(province);
  // Own properties only: "constructor" or "__proto__" must not reach an inherited object.
  return Object.hasOwn(keys, province) ? keys[province] : undefined;
}

/**
 * Verifies a receipt offline. Header: typ verification-receipt+jwt, alg ES256 only (so `none` and
 * HMAC-with-the-public-key are refused, RFC 8725 §2.1, §3.1), no jku/jwk/x5u/x5c, a kid. The key
 * set is chosen by the province named in `iss`, from `jwksByProvince` only; then the signature is
 * verified and the claims checked with a strict schema. Reasons never quote the receipt.
 */
export async function verifyReceipt(receipt: string, jwksByProvince: ReceiptKeys): Promise<ReceiptCheck> {
  if (typeof receipt !== 'string') return fail('receipt must be a string');
  if (receipt.length === 0) return fail('receipt is empty');
  if (receipt.length > RECEIPT_MAX_LENGTH) return fail(`receipt longer than ${RECEIPT_MAX_LENGTH} characters`);
  const segments = compactJwsSegments(receipt);
  if (segments === null) return fail('not a compact JWS (three canonical base64url segments)');
  const header = checkProtectedHeader(segments[0], RECEIPT_TYP);
  if (!header.ok) return fail(header.reason);

  // The issuer is read before verification only to choose whose keys verify it; the claims are
  // trusted only after the signature checks out against that province's keys.
  let unverified: unknown;
  try {
    unverified = JSON.parse(Buffer.from(segments[1], 'base64url').toString('utf8'));
  } catch {
    return fail('payload is not JSON');
  }
  const iss = (unverified as { iss?: unknown } | null)?.iss;
  if (typeof iss !== 'string' || !iss.startsWith(ISSUER_PREFIX) || !PROVINCE_ID.test(iss.slice(ISSUER_PREFIX.length))) {
    return fail('iss does not name a province');
  }
  const province = iss.slice(ISSUER_PREFIX.length);
  const jwks = keysFor(jwksByProvince, province);
  if (!jwks || !Array.isArray(jwks.keys)) return fail('no published seal keys for the issuing province');

  let payload: Uint8Array;
  try {
    ({ payload } = await compactVerify(receipt, localKeySet(jwks), { algorithms: [RECEIPT_ALG] }));
  } catch (err) {
    return fail(joseFailure(err));
  }
  let claims: unknown;
  try {
    claims = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload));
  } catch {
    return fail('payload is not JSON');
  }
  const parsed = receiptClaimsSchema.safeParse(claims);
  if (!parsed.success) return fail(`claims malformed: ${issues(parsed.error)}`);
  if (parsed.data.iss !== iss) return fail('iss changed during verification');
  if (parsed.data.iat !== Math.floor(Date.parse(parsed.data.checkedAt) / 1000)) return fail('iat does not match checkedAt');
  return { ok: true, claims: parsed.data, province, kid: header.header.kid as string };
}
