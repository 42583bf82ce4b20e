// Certificate revocation lists (RFC 5280 §5): parsed, checked against the issuing CA and issued
// with @peculiar/x509 (and asn1js for the CRL number), never with hand-written ASN.1. Shared by
// the gateway, which refuses revoked client certificates, and the dev PKI, which issues CRLs.
// Reflect API polyfill: @peculiar/x509's dependency injection (tsyringe) needs it before it loads.
import 'reflect-metadata';
import {
  AuthorityKeyIdentifierExtension,
  Extension,
  KeyUsageFlags,
  KeyUsagesExtension,
  PemConverter,
  SubjectKeyIdentifierExtension,
  X509Certificate as PkiCertificate,
  X509Crl,
  X509CrlGenerator,
} from '@peculiar/x509';
import * as asn1js from 'asn1js';
import { createPrivateKey, webcrypto } from 'node:crypto';
import { certFingerprint256 } from './thumbprint.js';

const OID_CRL_NUMBER = '2.5.29.20'; // RFC 5280 §5.2.3
const PEM_LABEL = 'X509 CRL'; // RFC 7468 §6

export class CrlError extends Error {}

export interface CrlEntry {
  /** Normalised serial number (see normalizeSerial). */
  serial: string;
  revokedAt: Date;
}

/** A CRL whose signature, issuer and extensions have been checked against one CA certificate. */
export interface VerifiedCrl {
  /** certFingerprint256 of the CA certificate the CRL was verified against (its issuer). */
  caFingerprint256: string;
  issuer: string;
  thisUpdate: number;
  nextUpdate: number;
  crlNumber: bigint;
  entries: readonly CrlEntry[];
  /** The revoked serials, for a per-request Set lookup. */
  revoked: ReadonlySet<string>;
  der: Buffer;
}

/**
 * One spelling per serial number (RFC 5280 §4.1.2.2: a positive INTEGER): lower-case hex, no
 * separators, no leading zeros. Node writes "0A1B…" in upper case; a DER INTEGER whose first
 * byte is ≥ 0x80 carries a leading 00 that some tools print.
 */
export function normalizeSerial(hex: string): string {
  const clean = hex.replace(/[:\s]/g, '').toLowerCase();
  if (!/^[0-9a-f]+$/.test(clean)) throw new CrlError(`not a hexadecimal serial number: ${JSON.stringify(hex)}`);
  return clean.replace(/^0+(?=.)/, '');
}

/** DER bytes of a CRL given as DER or as PEM (`-----BEGIN X509 CRL-----`). */
export function crlDer(bytes: Buffer | string): Buffer {
  const text = typeof bytes === 'string' ? bytes : bytes.subarray(0, 64).toString('latin1');
  if (text.includes('-----BEGIN')) {
    const pem = typeof bytes === 'string' ? bytes : bytes.toString('latin1');
    const m = /-----BEGIN X509 CRL-----([A-Za-z0-9+/=\s]+?)-----END X509 CRL-----/.exec(pem);
    if (!m) throw new CrlError('no PEM CRL ("-----BEGIN X509 CRL-----") found');
    return Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64');
  }
  return typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes;
}

function crlToPem(der: Buffer): string {
  return `${PemConverter.encode(new Uint8Array(der).buffer, PEM_LABEL)}\n`;
}

function crlNumberOf(crl: X509Crl): bigint | undefined {
  const ext = crl.getExtension(OID_CRL_NUMBER);
  if (!ext) return undefined;
  const parsed = asn1js.fromBER(ext.value);
  if (parsed.offset === -1 || !(parsed.result instanceof asn1js.Integer)) throw new CrlError('CRL number is not an INTEGER');
  const n = parsed.result.toBigInt();
  if (n < 0n) throw new CrlError('CRL number is negative');
  return n;
}

const same = (a: ArrayBuffer, b: ArrayBuffer) => Buffer.from(a).equals(Buffer.from(b));

/**
 * Parse `bytes` (DER or PEM) and check it is a complete, current-format CRL issued by `caCertPem`
 * (RFC 5280 §6.3.3 (b), (f)): the issuer Name is the CA's subject, byte for byte; the CA may sign
 * CRLs (keyUsage cRLSign, §4.2.1.3); the signature verifies with the CA's key. Refused, with the
 * reason: no nextUpdate (§5.1.2.5, without it staleness cannot be bounded), no CRL number
 * (§5.2.3, needed to refuse an older CRL replayed over a newer one), and any critical extension
 * (§5.2, §5.3: a delta CRL, a partitioned CRL (issuing distribution point) or an indirect CRL
 * (certificate issuer entries) would need processing we do not do, so such a CRL is not used).
 */
export async function verifyCrl(bytes: Buffer | string, caCertPem: string | Buffer): Promise<VerifiedCrl> {
  const der = crlDer(bytes);
  let crl: X509Crl;
  let entries: CrlEntry[];
  try {
    crl = new X509Crl(new Uint8Array(der));
    entries = crl.entries.map((e) => {
      const serial = normalizeSerial(e.serialNumber);
      if (e.extensions.some((x) => x.critical)) throw new CrlError(`entry ${serial} has a critical extension (an indirect CRL?), which is not supported`);
      return { serial, revokedAt: e.revocationDate };
    });
  } catch (err) {
    if (err instanceof CrlError) throw err;
    throw new CrlError(`not a readable X.509 CRL (${(err as Error).message})`);
  }
  let ca: PkiCertificate;
  try {
    ca = new PkiCertificate(typeof caCertPem === 'string' ? caCertPem : caCertPem.toString('latin1'));
  } catch (err) {
    throw new CrlError(`the CA certificate is not readable (${(err as Error).message})`);
  }
  if (!same(crl.issuerName.toArrayBuffer(), ca.subjectName.toArrayBuffer())) {
    throw new CrlError(`issued by "${crl.issuer}", not by the CA "${ca.subject}"`);
  }
  const ku = ca.getExtension(KeyUsagesExtension);
  if (ku && (ku.usages & KeyUsageFlags.cRLSign) === 0) throw new CrlError('the CA certificate may not sign CRLs (no cRLSign key usage)');
  let valid = false;
  try {
    valid = await crl.verify({ publicKey: ca });
  } catch {
    valid = false;
  }
  if (!valid) throw new CrlError(`signature does not verify with the key of "${ca.subject}"`);
  const critical = crl.extensions.find((e) => e.critical);
  if (critical) throw new CrlError(`critical CRL extension ${critical.type} is not supported (delta, partitioned or indirect CRL)`);
  if (!crl.nextUpdate) throw new CrlError('no nextUpdate (RFC 5280 §5.1.2.5)');
  const crlNumber = crlNumberOf(crl);
  if (crlNumber === undefined) throw new CrlError('no CRL number (RFC 5280 §5.2.3)');
  return {
    caFingerprint256: certFingerprint256(Buffer.from(ca.rawData)),
    issuer: crl.issuer,
    thisUpdate: crl.thisUpdate.getTime(),
    nextUpdate: crl.nextUpdate.getTime(),
    crlNumber,
    entries,
    revoked: new Set(entries.map((e) => e.serial)),
    der,
  };
}

/** The signature algorithm WebCrypto uses for a CA key: RSA PKCS#1 v1.5 or ECDSA, with SHA-256. */
function signingAlgorithm(keyPem: string): { name: string; hash: string; namedCurve?: string } {
  const type = createPrivateKey(keyPem).asymmetricKeyType;
  if (type === 'rsa') return { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  if (type === 'ec') return { name: 'ECDSA', hash: 'SHA-256', namedCurve: 'P-256' };
  throw new CrlError(`cannot sign a CRL with a ${type} key`);
}

export interface IssueCrlOptions {
  ca: { certPem: string; keyPem: string };
  crlNumber: bigint;
  entries: readonly CrlEntry[];
  thisUpdate: Date;
  nextUpdate: Date;
}

/**
 * A v2 CRL (RFC 5280 §5.1) signed by `ca`, as PEM: issuer Name copied from the CA's subject,
 * thisUpdate/nextUpdate, the CRL number and the authority key identifier (both required of a
 * conforming issuer, §5.2.1, §5.2.3).
 */
export async function issueCrl(opts: IssueCrlOptions): Promise<string> {
  const alg = signingAlgorithm(opts.ca.keyPem);
  const pkcs8 = createPrivateKey(opts.ca.keyPem).export({ type: 'pkcs8', format: 'der' });
  const signingKey = await webcrypto.subtle.importKey('pkcs8', pkcs8, alg, false, ['sign']);
  const ca = new PkiCertificate(opts.ca.certPem);
  const ski = ca.getExtension(SubjectKeyIdentifierExtension);
  const crl = await X509CrlGenerator.create({
    issuer: ca.subjectName,
    thisUpdate: opts.thisUpdate,
    nextUpdate: opts.nextUpdate,
    signingAlgorithm: alg,
    signingKey: signingKey as CryptoKey,
    entries: opts.entries.map((e) => ({ serialNumber: e.serial, revocationDate: e.revokedAt })),
    extensions: [
      new Extension(OID_CRL_NUMBER, false, asn1js.Integer.fromBigInt(opts.crlNumber).toBER()),
      // §4.2.1.1: the issuer's subject key identifier, as in the certificates it issued.
      ski ? new AuthorityKeyIdentifierExtension(ski.keyId) : await AuthorityKeyIdentifierExtension.create(ca.publicKey),
    ],
  });
  return crlToPem(Buffer.from(crl.rawData));
}
