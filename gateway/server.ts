// Assembles the gateway. A request reads straight through:
//   ingress (mTLS) → identity (bound JWT) → policy (scopes) → federation (plan, fetch,
//   merge) → response.
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { hkdfSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { AuditLog } from '../common/audit/audit-log.js';
import type { StackConfig } from '../common/config.js';
import { CallerAssertionSigner } from '../common/identity/caller-assertion.js';
import { createLogger } from '../common/log.js';
import { requestLog } from '../common/request-log.js';
import { gatewayPaths, provincePaths } from '../common/pki/paths.js';
import { LOCAL_SUBGRAPH_NAME, localSdl } from '../common/schema/local-sdl.js';
import { parse } from 'graphql';
import { auditPlugin } from './audit/audit-plugin.js';
import type { GatewayContext } from './federation/context.js';
import { DirectoryDataSource, ProvinceDataSource } from './federation/data-sources.js';
import { buildDirectorySubgraph } from './federation/directory/subgraph.js';
import { ProvinceClients } from './federation/province-clients.js';
import { composeSupergraph } from './federation/supergraph.js';
import { Authenticator, type AuthRefusal } from './identity/authenticate.js';
import { graphqlHttpHandler } from './ingress/graphql-http.js';
import { responseStatusPlugin } from './ingress/graphql-response-status.js';
import { jwksSourceFor } from './identity/jwks-source.js';
import { checkPemFiles } from '../common/tls/check-files.js';
import { FileChangeWatcher } from '../common/tls/file-change-watcher.js';
import { TLS_SERVER_HARDENING } from '../common/tls/server-options.js';
import { DEFAULT_TOKEN_RULES, ProvinceTokenVerifier } from './identity/token-verifier.js';
import { ProvinceTrustStore } from './ingress/client-certificate.js';
import { revocationFromConfig } from './ingress/revocation.js';
import { makeErrorFormatter } from './ops/error-masking.js';
import { GatewayMetrics } from './ops/metrics.js';
import { requestMetricsPlugin } from './ops/request-metrics-plugin.js';
import { scopePolicyPlugin } from './policy/operation-scopes.js';
import { RootFieldTable } from './policy/root-fields.js';
import { aliasLimitRule, depthLimitRule } from './policy/query-limits.js';

export interface StartGatewayOptions {
  cfg: StackConfig;
  port?: number;
  host?: string;
  /** Province id → subgraph GraphQL URL, overriding config (tests start subgraphs on free ports). */
  subgraphUrls?: Record<string, string>;
  onRefusal?: (refusal: AuthRefusal) => void;
  /** Names this replica's audit chain (each replica keeps its own). Default: "gateway". */
  instanceId?: string;
}

export interface RunningGateway {
  /** Re-read certificates and CA files now (also happens on file change and SIGHUP). */
  reloadTls(): void;
  /** Re-read or refetch every province's CRL now (also on file change, SIGHUP and the refresh interval). */
  reloadCrls(): Promise<void>;
  url: string;
  auditFile: string;
  port: number;
  close(): Promise<void>;
}

export async function startGateway(opts: StartGatewayOptions): Promise<RunningGateway> {
  const { cfg } = opts;
  const log = createLogger('gateway');
  const gp = gatewayPaths(cfg.certsDir);

  checkPemFiles([
    { path: gp.serverCert, kind: 'certificate' },
    { path: gp.serverKey, kind: 'private key' },
    { path: gp.clientCert, kind: 'certificate' },
    { path: gp.clientKey, kind: 'private key' },
    { path: gp.assertionKey, kind: 'private key' },
    { path: gp.assertionJwks, kind: 'jwks' },
    ...cfg.provinces.map((p) => ({ path: provincePaths(cfg.certsDir, p.id).ca, kind: 'certificate' as const })),
  ]);
  const auditFile = path.join(cfg.dataDir, 'audit', `${opts.instanceId ?? process.env.GATEWAY_INSTANCE_ID ?? 'gateway'}.sqlite`);
  const audit = new AuditLog(auditFile);
  const metrics = new GatewayMetrics();
  // Every province's CRL, verified against its CA, before anything else starts: a bad CRL is a
  // start-up error naming the file (or URL); later a bad one is refused and the last good one kept.
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
  const trust = new ProvinceTrustStore(cfg, revocation);
  const rules = { ...DEFAULT_TOKEN_RULES, audience: cfg.gateway.audience };
  const jwksSources = cfg.provinces.map((p) => ({ p, source: jwksSourceFor(p, cfg.configDir, provincePaths(cfg.certsDir, p.id).idpJwks) }));
  await Promise.all(jwksSources.map(({ source }) => source.start?.()));
  const verifiers = new Map(jwksSources.map(({ p, source }) => [p.id, new ProvinceTokenVerifier(p, source, rules)]));
  const assertionKeyPem = readFileSync(gp.assertionKey, 'utf8');
  const signer = await CallerAssertionSigner.fromPem(assertionKeyPem, JSON.parse(readFileSync(gp.assertionJwks, 'utf8')));
  metrics.trackAudit(audit.stats);
  const clients = new ProvinceClients(cfg, signer, metrics);
  for (const [id, url] of Object.entries(opts.subgraphUrls ?? {})) clients.setUrl(id, url);

  // Cursor MAC key: derived from a key every replica already shares, so a cursor issued by
  // one replica is accepted by the others.
  const cursorKey = Buffer.from(hkdfSync('sha256', assertionKeyPem, 'chuanyu', 'directory-cursor-v1', 32));
  const rootFields = RootFieldTable.fromSdl(parse(localSdl(cfg.provinces)));
  const directorySchema = buildDirectorySubgraph({ cfg, clients, cursorKey, rootFields });
  const supergraphSdl = composeSupergraph(cfg, (id) => clients.graphqlUrl(id));

  const gateway = new ApolloGateway({
    supergraphSdl,
    logger: log,
    buildService: ({ name }) =>
      name === LOCAL_SUBGRAPH_NAME ? new DirectoryDataSource(directorySchema) : new ProvinceDataSource(name, clients),
  });

  const limits = cfg.gateway.limits;
  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    // No cache-control computation: answers are per caller and never cached by HTTP caches.
    // responseStatusPlugin first among those that read the status: audit and metrics record the final one.
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginCacheControlDisabled(),
      scopePolicyPlugin(rootFields),
      responseStatusPlugin(),
      requestMetricsPlugin(metrics, rootFields),
      auditPlugin(audit, rootFields),
    ],
    includeStacktraceInErrorResponses: false,
    introspection: cfg.gateway.introspection,
    // With introspection off the schema is not public: no "Did you mean …?" field suggestions in
    // validation errors either (they are answered before the scope check, to any caller).
    hideSchemaDetailsFromClientErrors: !cfg.gateway.introspection,
    formatError: makeErrorFormatter(cfg.provinces, cfg.gateway.maskErrors),
    parseOptions: { maxTokens: limits.maxTokens },
    validationRules: [depthLimitRule(limits.maxDepth), aliasLimitRule(limits.maxAliases)],
    allowBatchedHttpRequests: false,
    logger: log,
  });
  await apollo.start();
  let draining = false;

  const app = express();
  app.disable('x-powered-by');
  // Liveness: the process answers. Readiness: the supergraph is loaded, we are not draining,
  // and at least one province answers — a single province down must not pull every replica
  // out of the load balancer, since the directory still serves partial results.
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const provinces = Object.fromEntries(
      await Promise.all(
        cfg.provinces.map(
          async (p) => [p.id, { reachable: await clients.probe(p), breaker: clients.breakers.get(p.id)!.state, revocation: revocation.state(p.id) }] as const,
        ),
      ),
    );
    const ready = !draining && Object.values(provinces).some((p) => p.reachable);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : draining ? 'draining' : 'not_ready', supergraph: 'loaded', provinces });
  });
  // Each province's public seal JWKS, so a counter can check receipts offline. Public keys only.
  const sealJwks = new Map(cfg.provinces.map((p) => [p.id, provincePaths(cfg.certsDir, p.id).sealJwks]));
  app.get('/keys/:province/seal.jwks.json', (req, res) => {
    const file = sealJwks.get(String(req.params.province));
    if (!file) {
      res.status(404).json({ error: 'unknown province' });
      return;
    }
    const jwks = JSON.parse(readFileSync(file, 'utf8')) as { keys: Record<string, unknown>[] };
    res.type('application/jwk-set+json').send(JSON.stringify({ keys: jwks.keys.map(({ d: _private, ...pub }) => pub) }));
  });
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  app.use(requestLog(log));
  app.use((_req, res) => {
    res.status(404).json({ errors: [{ message: 'not found', extensions: { code: 'NOT_FOUND' } }] });
  });
  app.use((err: Error & { status?: number }, _req: Request, res: Response, _next: NextFunction) => {
    const status = err.status && err.status >= 400 && err.status < 500 ? err.status : 500;
    if (status === 500) log.error({ err }, 'unhandled error');
    res.status(status).json({ errors: [{ message: status === 500 ? 'internal error' : 'bad request', extensions: { code: status === 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST' } }] });
  });

  // /graphql is served on Node's own request objects (gateway/ingress/graphql-http.ts); the
  // operational routes above keep express.
  const graphql = graphqlHttpHandler({
    apollo,
    authenticator: new Authenticator(trust, verifiers),
    maxBodyBytes: limits.maxBodyBytes,
    log,
    async onRefusal(refusal, requestId) {
      log.warn({ requestId, reason: refusal.reason, province: refusal.province }, 'request refused');
      metrics.refusals.inc({ reason: refusal.reason });
      opts.onRefusal?.(refusal);
      await audit.append({
        kind: 'refusal',
        requestId,
        province: refusal.province ?? null,
        certThumbprint: refusal.certThumbprint ?? null,
        outcome: 'refused',
        reason: refusal.reason,
        httpStatus: refusal.status,
      });
    },
  });
  const route = (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '';
    const end = url.indexOf('?');
    const pathname = end >= 0 ? url.slice(0, end) : url;
    if (pathname === '/graphql' || pathname === '/graphql/') graphql(req, res);
    else app(req, res);
  };

  const secureContext = () => ({
    key: readFileSync(gp.serverKey),
    cert: readFileSync(gp.serverCert),
    ca: trust.caBundle,
  });
  const server = https.createServer(
    {
      ...secureContext(),
      requestCert: true,
      // Verify, but let the handshake finish so the refusal can be explained and recorded.
      rejectUnauthorized: false,
      ...TLS_SERVER_HARDENING,
    },
    route,
  );
  const reloadTls = () => {
    try {
      clients.reloadCredentials();
      trust.reload();
      // A province CA may have changed: its CRL is checked against it again.
      void revocation.reload();
      server.setSecureContext({ ...secureContext(), ...TLS_SERVER_HARDENING });
      log.info('TLS material reloaded');
    } catch (err) {
      // A half-written file must not take the listener down: keep serving with the old context.
      log.error({ err: (err as Error).message }, 'TLS reload failed; keeping the previous certificates');
    }
  };
  const watcher = new FileChangeWatcher([...new Set([gp.serverKey, gp.serverCert, ...trust.files(), ...clients.credentialFiles()])], reloadTls);
  const crlWatcher = new FileChangeWatcher(revocation.files(), () => void revocation.reload());
  const host = opts.host ?? cfg.gateway.host;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? cfg.gateway.port, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `https://${host}:${port}/graphql`,
    auditFile,
    reloadTls,
    reloadCrls: () => revocation.reload(),
    async close() {
      // Drain: stop accepting, fail readiness, let in-flight requests finish (bounded), then
      // close what is left.
      draining = true;
      watcher.close();
      crlWatcher.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const timer = setTimeout(() => server.closeAllConnections(), 10_000);
      await closed;
      clearTimeout(timer);
      await Promise.all(jwksSources.map(({ source }) => source.close?.()));
      await revocation.close();
      await apollo.stop();
      await clients.close();
      await audit.close();
    },
  };
}
