// Checking a verification receipt (docs/DESIGN.md §1 journey 2, §3): the issuing province's signed
// answer to "is this certificate valid for this holder?", a compact JWS (RFC 7515), ES256, signed with
// the province's seal key, which a counter in the other province checks offline against the issuer's
// published seal JWKS. Browser-safe (no Node API): the gateway, the CLI (scripts/receipt-verify.ts)
// and the console all check receipts here; signing (node:crypto) is in receipt.ts.
//
// ISSUER_UNAVAILABLE is deliberately not a receipt result: when the issuing province cannot be
// reached there is nobody to sign, and the gateway says so without a receipt.
import { compactVerify, type JSONWebKeySet } from 'jose';
import { z } from 'zod';
import { isValidCertificateId } from './certificate-id.js';
import { checkProtectedHeader, compactJwsSegments, joseFailure, localKeySet, segmentText } from './jws.js';

export const RECEIPT_RESULTS = ['VALID', 'EXPIRED', 'REVOKED', 'NOT_FOUND', 'HOLDER_MISMATCH', 'SEAL_INVALID'] as const;
export type ReceiptResult = (typeof RECEIPT_RESULTS)[number];

/** typ distinguishes a receipt from a certificate seal made with the same key. */
export const RECEIPT_TYP = 'verification-receipt+jwt';
export const RECEIPT_ALG = 'ES256';
const RECEIPT_MAX_LENGTH = 8192;

const ISSUER_PREFIX = 'province:';
// Same grammar as a province id in config (common/config.ts).
const PROVINCE_ID = /^[a-z][a-z0-9-]{1,30}$/;

/** The `iss` of a receipt signed by `provinceId` ("chongqing" → "province:chongqing"). */
export function issuerClaim(provinceId: string): string {
  if (!PROVINCE_ID.test(provinceId)) throw new RangeError('invalid province id');
  return `${ISSUER_PREFIX}${provinceId}`;
}

/** The province an `iss` value names, or null. */
function issuerProvince(iss: unknown): string | null {
  if (typeof iss !== 'string' || !iss.startsWith(ISSUER_PREFIX)) return null;
  const province = iss.slice(ISSUER_PREFIX.length);
  return PROVINCE_ID.test(province) ? province : null;
}

// ---------------------------------------------------------------------------------------------
// Claims

const provinceId = z.string().regex(PROVINCE_ID);
// RFC 8705 §3.1 x5t#S256 and our request hash: base64url (no padding) of a SHA-256 digest.
const sha256b64url = z.string().regex(/^[A-Za-z0-9_-]{43}$/);

export const receiptClaimsSchema = z.strictObject({
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

/** The first issue, as "path: message" (never the value). */
export function claimsIssue(error: z.ZodError): string {
  const first = error.issues[0];
  return `${first?.path.join('.') || '(root)'}: ${first?.message ?? 'invalid'}`;
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
 * The province a receipt names as its issuer, unverified: only to choose (or fetch) whose keys
 * verifyReceipt is given. Null when it is not a compact JWS or names no province.
 */
export function receiptIssuer(receipt: string): string | null {
  const segments = typeof receipt === 'string' ? compactJwsSegments(receipt) : null;
  if (!segments) return null;
  try {
    return issuerProvince((JSON.parse(segmentText(segments[1])) as { iss?: unknown } | null)?.iss);
  } catch {
    return null;
  }
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
    unverified = JSON.parse(segmentText(segments[1]));
  } catch {
    return fail('payload is not JSON');
  }
  const iss = (unverified as { iss?: unknown } | null)?.iss;
  const province = issuerProvince(iss);
  if (province === null) return fail('iss does not name a province');
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
  if (!parsed.success) return fail(`claims malformed: ${claimsIssue(parsed.error)}`);
  if (parsed.data.iss !== iss) return fail('iss changed during verification');
  if (parsed.data.iat !== Math.floor(Date.parse(parsed.data.checkedAt) / 1000)) return fail('iat does not match checkedAt');
  return { ok: true, claims: parsed.data, province, kid: header.header.kid as string };
}
