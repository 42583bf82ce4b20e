// Builds a province's sync worker from the stack's config: its federation client (service
// certificate clients/sync.crt, tokens from the province's IdP, the gateway's CA) and its own audit
// chain, <data dir>/audit/<province>-sync.sqlite, verified by `npm run audit:verify` like the others.
// The worker never holds an IdP key: it asks the IdP's token endpoint like any other service.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { openAuditLog } from '../../../common/audit/open-audit.js';
import type { ProvinceConfig, StackConfig } from '../../../common/config.js';
import { createLogger } from '../../../common/log.js';
import { gatewayPaths, provincePaths } from '../../../common/pki/paths.js';
import { checkPemFiles } from '../../../common/tls/check-files.js';
import type { CatalogueStore } from '../store/store.js';
import { FederationClient, type TokenSource } from './federation-client.js';
import { OAuthClientCredentialsTokens, discoverTokenEndpoint } from './oauth-tokens.js';
import { SyncWorker } from './worker.js';

/** The worker's OAuth client (`idp.dev.clients.sync` in the dev config); its certificate is clients/sync.crt. */
export const SYNC_CLIENT = 'sync';
/** It reads the other provinces' catalogues and writes mirrors into its own. */
export const SYNC_SCOPE = 'catalogue:read catalogue:admin';

export function syncAuditFile(cfg: StackConfig, province: ProvinceConfig): string {
  return path.join(cfg.dataDir, 'audit', `${province.id}-sync.sqlite`);
}

/** The gateway's GraphQL URL as the worker reaches it. */
export function gatewayUrlFor(cfg: StackConfig, province: ProvinceConfig): string {
  return province.sync.gatewayUrl ?? `https://${cfg.gateway.host}:${cfg.gateway.port}/graphql`;
}

/**
 * The worker's tokens, from the province IdP's token endpoint (client credentials over mutual TLS):
 * `sync.tokenEndpoint`, else the `token_endpoint` of the issuer's RFC 8414 metadata (looked up at the
 * first token, so the IdP may come up after the worker), trusted through `sync.tokenEndpointCa`, else
 * the province CA of the PKI (which issues the dev IdP's server certificate).
 */
function tokenSource(cfg: StackConfig, province: ProvinceConfig, cert: Buffer, key: Buffer): TokenSource {
  const { tokenEndpoint, tokenEndpointCa, clientId } = province.sync;
  const caFile = tokenEndpointCa ? path.resolve(cfg.configDir, tokenEndpointCa) : provincePaths(cfg.certsDir, province.id).ca;
  checkPemFiles({ certificate: [caFile] });
  return new OAuthClientCredentialsTokens({
    tokenEndpoint: tokenEndpoint ?? ((dispatcher) => discoverTokenEndpoint(province.idp.issuer, dispatcher)),
    clientId: clientId ?? SYNC_CLIENT,
    scope: SYNC_SCOPE,
    cert,
    key,
    ca: readFileSync(caFile),
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
    openAudit: () => openAuditLog(cfg, { kind: 'sync', province: province.id }),
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
