// Proof Key for Code Exchange (RFC 7636), S256 only: the page keeps a random code_verifier, sends
// BASE64URL(SHA256(verifier)) as code_challenge with the authorization request, and the verifier
// with the token request, so a code intercepted on its way back (RFC 7636 §1) is useless alone.
// "plain" is refused: it gives nothing against an attacker who sees the authorization request.
import { createHash, timingSafeEqual } from 'node:crypto';

/** RFC 7636 §4.1: 43–128 characters of [A-Z a-z 0-9 - . _ ~]. */
const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;
/** RFC 7636 §4.2: BASE64URL (no padding) of a SHA-256 digest: 43 characters. */
const CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

export const isCodeVerifier = (v: string) => VERIFIER.test(v);
export const isS256Challenge = (c: string) => CHALLENGE.test(c);

/** RFC 7636 §4.2 code_challenge for a verifier (what a client computes). */
export function s256Challenge(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

/** RFC 7636 §4.6: the verifier matches the challenge (compared in constant time). */
export function verifierMatches(verifier: string, challenge: string): boolean {
  const a = Buffer.from(s256Challenge(verifier));
  const b = Buffer.from(challenge);
  return a.length === b.length && timingSafeEqual(a, b);
}
