// Browser-safe checks of a compact JWS (RFC 7515 §7.1) made by a province's seal key: the
// certificate seal (certificate-seal.ts) and the verification receipt (receipt-check.ts) share them.
// No Node API here (jose's base64url and TextDecoder, not Buffer), so the console imports them too.
import { base64url, createLocalJWKSet, errors, type JSONWebKeySet } from 'jose';

const JWS_ALG = 'ES256';

// Header parameters that would let the token pick its own key (RFC 7515 §4.1.2–4.1.6); the key
// comes only from the province's published JWKS (RFC 8725 §3.1, §3.10).
const KEY_BEARING_HEADERS = ['jku', 'jwk', 'x5u', 'x5c'] as const;

// Not fatal, and a leading BOM is kept (so JSON.parse refuses it): as Buffer's toString('utf8').
const lenientUtf8 = new TextDecoder('utf-8', { ignoreBOM: true });

/**
 * A segment decoded as UTF-8 text, invalid sequences replaced (U+FFFD). Throws if it is not
 * base64url; call on segments compactJwsSegments returned.
 */
export function segmentText(segment: string): string {
  return lenientUtf8.decode(base64url.decode(segment));
}

// RFC 7515 §2 uses base64url without padding (RFC 4648 §5). Decoders ignore the unused low bits
// of a segment's last character, so several strings decode to the same bytes; accepting only the
// canonical encoding makes any altered character of a JWS fail, not just most of them. Checked on
// the characters (no decode and re-encode: the issuer runs this on every seal it verifies): a length
// of 4n+1 is never an encoding, and the last character of a 4n+2 or 4n+3 segment carries 4 or 2
// unused bits, which must be zero (RFC 4648 §3.5).
const BASE64URL = /^[A-Za-z0-9_-]*$/;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

export function isCanonicalBase64url(s: string): boolean {
  if (!BASE64URL.test(s)) return false;
  const rest = s.length % 4;
  if (rest === 1) return false;
  if (rest === 0) return true;
  const last = ALPHABET.indexOf(s[s.length - 1]!);
  return (last & (rest === 2 ? 0b1111 : 0b11)) === 0;
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
  if (header.alg !== JWS_ALG) return 'algorithm not allowed (ES256 only)';
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
    header = JSON.parse(segmentText(segment));
  } catch {
    return { ok: false, reason: 'header is not JSON' };
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) return { ok: false, reason: 'header is not a JSON object' };
  const problem = headerProblem(header as Record<string, unknown>, typ);
  return problem === null ? { ok: true, header: header as Record<string, unknown> } : { ok: false, reason: problem };
}

/** Short reasons for a JWS that does not verify; they leak nothing. */
export const JWS_FAILURE = {
  noKey: 'no published key matches the kid',
  severalKeys: 'several published keys match the kid',
  signature: 'signature invalid',
} as const;

/** Maps jose verification errors to those reasons. */
export function joseFailure(err: unknown): string {
  if (err instanceof errors.JWKSNoMatchingKey) return JWS_FAILURE.noKey;
  if (err instanceof errors.JWKSMultipleMatchingKeys) return JWS_FAILURE.severalKeys;
  if (err instanceof errors.JWSSignatureVerificationFailed) return JWS_FAILURE.signature;
  if (err instanceof errors.JOSEAlgNotAllowed) return 'algorithm not allowed (ES256 only)';
  if (err instanceof errors.JOSEError) return `signature not verifiable (${err.code})`;
  return 'signature not verifiable';
}
