// ES256 compact JWS (RFC 7515 §7.1, RFC 7518 §3.4) with node:crypto's synchronous ECDSA, for the
// issuing province's hot path: it checks a certificate's seal and signs a receipt on every
// verification. jose 6 signs and verifies only through WebCrypto, which on Node costs several
// times the CPU of `crypto.sign` / `crypto.verify` per operation (measured here: sign 141 against
// 39 µs, verify 219 against 89 µs). The cryptography is OpenSSL's, in the fixed-width r‖s form JWS
// requires (`dsaEncoding: 'ieee-p1363'`), not DER; what is ours is the framing and the key
// choice, which follow jose's rules (see pickKey). The header checks (alg, typ, key-bearing
// headers, crit, kid) stay in jws.ts, shared with the browser-safe receipt checks, which verify
// with jose; so do the CLI and the console.
import { createPrivateKey, createPublicKey, sign, verify, type JsonWebKey, type KeyObject } from 'node:crypto';
import type { JSONWebKeySet } from 'jose';
import { JWS_FAILURE } from './jws.js';

export interface Es256Header {
  kid: string;
  typ: string;
}

const ES256_SIGNATURE_BYTES = 64; // r ‖ s, 32 bytes each (RFC 7518 §3.4)

/**
 * The private key as a KeyObject, refusing anything but EC P-256: node:crypto would sign with
 * whatever key it is given (RSA included), and ES256 is P-256 only (RFC 7518 §3.4).
 */
function es256PrivateKey(key: string | KeyObject): KeyObject {
  const k = typeof key === 'string' ? createPrivateKey(key) : key;
  if (k.type !== 'private' || k.asymmetricKeyType !== 'ec' || k.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new Error('ES256 signing needs an EC P-256 private key (RFC 7518 §3.4)');
  }
  return k;
}

/**
 * header.payload.signature, the header being exactly {alg: ES256, kid, typ} and the payload the
 * UTF-8 of `payload`. `key`: an EC P-256 private key, PKCS#8 PEM or KeyObject.
 */
export function signCompactEs256(header: Es256Header, payload: string, key: string | KeyObject): string {
  const privateKey = es256PrivateKey(key);
  const protectedHeader = Buffer.from(JSON.stringify({ alg: 'ES256', kid: header.kid, typ: header.typ }), 'utf8').toString('base64url');
  const signingInput = `${protectedHeader}.${Buffer.from(payload, 'utf8').toString('base64url')}`;
  const signature = sign('sha256', Buffer.from(signingInput, 'ascii'), { key: privateKey, dsaEncoding: 'ieee-p1363' });
  return `${signingInput}.${signature.toString('base64url')}`;
}

export type Es256Verified = { ok: true; payload: Buffer } | { ok: false; reason: string };

const publicKeys = new WeakMap<object, KeyObject>();

/**
 * The one published key that may verify an ES256 signature with this kid, as jose's local key
 * set chooses it: same kid, kty EC on P-256, and where the JWK says so, use "sig", alg ES256 and
 * key_ops including "verify" (RFC 7517 §4). None or several is a refusal, never a guess.
 */
function pickKey(jwks: JSONWebKeySet, kid: string): KeyObject | string {
  const candidates = (Array.isArray(jwks.keys) ? jwks.keys : []).filter(
    (k) =>
      k.kid === kid &&
      k.kty === 'EC' &&
      k.crv === 'P-256' &&
      (k.use === undefined || k.use === 'sig') &&
      (k.alg === undefined || k.alg === 'ES256') &&
      (k.key_ops === undefined || (Array.isArray(k.key_ops) && k.key_ops.includes('verify'))),
  );
  if (candidates.length === 0) return JWS_FAILURE.noKey;
  if (candidates.length > 1) return JWS_FAILURE.severalKeys;
  const jwk = candidates[0] as object;
  let key = publicKeys.get(jwk);
  if (!key) {
    try {
      const { kty, crv, x, y } = jwk as JsonWebKey;
      key = createPublicKey({ key: { kty, crv, x, y }, format: 'jwk' });
    } catch {
      return JWS_FAILURE.noKey;
    }
    publicKeys.set(jwk, key);
  }
  return key;
}

/**
 * Verifies the signature of a compact JWS whose segments and protected header the caller has
 * already checked (compactJwsSegments, checkProtectedHeader: alg ES256 and a kid), against the
 * key its kid names in `jwks`. Answers the payload bytes, or the reason it does not verify.
 */
export function verifyCompactEs256(segments: readonly [string, string, string], kid: string, jwks: JSONWebKeySet): Es256Verified {
  const key = pickKey(jwks, kid);
  if (typeof key === 'string') return { ok: false, reason: key };
  const signature = Buffer.from(segments[2], 'base64url');
  if (signature.length !== ES256_SIGNATURE_BYTES) return { ok: false, reason: JWS_FAILURE.signature };
  const signingInput = Buffer.from(`${segments[0]}.${segments[1]}`, 'ascii');
  if (!verify('sha256', signingInput, { key, dsaEncoding: 'ieee-p1363' }, signature)) return { ok: false, reason: JWS_FAILURE.signature };
  return { ok: true, payload: Buffer.from(segments[1], 'base64url') };
}
