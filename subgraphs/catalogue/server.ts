// One province catalogue subgraph: HTTPS with client certificates required, accepting
// only the gateway's pinned certificate, and the caller's identity only from the
// gateway-signed assertion. Started once per province from config (docs/DESIGN.md §2).
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import { readFileSync } from 'node:fs';
import { openAuditLog, type OpenAuditOptions } from '../../common/audit/open-audit.js';
import type { ProvinceConfig, StackConfig } from '../../common/config.js';
import { createLogger } from '../../common/log.js';
import { requestLog } from '../../common/request-log.js';
import { traceRequests } from '../../common/tracing.js';
import { CallerAssertionVerifier } from '../../common/identity/caller-assertion.js';
import type { Caller } from '../../common/identity/caller.js';
import { gatewayPaths, provincePaths } from '../../common/pki/paths.js';
import { certFingerprint256 } from '../../common/pki/thumbprint.js';
import { checkPemFiles } from '../../common/tls/check-files.js';
import { startHttpsServer } from '../../common/tls/https-server.js';
import { certificateApi } from './certificates/certificate-api.js';
import type { CertificateStore } from './certificates/certificate-store.js';
import { loadSealKeys } from './certificates/seal-keys.js';
import { internalApi } from './internal-api.js';
import { gatewayOnly } from './gateway-only.js';
import { buildProvinceSchema, type SubgraphContext } from './province-schema.js';
import type { CatalogueStore } from './store/store.js';

export interface RunningSubgraph {
  province: ProvinceConfig;
  auditFile: string;
  reloadTls(): void;
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface StartSubgraphOptions {
  cfg: StackConfig;
  province: ProvinceConfig;
  store: CatalogueStore;
  certificates: CertificateStore;
  /** Override the configured port (0 = any free port). */
  port?: number;
  host?: string;
  /** Where and how often the audit chain is checkpointed (tests: a PostgreSQL schema of their own). */
  audit?: OpenAuditOptions;
}

export async function startProvinceSubgraph(opts: StartSubgraphOptions): Promise<RunningSubgraph> {
  const { cfg, province, store, certificates } = opts;
  const pp = provincePaths(cfg.certsDir, province.id);
  const gp = gatewayPaths(cfg.certsDir);
  checkPemFiles({
    certificate: [pp.serverCert, gp.ca, gp.clientCert],
    'private key': [pp.serverKey, pp.sealKey],
    jwks: [pp.sealJwks, gp.assertionJwks],
  });
  const sealKeys = loadSealKeys(cfg, province);
  const log = createLogger(`subgraph-${province.id}`);
  // The province's chain `<province>`, on the backend the config chooses (common/audit/open-audit.ts).
  const audit = openAuditLog(cfg, { kind: 'subgraph', province: province.id }, opts.audit);
  await audit.ready().catch(async (err: Error) => {
    await audit.close().catch(() => {});
    throw err;
  });
  const auditFile = audit.location;
  // Pin the gateway's client certificate: a valid certificate from the same CA is not
  // enough, and province client certificates must never reach a subgraph directly.
  let pinnedGateway = certFingerprint256(readFileSync(gp.clientCert));
  const verifier = new CallerAssertionVerifier(JSON.parse(readFileSync(gp.assertionJwks, 'utf8')), province.id);

  const apollo = new ApolloServer<SubgraphContext>({
    schema: buildProvinceSchema(province, store, certificates, sealKeys.kid),
    // As in the gateway: main.ts's own SIGTERM handling closes the stores and the audit chain.
    stopOnTerminationSignals: false,
    plugins: [ApolloServerPluginLandingPageDisabled(), ApolloServerPluginInlineTraceDisabled()],
    includeStacktraceInErrorResponses: false,
  });
  await apollo.start();

  const app = express();
  app.disable('x-powered-by');
  // Only the gateway calls this server, and never conditionally: an ETag (a SHA-1 of every JSON
  // answer, express's default) would be computed for nothing.
  app.disable('etag');
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', province: province.id });
  });

  // With tracing on, each request continues the gateway's trace (its traceparent); nothing otherwise.
  app.use(traceRequests());
  app.use(requestLog(log));
  app.use(gatewayOnly(() => pinnedGateway, verifier));

  app.use('/internal/v1/certificates', certificateApi(province, certificates, sealKeys, audit));
  app.use('/internal/v1', internalApi(province, store, audit));
  app.use('/graphql', express.json({ limit: '1mb' }), expressMiddleware(apollo, { context: async ({ res }) => ({ caller: res.locals.caller as Caller }) }));

  // Rotation without restart: a new server certificate, gateway CA or gateway client certificate
  // (the pin) takes effect for new handshakes; the pin changes only with the context it belongs to.
  let nextPin: string | null = null;
  const host = opts.host ?? province.subgraph.host;
  const listener = await startHttpsServer({
    secureContext: () => ({ key: readFileSync(pp.serverKey), cert: readFileSync(pp.serverCert), ca: readFileSync(gp.ca) }),
    rejectUnauthorized: true,
    handler: app,
    host,
    port: opts.port ?? province.subgraph.port,
    watch: [pp.serverKey, pp.serverCert, gp.ca, gp.clientCert],
    beforeReload: () => {
      nextPin = certFingerprint256(readFileSync(gp.clientCert));
    },
    onReload: (err) => {
      // A file mid-replacement keeps the previous material; the next change retries.
      if (!err && nextPin) pinnedGateway = nextPin;
      nextPin = null;
    },
    drainMs: 5_000,
  });
  const port = listener.port;
  return {
    province,
    port,
    url: `https://${host}:${port}/graphql`,
    auditFile,
    reloadTls: listener.reloadTls,
    async close() {
      await listener.close();
      await apollo.stop();
      await audit.close();
    },
  };
}
