// The client certificate presented on the TLS connection of an IdP request. The listener requests a
// certificate but does not require one (common/tls/https-server.ts, rejectUnauthorized false), so a
// caller without one, or with one of another CA, gets an OAuth error it can read (RFC 6749 §5.2)
// rather than a failed handshake. The chain is verified by TLS against the province CA only (the
// listener's `ca`); a certificate the province CA revoked (its CRL, RFC 5280 §5) is refused too, as a
// counter's lost USB key must not get tokens. Which certificate a client must present is
// clients.ts's business: here only "is this a good certificate of the province, and which one".
import { readFileSync, statSync } from 'node:fs';
import type { TLSSocket } from 'node:tls';
import { normalizeSerial, verifyCrl, type VerifiedCrl } from '../common/pki/crl.js';
import { certThumbprintS256 } from '../common/pki/thumbprint.js';

export type PresentedCertificate =
  | { ok: true; thumbprint: string }
  | { ok: false; reason: 'missing' | 'untrusted' | 'expired' | 'revoked' | 'revocation_unknown'; description: string };

const REFUSED = {
  missing: 'no client certificate was presented',
  untrusted: 'the client certificate is not issued by the province CA',
  expired: 'the client certificate has expired or is not yet valid',
  revoked: 'the client certificate is revoked',
  revocation_unknown: 'the revocation status of the client certificate cannot be established',
} as const;

const refused = (reason: keyof typeof REFUSED): PresentedCertificate => ({ ok: false, reason, description: REFUSED[reason] });

/** The province CA's CRL, verified against the CA and re-read when either file changes. */
export class ProvinceCrl {
  private cached: { key: string; crl: VerifiedCrl | null } | null = null;

  constructor(
    private readonly crlFile: string,
    private readonly caFile: string,
  ) {}

  /** The verified CRL, or null when it is missing or does not verify (then nothing is trusted). */
  async current(): Promise<VerifiedCrl | null> {
    let key: string;
    try {
      const a = statSync(this.crlFile);
      const b = statSync(this.caFile);
      key = `${a.mtimeMs}:${a.size}:${b.mtimeMs}:${b.size}`;
    } catch {
      return null;
    }
    if (this.cached?.key === key) return this.cached.crl;
    let crl: VerifiedCrl | null = null;
    try {
      crl = await verifyCrl(readFileSync(this.crlFile), readFileSync(this.caFile));
    } catch {
      crl = null;
    }
    this.cached = { key, crl };
    return crl;
  }
}

export async function presentedCertificate(socket: TLSSocket, crl: ProvinceCrl): Promise<PresentedCertificate> {
  const cert = socket.getPeerX509Certificate();
  if (!cert) return refused('missing');
  if (!socket.authorized) {
    const err = String(socket.authorizationError ?? '');
    return refused(err === 'CERT_HAS_EXPIRED' || err === 'CERT_NOT_YET_VALID' ? 'expired' : 'untrusted');
  }
  // A CA certificate is a trust anchor, not a client (RFC 5280 §4.2.1.9).
  if (cert.ca) return refused('untrusted');
  const verified = await crl.current();
  if (!verified) return refused('revocation_unknown');
  if (verified.revoked.has(normalizeSerial(cert.serialNumber))) return refused('revoked');
  return { ok: true, thumbprint: certThumbprintS256(cert.raw) };
}
