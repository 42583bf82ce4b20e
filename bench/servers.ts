// Starting and stopping the serving processes (province subgraphs, our gateway, Hive Gateway)
// as child processes, separate from the load generator, so their CPU and RSS are their own.
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { cpSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { ROOT_DIR } from '../common/config.js';

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

/** Compile once (tsc -p tsconfig.build.json) so every server runs the current sources. */
export function buildForBenchmark(): void {
  execFileSync(process.execPath, [path.join(ROOT_DIR, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(ROOT_DIR, 'tsconfig.build.json')], {
    cwd: ROOT_DIR,
    stdio: 'inherit',
  });
}

export function useSourceRuntime(): void {
  compiled = false;
}

/** `gateway/main.ts` → the file to run and the node flags it needs in the current runtime. */
function entryPoint(script: string): { file: string; execArgv: string[] } {
  if (!compiled) return { file: path.join(ROOT_DIR, script), execArgv: ['--import', 'tsx'] };
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
  opts: { execArgv?: string[]; env?: Record<string, string>; readyTimeoutMs?: number } = {},
): Promise<Server> {
  return new Promise((resolve, reject) => {
    const entry = entryPoint(script);
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

/**
 * A copy of the repository's config/ whose province subgraphs listen on the given ports
 * (the gateway's subgraph URLs come from `subgraph.port`).
 */
export function configDirWithPorts(dir: string, ports: Record<string, number>): string {
  cpSync(path.join(ROOT_DIR, 'config'), dir, { recursive: true });
  const provDir = path.join(dir, 'provinces');
  for (const f of readdirSync(provDir).filter((n) => n.endsWith('.json'))) {
    const file = path.join(provDir, f);
    const p = JSON.parse(readFileSync(file, 'utf8')) as { id: string; subgraph: { host?: string; port: number; url?: string } };
    const port = ports[p.id];
    if (port === undefined) throw new Error(`no port chosen for province ${p.id}`);
    p.subgraph = { host: 'localhost', port };
    writeFileSync(file, JSON.stringify(p, null, 2));
  }
  return dir;
}
