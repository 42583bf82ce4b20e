// Which province is calling? The province whose root CA the client certificate's verified
// chain ends at, compared by SHA-256 fingerprint of the DER, never by name: a self-signed
// certificate that copies a CA's subject fails verification and matches no fingerprint. Then:
// has that province revoked it (its CRL, gateway/identity/revocation.ts)?
import { readFileSync } from 'node:fs';
import type { DetailedPeerCertificate, TLSSocket } from 'node:tls';
import type { ProvinceConfig, StackConfig } from '../../common/config.js';
import { provincePaths } from '../../common/pki/paths.js';
import { normalizeSerial } from '../../common/pki/crl.js';
import { certFingerprint256, certThumbprintS256 } from '../../common/pki/thumbprint.js';
import type { RevocationCheck } from './revocation.js';

export type CertificateRefusal =
  | 'client_certificate_missing'
  | 'client_certificate_expired'
  | 'client_certificate_not_yet_valid'
  | 'client_certificate_untrusted'
  | 'client_certificate_unknown_province'
  | 'client_certificate_revoked'
  | 'client_certificate_revocation_unknown';

export type ClientCertificateResult =
  | {
      ok: true;
      province: ProvinceConfig;
      thumbprint: string;
      subject: string;
      /** Serial number (common/pki/crl.ts normalizeSerial) and the fingerprint of the direct issuer, for the CRL check. */
      serial: string;
      issuerFingerprint256: string;
    }
  /** `province` and `thumbprint` are known for a revoked (or unverifiable) certificate of a trusted province. */
  | { ok: false; reason: CertificateRefusal; province?: string; thumbprint?: string };

export class ProvinceTrustStore {
  private byFingerprint = new Map<string, ProvinceConfig>();
  /** PEM bundle of every province root, for the TLS server's `ca` option. */
  caBundle: Buffer[] = [];

  constructor(
    private readonly cfg: StackConfig,
    private readonly revocation: RevocationCheck,
  ) {
    this.reload();
  }

  /** The files each province's trust anchor is read from (watched for rotation). */
  files(): string[] {
    return this.cfg.provinces.map((p) => provincePaths(this.cfg.certsDir, p.id).ca);
  }

  /** Re-read every province CA; the old set stays in force if any file is unreadable. */
  reload(): void {
    const bundle: Buffer[] = [];
    const map = new Map<string, ProvinceConfig>();
    for (const p of this.cfg.provinces) {
      const pem = readFileSync(provincePaths(this.cfg.certsDir, p.id).ca);
      bundle.push(pem);
      map.set(certFingerprint256(pem), p);
    }
    this.caBundle = bundle;
    this.byFingerprint = map;
    this.generation += 1;
  }

  // getPeerCertificate(true) builds the whole chain and is costly, so the result is kept per
  // connection. It is keyed by the SHA-256 fingerprint of the certificate of the TLS session the
  // request arrived on (read natively, ~5 µs), never by the connection alone: renegotiation is
  // refused (common/tls/server-options.ts), and even if a session's peer changed the cached
  // identity would not apply to it. Also keyed by the trust generation, so a CA reload
  // re-identifies existing connections, and bounded by the certificate's notAfter. Revocation is
  // checked after the cache, on every request (a Set lookup), so a certificate revoked while its
  // keep-alive connection is open is refused from its next request on.
  private readonly identified = new WeakMap<TLSSocket, { fingerprint: string; generation: number; until: number; result: ClientCertificateResult }>();
  private generation = 0;

  identify(socket: TLSSocket): ClientCertificateResult {
    const result = this.identifyChain(socket);
    if (!result.ok) return result;
    const verdict = this.revocation.verdict(result.province.id, result);
    if (verdict === 'good') return result;
    const reason = verdict === 'revoked' ? 'client_certificate_revoked' : 'client_certificate_revocation_unknown';
    return { ok: false, reason, province: result.province.id, thumbprint: result.thumbprint };
  }

  private identifyChain(socket: TLSSocket): ClientCertificateResult {
    const session = socket.getPeerX509Certificate();
    if (!session) return { ok: false, reason: 'client_certificate_missing' };
    const fingerprint = session.fingerprint256;
    const hit = this.identified.get(socket);
    // A certificate that expires while its connection is open is refused from then on.
    if (hit && hit.fingerprint === fingerprint && hit.generation === this.generation && Date.now() < hit.until) return hit.result;
    const result = this.identifyUncached(socket, fingerprint);
    const validTo = Date.parse(session.validTo);
    this.identified.set(socket, { fingerprint, generation: this.generation, until: Number.isFinite(validTo) ? validTo : 0, result });
    return result;
  }

  private identifyUncached(socket: TLSSocket, fingerprint: string): ClientCertificateResult {
    const peer = socket.getPeerCertificate(true) as DetailedPeerCertificate | undefined;
    if (!peer?.raw) return { ok: false, reason: 'client_certificate_missing' };
    // The chain read now must start at the certificate the cache entry is keyed by.
    if (peer.fingerprint256 !== fingerprint) return { ok: false, reason: 'client_certificate_untrusted' };
    if (!socket.authorized) {
      const err = String(socket.authorizationError ?? '');
      if (err === 'CERT_HAS_EXPIRED') return { ok: false, reason: 'client_certificate_expired' };
      if (err === 'CERT_NOT_YET_VALID') return { ok: false, reason: 'client_certificate_not_yet_valid' };
      return { ok: false, reason: 'client_certificate_untrusted' };
    }
    // A CA certificate is a trust anchor, not a caller (RFC 5280 §4.2.1.9).
    if (peer.ca === true) return { ok: false, reason: 'client_certificate_untrusted' };
    // Walk the verified chain to its self-issued root.
    let cert: DetailedPeerCertificate = peer;
    for (let depth = 0; depth < 8 && cert.issuerCertificate && cert.issuerCertificate !== cert; depth++) {
      if (cert.issuerCertificate.fingerprint256 === cert.fingerprint256) break;
      cert = cert.issuerCertificate;
    }
    const province = this.byFingerprint.get(certFingerprint256(cert.raw));
    if (!province) return { ok: false, reason: 'client_certificate_unknown_province' };
    return {
      ok: true,
      province,
      thumbprint: certThumbprintS256(peer.raw),
      subject: peer.subject?.CN ? String(peer.subject.CN) : '',
      serial: normalizeSerial(peer.serialNumber),
      // The CRL covers what its issuer issued (RFC 5280 §5.1.2.3): the leaf's direct issuer.
      issuerFingerprint256: peer.issuerCertificate?.raw ? certFingerprint256(peer.issuerCertificate.raw) : '',
    };
  }
}
