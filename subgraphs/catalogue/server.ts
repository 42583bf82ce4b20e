// One province catalogue subgraph: HTTPS with client certificates required, accepting
// only the gateway's pinned certificate, and the caller's identity only from the
// gateway-signed assertion. Started once per province from config (docs/DESIGN.md §2).
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import { buildSubgraphSchema } from '@apollo/subgraph';
import express, { type NextFunction, type Request, type Response } from 'express';
import { parse } from 'graphql';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import path from 'node:path';
import { AuditLog } from '../../common/audit/audit-log.js';
import { forbidden } from '../../common/errors.js';
import type { ProvinceConfig, StackConfig } from '../../common/config.js';
import { createLogger } from '../../common/log.js';
import { requestLog } from '../../common/request-log.js';
import { CALLER_ASSERTION_HEADER, CallerAssertionVerifier, REQUEST_ID_HEADER, requestIdFrom } from '../../common/identity/caller-assertion.js';
import type { Caller } from '../../common/identity/caller.js';
import { gatewayPaths, provincePaths } from '../../common/pki/paths.js';
import { certFingerprint256 } from '../../common/pki/thumbprint.js';
import { certificateTypeName, entryTypeName, provinceSdl } from '../../common/schema/province-sdl.js';
import { hasScope } from '../../common/identity/caller.js';
import { checkPemFiles } from '../../common/tls/check-files.js';
import { FileChangeWatcher } from '../../common/tls/file-change-watcher.js';
import { TLS_SERVER_HARDENING } from '../../common/tls/server-options.js';
import { toGraphQLCertificate, toGraphQLEntry } from './entry-graphql.js';
import { certificateApi } from './certificates/certificate-api.js';
import type { CertificateStore } from './certificates/certificate-store.js';
import { loadSealKeys } from './certificates/seal-keys.js';
import { internalApi } from './internal-api.js';
import { canRead, isVisibleTo } from './policy.js';
import type { CatalogueStore } from './store/store.js';

export interface SubgraphContext {
  caller: Caller;
}

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
}

function refuse(res: Response, status: number, code: string, message: string) {
  res.status(status).json({ errors: [{ message, extensions: { code } }] });
}

export async function startProvinceSubgraph(opts: StartSubgraphOptions): Promise<RunningSubgraph> {
  const { cfg, province, store, certificates } = opts;
  {
    const pp0 = provincePaths(cfg.certsDir, province.id);
    const gp0 = gatewayPaths(cfg.certsDir);
    checkPemFiles([
      { path: pp0.serverCert, kind: 'certificate' },
      { path: pp0.serverKey, kind: 'private key' },
      { path: pp0.sealKey, kind: 'private key' },
      { path: pp0.sealJwks, kind: 'jwks' },
      { path: gp0.ca, kind: 'certificate' },
      { path: gp0.clientCert, kind: 'certificate' },
      { path: gp0.assertionJwks, kind: 'jwks' },
    ]);
  }
  const sealKeys = loadSealKeys(cfg, province);
  const log = createLogger(`subgraph-${province.id}`);
  const certTypename = certificateTypeName(province);
  const pp = provincePaths(cfg.certsDir, province.id);
  const gp = gatewayPaths(cfg.certsDir);
  const typename = entryTypeName(province);
  const auditFile = path.join(cfg.dataDir, 'audit', `${province.id}.sqlite`);
  const audit = new AuditLog(auditFile);
  // Pin the gateway's client certificate: a valid certificate from the same CA is not
  // enough, and province client certificates must never reach a subgraph directly.
  let pinnedGateway = certFingerprint256(readFileSync(gp.clientCert));
  const verifier = new CallerAssertionVerifier(JSON.parse(readFileSync(gp.assertionJwks, 'utf8')), province.id);

  const schema = buildSubgraphSchema({
    typeDefs: parse(provinceSdl(province)),
    resolvers: {
      [typename]: {
        async __resolveReference(ref: { id: string }, ctx: SubgraphContext) {
          if (!canRead(ctx.caller)) {
            throw forbidden('catalogue:read is required');
          }
          const rec = await store.getEntry(ref.id);
          if (!rec || !isVisibleTo(rec, ctx.caller, province)) return null;
          return toGraphQLEntry(rec, province, typename);
        },
      },
      [certTypename]: {
        async __resolveReference(ref: { id: string }, ctx: SubgraphContext) {
          if (!hasScope(ctx.caller, 'certificate:verify')) {
            throw forbidden('certificate:verify is required');
          }
          const rec = await certificates.get(ref.id);
          return rec ? toGraphQLCertificate(rec, province, certTypename, sealKeys.kid) : null;
        },
      },
    } as never,
  });

  const apollo = new ApolloServer<SubgraphContext>({
    schema,
    plugins: [ApolloServerPluginLandingPageDisabled(), ApolloServerPluginInlineTraceDisabled()],
    includeStacktraceInErrorResponses: false,
  });
  await apollo.start();

  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', province: province.id });
  });

  app.use(requestLog(log));
  app.use(async (req: Request, res: Response, next: NextFunction) => {
    const socket = req.socket as TLSSocket;
    const peer = socket.getPeerCertificate?.();
    if (!socket.authorized || !peer?.raw || certFingerprint256(peer.raw) !== pinnedGateway) {
      return refuse(res, 403, 'FORBIDDEN', 'only the federation gateway may call this subgraph');
    }
    const assertion = req.headers[CALLER_ASSERTION_HEADER];
    if (typeof assertion !== 'string') return refuse(res, 401, 'UNAUTHENTICATED', 'caller assertion missing');
    try {
      res.locals.caller = await verifier.verify(assertion, requestIdFrom(req.headers[REQUEST_ID_HEADER]));
    } catch {
      return refuse(res, 401, 'UNAUTHENTICATED', 'caller assertion invalid or expired');
    }
    next();
  });

  app.use('/internal/v1/certificates', certificateApi(province, certificates, sealKeys, audit));
  app.use('/internal/v1', internalApi(province, store, audit));
  app.use(
    '/graphql',
    express.json({ limit: '1mb' }),
    expressMiddleware(apollo, { context: async ({ res }) => ({ caller: res.locals.caller as Caller }) }),
  );

  const secureContext = () => ({ key: readFileSync(pp.serverKey), cert: readFileSync(pp.serverCert), ca: readFileSync(gp.ca) });
  const server = https.createServer(
    {
      ...secureContext(),
      requestCert: true,
      rejectUnauthorized: true,
      ...TLS_SERVER_HARDENING,
    },
    app,
  );
  // Rotation without restart: new server certificate, gateway CA or gateway client
  // certificate (the pin) take effect for new handshakes.
  const reloadTls = () => {
    try {
      const next = secureContext();
      const pin = certFingerprint256(readFileSync(gp.clientCert));
      server.setSecureContext({ ...next, ...TLS_SERVER_HARDENING });
      pinnedGateway = pin;
    } catch {
      // Keep the previous material if a file is mid-replacement; the next change retries.
    }
  };
  const watcher = new FileChangeWatcher([pp.serverKey, pp.serverCert, gp.ca, gp.clientCert], reloadTls);
  const host = opts.host ?? province.subgraph.host;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? province.subgraph.port, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    province,
    port,
    url: `https://${host}:${port}/graphql`,
    auditFile,
    reloadTls,
    async close() {
      watcher.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await apollo.stop();
      await audit.close();
    },
  };
}
