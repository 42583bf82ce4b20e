// Test harness: a real stack (each province's dev IdP, province subgraphs, gateway) over real HTTPS
// with a real dev PKI, on free ports, with its own data and config directories. Nothing is mocked.
import Database from 'better-sqlite3';
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync, cpSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { loadStackConfig, ROOT_DIR, type ProvinceConfig, type StackConfig } from '../../common/config.js';
import { mintDevToken } from '../../common/dev-token.js';
import { ensureDevPki } from '../../common/pki/dev-pki.js';
import { gatewayPaths, provincePaths } from '../../common/pki/paths.js';
import { startGateway, type RunningGateway } from '../../gateway/server.js';
import { startDevIdp, type RunningIdp } from '../../idp/server.js';
import type { CertificateStore } from '../../subgraphs/catalogue/certificates/certificate-store.js';
import { loadSealKeys } from '../../subgraphs/catalogue/certificates/seal-keys.js';
import { ensureDemoCertificates, ensureDemoData } from '../../subgraphs/catalogue/seed.js';
import { startProvinceSubgraph, type RunningSubgraph } from '../../subgraphs/catalogue/server.js';
import { openCertificateStore, openStore } from '../../subgraphs/catalogue/store/open-store.js';
import type { CatalogueStore } from '../../subgraphs/catalogue/store/store.js';

process.env.APOLLO_TELEMETRY_DISABLED = '1';
process.env.NODE_ENV ??= 'test';
// The end-to-end stacks keep their data in their own temporary SQLite files. A DATABASE_URL left
// in the developer's shell must not send them into that database's fixed province schemas (they
// would write demo data and test mirrors there); the PostgreSQL backend is covered by the store
// contract suites, which use TEST_DATABASE_URL and schemas of their own.
delete process.env.DATABASE_URL;

const tmpRoots: string[] = [];
export function tmpDir(prefix: string): string {
  const d = mkdtempSync(path.join(os.tmpdir(), `chuanyu-${prefix}-`));
  tmpRoots.push(d);
  return d;
}
process.on('exit', () => {
  for (const d of tmpRoots) rmSync(d, { recursive: true, force: true });
});

let certsPromise: Promise<string> | null = null;
/** One dev PKI for the whole test run (key generation is the slow part). */
export function sharedCertsDir(): Promise<string> {
  certsPromise ??= (async () => {
    const dir = tmpDir('certs');
    const cfg = loadStackConfig({ certsDir: dir });
    await ensureDevPki({ certsDir: dir, provinces: cfg.provinces });
    return dir;
  })();
  return certsPromise;
}

/** A config directory with the repo's provinces plus any extra province files. */
export function configDirWith(extra: Record<string, unknown>[] = [], gatewayPatch: Record<string, unknown> = {}): string {
  const dir = tmpDir('config');
  cpSync(path.join(ROOT_DIR, 'config'), dir, { recursive: true });
  for (const p of extra) writeFileSync(path.join(dir, 'provinces', `${String(p.id)}.json`), JSON.stringify(p, null, 2));
  const gw = JSON.parse(readFileSync(path.join(dir, 'gateway.json'), 'utf8'));
  writeFileSync(path.join(dir, 'gateway.json'), JSON.stringify({ ...gw, ...gatewayPatch }, null, 2));
  return dir;
}

export interface TestStack {
  /**
   * The stack's config. `cfg.configDir` is a private copy whose province files name this stack's IdPs
   * and subgraph ports, so a child process started with `--config-dir` joins this stack.
   */
  cfg: StackConfig;
  /** Each province's dev IdP (provinces with an `idp.dev` section), by province id. */
  idps: Map<string, RunningIdp>;
  /** The console's redirect URI on this stack's gateway, registered with every IdP client that has redirect URIs. */
  consoleRedirectUri: string;
  /** Port reserved for a province started with `external` (spawnSubgraph on it). */
  externalPort(id: string): number;
  gateway: RunningGateway;
  subgraphs: Map<string, RunningSubgraph>;
  stores: Map<string, CatalogueStore>;
  province(id: string): ProvinceConfig;
  stopSubgraph(id: string): Promise<void>;
  restartSubgraph(id: string): Promise<void>;
  close(): Promise<void>;
}

/** A province subgraph in its own process (so a test can SIGKILL it). */
export interface ChildSubgraph {
  url: string;
  pid: number;
  kill(signal: NodeJS.Signals): Promise<void>;
}

export function spawnSubgraph(cfg: StackConfig, provinceId: string, port: number): Promise<ChildSubgraph> {
  return new Promise((resolve, reject) => {
    const child = fork(
      path.join(ROOT_DIR, 'subgraphs/catalogue/main.ts'),
      ['--province', provinceId, '--port', String(port), '--config-dir', cfg.configDir, '--certs-dir', cfg.certsDir, '--data-dir', cfg.dataDir],
      { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'], env: { ...process.env, LOG_LEVEL: 'silent' } },
    );
    let ready = false;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.once('exit', (code) => {
      if (!ready) reject(new Error(`subgraph ${provinceId} exited early (${code})`));
    });
    child.on('message', (m: { ready?: boolean; url?: string }) => {
      if (m.ready && m.url) {
        ready = true;
        resolve({
          url: m.url,
          pid: child.pid!,
          async kill(signal) {
            child.kill(signal);
            await exited;
          },
        });
      }
    });
  });
}

/** The JSON of a province file with `patch` applied to it (what a child process started with the stack's config dir reads). */
function patchProvinceFile(
  p: ProvinceConfig,
  patch: (json: { idp: Record<string, unknown> & { dev?: { clients?: Record<string, { redirectUris?: string[] }> } } }) => void,
) {
  const json = JSON.parse(readFileSync(p.file, 'utf8'));
  patch(json);
  writeFileSync(p.file, JSON.stringify(json, null, 2));
}

/**
 * Starts a province's dev IdP on a free port and points the stack's config at it, in memory and in
 * the (private) config directory, so child processes given `--config-dir` agree: `idp.issuer` is the
 * IdP's origin and, unless the test named other keys, `idp.jwks` its JWKS URL, refetched often
 * enough that a key rotated in the PKI files is seen within a second (test/e2e/rotation.test.ts).
 */
async function startIdpFor(cfg: StackConfig, p: ProvinceConfig): Promise<RunningIdp> {
  const configured = p.idp.issuer;
  const idp = await startDevIdp({ cfg, province: p, port: 0, host: 'localhost' });
  const patch: Record<string, unknown> = { issuer: idp.issuer };
  if (p.idp.jwks === undefined || p.idp.jwks === `${configured}/jwks.json`) {
    Object.assign(patch, { jwks: idp.jwksUri, jwksRefreshMs: p.idp.jwksRefreshMs ?? 250, jwksCooldownMs: p.idp.jwksCooldownMs ?? 100 });
  }
  Object.assign(p.idp, patch);
  patchProvinceFile(p, (json) => Object.assign(json.idp, patch));
  return idp;
}

/** Registers the console of the stack's gateway as a redirect URI of every client that has one (the IdP reads the config live). */
function registerConsole(p: ProvinceConfig, redirectUri: string): void {
  const clients = p.idp.dev?.clients ?? {};
  const withRedirects = Object.keys(clients).filter((id) => clients[id]!.redirectUris.length > 0);
  for (const id of withRedirects) clients[id]!.redirectUris.push(redirectUri);
  patchProvinceFile(p, (json) => {
    for (const id of withRedirects) json.idp.dev!.clients![id]!.redirectUris!.push(redirectUri);
  });
}

export async function startStack(opts: { configDir?: string; certsDir?: string; entries?: number; external?: string[] } = {}): Promise<TestStack> {
  const certsDir = opts.certsDir ?? (await sharedCertsDir());
  // The stack writes its IdPs' origins into the province files: never into the repository's config/.
  const repoConfig = path.join(ROOT_DIR, 'config');
  const configDir = opts.configDir && path.resolve(opts.configDir) !== repoConfig ? opts.configDir : configDirWith();
  const cfg = loadStackConfig({ configDir, certsDir, dataDir: tmpDir('data') });
  await ensureDevPki({ certsDir, provinces: cfg.provinces });
  // The IdPs first, as `npm start` does: the gateway fetches their keys, the sync workers their tokens.
  const idps = new Map<string, RunningIdp>();
  for (const p of cfg.provinces) if (p.idp.dev) idps.set(p.id, await startIdpFor(cfg, p));
  const subgraphs = new Map<string, RunningSubgraph>();
  const stores = new Map<string, CatalogueStore>();
  const certificates = new Map<string, CertificateStore>();
  const ports = new Map<string, number>();
  const startOne = async (p: ProvinceConfig) => {
    let store = stores.get(p.id);
    if (!store) {
      store = await openStore(cfg, p);
      await ensureDemoData(store, p, opts.entries ?? p.demo.entries);
      stores.set(p.id, store);
      const certs = await openCertificateStore(cfg, p);
      await ensureDemoCertificates(certs, p, loadSealKeys(cfg, p));
      certificates.set(p.id, certs);
    }
    const sg = await startProvinceSubgraph({ cfg, province: p, store, certificates: certificates.get(p.id)!, port: ports.get(p.id) ?? 0, host: 'localhost' });
    ports.set(p.id, sg.port);
    subgraphs.set(p.id, sg);
  };
  const externalUrls: Record<string, string> = {};
  for (const p of cfg.provinces) {
    if (opts.external?.includes(p.id)) {
      // The child process seeds its own store on first start; reserve a fixed port for restarts.
      const port = 20000 + Math.floor(Math.random() * 20000);
      externalUrls[p.id] = `https://localhost:${port}/graphql`;
      ports.set(p.id, port);
    } else await startOne(p);
  }
  // A child process given the stack's --config-dir (a compiled gateway, a sync worker) reaches these subgraphs.
  for (const p of cfg.provinces) patchProvinceFile(p, (json) => Object.assign(json, { subgraph: { host: 'localhost', port: ports.get(p.id)! } }));
  const gateway = await startGateway({
    cfg,
    port: 0,
    host: 'localhost',
    subgraphUrls: { ...externalUrls, ...Object.fromEntries([...subgraphs].map(([id, s]) => [id, s.url])) },
  });
  const consoleRedirectUri = `https://localhost:${gateway.port}/console/`;
  for (const p of cfg.provinces) if (idps.has(p.id)) registerConsole(p, consoleRedirectUri);
  const province = (id: string) => cfg.provinces.find((p) => p.id === id)!;
  return {
    cfg,
    idps,
    consoleRedirectUri,
    externalPort: (id: string) => ports.get(id)!,
    gateway,
    subgraphs,
    stores,
    province,
    async stopSubgraph(id) {
      await subgraphs.get(id)?.close();
      subgraphs.delete(id);
    },
    async restartSubgraph(id) {
      await startOne(province(id));
    },
    async close() {
      await gateway.close();
      for (const s of subgraphs.values()) await s.close();
      for (const s of stores.values()) await s.close();
      for (const c of certificates.values()) await c.close();
      for (const i of idps.values()) await i.close();
    },
  };
}

/** A second gateway replica over the stack's subgraphs, with its own audit chain. */
export function startReplica(stack: TestStack, instanceId: string): Promise<RunningGateway> {
  return startGateway({
    cfg: stack.cfg,
    port: 0,
    host: 'localhost',
    instanceId,
    subgraphUrls: Object.fromEntries([...stack.subgraphs].map(([id, s]) => [id, s.url])),
  });
}

export interface ClientIdentity {
  cert: Buffer;
  key: Buffer;
  ca: Buffer;
}

export function clientIdentity(stack: TestStack, provinceId: string, client: string): ClientIdentity {
  const c = provincePaths(stack.cfg.certsDir, provinceId).client(client);
  return { cert: readFileSync(c.cert), key: readFileSync(c.key), ca: readFileSync(gatewayPaths(stack.cfg.certsDir).ca) };
}

export function token(stack: TestStack, provinceId: string, client: string, scope: string, extra: Parameters<typeof mintDevToken>[0]['overrides'] = undefined) {
  return mintDevToken({
    certsDir: stack.cfg.certsDir,
    province: stack.province(provinceId),
    audience: stack.cfg.gateway.audience,
    client,
    scope,
    overrides: extra,
  });
}

/** POST a GraphQL operation through the gateway as a given province client. */
export async function gql(
  stack: TestStack,
  as: {
    province: string;
    client?: string;
    scope?: string;
    token?: string;
    headers?: Record<string, string>;
    /** Another gateway than the stack's (a second replica). */
    port?: number;
  },
  query: string,
  variables?: Record<string, unknown>,
) {
  const client = as.client ?? 'app';
  const id = clientIdentity(stack, as.province, client);
  const bearer = as.token ?? (await token(stack, as.province, client, as.scope ?? 'catalogue:read'));
  return request(`https://localhost:${as.port ?? stack.gateway.port}`)
    .post('/graphql')
    .ca(id.ca)
    .cert(id.cert)
    .key(id.key)
    .set('Authorization', `Bearer ${bearer}`)
    .set('Content-Type', 'application/json')
    .set(as.headers ?? {})
    .send({ query, variables });
}

/** Every audit record of one request in a chain (found by the answer's x-request-id). */
export function auditRecordsFor(file: string, requestId: string): Record<string, unknown>[] {
  const db = new Database(file, { readonly: true });
  try {
    const rows = db.prepare('SELECT body FROM audit').all() as { body: string }[];
    return rows.map((r) => JSON.parse(r.body) as Record<string, unknown>).filter((b) => b.requestId === requestId);
  } finally {
    db.close();
  }
}

/** The (first) audit record of one request. */
export function auditRecordFor(file: string, requestId: string): Record<string, unknown> | undefined {
  return auditRecordsFor(file, requestId)[0];
}

/** Polls `fn` every 100 ms until it gives a value, for things that happen in the background (reloads). */
export async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
