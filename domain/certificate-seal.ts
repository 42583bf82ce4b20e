// The issuing province's seal on an e-certificate (docs/DESIGN.md §3): a compact JWS (RFC 7515 §7.1),
// ES256, whose payload is the canonical issued metadata (certificate.ts). The province publishes
// the public key as its seal JWKS (certs/<province>/seal/jwks.json in the dev PKI), where the
// kid is the key's RFC 7638 JWK thumbprint, so a kid names exactly one key. The header and
// encoding checks are the browser-safe ones in jws.ts (ES256 only); signing, the signature check
// (es256-jws.ts: node:crypto, on every verification) and the payload comparison are Node's.
import type { KeyObject } from 'node:crypto';
import type { JSONWebKeySet } from 'jose';
import { signCompactEs256, verifyCompactEs256 } from './es256-jws.js';
import { canonicalCertificateMetadata, validateCertificateRecord, type CertificateRecord, type CertificateRecordWithoutSeal } from './certificate.js';
import { checkProtectedHeader, compactJwsSegments } from './jws.js';

const SEAL_TYP = 'cert-seal+jws';
const SEAL_MAX_LENGTH = 16_384;

export type SealCheck = { ok: true } | { ok: false; reason: string };

/**
 * Seals a certificate record: compact JWS over canonicalCertificateMetadata(rec), header
 * {alg: ES256, kid, typ: cert-seal+jws}. `signingKey`: PKCS#8 PEM (the province's
 * seal/signing.key) or an imported KeyObject. Throws if the record is malformed.
 */
export async function sealCertificate(rec: CertificateRecordWithoutSeal, signingKey: string | KeyObject, kid: string): Promise<string> {
  if (typeof kid !== 'string' || kid.length === 0) throw new Error('seal kid is required');
  const check = validateCertificateRecord({ ...rec, seal: '' });
  if (!check.ok) throw new Error(`cannot seal: ${check.reason}`);
  return signCompactEs256({ kid, typ: SEAL_TYP }, canonicalCertificateMetadata(rec), signingKey);
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

  const verified = verifyCompactEs256(segments, String(header.header.kid), jwks);
  if (!verified.ok) return { ok: false, reason: `seal ${verified.reason}` };
  const expected = Buffer.from(canonicalCertificateMetadata(rec), 'utf8');
  if (!expected.equals(verified.payload)) return { ok: false, reason: 'sealed metadata does not match the record' };
  return { ok: true };
}
