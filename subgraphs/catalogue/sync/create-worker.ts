// Builds a province's sync worker from the stack's config: its federation client (service
// certificate clients/sync.crt, tokens from the province's IdP, the gateway's CA) and its own audit
// chain, <data dir>/audit/<province>-sync.sqlite, verified by `npm run audit:verify` like the others.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { AuditLog } from '../../../common/audit/audit-log.js';
import type { ProvinceConfig, StackConfig } from '../../../common/config.js';
import { createLogger } from '../../../common/log.js';
import { gatewayPaths, provincePaths } from '../../../common/pki/paths.js';
import { checkPemFiles } from '../../../common/tls/check-files.js';
import type { CatalogueStore } from '../store/store.js';
import { DevIdpTokens, SYNC_CLIENT, SYNC_SCOPE } from './dev-idp-tokens.js';
import { FederationClient, type TokenSource } from './federation-client.js';
import { OAuthClientCredentialsTokens } from './oauth-tokens.js';
import { SyncWorker } from './worker.js';

export function syncAuditFile(cfg: StackConfig, province: ProvinceConfig): string {
  return path.join(cfg.dataDir, 'audit', `${province.id}-sync.sqlite`);
}

/** The gateway's GraphQL URL as the worker reaches it. */
export function gatewayUrlFor(cfg: StackConfig, province: ProvinceConfig): string {
  return province.sync.gatewayUrl ?? `https://${cfg.gateway.host}:${cfg.gateway.port}/graphql`;
}

/** The worker's tokens: from the province IdP's token endpoint when configured, else the dev IdP key. */
function tokenSource(cfg: StackConfig, province: ProvinceConfig, cert: Buffer, key: Buffer): TokenSource {
  const { tokenEndpoint, tokenEndpointCa, clientId } = province.sync;
  if (!tokenEndpoint) return new DevIdpTokens({ certsDir: cfg.certsDir, province, audience: cfg.gateway.audience });
  if (!tokenEndpointCa) throw new Error(`${province.file}: sync.tokenEndpointCa is required with sync.tokenEndpoint`);
  return new OAuthClientCredentialsTokens({
    tokenEndpoint,
    clientId: clientId ?? `${province.id}-${SYNC_CLIENT}`,
    scope: SYNC_SCOPE,
    cert,
    key,
    ca: readFileSync(path.resolve(cfg.configDir, tokenEndpointCa)),
  });
}

export function createSyncWorker(opts: { cfg: StackConfig; province: ProvinceConfig; store: CatalogueStore; gatewayUrl?: string }): SyncWorker {
  const { cfg, province, store } = opts;
  const client = provincePaths(cfg.certsDir, province.id).client(SYNC_CLIENT);
  const ca = gatewayPaths(cfg.certsDir).ca;
  checkPemFiles({ certificate: [client.cert, ca], 'private key': [client.key] });
  const cert = readFileSync(client.cert);
  const key = readFileSync(client.key);
  return new SyncWorker({
    province,
    provinces: cfg.provinces,
    store,
    openAudit: () => new AuditLog(syncAuditFile(cfg, province)),
    client: new FederationClient({
      url: opts.gatewayUrl ?? gatewayUrlFor(cfg, province),
      cert,
      key,
      ca: readFileSync(ca),
      tokens: tokenSource(cfg, province, cert, key),
    }),
    subject: `${province.id}:${SYNC_CLIENT}`,
    listingPage: cfg.gateway.maxPageSize,
    log: createLogger(`sync-${province.id}`),
  });
}
