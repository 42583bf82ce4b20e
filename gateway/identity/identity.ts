// Everything the gateway needs to say who is calling, started together: each province's CRL
// (verified against its CA before anything else starts: a bad CRL is a start-up error naming the
// file or URL; later a bad one is refused and the last good one kept), the trust store of
// province CAs, and each province's token verifier over its JWKS.
import type { Logger } from 'pino';
import type { StackConfig } from '../../common/config.js';
import { provincePaths } from '../../common/pki/paths.js';
import { FileChangeWatcher } from '../../common/tls/file-change-watcher.js';
import type { GatewayMetrics } from '../ops/metrics.js';
import { Authenticator } from './authenticate.js';
import { ProvinceTrustStore } from './client-certificate.js';
import { jwksSourceFor } from './jwks-source.js';
import { revocationFromConfig, type Revocation } from './revocation.js';
import { DEFAULT_TOKEN_RULES, ProvinceTokenVerifier } from './token-verifier.js';

export interface GatewayIdentity {
  trust: ProvinceTrustStore;
  revocation: Revocation;
  authenticator: Authenticator;
  close(): Promise<void>;
}

export async function startIdentity(cfg: StackConfig, metrics: GatewayMetrics, log: Logger): Promise<GatewayIdentity> {
  const revocation = revocationFromConfig(cfg, (province) => ({
    loaded: (crl) =>
      log.info({ province, crlNumber: crl.crlNumber.toString(), nextUpdate: new Date(crl.nextUpdate).toISOString(), revoked: crl.revoked.size }, 'CRL loaded'),
    refused: (message) => {
      metrics.crlRefusals.inc({ province });
      log.error({ province, err: message }, 'CRL not taken; keeping the previous one');
    },
  }));
  await revocation.start();
  metrics.trackCrls(
    cfg.provinces.map((p) => p.id),
    (id) => revocation.crl(id),
  );
  const crlWatcher = new FileChangeWatcher(revocation.files(), () => void revocation.reload());
  const trust = new ProvinceTrustStore(cfg, revocation);
  const rules = { ...DEFAULT_TOKEN_RULES, audience: cfg.gateway.audience };
  const jwksSources = cfg.provinces.map((p) => ({ p, source: jwksSourceFor(p, cfg.configDir, provincePaths(cfg.certsDir, p.id).idpJwks) }));
  await Promise.all(jwksSources.map(({ source }) => source.start?.()));
  const verifiers = new Map(jwksSources.map(({ p, source }) => [p.id, new ProvinceTokenVerifier(p, source, rules)]));
  return {
    trust,
    revocation,
    authenticator: new Authenticator(trust, verifiers),
    async close() {
      crlWatcher.close();
      await Promise.all(jwksSources.map(({ source }) => source.close?.()));
      await revocation.close();
    },
  };
}
