// Checks a verification receipt in the browser, offline: the same checks as domain/receipt.ts
// verifyReceipt (which the command line and the gateway use, but which needs node:crypto and Buffer
// for signing), with jose's browser build. The compact JWS's header must be {alg: ES256, typ:
// verification-receipt+jwt, kid} with no key-bearing or critical members; the key set is chosen by
// the province `iss` names, from the keys given for it only; then the signature, then the claims with
// a strict shape. test/browser/receipt-check.test.ts holds both verifiers to the same answers.
import { base64url, compactVerify, createLocalJWKSet, errors, type JSONWebKeySet } from 'jose';
import { isValidCertificateId } from '../../domain/certificate-id.js';

export const RECEIPT_RESULTS = ['VALID', 'EXPIRED', 'REVOKED', 'NOT_FOUND', 'HOLDER_MISMATCH', 'SEAL_INVALID'] as const;

export interface ReceiptClaims {
  iss: string;
  jti: string;
  iat: number;
  requester: { province: string; subject: string; certThumbprint: string };
  purpose: string;
  certificateId: string;
  result: (typeof RECEIPT_RESULTS)[number];
  checkedAt: string;
  requestHash: string;
}

export type ReceiptCheck = { ok: true; claims: ReceiptClaims; province: string; kid: string } | { ok: false; reason: string };

const RECEIPT_TYP = 'verification-receipt+jwt';
const RECEIPT_ALG = 'ES256';
const RECEIPT_MAX_LENGTH = 8192;
const ISSUER_PREFIX = 'province:';
const PROVINCE_ID = /^[a-z][a-z0-9-]{1,30}$/;
const SHA256_B64URL = /^[A-Za-z0-9_-]{43}$/;
const KEY_BEARING_HEADERS = ['jku', 'jwk', 'x5u', 'x5c'] as const;

const fail = (reason: string): ReceiptCheck => ({ ok: false, reason });

function decodeSegment(s: string): Uint8Array | null {
  try {
    return base64url.decode(s);
  } catch {
    return null;
  }
}

// RFC 7515 §2: base64url without padding; only the canonical encoding of each segment is accepted,
// so any altered character fails (as domain/certificate-seal.ts compactJwsSegments).
function compactJwsSegments(jws: string): [string, string, string] | null {
  const parts = jws.split('.');
  if (parts.length !== 3) return null;
  for (const p of parts) {
    if (p.length === 0 || !/^[A-Za-z0-9_-]*$/.test(p)) return null;
    const bytes = decodeSegment(p);
    if (bytes === null || base64url.encode(bytes) !== p) return null;
  }
  return parts as [string, string, string];
}

const utf8 = (bytes: Uint8Array, fatal = false) => new TextDecoder('utf-8', { fatal }).decode(bytes);

function headerProblem(header: Record<string, unknown>): string | null {
  if (header.alg !== RECEIPT_ALG) return 'algorithm not allowed (ES256 only)';
  if (header.typ !== RECEIPT_TYP) return `wrong typ (expected ${RECEIPT_TYP})`;
  if (KEY_BEARING_HEADERS.some((h) => h in header)) return 'key-bearing header (jku/jwk/x5u/x5c) refused';
  if ('crit' in header) return 'critical header extensions not supported';
  if (typeof header.kid !== 'string' || header.kid.length === 0) return 'missing kid';
  return null;
}

function joseFailure(err: unknown): string {
  if (err instanceof errors.JWKSNoMatchingKey) return 'no published key matches the kid';
  if (err instanceof errors.JWKSMultipleMatchingKeys) return 'several published keys match the kid';
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'signature invalid';
  if (err instanceof errors.JOSEAlgNotAllowed) return 'algorithm not allowed (ES256 only)';
  if (err instanceof errors.JOSEError) return `signature not verifiable (${err.code})`;
  return 'signature not verifiable';
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const hasExactly = (o: Record<string, unknown>, keys: readonly string[]) => Object.keys(o).length === keys.length && keys.every((k) => Object.hasOwn(o, k));
const isString = (v: unknown, min: number, max: number) => typeof v === 'string' && v.length >= min && v.length <= max;
// zod's z.iso.datetime(): UTC ('Z'), seconds required, any sub-second precision.
const ISO_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

const CLAIM_KEYS = ['iss', 'jti', 'iat', 'requester', 'purpose', 'certificateId', 'result', 'checkedAt', 'requestHash'] as const;
const REQUESTER_KEYS = ['province', 'subject', 'certThumbprint'] as const;

/** The first claim that is malformed, named as domain/receipt.ts names it, or null. */
function claimsProblem(c: unknown): string | null {
  if (!isObject(c)) return '(root): not an object';
  const extra = Object.keys(c).find((k) => !(CLAIM_KEYS as readonly string[]).includes(k));
  if (extra !== undefined) return '(root): unrecognized key';
  if (typeof c.iss !== 'string' || !/^province:[a-z][a-z0-9-]{1,30}$/.test(c.iss)) return 'iss: invalid';
  if (typeof c.jti !== 'string' || !/^[A-Za-z0-9._:-]{1,128}$/.test(c.jti)) return 'jti: invalid';
  if (typeof c.iat !== 'number' || !Number.isSafeInteger(c.iat) || c.iat < 0) return 'iat: invalid';
  const r = c.requester;
  if (!isObject(r) || !hasExactly(r, REQUESTER_KEYS)) return 'requester: invalid';
  if (typeof r.province !== 'string' || !PROVINCE_ID.test(r.province)) return 'requester.province: invalid';
  if (!isString(r.subject, 1, 256)) return 'requester.subject: invalid';
  if (typeof r.certThumbprint !== 'string' || !SHA256_B64URL.test(r.certThumbprint)) return 'requester.certThumbprint: invalid';
  if (!isString(c.purpose, 1, 500)) return 'purpose: invalid';
  if (typeof c.certificateId !== 'string' || !isValidCertificateId(c.certificateId)) return 'certificateId: not a valid GB/T 36904 identifier';
  if (typeof c.result !== 'string' || !(RECEIPT_RESULTS as readonly string[]).includes(c.result)) return 'result: invalid';
  if (typeof c.checkedAt !== 'string' || !ISO_DATETIME.test(c.checkedAt) || Number.isNaN(Date.parse(c.checkedAt))) return 'checkedAt: invalid';
  if (typeof c.requestHash !== 'string' || !SHA256_B64URL.test(c.requestHash)) return 'requestHash: invalid';
  return null;
}

/** The province a receipt names as its issuer (unverified: only to choose whose keys to fetch). */
export function receiptIssuer(receipt: string): string | null {
  const segments = typeof receipt === 'string' ? compactJwsSegments(receipt) : null;
  if (!segments) return null;
  try {
    const iss = (JSON.parse(utf8(base64url.decode(segments[1]))) as { iss?: unknown } | null)?.iss;
    if (typeof iss !== 'string' || !iss.startsWith(ISSUER_PREFIX)) return null;
    const province = iss.slice(ISSUER_PREFIX.length);
    return PROVINCE_ID.test(province) ? province : null;
  } catch {
    return null;
  }
}

/** Verifies a receipt against the seal keys of the province its `iss` names (`keysFor` gives them). */
export async function checkReceipt(receipt: string, keysFor: (province: string) => JSONWebKeySet | undefined): Promise<ReceiptCheck> {
  if (typeof receipt !== 'string') return fail('receipt must be a string');
  if (receipt.length === 0) return fail('receipt is empty');
  if (receipt.length > RECEIPT_MAX_LENGTH) return fail(`receipt longer than ${RECEIPT_MAX_LENGTH} characters`);
  const segments = compactJwsSegments(receipt);
  if (segments === null) return fail('not a compact JWS (three canonical base64url segments)');

  let header: unknown;
  try {
    header = JSON.parse(utf8(base64url.decode(segments[0])));
  } catch {
    return fail('header is not JSON');
  }
  if (!isObject(header)) return fail('header is not a JSON object');
  const problem = headerProblem(header);
  if (problem) return fail(problem);

  let unverified: unknown;
  try {
    unverified = JSON.parse(utf8(base64url.decode(segments[1])));
  } catch {
    return fail('payload is not JSON');
  }
  const iss = (unverified as { iss?: unknown } | null)?.iss;
  if (typeof iss !== 'string' || !iss.startsWith(ISSUER_PREFIX) || !PROVINCE_ID.test(iss.slice(ISSUER_PREFIX.length)))
    return fail('iss does not name a province');
  const province = iss.slice(ISSUER_PREFIX.length);
  const jwks = keysFor(province);
  if (!jwks || !Array.isArray(jwks.keys)) return fail('no published seal keys for the issuing province');

  let payload: Uint8Array;
  try {
    ({ payload } = await compactVerify(receipt, createLocalJWKSet(jwks), { algorithms: [RECEIPT_ALG] }));
  } catch (err) {
    return fail(joseFailure(err));
  }
  let claims: unknown;
  try {
    claims = JSON.parse(utf8(payload, true));
  } catch {
    return fail('payload is not JSON');
  }
  const malformed = claimsProblem(claims);
  if (malformed) return fail(`claims malformed: ${malformed}`);
  const c = claims as ReceiptClaims;
  if (c.iss !== iss) return fail('iss changed during verification');
  if (c.iat !== Math.floor(Date.parse(c.checkedAt) / 1000)) return fail('iat does not match checkedAt');
  return { ok: true, claims: c, province, kid: header.kid as string };
}
