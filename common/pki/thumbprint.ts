// Certificate thumbprints. Both are computed over the DER encoding of the whole certificate,
// never over a PEM text (whose line breaks and headers vary) or a re-encoding.
import { createHash } from 'node:crypto';

const PEM_CERT = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+?)-----END CERTIFICATE-----/g;

/** DER bytes of every certificate in a PEM bundle, in order (leaf first, as TLS sends them). */
export function readPemChain(pem: string): Buffer[] {
  const out: Buffer[] = [];
  for (const m of pem.matchAll(PEM_CERT)) {
    const der = Buffer.from((m[1] ?? '').replace(/\s+/g, ''), 'base64');
    if (der.length === 0) throw new Error('empty certificate in PEM bundle');
    out.push(der);
  }
  return out;
}

/** DER bytes of the first (normally only) certificate in a PEM text. */
export function pemToDer(pem: string): Buffer {
  const [first] = readPemChain(pem);
  if (!first) throw new Error('no PEM certificate ("-----BEGIN CERTIFICATE-----") found');
  return first;
}

function toDer(cert: string | Buffer): Buffer {
  if (typeof cert === 'string') return pemToDer(cert);
  // A Buffer may hold PEM text read from a file; DER always starts with a SEQUENCE tag (0x30).
  if (cert.length > 0 && cert[0] !== 0x30 && cert.includes('-----BEGIN CERTIFICATE-----')) {
    return pemToDer(cert.toString('latin1'));
  }
  return cert;
}

/**
 * RFC 8705 §3.1 `x5t#S256`: base64url (no padding) of the SHA-256 of the certificate's DER.
 * This is what a certificate-bound access token carries in `cnf` and what the gateway compares
 * against the client certificate presented on the TLS connection.
 */
export function certThumbprintS256(cert: string | Buffer): string {
  return createHash('sha256').update(toDer(cert)).digest('base64url');
}

/**
 * Lower-case hex SHA-256 of the certificate's DER (no colons). Used to pin CAs by fingerprint:
 * a province is identified by the exact root its chain ends at, never by a subject name, since
 * anyone can mint a certificate with the same name (docs/DESIGN.md §4).
 */
export function certFingerprint256(cert: string | Buffer): string {
  return createHash('sha256').update(toDer(cert)).digest('hex');
}
