// The issuing province's seal on an e-certificate (docs/DESIGN.md §3): a compact JWS (RFC 7515 §7.1),
// ES256, whose payload is the canonical issued metadata (certificate.ts). The province publishes
// the public key as its seal JWKS (certs/<province>/seal/jwks.json in the dev PKI), where the
// kid is the key's RFC 7638 JWK thumbprint, so a kid names exactly one key.
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { CompactSign, compactVerify, createLocalJWKSet, errors, type JSONWebKeySet } from 'jose';
import { canonicalCertificateMetadata, validateCertificateRecord, type CertificateRecord, type CertificateRecordWithoutSeal } from './certificate.js';

const SEAL_TYP = 'cert-seal+jws';
const SEAL_ALG = 'ES256';
const SEAL_MAX_LENGTH = 16_384;

export type SealCheck = { ok: true } | { ok: false; reason: string };

// Header parameters that would let the token pick its own key (RFC 7515 §4.1.2–4.1.6); the key
// comes only from the province's published JWKS (RFC 8725 §3.1, §3.10).
const KEY_BEARING_HEADERS = ['jku', 'jwk', 'x5u', 'x5c'] as const;

/** The private key as a KeyObject, refusing anything but EC P-256 (ES256). */
export function es256Key(key: string | KeyObject): KeyObject {
  const k = typeof key === 'string' ? createPrivateKey(key) : key;
  const curve = k.asymmetricKeyDetails?.namedCurve;
  if (k.type !== 'private' || k.asymmetricKeyType !== 'ec' || (curve !== 'prime256v1' && curve !== 'P-256')) {
    throw new Error('seal signing key must be an EC P-256 private key (ES256, RFC 7518 §3.4)');
  }
  return k;
}

/**
 * Seals a certificate record: compact JWS over canonicalCertificateMetadata(rec), header
 * {alg: ES256, kid, typ: cert-seal+jws}. `signingKey`: PKCS#8 PEM (the province's
 * seal/signing.key) or an imported KeyObject. Throws if the record is malformed.
 */
export async function sealCertificate(rec: CertificateRecordWithoutSeal, signingKey: string | KeyObject, kid: string): Promise<string> {
  if (typeof kid !== 'string' || kid.length === 0) throw new Error('seal kid is required');
  const check = validateCertificateRecord({ ...rec, seal: '' });
  if (!check.ok) throw new Error(`cannot seal: ${check.reason}`);
  const payload = new TextEncoder().encode(canonicalCertificateMetadata(rec));
  return new CompactSign(payload).setProtectedHeader({ alg: SEAL_ALG, kid, typ: SEAL_TYP }).sign(es256Key(signingKey));
}

// RFC 7515 §2 uses base64url without padding (RFC 4648 §5). Decoders ignore the unused low bits
// of a segment's last character, so several strings decode to the same bytes; accepting only the
// canonical encoding makes any altered character of a JWS fail, not just most of them.
function isCanonicalBase64url(s: string): boolean {
  return /^[A-Za-z0-9_-]*$/.test(s) && Buffer.from(s, 'base64url').toString('base64url') === s;
}

/** Splits a compact JWS into its three canonical base64url segments, or returns null. */
export function compactJwsSegments(jws: string): [string, string, string] | null {
  const parts = jws.split('.');
  if (parts.length !== 3 || parts.some((p) => p.length === 0 || !isCanonicalBase64url(p))) return null;
  return parts as [string, string, string];
}

const keySets = new WeakMap<JSONWebKeySet, ReturnType<typeof createLocalJWKSet>>();

/**
 * createLocalJWKSet, built once per JWKS object (jose copies the keys when it is built, so a
 * rotated key set must be passed as a new object, not by mutating the old one).
 */
export function localKeySet(jwks: JSONWebKeySet): ReturnType<typeof createLocalJWKSet> {
  let ks = keySets.get(jwks);
  if (!ks) {
    ks = createLocalJWKSet(jwks);
    keySets.set(jwks, ks);
  }
  return ks;
}

function headerProblem(header: Record<string, unknown>, typ: string): string | null {
  if (header.alg !== SEAL_ALG) return 'algorithm not allowed (ES256 only)';
  if (header.typ !== typ) return `wrong typ (expected ${typ})`;
  if (KEY_BEARING_HEADERS.some((h) => h in header)) return 'key-bearing header (jku/jwk/x5u/x5c) refused';
  if ('crit' in header) return 'critical header extensions not supported';
  if (typeof header.kid !== 'string' || header.kid.length === 0) return 'missing kid';
  return null;
}

/** Decodes and checks the protected header of a compact JWS without verifying it. */
export function checkProtectedHeader(segment: string, typ: string): { ok: true; header: Record<string, unknown> } | { ok: false; reason: string } {
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'header is not JSON' };
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) return { ok: false, reason: 'header is not a JSON object' };
  const problem = headerProblem(header as Record<string, unknown>, typ);
  return problem === null ? { ok: true, header: header as Record<string, unknown> } : { ok: false, reason: problem };
}

/** Maps jose verification errors to short reasons that leak nothing. */
export function joseFailure(err: unknown): string {
  if (err instanceof errors.JWKSNoMatchingKey) return 'no published key matches the kid';
  if (err instanceof errors.JWKSMultipleMatchingKeys) return 'several published keys match the kid';
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'signature invalid';
  if (err instanceof errors.JOSEAlgNotAllowed) return 'algorithm not allowed (ES256 only)';
  if (err instanceof errors.JOSEError) return `signature not verifiable (${err.code})`;
  return 'signature not verifiable';
}

/**
 * Verifies a stored record's seal against the issuing province's seal JWKS: the signature
 * (ES256 only, key chosen by kid from `jwks` only) AND that the signed payload is exactly the
 * canonical metadata recomputed from the record, so a stored field altered after sealing fails.
 * The caller picks `jwks` by the record's issuer division code; status fields are not covered
 * (see canonicalCertificateMetadata).
 */
export async function verifySeal(rec: CertificateRecord, jwks: JSONWebKeySet): Promise<SealCheck> {
  const check = validateCertificateRecord(rec);
  if (!check.ok) return { ok: false, reason: check.reason };
  if (rec.seal.length === 0) return { ok: false, reason: 'record has no seal' };
  if (rec.seal.length > SEAL_MAX_LENGTH) return { ok: false, reason: 'seal too long' };
  const segments = compactJwsSegments(rec.seal);
  if (segments === null) return { ok: false, reason: 'seal is not a compact JWS' };
  const header = checkProtectedHeader(segments[0], SEAL_TYP);
  if (!header.ok) return { ok: false, reason: `seal ${header.reason}` };

  let payload: Uint8Array;
  try {
    ({ payload } = await compactVerify(rec.seal, localKeySet(jwks), { algorithms: [SEAL_ALG] }));
  } catch (err) {
    return { ok: false, reason: `seal ${joseFailure(err)}` };
  }
  const expected = Buffer.from(canonicalCertificateMetadata(rec), 'utf8');
  if (!expected.equals(Buffer.from(payload))) return { ok: false, reason: 'sealed metadata does not match the record' };
  return { ok: true };
}
