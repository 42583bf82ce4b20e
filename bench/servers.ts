// Starting and stopping the serving processes (province subgraphs, our gateway, Hive Gateway, the
// sync workers) as child processes, separate from the load generator, so their CPU and RSS are
// their own; the bench configs and the 100,000-entry data; the harness's own HTTPS requests.
import Database from 'better-sqlite3';
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, lstatSync, readFileSync, readdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Agent, request } from 'undici';
import { ROOT_DIR, type ProvinceConfig } from '../common/config.js';
import { gatewayPaths, provincePaths } from '../common/pki/paths.js';

export interface Server {
  name: string;
  pid: number;
  url: string;
  child: ChildProcess;
  /** Last lines the process printed (stdout and stderr), for diagnosing failures. */
  tail(): string;
  /** Lines printed since start (a server logging per request would distort the numbers). */
  lines(): number;
  stop(graceMs?: number): Promise<void>;
}

const live = new Set<ChildProcess>();

// The serving processes run from the compiled build (dist/, `npm run build`), as in production
// (Dockerfile), unless `useSourceRuntime()` picks the TypeScript sources under tsx.
let compiled = true;

/**
 * Compile once (tsc -p tsconfig.build.json) so every server runs the current sources; with `hive`,
 * also the Hive contender (bench/tsconfig.build.json: bench/hive-gateway.ts, which imports the
 * bench's own packages, into the same dist/), and link dist/bench/node_modules to
 * bench/node_modules so that the compiled contender resolves those packages as its source does
 * (Node looks for packages in the node_modules folders above the importing file; graphql, undici
 * and the rest still resolve to the root's single copies).
 */
export function buildForBenchmark(opts: { hive?: boolean } = {}): void {
  const tsc = (project: string) =>
    execFileSync(process.execPath, [path.join(ROOT_DIR, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(ROOT_DIR, project)], {
      cwd: ROOT_DIR,
      stdio: 'inherit',
    });
  tsc('tsconfig.build.json');
  if (!opts.hive) return;
  tsc('bench/tsconfig.build.json');
  const link = path.join(ROOT_DIR, 'dist', 'bench', 'node_modules');
  const target = path.join(ROOT_DIR, 'bench', 'node_modules');
  if (lstatSync(link, { throwIfNoEntry: false })?.isSymbolicLink() && path.resolve(path.dirname(link), readlinkSync(link)) === target) return;
  rmSync(link, { recursive: true, force: true });
  symlinkSync(path.relative(path.dirname(link), target), link, 'dir');
}

export function useSourceRuntime(): void {
  compiled = false;
}

/** `gateway/main.ts` → the file to run and the node flags it needs in the current runtime (`source`: always the sources). */
function entryPoint(script: string, source = false): { file: string; execArgv: string[] } {
  if (!compiled || source) return { file: path.join(ROOT_DIR, script), execArgv: ['--import', 'tsx'] };
  return { file: path.join(ROOT_DIR, 'dist', script.replace(/\.ts$/, '.js')), execArgv: ['--enable-source-maps'] };
}
process.on('exit', () => {
  for (const c of live) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

/** Environment for the servers: same for ours, Hive and the subgraphs. */
export function serverEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // Nothing from the caller's shell may point a server elsewhere (PostgreSQL, other config).
  for (const k of ['DATABASE_URL', 'CHUANYU_CONFIG_DIR', 'CHUANYU_CERTS_DIR', 'CHUANYU_DATA_DIR', 'GATEWAY_PORT', 'NODE_OPTIONS']) delete env[k];
  return { ...env, APOLLO_TELEMETRY_DISABLED: '1', NODE_ENV: 'production', LOG_LEVEL: 'warn', ...extra };
}

/**
 * Forks `node dist/<script>.js <args>` (or `node --import tsx <script>` with the source runtime) and
 * resolves when it sends `{ ready, url }` over IPC
 * (gateway/main.ts, subgraphs/catalogue/main.ts and bench/hive-gateway.ts all do).
 */
export function launch(
  name: string,
  script: string,
  args: string[],
  opts: { execArgv?: string[]; env?: Record<string, string>; readyTimeoutMs?: number; source?: boolean } = {},
): Promise<Server> {
  return new Promise((resolve, reject) => {
    const entry = entryPoint(script, opts.source);
    const child = fork(entry.file, args, {
      cwd: ROOT_DIR,
      execArgv: [...(opts.execArgv ?? []), ...entry.execArgv],
      env: serverEnv(opts.env),
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    live.add(child);
    const tail: string[] = [];
    let lines = 0;
    const keep = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line) continue;
        lines++;
        tail.push(line.length > 500 ? `${line.slice(0, 500)}…` : line);
        if (tail.length > 40) tail.shift();
      }
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} not ready after ${opts.readyTimeoutMs ?? 180_000} ms\n${tail.join('\n')}`));
    }, opts.readyTimeoutMs ?? 180_000);
    const onExit = (code: number | null, signal: string | null) => {
      live.delete(child);
      clearTimeout(timer);
      reject(new Error(`${name} exited before it was ready (code ${code}, signal ${signal})\n${tail.join('\n')}`));
    };
    child.once('exit', onExit);
    child.on('message', (m: { ready?: boolean; url?: string }) => {
      if (!m?.ready || !m.url) return;
      clearTimeout(timer);
      child.off('exit', onExit);
      child.once('exit', () => live.delete(child));
      resolve({
        name,
        pid: child.pid!,
        url: m.url,
        child,
        tail: () => tail.join('\n'),
        lines: () => lines,
        stop: (graceMs = 15_000) =>
          new Promise<void>((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
            child.once('exit', () => {
              clearTimeout(kill);
              done();
            });
            child.kill('SIGTERM');
          }),
      });
    });
  });
}

/** Runs a script to completion (e.g. scripts/seed.ts); rejects with its output on failure. */
export function runScript(script: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const entry = entryPoint(script);
    const child = fork(entry.file, args, {
      cwd: ROOT_DIR,
      execArgv: entry.execArgv,
      env: serverEnv(),
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    live.add(child);
    let out = '';
    child.stdout!.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.stderr!.on('data', (c: Buffer) => (out += c.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code, signal) => {
      live.delete(child);
      clearTimeout(timer);
      if (code === 0) resolve(out.trim());
      else reject(new Error(`${script} failed (code ${code}, signal ${signal}):\n${out}`));
    });
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Settings a bench config changes per province (merged over the province's own `sync`). */
export interface ProvincePatch {
  sync?: { onSourceChange?: 'follow' | 'review'; pollMs?: number };
}

/** Where a bench stack's processes listen: each province's subgraph and dev IdP. */
export interface StackPorts {
  subgraphs: Record<string, number>;
  idps: Record<string, number>;
}

/** Free ports for every province's subgraph and (when `idps` is not given) dev IdP. */
export async function stackPorts(provinces: readonly ProvinceConfig[], idps?: Record<string, number>): Promise<StackPorts> {
  const pick = async () => Object.fromEntries(await Promise.all(provinces.map(async (p) => [p.id, await freePort()] as const)));
  return { subgraphs: await pick(), idps: idps ?? (await pick()) };
}

/**
 * A copy of the repository's config/ whose province subgraphs and dev IdPs listen on the given
 * ports (the gateway's subgraph URLs come from `subgraph.port`; the issuer, the JWKS URL the
 * gateway fetches and the sync workers' token endpoint from the IdP's origin), with `patches` per
 * province id.
 */
export function configDirWithPorts(dir: string, ports: StackPorts, patches: Record<string, ProvincePatch> = {}): string {
  cpSync(path.join(ROOT_DIR, 'config'), dir, { recursive: true });
  const provDir = path.join(dir, 'provinces');
  for (const f of readdirSync(provDir).filter((n) => n.endsWith('.json'))) {
    const file = path.join(provDir, f);
    const p = JSON.parse(readFileSync(file, 'utf8')) as {
      id: string;
      subgraph: { host?: string; port: number; url?: string };
      idp: { issuer: string; jwks?: string; dev?: { host?: string; port?: number } };
      sync?: Record<string, unknown>;
    };
    const port = ports.subgraphs[p.id];
    const idpPort = ports.idps[p.id];
    if (port === undefined || idpPort === undefined) throw new Error(`no port chosen for province ${p.id}`);
    p.subgraph = { host: 'localhost', port };
    if (p.idp.dev) {
      const origin = `https://localhost:${idpPort}`;
      p.idp = { ...p.idp, issuer: origin, jwks: `${origin}/jwks.json`, dev: { ...p.idp.dev, port: idpPort } };
    }
    const patch = patches[p.id];
    if (patch?.sync) p.sync = { ...p.sync, ...patch.sync };
    writeFileSync(file, JSON.stringify(p, null, 2));
  }
  return dir;
}

/**
 * One dev IdP per province that has one (idp/main.ts), first, as `npm start` does: the gateway
 * fetches their keys and the sync workers their tokens. Always from the sources (a dev service, not
 * in the build); the harness's own tokens are signed locally with the same key (mintDevToken).
 */
export async function startIdps(cfg: { configDir: string; certsDir: string; provinces: readonly ProvinceConfig[] }): Promise<Server[]> {
  const idps: Server[] = [];
  for (const p of cfg.provinces.filter((x) => x.idp.dev)) {
    idps.push(await launch(`idp ${p.id}`, 'idp/main.ts', ['--province', p.id, '--config-dir', cfg.configDir, '--certs-dir', cfg.certsDir], { source: true }));
  }
  return idps;
}

/**
 * Seeds `entries` per province into `dataDir` (scripts/seed.ts, in its own process), printing the
 * rows written so far every `everyMs` (read from the stores' SQLite files) so a long seeding shows
 * progress on stderr.
 */
export async function seedScaleData(opts: {
  dataDir: string;
  configDir: string;
  provinces: readonly ProvinceConfig[];
  entries: number;
  log: (msg: string) => void;
  timeoutMs?: number;
  everyMs?: number;
}): Promise<string> {
  const started = Date.now();
  const progress = setInterval(() => {
    const counts = opts.provinces.map((p) => {
      const file = path.join(opts.dataDir, `${p.id}.sqlite`);
      if (!existsSync(file)) return `${p.id} 0`;
      try {
        const db = new Database(file, { readonly: true, fileMustExist: true });
        try {
          return `${p.id} ${(db.prepare('SELECT count(*) AS n FROM entries').get() as { n: number }).n.toLocaleString('en-US')}`;
        } finally {
          db.close();
        }
      } catch {
        return `${p.id} ?`;
      }
    });
    opts.log(`  seeding: ${counts.join(', ')} of ${opts.entries.toLocaleString('en-US')} each (${Math.round((Date.now() - started) / 1000)} s)`);
  }, opts.everyMs ?? 15_000);
  try {
    return await runScript(
      'scripts/seed.ts',
      ['--entries', String(opts.entries), '--data-dir', opts.dataDir, '--config-dir', opts.configDir],
      opts.timeoutMs ?? 600_000,
    );
  } finally {
    clearInterval(progress);
  }
}

/**
 * An experiment, not what a province does: `ANALYZE` on seeded SQLite stores, so the query planner
 * knows how (un)selective each index is (`--analyze-stores`; see docs/BENCHMARKS.md, Mounting and sync).
 */
export function analyzeStores(dataDir: string, provinces: readonly ProvinceConfig[]): void {
  for (const p of provinces) {
    const db = new Database(path.join(dataDir, `${p.id}.sqlite`), { fileMustExist: true });
    try {
      db.exec('ANALYZE');
    } finally {
      db.close();
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The harness's own requests (sanity checks, fixtures, the mirror scenario's calls)

export interface Tls {
  cert: Buffer;
  key: Buffer;
  ca: Buffer;
}

export interface ReqSpec {
  url: string;
  headers: Record<string, string>;
  body: string;
  tls: Tls;
  verify: (body: string) => boolean;
}

/** A province's dev client certificate (clients/<client>.crt), trusting the gateway's CA. */
export function clientTlsOf(certsDir: string, province: ProvinceConfig, client: string): Tls {
  const c = provincePaths(certsDir, province.id).client(client);
  return { cert: readFileSync(c.cert), key: readFileSync(c.key), ca: readFileSync(gatewayPaths(certsDir).ca) };
}

const agents = new Map<Tls, Agent>();
export async function post(spec: Pick<ReqSpec, 'url' | 'headers' | 'body' | 'tls'>): Promise<{ status: number; body: string }> {
  let agent = agents.get(spec.tls);
  if (!agent) {
    agent = new Agent({ connect: { ...spec.tls, rejectUnauthorized: false } });
    agents.set(spec.tls, agent);
  }
  const res = await request(spec.url, { method: 'POST', headers: spec.headers, body: spec.body, dispatcher: agent, signal: AbortSignal.timeout(15_000) });
  return { status: res.statusCode, body: await res.body.text() };
}

export const gqlOk = (b: string) => b.includes('"data":{') && !b.includes('"errors"');
/** A good GraphQL body that also contains what the scenario must return (not just `null`). */
export const gqlHas = (needle: string) => (b: string) => gqlOk(b) && b.includes(needle);

export function gatewayRequest(url: string, tls: Tls, token: () => Promise<string>, query: string, variables: Record<string, unknown>, verify = gqlOk) {
  return async (): Promise<ReqSpec> => ({
    url,
    tls,
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
      authorization: `Bearer ${await token()}`,
    },
    body: JSON.stringify({ query, variables }),
    verify,
  });
}
