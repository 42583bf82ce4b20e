// Hive Gateway (@graphql-hive/gateway, programmatic runtime) composed over the SAME running
// province subgraphs as ours, for the side-by-side benchmark (docs/DESIGN.md §7). Started by
// bench/run.ts as its own process: `node --import tsx bench/hive-gateway.ts --port P
// --config-dir C --certs-dir D`.
//
// Configured to do comparable work to our gateway:
// - HTTPS ingress with the same gateway server certificate; the TLS layer asks for and checks a
//   client certificate against the province CAs (handshake only: Hive cannot bind the token to
//   the certificate nor pick the province from the chain);
// - useJWT: ES256 access token verified against the province IdPs' public keys (the same JWKS
//   files ours reads), exact audience and issuers;
// - the same supergraph SDL (`composeSupergraph`) and the same local `directory` subgraph
//   (`buildDirectorySubgraph`), executed IN-PROCESS through a custom "local" transport, as
//   @apollo/gateway's LocalGraphQLDataSource does for ours (no extra HTTP hop for Hive);
// - province subgraphs reached over mTLS with the gateway's client certificate, and a caller
//   assertion on every subgraph request (onFetch hook), obtained exactly as ours obtains it
//   (CallerAssertionSigner.assertionFor: signed once per caller and subgraph, reused within its
//   lifetime), plus the x-request-id header.
// What it does NOT do that ours does: token-to-certificate binding (RFC 8705 cnf), province
// from the certificate chain, per-operation scope policy, the hash-chained audit record.
//
// Its packages are the benchmark's own (bench/package.json, installed into bench/node_modules by
// `npm run bench`), so this file is type-checked by bench/tsconfig.json, not the root's.
import { HTTPTransport, createGatewayRuntime, useJWT, type GatewayPlugin } from '@graphql-hive/gateway';
import { execute, parse, type DocumentNode, type GraphQLSchema } from 'graphql';
import { createPublicKey, hkdfSync, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { Agent, fetch as undiciFetch } from 'undici';
import { loadStackConfig, subgraphUrl, type ProvinceConfig, type StackConfig } from '../common/config.js';
import { CALLER_ASSERTION_HEADER, CallerAssertionSigner } from '../common/identity/caller-assertion.js';
import { SCOPES, type Caller, type Scope } from '../common/identity/caller.js';
import { gatewayPaths, provincePaths } from '../common/pki/paths.js';
import { LOCAL_SUBGRAPH_NAME, localSdl } from '../common/schema/local-sdl.js';
import { RootFieldTable } from '../gateway/policy/root-fields.js';
import type { GatewayContext } from '../gateway/context.js';
import { buildDirectorySubgraph } from '../gateway/federation/directory/subgraph.js';
import { ProvinceClients } from '../gateway/federation/province-clients.js';
import { composeSupergraph } from '../gateway/federation/supergraph.js';
import { GatewayMetrics } from '../gateway/ops/metrics.js';
import { TLS_SERVER_HARDENING } from '../common/tls/server-options.js';

process.env.APOLLO_TELEMETRY_DISABLED ??= '1';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    'config-dir': { type: 'string' },
    'certs-dir': { type: 'string' },
    // "agent" (default): Hive's own fetch with its documented `customAgent` (a keep-alive node
    // https.Agent per province, mTLS); "undici": undici fetch + keep-alive Agent per province (the
    // HTTP client ours uses), which measured slower for Hive.
    upstream: { type: 'string', default: process.env.HIVE_UPSTREAM ?? 'agent' },
    // Hive's HTTP executor merges identical in-flight subgraph queries (same URL and body) by
    // default. Off here: the caller assertion is per caller and per request (added in onFetch,
    // after that merge), and the subgraphs answer per caller (NOT_SHARED entries are hidden from
    // other provinces), so merging two callers' queries would be wrong, and it would skip work
    // our gateway does. --dedupe turns Hive's default back on, for reference.
    dedupe: { type: 'boolean', default: false },
    // "js" (default): Hive's own JavaScript query planner (@graphql-tools/federation); "rust":
    // the Hive Router's Rust query planner, through @graphql-hive/router-runtime's
    // `unifiedGraphHandler` (a native addon shipped in its npm package; imported only then).
    planner: { type: 'string', default: 'js' },
  },
});
if (!['js', 'rust'].includes(values.planner)) throw new Error('--planner must be js or rust');

interface JwtContext {
  jwt?: { payload?: Record<string, unknown> };
}

function pemKeysByKid(cfg: StackConfig): Map<string, string> {
  const keys = new Map<string, string>();
  for (const p of cfg.provinces) {
    const jwks = JSON.parse(readFileSync(provincePaths(cfg.certsDir, p.id).idpJwks, 'utf8')) as { keys: (Record<string, unknown> & { kid?: string })[] };
    for (const jwk of jwks.keys) {
      if (!jwk.kid) continue;
      keys.set(
        jwk.kid,
        createPublicKey({ key: jwk as never, format: 'jwk' })
          .export({ type: 'spki', format: 'pem' })
          .toString(),
      );
    }
  }
  return keys;
}

/** The caller, as far as Hive can tell: from the verified token alone (no certificate binding). */
function callerFromJwt(cfg: StackConfig, payload: Record<string, unknown>): Caller {
  const p = cfg.provinces.find((x) => x.idp.issuer === payload.iss);
  if (!p) throw new Error('token issuer is not a province');
  const cnf = payload.cnf as Record<string, unknown> | undefined;
  return {
    province: p.id,
    divisionCode: p.divisionCode,
    subject: String(payload.sub ?? ''),
    clientId: typeof payload.client_id === 'string' ? payload.client_id : null,
    scopes: String(payload.scope ?? '')
      .split(' ')
      .filter((s): s is Scope => (SCOPES as readonly string[]).includes(s)),
    certThumbprint: String(cnf?.['x5t#S256'] ?? ''),
    requestId: randomUUID(),
  };
}

async function main() {
  const cfg = loadStackConfig({ configDir: values['config-dir'], certsDir: values['certs-dir'] });
  const gp = gatewayPaths(cfg.certsDir);
  const assertionKeyPem = readFileSync(gp.assertionKey, 'utf8');
  const signer = await CallerAssertionSigner.fromPem(assertionKeyPem, JSON.parse(readFileSync(gp.assertionJwks, 'utf8')));
  const clients = new ProvinceClients(cfg, signer, new GatewayMetrics());
  const cursorKey = Buffer.from(hkdfSync('sha256', assertionKeyPem, 'chuanyu', 'directory-cursor-v1', 32));
  const rootFields = RootFieldTable.fromSdl(parse(localSdl(cfg.provinces)));
  const directorySchema: GraphQLSchema = buildDirectorySubgraph({ cfg, clients, cursorKey, rootFields });
  const supergraphSdl = composeSupergraph(cfg, (id) => subgraphUrl(cfg.provinces.find((p) => p.id === id)!));

  // One GatewayContext per Hive request (the directory's resolvers read caller, memo, …).
  const contexts = new WeakMap<object, GatewayContext>();
  const gatewayContextOf = (hiveCtx: object | undefined): GatewayContext => {
    if (!hiveCtx) throw new Error('no request context');
    let ctx = contexts.get(hiveCtx);
    if (!ctx) {
      const payload = (hiveCtx as JwtContext).jwt?.payload;
      if (!payload) throw new Error('no verified token on this request');
      // Built as gateway/server.ts builds it. Asserted rather than checked so that a field added
      // to GatewayContext later does not break the type-check of this harness; the sanity
      // check before every measurement catches a context the directory cannot use.
      const built = { caller: callerFromJwt(cfg, payload), partialErrors: [], memo: new Map(), touched: new Set(), auditNotes: {}, idempotencyKey: null };
      ctx = built as unknown as GatewayContext;
      contexts.set(hiveCtx, ctx);
    }
    return ctx;
  };

  // Province by subgraph origin, for the per-request caller assertion and the mTLS pool.
  const byOrigin = new Map<string, ProvinceConfig>(cfg.provinces.map((p) => [new URL(subgraphUrl(p)).origin, p]));
  const clientCert = readFileSync(gp.clientCert);
  const clientKey = readFileSync(gp.clientKey);
  const caOf = (p: ProvinceConfig) => readFileSync(provincePaths(cfg.certsDir, p.id).ca);
  const undiciAgents = new Map(
    cfg.provinces.map((p) => [
      p.id,
      new Agent({ connect: { ca: caOf(p), cert: clientCert, key: clientKey, minVersion: 'TLSv1.2' }, keepAliveTimeout: 30_000, connections: 128 }),
    ]),
  );
  const httpsAgents = new Map(
    cfg.provinces.map((p) => [
      p.id,
      new https.Agent({ ca: caOf(p), cert: clientCert, key: clientKey, keepAlive: true, maxSockets: 128, minVersion: 'TLSv1.2' }),
    ]),
  );

  const callerAssertion: GatewayPlugin = {
    onFetch({ url, options, setOptions, setFetchFn, context }) {
      const p = byOrigin.get(new URL(url).origin);
      if (!p) return;
      const caller = gatewayContextOf(context as object).caller;
      if (values.upstream === 'undici') {
        const dispatcher = undiciAgents.get(p.id)!;
        setFetchFn(((input: string, init?: Record<string, unknown>) => undiciFetch(input, { ...(init as object), dispatcher })) as never);
      }
      // The same as ours (ProvinceClients.assertion): one assertion per caller identity and
      // subgraph, reused within its lifetime.
      return signer.assertionFor(caller, p.id).then((assertion) => {
        const headers = { ...(options.headers as Record<string, string> | undefined), [CALLER_ASSERTION_HEADER]: assertion, 'x-request-id': caller.requestId };
        setOptions({ ...options, headers });
      }) as never;
    },
  };

  const localTransport = {
    getSubgraphExecutor: () => (req: { document: DocumentNode; variables?: Record<string, unknown>; operationName?: string; context?: object }) =>
      execute({
        schema: directorySchema,
        document: req.document,
        variableValues: req.variables,
        operationName: req.operationName,
        contextValue: gatewayContextOf(req.context),
      }),
  };

  const keys = pemKeysByKid(cfg);
  const unifiedGraphHandler = values.planner === 'rust' ? (await import('@graphql-hive/router-runtime')).unifiedGraphHandler : undefined;
  const gw = createGatewayRuntime({
    supergraph: parse(supergraphSdl),
    logging: 'error',
    landingPage: false,
    graphiql: false,
    transportEntries: {
      [LOCAL_SUBGRAPH_NAME]: { kind: 'local' },
      '*.http': { options: { deduplicateInflightRequests: values.dedupe } },
    },
    transports: { local: localTransport as never, http: HTTPTransport },
    ...(unifiedGraphHandler ? { unifiedGraphHandler } : {}),
    ...(values.upstream === 'agent'
      ? {
          customAgent: ({ url }: { url: string }) => {
            const p = byOrigin.get(new URL(url).origin);
            return p ? httpsAgents.get(p.id) : undefined;
          },
        }
      : {}),
    plugins: () => [
      useJWT({
        signingKeyProviders: [(kid?: string) => keys.get(kid ?? '') ?? ''],
        tokenVerification: { algorithms: ['ES256'], audience: cfg.gateway.audience, issuer: cfg.provinces.map((p) => p.idp.issuer) as [string, ...string[]] },
        reject: { missingToken: true, invalidToken: true },
        forward: { payload: false, token: false },
      }),
      callerAssertion,
    ],
  } as never);

  const provinceCas = Buffer.concat(cfg.provinces.map((p) => caOf(p)));
  const server = https.createServer(
    {
      key: readFileSync(gp.serverKey),
      cert: readFileSync(gp.serverCert),
      ca: provinceCas,
      requestCert: true,
      rejectUnauthorized: true,
      ...TLS_SERVER_HARDENING,
    },
    gw as never,
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number(values.port), 'localhost', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `https://localhost:${port}/graphql`;
  process.send?.({ ready: true, url });
  const stop = async () => {
    server.close();
    server.closeIdleConnections();
    await gw.dispose?.();
    await clients.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err) => {
  console.error(`hive-gateway: ${(err as Error).stack ?? err}`);
  process.exit(1);
});
