// One configuration of the gateway, built whole and swapped whole (live reconfiguration,
// docs/OPERATIONS.md "Live reconfiguration"). What lives as long as the process (the HTTPS
// listener, the audit log, the metrics registry, the logger, the caller-assertion signer and the
// cursor key, the rate limiter) is passed in; everything derived from the province list is built
// here: identity (CRLs, the trust store of province roots, token verifiers), the province clients,
// the composed supergraph with Apollo Server and its plugins, the root-field table, the trusted
// documents, the operational routes, the console and the DCAT-AP export. A generation counts its requests, so that the
// one it replaces is closed only once the requests it accepted have been answered.
import { parse } from 'graphql';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import type { Logger } from 'pino';
import type { AuditLog } from '../common/audit/audit-log.js';
import type { StackConfig } from '../common/config.js';
import type { CallerAssertionSigner } from '../common/identity/caller-assertion.js';
import { gatewayPaths, provincePaths } from '../common/pki/paths.js';
import { localSdl } from '../common/schema/local-sdl.js';
import { checkPemFiles } from '../common/tls/check-files.js';
import { FileChangeWatcher } from '../common/tls/file-change-watcher.js';
import type { Refusal } from './identity/authenticate.js';
import { ProvinceClients } from './federation/province-clients.js';
import { documentRules, startGraphqlServer } from './graphql-server.js';
import { startIdentity, type GatewayIdentity } from './identity/identity.js';
import { consoleRoutes } from './ingress/console.js';
import { DCAT_PATH, dcatHandler } from './ingress/dcat-route.js';
import { graphqlHttpHandler } from './ingress/graphql-http.js';
import type { GatewayMetrics } from './ops/metrics.js';
import { opsRoutes } from './ops/ops-routes.js';
import type { RateLimiter } from './policy/rate-limits.js';
import { RootFieldTable } from './policy/root-fields.js';
import { TrustedDocuments } from './policy/trusted-documents.js';

/** What every generation shares: built once at start, kept across reloads. */
export interface LongLived {
  audit: AuditLog;
  metrics: GatewayMetrics;
  log: Logger;
  signer: CallerAssertionSigner;
  cursorKey: Buffer;
  rateLimiter?: RateLimiter;
  /** Province id → subgraph URL overriding the config (tests start subgraphs on free ports). */
  subgraphUrls: Record<string, string>;
  onRefusal: (refusal: Refusal, requestId: string) => Promise<void>;
  isDraining: () => boolean;
  /** Called when a province CA, CRL-independent trust file or client credential of this generation changes. */
  onTlsFilesChanged: () => void;
}

export interface Generation {
  /** 1 for the configuration read at start, +1 per reload taken. */
  readonly number: number;
  readonly cfg: StackConfig;
  readonly identity: GatewayIdentity;
  readonly clients: ProvinceClients;
  readonly documents: TrustedDocuments;
  /** Serves one request on this generation, counted until its response is closed. */
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** Requests accepted and not yet answered. */
  inFlight(): number;
  /** Closes it once its in-flight requests are done (at most `drainMs`, then regardless). */
  retire(drainMs: number): Promise<void>;
  /** Closes it now. */
  close(): Promise<void>;
}

/** The certificate files a configuration needs; a missing or bad one refuses the configuration. */
export function checkGenerationFiles(cfg: StackConfig): void {
  const gp = gatewayPaths(cfg.certsDir);
  checkPemFiles({
    certificate: [gp.serverCert, gp.clientCert, ...cfg.provinces.map((p) => provincePaths(cfg.certsDir, p.id).ca)],
    'private key': [gp.serverKey, gp.clientKey, gp.assertionKey],
    jwks: [gp.assertionJwks],
  });
}

/**
 * Builds a generation from a loaded config: nothing of it serves until the caller swaps it in. On
 * any failure (a certificate file, a CRL, composition, a trusted document that does not fit the new
 * schema) what was started is closed again and the error thrown.
 */
export async function buildGeneration(cfg: StackConfig, number: number, shared: LongLived): Promise<Generation> {
  const { audit, metrics, log } = shared;
  checkGenerationFiles(cfg);
  const identity = await startIdentity(cfg, metrics, log);
  const { trust, revocation } = identity;
  const clients = new ProvinceClients(cfg, shared.signer, metrics);
  const known = new Set(cfg.provinces.map((p) => p.id));
  for (const [id, url] of Object.entries(shared.subgraphUrls)) if (known.has(id)) clients.setUrl(id, url);
  let documents: TrustedDocuments | undefined;
  let apollo: Awaited<ReturnType<typeof startGraphqlServer>> | undefined;
  try {
    // The manifests are read now (a bad one refuses the configuration, naming the file and the
    // operation), validated once the schema is composed, then watched.
    documents = new TrustedDocuments({
      mode: cfg.gateway.trustedDocuments.mode,
      files: cfg.gateway.trustedDocuments.manifests.map((m) => path.resolve(cfg.configDir, m)),
      ...documentRules(cfg, true),
      metrics,
      log,
    });
    apollo = await startGraphqlServer({
      cfg,
      clients,
      rootFields: RootFieldTable.fromSdl(parse(localSdl(cfg.provinces))),
      cursorKey: shared.cursorKey,
      audit,
      metrics,
      documents,
      log,
    });
  } catch (err) {
    documents?.close();
    await identity.close();
    await clients.close();
    throw err;
  }
  documents.watch();
  const app = opsRoutes({
    cfg,
    clients,
    revocation,
    metrics,
    isDraining: shared.isDraining,
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
    ...(shared.rateLimiter ? { rateLimiter: shared.rateLimiter } : {}),
    log,
    onRefusal: shared.onRefusal,
  });
  // The DCAT-AP export: the directory's operations run on this generation's Apollo Server.
  const dcat = dcatHandler({
    cfg,
    apollo,
    authenticator: identity.authenticator,
    ...(shared.rateLimiter ? { rateLimiter: shared.rateLimiter } : {}),
    log,
    onRefusal: shared.onRefusal,
  });
  // This generation's province CAs and client credentials: a change re-reads the listener's context.
  const tlsWatcher = new FileChangeWatcher([...new Set([...trust.files(), ...clients.credentialFiles()])], shared.onTlsFilesChanged);

  let inFlight = 0;
  let idle: (() => void) | null = null;
  let closed: Promise<void> | null = null;
  const ownDocuments = documents;
  const ownApollo = apollo;
  const close = () => {
    closed ??= (async () => {
      tlsWatcher.close();
      await identity.close();
      ownDocuments.close();
      await ownApollo.stop();
      await clients.close();
    })();
    return closed;
  };
  return {
    number,
    cfg,
    identity,
    clients,
    documents: ownDocuments,
    handle(req, res) {
      inFlight++;
      let done = false;
      res.once('close', () => {
        if (done) return;
        done = true;
        if (--inFlight === 0) idle?.();
      });
      const url = req.url ?? '';
      const end = url.indexOf('?');
      const pathname = end >= 0 ? url.slice(0, end) : url;
      if (pathname === '/graphql' || pathname === '/graphql/') graphql(req, res);
      else if (pathname === DCAT_PATH) dcat(req, res);
      else app(req, res);
    },
    inFlight: () => inFlight,
    async retire(drainMs) {
      if (inFlight > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, drainMs);
          timer.unref();
          idle = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
      await close();
    },
    close,
  };
}
