// Assembles the gateway. A request reads straight through:
//   ingress (HTTP, mTLS) → identity (certificate, CRL, bound JWT) → policy (scopes, limits) →
//   federation (plan, fetch, merge) → audit → response.
import { parse } from 'graphql';
import { hkdfSync } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { openAuditLog, type OpenAuditOptions } from '../common/audit/open-audit.js';
import type { StackConfig } from '../common/config.js';
import { CallerAssertionSigner } from '../common/identity/caller-assertion.js';
import { createLogger } from '../common/log.js';
import { gatewayPaths, provincePaths } from '../common/pki/paths.js';
import { localSdl } from '../common/schema/local-sdl.js';
import { checkPemFiles } from '../common/tls/check-files.js';
import { startHttpsServer } from '../common/tls/https-server.js';
import { refusalRecorder } from './audit/refusal-audit.js';
import { ProvinceClients } from './federation/province-clients.js';
import { documentRules, startGraphqlServer } from './graphql-server.js';
import type { Refusal } from './identity/authenticate.js';
import { startIdentity } from './identity/identity.js';
import { consoleRoutes } from './ingress/console.js';
import { graphqlHttpHandler } from './ingress/graphql-http.js';
import { GatewayMetrics } from './ops/metrics.js';
import { opsRoutes } from './ops/ops-routes.js';
import { RateLimiter } from './policy/rate-limits.js';
import { RootFieldTable } from './policy/root-fields.js';
import { TrustedDocuments } from './policy/trusted-documents.js';

export interface StartGatewayOptions {
  cfg: StackConfig;
  port?: number;
  host?: string;
  /** Province id → subgraph GraphQL URL, overriding config (tests start subgraphs on free ports). */
  subgraphUrls?: Record<string, string>;
  onRefusal?: (refusal: Refusal) => void;
  /** Names this replica's audit chain (each replica keeps its own). Default: GATEWAY_INSTANCE_ID, else "gateway". */
  instanceId?: string;
  /** Where and how often the audit chain is checkpointed (tests: a PostgreSQL schema of their own). */
  audit?: OpenAuditOptions;
}

export interface RunningGateway {
  /** Re-read certificates and CA files now (also happens on file change and SIGHUP). */
  reloadTls(): void;
  /** Re-read or refetch every province's CRL now (also on file change, SIGHUP and the refresh interval). */
  reloadCrls(): Promise<void>;
  url: string;
  /** Where the audit chain is: its SQLite file, or its PostgreSQL schema and chain. */
  auditFile: string;
  port: number;
  close(): Promise<void>;
}

export async function startGateway(opts: StartGatewayOptions): Promise<RunningGateway> {
  const { cfg } = opts;
  const log = createLogger('gateway');
  const gp = gatewayPaths(cfg.certsDir);

  checkPemFiles({
    certificate: [gp.serverCert, gp.clientCert, ...cfg.provinces.map((p) => provincePaths(cfg.certsDir, p.id).ca)],
    'private key': [gp.serverKey, gp.clientKey, gp.assertionKey],
    jwks: [gp.assertionJwks],
  });
  // The replica's own chain, on the backend the config chooses (common/audit/open-audit.ts);
  // opened now so that a bad file or database stops the start, not the first request.
  const audit = openAuditLog(cfg, { kind: 'gateway', id: opts.instanceId ?? process.env.GATEWAY_INSTANCE_ID ?? 'gateway' }, opts.audit);
  await audit.ready().catch(async (err: Error) => {
    await audit.close().catch(() => {});
    throw err;
  });
  const auditFile = audit.location;
  const metrics = new GatewayMetrics();
  metrics.trackAudit(audit);
  const identity = await startIdentity(cfg, metrics, log);
  const { trust, revocation } = identity;
  const assertionKeyPem = readFileSync(gp.assertionKey, 'utf8');
  const signer = await CallerAssertionSigner.fromPem(assertionKeyPem, JSON.parse(readFileSync(gp.assertionJwks, 'utf8')));
  const clients = new ProvinceClients(cfg, signer, metrics);
  for (const [id, url] of Object.entries(opts.subgraphUrls ?? {})) clients.setUrl(id, url);
  // Until the gateway runs, a failure closes what is open (the JWKS refresh, the audit log).
  const abandon = async (err: unknown): Promise<never> => {
    await identity.close();
    await clients.close();
    await audit.close();
    throw err;
  };
  // The manifests are read now (a bad one stops the start, naming the file and the operation),
  // validated once the schema is composed, then watched.
  let documents: TrustedDocuments;
  try {
    documents = new TrustedDocuments({
      mode: cfg.gateway.trustedDocuments.mode,
      files: cfg.gateway.trustedDocuments.manifests.map((m) => path.resolve(cfg.configDir, m)),
      ...documentRules(cfg, true),
      metrics,
      log,
    });
  } catch (err) {
    return abandon(err);
  }
  const apollo = await startGraphqlServer({
    cfg,
    clients,
    rootFields: RootFieldTable.fromSdl(parse(localSdl(cfg.provinces))),
    // Derived from a key every replica already shares, so a cursor issued by one replica is
    // accepted by the others.
    cursorKey: Buffer.from(hkdfSync('sha256', assertionKeyPem, 'chuanyu', 'directory-cursor-v1', 32)),
    audit,
    metrics,
    documents,
    log,
  }).catch(abandon);
  documents.watch();
  // Shared through Redis when the config names it; the gateway starts even while Redis cannot be
  // reached (each replica then limits on its own until it can).
  const rateLimiter = cfg.gateway.rateLimit ? new RateLimiter(cfg.gateway.rateLimit, metrics, log) : undefined;
  await rateLimiter?.ready();
  let draining = false;

  const app = opsRoutes({
    cfg,
    clients,
    revocation,
    metrics,
    isDraining: () => draining,
    log,
    extra: [{ path: '/console', router: consoleRoutes(cfg, trust) }],
  });

  // /graphql is served on Node's own request objects (gateway/ingress/graphql-http.ts); the
  // operational routes above keep express.
  const graphql = graphqlHttpHandler({
    apollo,
    authenticator: identity.authenticator,
    maxBodyBytes: cfg.gateway.limits.maxBodyBytes,
    documents,
    ...(rateLimiter ? { rateLimiter } : {}),
    log,
    onRefusal: refusalRecorder(audit, metrics, log, opts.onRefusal),
  });
  const route = (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '';
    const end = url.indexOf('?');
    const pathname = end >= 0 ? url.slice(0, end) : url;
    if (pathname === '/graphql' || pathname === '/graphql/') graphql(req, res);
    else app(req, res);
  };

  const host = opts.host ?? cfg.gateway.host;
  const listener = await startHttpsServer({
    secureContext: () => ({ key: readFileSync(gp.serverKey), cert: readFileSync(gp.serverCert), ca: trust.caBundle }),
    // Verify, but let the handshake finish so the refusal can be explained and recorded.
    rejectUnauthorized: false,
    handler: route,
    host,
    port: opts.port ?? cfg.gateway.port,
    watch: [gp.serverKey, gp.serverCert, ...trust.files(), ...clients.credentialFiles()],
    beforeReload: () => {
      clients.reloadCredentials();
      trust.reload();
      // A province CA may have changed: its CRL is checked against it again.
      void revocation.reload();
    },
    onReload: (err) => (err ? log.error({ err: err.message }, 'TLS reload failed; keeping the previous certificates') : log.info('TLS material reloaded')),
  });
  const port = listener.port;
  return {
    port,
    url: `https://${host}:${port}/graphql`,
    auditFile,
    reloadTls: listener.reloadTls,
    reloadCrls: () => revocation.reload(),
    async close() {
      // Drain: fail readiness, stop accepting, let in-flight requests finish (bounded), then close
      // what is left.
      draining = true;
      await listener.close();
      await identity.close();
      documents.close();
      await apollo.stop();
      await clients.close();
      await rateLimiter?.close();
      await audit.close();
    },
  };
}
