// `npm run bench [-- --quick] [--only a,b,c,d,s,mirrors] [--no-scale] [--no-profile] [--rounds N] [--duration S] …`
//
// Side-by-side benchmark (docs/DESIGN.md §7, issue 6). Starts, as child processes separate from this
// load generator: both province subgraphs (real demo size), our gateway, Hive Gateway over the
// same subgraphs (bench/hive-gateway.ts) and, with --scale, a second pair of subgraphs seeded with
// 100,000 entries per province plus a gateway over them. Then, per scenario, warms every
// contender up and alternates them (ours, Hive, direct, ours, …) with the same connection count,
// reads each serving process's CPU time and RSS from /proc, and prints ONE table. Last, mounting and
// sync (bench/mirror-sync.ts): one sync worker per province on each stack, a whole-catalogue mount,
// the mirrors' lag behind changing sources, and the change feed's cost per change at both sizes
// (`--only mirrors` runs that alone). A full run writes docs/BENCHMARKS.md (between its markers)
// and bench/results/latest.json.
//
// All traffic goes to localhost; every load loop is bounded in time; the whole run has a
// watchdog. Nothing here edits gateway/, subgraphs/, common/ or domain/.
import autocannon from 'autocannon';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadStackConfig, ROOT_DIR, type ProvinceConfig, type StackConfig } from '../common/config.js';
import { mintDevToken } from '../common/dev-token.js';
import { CALLER_ASSERTION_HEADER, CallerAssertionSigner } from '../common/identity/caller-assertion.js';
import type { Caller } from '../common/identity/caller.js';
import { ensureDevPki } from '../common/pki/dev-pki.js';
import { gatewayPaths, provincePaths } from '../common/pki/paths.js';
import { certThumbprintS256 } from '../common/pki/thumbprint.js';
import { entryTypeName } from '../common/schema/province-sdl.js';
import { demoCertificatesOf } from '../subgraphs/catalogue/seed.js';
import { loadSealKeys } from '../subgraphs/catalogue/certificates/seal-keys.js';
import { manifestJson, sha256Hex, type PersistedOperation } from '../common/persisted-documents.js';
import { summariseProfile } from './cpu-profile.js';
import { MIRROR_BARS, runMirrorSync, type SyncStack } from './mirror-sync.js';
import { InspectorSession } from './inspector.js';
import { cpuMs, machineBusyMs, machineInfo, RssSampler, selfCpuMs } from './procfs.js';
import {
  aggregate,
  BEGIN,
  consoleTable,
  cpuTable,
  END,
  feedTable,
  lagTable,
  mainTable,
  MIRRORS_BEGIN,
  MIRRORS_END,
  mirrorVerdicts,
  mountTable,
  renderMarkdown,
  renderMirrorMarkdown,
  scaleTable,
  verdicts,
  withoutLatencies,
  type BenchReport,
  type ContenderRun,
  type RunSample,
  type ScaleResult,
} from './report.js';
import {
  analyzeStores,
  buildForBenchmark,
  clientTlsOf,
  configDirWithPorts,
  freePort,
  gatewayRequest,
  gqlHas,
  gqlOk,
  launch,
  post,
  seedScaleData,
  stackPorts,
  startIdps,
  useSourceRuntime,
  type ProvincePatch,
  type ReqSpec,
  type Server,
  type Tls,
} from './servers.js';

process.env.APOLLO_TELEMETRY_DISABLED = '1';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    scale: { type: 'boolean' },
    'no-scale': { type: 'boolean', default: false },
    profile: { type: 'boolean' },
    'no-profile': { type: 'boolean', default: false },
    // Which scenario's request the profiled gateway serves: a (entry lookup), b (directory search), c or d.
    'profile-scenario': { type: 'string', default: 'a' },
    rounds: { type: 'string' },
    duration: { type: 'string' },
    warmup: { type: 'string' },
    connections: { type: 'string' },
    only: { type: 'string' },
    // e.g. `--contenders ours,direct`: leave Hive out while iterating on the gateway's CPU cost.
    contenders: { type: 'string' },
    // dist (default): the servers run the compiled build, as in production; tsx: the sources.
    runtime: { type: 'string', default: 'dist' },
    // Hive's own fetch with its documented `customAgent` measured faster for Hive than undici's
    // fetch (see docs/BENCHMARKS.md), so it is the default: Hive at its best.
    'hive-upstream': { type: 'string', default: 'agent' },
    'hive-dedupe': { type: 'boolean', default: false },
    // both (default): Hive with its JavaScript planner and Hive with the Rust planner
    // (@graphql-hive/router-runtime) side by side; ratios are against the faster of the two.
    'hive-planner': { type: 'string', default: 'both' },
    write: { type: 'boolean' },
    'no-write': { type: 'boolean', default: false },
    out: { type: 'string', default: path.join(ROOT_DIR, 'docs', 'BENCHMARKS.md') },
    'keep-tmp': { type: 'boolean', default: false },
    // A run during which processes outside the benchmark used more than this share of the
    // machine is measured again (other users' test runs share this machine), within a budget.
    'max-foreign': { type: 'string', default: '10' },
    retries: { type: 'string' },
    // Mounting and sync (bench/mirror-sync.ts): (c)'s changes per second and how long, (b)'s time budget at 100,000.
    'sync-rate': { type: 'string' },
    'sync-duration': { type: 'string' },
    'mount-budget': { type: 'string' },
    // Experiment: ANALYZE the seeded 100,000-entry stores before they serve (not what a province does).
    'analyze-stores': { type: 'boolean', default: false },
  },
});

const quick = args.quick!;
const settings = {
  rounds: Number(args.rounds ?? (quick ? 1 : 3)),
  durationS: Number(args.duration ?? (quick ? 3 : 10)),
  warmupS: Number(args.warmup ?? (quick ? 1 : 3)),
  connections: Number(args.connections ?? 16),
  hiveUpstream: args['hive-upstream']!,
  hiveDedupe: args['hive-dedupe']!,
  hivePlanner: args['hive-planner']!,
  runtime: args.runtime!,
};
const doScale = args['no-scale'] ? false : (args.scale ?? !quick);
const doProfile = args['no-profile'] ? false : (args.profile ?? !quick);
const doWrite = args['no-write'] ? false : (args.write ?? !quick);
const only = args.only ? new Set(args.only.split(',').map((s) => s.trim())) : null;
if (only && ![...only].every((k) => ['a', 'b', 'c', 'd', 's', 'mirrors'].includes(k))) throw new Error('--only takes a list of a, b, c, d, s (scale), mirrors');
/** Whether a scenario runs: a, b, c, d; s (directory search at scale); mirrors (bench/mirror-sync.ts). */
const wants = (key: string) => !only || only.has(key);
const mirrorSettings = {
  syncRate: Number(args['sync-rate'] ?? 50),
  syncDurationS: Number(args['sync-duration'] ?? (quick ? 10 : 20)),
  mountBudgetS: Number(args['mount-budget'] ?? 300),
  feedRounds: quick ? 1 : 3,
};
const onlyContenders = args.contenders ? new Set(args.contenders.split(',').map((s) => s.trim())) : null;
if (onlyContenders && ![...onlyContenders].every((c) => ['ours', 'hive', 'hive-rust', 'direct', 'floor'].includes(c)))
  throw new Error('--contenders takes a list of ours, hive, hive-rust, direct, floor');
const maxForeignPct = Number(args['max-foreign']);
let retriesLeft = Number(args.retries ?? (quick ? 2 : 6));
for (const [k, v] of Object.entries(settings)) {
  if (typeof v === 'number' && (!Number.isFinite(v) || v <= 0 || v > 600)) throw new Error(`--${k} must be a positive number of at most 600`);
}
for (const [k, v] of Object.entries(mirrorSettings)) {
  if (!Number.isFinite(v) || v <= 0 || v > 1200)
    throw new Error(`--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} must be a positive number of at most 1200`);
}
if (!['undici', 'agent'].includes(settings.hiveUpstream)) throw new Error('--hive-upstream must be undici or agent');
if (!['js', 'rust', 'both'].includes(settings.hivePlanner)) throw new Error('--hive-planner must be js, rust or both');
const hivePlanners = (settings.hivePlanner === 'both' ? ['js', 'rust'] : [settings.hivePlanner]) as ('js' | 'rust')[];
/** The contender kind, process label and table label of each Hive mode. */
const HIVE_MODES = {
  js: { contender: 'hive', proc: 'hive', label: 'Hive Gateway (TLS + JWT, JS planner)' },
  rust: { contender: 'hive-rust', proc: 'hive-rust', label: 'Hive Gateway (TLS + JWT, Rust planner)' },
} as const;
if (!['dist', 'tsx'].includes(args.runtime!)) throw new Error('--runtime must be dist or tsx');
const profileScenario = args['profile-scenario']!;
if (!['a', 'b', 'c', 'd'].includes(profileScenario)) throw new Error('--profile-scenario must be a, b, c or d');

// Watchdog: the whole run is bounded, whatever happens. Mounting and sync add, per stack, the
// workers' first feed reads, the mount (at 100,000 at most --mount-budget), (c) with its drain and (d).
const mirrorsBudgetS = wants('mirrors')
  ? 120 + mirrorSettings.syncDurationS + 60 + (doScale ? 420 + mirrorSettings.mountBudgetS + mirrorSettings.syncDurationS : 0)
  : 0;
const budgetS = 90 + (quick ? 240 : 1500) + mirrorsBudgetS;
setTimeout(() => {
  process.stderr.write(`bench: exceeded its ${budgetS} s budget; stopping\n`);
  process.exit(2);
}, budgetS * 1000).unref();

const t0 = Date.now();
const log = (msg: string) => process.stderr.write(`[${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${msg}\n`);

// ---------------------------------------------------------------------------------------------
// Stack

const servers: Server[] = [];
let tmpRoot = '';

async function stopAll() {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
  if (tmpRoot && !args['keep-tmp']) rmSync(tmpRoot, { recursive: true, force: true });
}
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    log(`${sig}: stopping servers`);
    void stopAll().finally(() => process.exit(130));
  });
}

interface Stack {
  cfg: StackConfig;
  gateway: Server;
  subgraphs: Map<string, Server>;
}

async function startStack(label: string, dataDir: string, configDir: string, certsDir: string): Promise<Stack> {
  const cfg = loadStackConfig({ configDir, certsDir, dataDir });
  const subgraphs = new Map<string, Server>();
  // One at a time: the first start of a province generates its demo data.
  for (const p of cfg.provinces) {
    const s = await launch(`${label} subgraph ${p.id}`, 'subgraphs/catalogue/main.ts', [
      '--province',
      p.id,
      '--port',
      String(p.subgraph.port),
      '--certs-dir',
      certsDir,
      '--data-dir',
      dataDir,
      '--config-dir',
      configDir,
    ]);
    servers.push(s);
    subgraphs.set(p.id, s);
  }
  const gateway = await startGateway(`${label} gateway`, cfg, path.join(dataDir, 'gateway'));
  return { cfg, gateway, subgraphs };
}

async function startGateway(name: string, cfg: StackConfig, dataDir: string, execArgv: string[] = []): Promise<Server> {
  mkdirSync(dataDir, { recursive: true });
  const s = await launch(
    name,
    'gateway/main.ts',
    ['--port', String(await freePort()), '--config-dir', cfg.configDir, '--certs-dir', cfg.certsDir, '--data-dir', dataDir],
    { execArgv },
  );
  servers.push(s);
  return s;
}

// ---------------------------------------------------------------------------------------------
// One measured run

interface Contender {
  contender: ContenderRun['contender'];
  label: string;
  serving: Server;
  variant?: ContenderRun['variant'];
  note?: string;
  /** Overrides --connections (e.g. 1 connection: latency without queueing). */
  connections?: number;
  spec: () => Promise<ReqSpec>;
}

/** Every serving process, by label, for CPU accounting. */
const cpuProcs = new Map<string, Server>();

async function measure(c: Contender, seconds: number): Promise<RunSample> {
  const spec = await c.spec();
  const procs = [...cpuProcs.entries()];
  const before = procs.map(([, s]) => cpuMs(s.pid));
  const machine0 = machineBusyMs();
  const self0 = selfCpuMs();
  const wall0 = Date.now();
  const rss = new RssSampler([c.serving.pid]).start();
  const run = autocannon({
    url: spec.url,
    method: 'POST',
    headers: spec.headers,
    body: spec.body,
    connections: c.connections ?? settings.connections,
    pipelining: 1,
    duration: seconds,
    timeout: 10,
    tlsOptions: spec.tls,
    verifyBody: spec.verify,
  });
  // Every response's latency, for percentiles pooled over rounds (autocannon's own are per run).
  let latencies = new Float64Array(4096);
  let n = 0;
  run.on('response', (_client, _status, _bytes, ms) => {
    if (n === latencies.length) {
      const grown = new Float64Array(n * 2);
      grown.set(latencies);
      latencies = grown;
    }
    latencies[n++] = ms;
  });
  const r = await run;
  const peaks = rss.stop();
  const after = procs.map(([, s]) => cpuMs(s.pid));
  const machine1 = machineBusyMs();
  const selfMs = selfCpuMs() - self0;
  const wallMs = Date.now() - wall0;
  const cpu: Record<string, number> = {};
  procs.forEach(([label], i) => {
    const a = before[i];
    const b = after[i];
    if (a != null && b != null) cpu[label] = b - a;
  });
  // CPU used by anything else on the machine meanwhile (other users' test runs, …): the noise
  // this run was exposed to, as a share of all cores' time.
  const ours = Object.values(cpu).reduce((n, x) => n + x, 0) + selfMs;
  const foreignPct = machine0 != null && machine1 != null ? Math.max(0, ((machine1 - machine0 - ours) / (wallMs * os.availableParallelism())) * 100) : NaN;
  return {
    rps: r.requests.average,
    requests: r.requests.total,
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.errors + r.timeouts + r.non2xx + r.mismatches,
    seconds: r.duration,
    peakRssKb: peaks.get(c.serving.pid) ?? 0,
    cpuMs: cpu,
    loadGenPct: (selfMs / wallMs) * 100,
    foreignPct,
    latencies: latencies.slice(0, n),
  };
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** CPU used by processes outside the benchmark over `ms`, % of all cores. */
async function foreignLoad(ms: number): Promise<number> {
  const procs = [...cpuProcs.values()];
  const cpu0 = procs.reduce((n, p) => n + (cpuMs(p.pid) ?? 0), 0) + selfCpuMs();
  const m0 = machineBusyMs();
  const t0 = Date.now();
  await pause(ms);
  const cpu1 = procs.reduce((n, p) => n + (cpuMs(p.pid) ?? 0), 0) + selfCpuMs();
  const m1 = machineBusyMs();
  if (m0 == null || m1 == null) return 0;
  return Math.max(0, ((m1 - m0 - (cpu1 - cpu0)) / ((Date.now() - t0) * os.availableParallelism())) * 100);
}

/** Waits (at most `maxMs`) until other processes leave the machine mostly idle. */
async function waitForQuiet(maxMs: number): Promise<void> {
  const until = Date.now() + maxMs;
  while (Date.now() < until) {
    if ((await foreignLoad(1000)) <= maxForeignPct / 2) return;
  }
}

/** Sanity check: one request per contender must return a good body before it is measured. */
async function check(c: Contender): Promise<string | null> {
  try {
    const spec = await c.spec();
    const res = await post(spec);
    if (res.status !== 200 || !spec.verify(res.body)) return `HTTP ${res.status}: ${res.body.slice(0, 300)}`;
    log(`  ${c.label}: ${res.body.length} bytes ${res.body.slice(0, 160)}${res.body.length > 160 ? '…' : ''}`);
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

async function runAlternating(scenario: string, contenders: Contender[], warmupS = settings.warmupS): Promise<ContenderRun[]> {
  const runs: ContenderRun[] = [];
  const usable: { c: Contender; run: ContenderRun }[] = [];
  for (const c of contenders.filter((x) => !onlyContenders || onlyContenders.has(x.contender))) {
    const run: ContenderRun = { scenario, contender: c.contender, label: c.label, serving: c.serving.name, variant: c.variant, note: c.note, samples: [] };
    runs.push(run);
    const problem = await check(c);
    if (problem) {
      run.unavailable = 'failed its sanity check';
      notes.push(`(${scenario}) ${c.label} failed its sanity check and was not measured: ${problem}`);
      log(`  ${c.label}: FAILED sanity check: ${problem}`);
      continue;
    }
    usable.push({ c, run });
  }
  for (const { c } of usable) {
    log(`  warm-up ${c.label} (${warmupS} s)`);
    await measure(c, warmupS);
    await pause(300);
  }
  for (let round = 0; round < settings.rounds; round++) {
    const order = usable.map((_, i) => usable[(i + round) % usable.length]!);
    for (const { c, run } of order) {
      let s = await measure(c, settings.durationS);
      for (let again = 0; s.foreignPct > maxForeignPct && retriesLeft > 0 && again < 2; again++) {
        retriesLeft--;
        run.discarded = (run.discarded ?? 0) + 1;
        log(
          `  round ${round + 1}/${settings.rounds} ${c.label}: other processes used ${s.foreignPct.toFixed(0)}% of the machine; waiting for quiet, then measuring again (${retriesLeft} re-runs left)`,
        );
        await waitForQuiet(30_000);
        s = await measure(c, settings.durationS);
      }
      run.samples.push(s);
      log(
        `  round ${round + 1}/${settings.rounds} ${c.label.padEnd(40)} ${Math.round(s.rps).toString().padStart(6)} rps  p50 ${s.p50} ms  p99 ${s.p99} ms  errors ${s.errors}  (load generator ${s.loadGenPct.toFixed(0)}% of a core, other processes ${s.foreignPct.toFixed(0)}% of the machine)`,
      );
      await pause(300);
    }
  }
  return runs;
}

// ---------------------------------------------------------------------------------------------

const notes: string[] = [];

function gitInfo() {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT_DIR, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT_DIR, encoding: 'utf8' })
      .split('\n')
      .filter(Boolean).length;
    return { commit, dirty };
  } catch {
    return { commit: 'unknown', dirty: 0 };
  }
}

/** The installed version of a package: the bench's own (bench/node_modules) first, then the project's. */
function pkgVersion(name: string): string {
  try {
    const bench = path.join(ROOT_DIR, 'bench', 'node_modules', name, 'package.json');
    const file = existsSync(bench) ? bench : path.join(ROOT_DIR, 'node_modules', name, 'package.json');
    return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  } catch {
    return '?';
  }
}

const entryFields = 'id name sharingType updateCycle version provider { name }';
const qEntry = `query Entry($id: ID!) { entry(id: $id) { ${entryFields} } }`;

/**
 * Writes `documents/bench.json` (an Apollo persisted-query manifest with `op`) into a copied config
 * dir and names it in the gateway's `trustedDocuments.manifests`; returns the document's id.
 */
function addBenchManifest(configDir: string, op: Omit<PersistedOperation, 'id'>): string {
  const id = sha256Hex(op.body);
  writeFileSync(path.join(configDir, 'documents', 'bench.json'), manifestJson([{ id, ...op }]));
  const file = path.join(configDir, 'gateway.json');
  const gateway = JSON.parse(readFileSync(file, 'utf8')) as { trustedDocuments: { manifests: string[] } };
  gateway.trustedDocuments.manifests.push('documents/bench.json');
  writeFileSync(file, JSON.stringify(gateway, null, 2));
  return id;
}

/**
 * (d) Certificate verification. The brief for issue 6 was written before it existed and asked
 * for "n/a (not implemented)" with a hook; it has since landed (verifyCertificate, routed to the
 * issuing province's POST /internal/v1/certificates/verify), so the hook now returns contenders.
 * Set BENCH_SKIP_CERTIFICATES=1 to report it as n/a again (e.g. if that API changes under you).
 */
function certificateVerificationContenders(build: () => Contender[]): Contender[] | null {
  if (process.env.BENCH_SKIP_CERTIFICATES === '1') return null;
  return build();
}

async function main() {
  const machine = machineInfo();
  const git = gitInfo();
  const startedAt = new Date().toISOString();
  log(
    `machine: ${machine.nproc} vCPU ${machine.model}, ${machine.memoryGiB} GiB, Node ${machine.node}; commit ${git.commit}${git.dirty ? ` (+${git.dirty} changed)` : ''}`,
  );
  log(`settings: ${JSON.stringify(settings)} scale=${doScale} profile=${doProfile} write=${doWrite}`);

  if (args.runtime === 'tsx') useSourceRuntime();
  else {
    log('compiling (npm run build, and the Hive contender: bench/tsconfig.build.json) …');
    buildForBenchmark({ hive: true });
  }
  tmpRoot = mkdtempSync(path.join(os.tmpdir(), 'chuanyu-bench-'));
  const certsDir = path.join(tmpRoot, 'certs');
  const baseCfg = loadStackConfig({ configDir: path.join(ROOT_DIR, 'config'), certsDir });
  log('dev PKI …');
  await ensureDevPki({ certsDir, provinces: baseCfg.provinces });

  const realPorts = await stackPorts(baseCfg.provinces);
  // Mounting and sync: Chongqing takes every source change at once (follow), so (c) measures the lag.
  const patches: Record<string, ProvincePatch> = wants('mirrors') ? { chongqing: { sync: { onSourceChange: 'follow' } } } : {};
  const realConfig = configDirWithPorts(path.join(tmpRoot, 'config-real'), realPorts, patches);
  const realData = path.join(tmpRoot, 'data-real');
  // (a) by id: the entry query as an app's trusted document, added to the gateway's manifests.
  const trustedEntryId = addBenchManifest(realConfig, { name: 'Entry', type: 'query', body: qEntry });
  let bigConfig = '';
  const bigData = path.join(tmpRoot, 'data-100k');
  // The 100,000-entry stack serves the directory search at scale (s) and mounting and sync.
  const bigStack = doScale && (wants('s') || wants('mirrors'));
  if (bigStack) {
    // The same dev IdPs serve both stacks (the same issuers, keys and clients).
    const bigPorts = await stackPorts(baseCfg.provinces, realPorts.idps);
    bigConfig = configDirWithPorts(path.join(tmpRoot, 'config-100k'), bigPorts, patches);
    log('seeding 100,000 entries per province (scripts/seed.ts) …');
    const out = await seedScaleData({ dataDir: bigData, configDir: bigConfig, provinces: baseCfg.provinces, entries: 100_000, log });
    log(`  ${out.replace(/\n/g, '; ')}`);
    if (args['analyze-stores']) {
      analyzeStores(bigData, baseCfg.provinces);
      notes.push('experiment --analyze-stores: ANALYZE ran on the seeded 100,000-entry stores before they served (provinces do not do this)');
      log('  ANALYZE on the 100,000-entry stores (--analyze-stores)');
    }
  }

  log('starting the dev IdPs …');
  servers.push(...(await startIdps(loadStackConfig({ configDir: realConfig, certsDir }))));
  log('starting subgraphs and our gateway (real demo size) …');
  const real = await startStack('real', realData, realConfig, certsDir);
  cpuProcs.set('gateway', real.gateway);
  for (const [id, s] of real.subgraphs) cpuProcs.set(id, s);
  // Hive and the transport floor serve (a)–(d) only: started when one of them runs (`hive!` and
  // `floor!` below are used only by those scenarios' contenders).
  const sideBySide = ['a', 'b', 'c', 'd'].some(wants);
  const hives: { planner: 'js' | 'rust'; server: Server }[] = [];
  for (const planner of sideBySide ? hivePlanners : []) {
    log(`starting Hive Gateway (${planner} planner) over the same subgraphs …`);
    const hive = await launch(`hive gateway (${planner})`, 'bench/hive-gateway.ts', [
      '--port',
      String(await freePort()),
      '--config-dir',
      realConfig,
      '--certs-dir',
      certsDir,
      '--upstream',
      settings.hiveUpstream,
      ...(settings.hiveDedupe ? ['--dedupe'] : []),
      '--planner',
      planner,
    ]);
    servers.push(hive);
    cpuProcs.set(HIVE_MODES[planner].proc, hive);
    hives.push({ planner, server: hive });
  }
  let big: Stack | null = null;
  if (bigStack) {
    log('starting subgraphs and a gateway over the 100,000-entry data …');
    big = await startStack('100k', bigData, bigConfig, certsDir);
    cpuProcs.set('gateway-100k', big.gateway);
    for (const [id, s] of big.subgraphs) cpuProcs.set(`${id}-100k`, s);
  }

  const cfg = real.cfg;
  const cq = cfg.provinces.find((p) => p.id === 'chongqing')!;
  const sc = cfg.provinces.find((p) => p.id === 'sichuan')!;
  const gp = gatewayPaths(certsDir);
  const clientTls = (p: ProvinceConfig, client: string): Tls => clientTlsOf(certsDir, p, client);
  const appTls = clientTls(cq, 'app');
  const adminTls = clientTls(cq, 'admin');
  const token = (client: string, scope: string) => () => mintDevToken({ certsDir, province: cq, audience: cfg.gateway.audience, client, scope });
  const appToken = token('app', 'catalogue:read');

  // Direct calls: the gateway's own client certificate + a caller assertion, as the gateway sends.
  const signer = await CallerAssertionSigner.fromPem(readFileSync(gp.assertionKey, 'utf8'), JSON.parse(readFileSync(gp.assertionJwks, 'utf8')));
  /** The caller a gateway would assert for this province client (what ours signs per request). */
  const callerFor = (p: ProvinceConfig, client: string, scopes: Caller['scopes']) => {
    const cert = readFileSync(provincePaths(certsDir, p.id).client(client).cert);
    return (): Caller => ({
      province: p.id,
      divisionCode: p.divisionCode,
      subject: `${p.id}:${client}`,
      clientId: `${p.id}-${client}`,
      scopes,
      certThumbprint: certThumbprintS256(cert),
      requestId: randomUUID(),
    });
  };
  const appCaller = callerFor(cq, 'app', ['catalogue:read']);
  const gatewayTlsTo = (p: ProvinceConfig): Tls => ({
    cert: readFileSync(gp.clientCert),
    key: readFileSync(gp.clientKey),
    ca: readFileSync(provincePaths(certsDir, p.id).ca),
  });
  const directHeaders = async (p: ProvinceConfig, caller = appCaller) => ({
    'content-type': 'application/json',
    accept: 'application/graphql-response+json, application/json',
    // Assertions live 30 s: a fresh one for every run (each run is at most a few seconds).
    [CALLER_ASSERTION_HEADER]: await signer.sign(caller(), p.id),
    'x-request-id': randomUUID(),
  });
  const baseOf = (s: Server) => s.url.replace(/\/graphql$/, '');
  const directGraphql =
    (stack: Stack, p: ProvinceConfig, query: string, variables: Record<string, unknown>, verify = gqlOk) =>
    async (): Promise<ReqSpec> => ({
      url: stack.subgraphs.get(p.id)!.url,
      tls: gatewayTlsTo(p),
      headers: await directHeaders(p),
      body: JSON.stringify({ query, variables }),
      verify,
    });
  const sliceBody = (search: string, first: number) =>
    JSON.stringify({
      search,
      sharingTypes: null,
      providerCode: null,
      classification: null,
      updateCycles: null,
      formats: null,
      kinds: ['ORIGINAL'],
      includeWithdrawn: false,
      after: null,
      limit: first + 1,
    });
  const directSlice = (stack: Stack, p: ProvinceConfig, search: string, first: number) => async (): Promise<ReqSpec> => ({
    url: `${baseOf(stack.subgraphs.get(p.id)!)}/internal/v1/slice`,
    tls: gatewayTlsTo(p),
    headers: await directHeaders(p),
    body: sliceBody(search, first),
    verify: (b) => b.includes('"items":['),
  });

  // Fixtures: a shared Sichuan entry (read by a Chongqing app: a cross-region lookup) and a
  // mirror of another one registered by the Chongqing administrator through our gateway.
  log('fixtures …');
  const gw = (spec: ReqSpec) => post(spec).then((r) => JSON.parse(r.body) as { data?: Record<string, unknown>; errors?: unknown[] });
  const found = await gw(
    await gatewayRequest(
      real.gateway.url,
      appTls,
      appToken,
      '{ directory(filter: { provinces: [SICHUAN], sharingTypes: [UNCONDITIONAL] }, first: 3) { nodes { id name } } }',
      {},
    )(),
  );
  const nodes = (found.data?.directory as { nodes?: { id: string; name: string }[] } | undefined)?.nodes ?? [];
  if (nodes.length < 2) throw new Error(`fixtures: directory returned ${JSON.stringify(found).slice(0, 400)}`);
  const entryId = nodes[0]!.id;
  const mirrorSourceId = nodes[1]!.id;
  const registered = await gw(
    await gatewayRequest(
      real.gateway.url,
      adminTls,
      token('admin', 'catalogue:read catalogue:admin'),
      'mutation M($s: ID!) { registerMirror(sourceId: $s) { created entry { id } } }',
      { s: mirrorSourceId },
    )(),
  );
  const mirrorId = (registered.data?.registerMirror as { entry?: { id: string } } | undefined)?.entry?.id;
  if (!mirrorId) throw new Error(`fixtures: registerMirror returned ${JSON.stringify(registered).slice(0, 400)}`);
  const search = '营业执照';

  // A valid Chongqing e-certificate, presented at a Sichuan service counter (journey 2): the
  // demo certificates are deterministic from the province's seed and seal key.
  const certificate = (() => {
    const demo = demoCertificatesOf(cq, loadSealKeys(cfg, cq).holderSalt);
    const today = new Date().toISOString().slice(0, 10);
    const c = demo.find((d) => d.record.status === 'VALID' && d.record.validFrom <= today && (d.record.validTo === null || d.record.validTo > today));
    return c ? { identifier: c.record.id, purpose: '跨省办理企业变更登记', holderIdType: c.record.holder.idType, holderId: c.holderId } : null;
  })();
  log(`  entry ${entryId}, mirror ${mirrorId} (of ${mirrorSourceId})`);

  const qEntities = (p: ProvinceConfig, fields: string) =>
    `query Entities($representations: [_Any!]!) { _entities(representations: $representations) { ... on ${entryTypeName(p)} { ${fields} } } }`;
  const entitiesBody = JSON.stringify({ query: qEntities(sc, entryFields), variables: { representations: [{ __typename: entryTypeName(sc), id: entryId }] } });
  let floor: Server | null = null;
  if (wants('a')) {
    log('starting the transport floor (bench/floor-proxy.ts) for (a) …');
    floor = await launch('floor proxy', 'bench/floor-proxy.ts', [
      '--port',
      String(await freePort()),
      '--config-dir',
      realConfig,
      '--certs-dir',
      certsDir,
      '--province',
      sc.id,
      '--body',
      entitiesBody,
    ]);
    servers.push(floor);
    cpuProcs.set('floor', floor);
  }

  // ------------------------------------------------------------------------------------------
  // Scenarios

  const qDirectory = `query Directory($search: String!) { directory(search: $search, first: 20) { totalCount nodes { id name sharingType provider { name } region { name } } } }`;
  const qMirror = `query Mirror($id: ID!) { entry(id: $id) { name mirrorSource { name version region { name } } } }`;
  const qVerify = `mutation Verify($input: VerifyCertificateInput!) { verifyCertificate(input: $input) { result issuingProvince checkedAt receipt } }`;
  /** One contender per Hive mode, for the same request as ours. */
  const hiveContenders = (spec: (url: string) => () => Promise<ReqSpec>): Contender[] =>
    hives.map(({ planner, server }) => ({
      contender: HIVE_MODES[planner].contender,
      label: HIVE_MODES[planner].label,
      serving: server,
      spec: spec(server.url),
    }));
  // Each response must carry the entry, not just `null` (which would also be "no errors").
  const hasEntry = gqlHas(`"id":${JSON.stringify(entryId)}`);
  const hasNodes = gqlHas('"nodes":[{"id":');
  const hasMirror = gqlHas('"mirrorSource":{"name":');
  // (d)'s caller: a Sichuan service counter.
  const counterTls = clientTls(sc, 'counter');
  const counterToken = () => mintDevToken({ certsDir, province: sc, audience: cfg.gateway.audience, client: 'counter', scope: 'certificate:verify' });
  const isValid = gqlHas('"result":"VALID"');
  // Ours' request per scenario at a given gateway URL: the measured gateway, the Hive contenders, the profiled gateway.
  const oursAt: Record<string, ((url: string) => () => Promise<ReqSpec>) | null> = {
    a: (url) => gatewayRequest(url, appTls, appToken, qEntry, { id: entryId }, hasEntry),
    b: (url) => gatewayRequest(url, appTls, appToken, qDirectory, { search }, hasNodes),
    c: (url) => gatewayRequest(url, appTls, appToken, qMirror, { id: mirrorId }, hasMirror),
    d: certificate ? (url) => gatewayRequest(url, counterTls, counterToken, qVerify, { input: certificate }, isValid) : null,
  };
  const scenarios: { key: string; title: string; query: string; directNote: string; contenders: Contender[] | null }[] = [
    {
      key: 'a',
      title: 'entry lookup (one province)',
      query: qEntry.replace('query Entry($id: ID!)', '').trim(),
      directNote: `\`_entities\` for the same fields sent to the owning subgraph (${sc.id}) with the gateway's client certificate and a caller assertion`,
      contenders: [
        {
          contender: 'ours',
          label: 'ours (mTLS + bound JWT + audit)',
          serving: real.gateway,
          spec: oursAt.a!(real.gateway.url),
        },
        {
          contender: 'ours',
          variant: 'trusted-id',
          label: 'ours, trusted document by id',
          serving: real.gateway,
          spec: async () => ({
            ...(await oursAt.a!(real.gateway.url)()),
            body: JSON.stringify({ documentId: `sha256:${trustedEntryId}`, variables: { id: entryId } }),
          }),
        },
        ...hiveContenders(oursAt.a!),
        {
          contender: 'direct',
          label: `direct ${sc.id} subgraph _entities`,
          serving: real.subgraphs.get(sc.id)!,
          spec: directGraphql(real, sc, qEntities(sc, entryFields), { representations: [{ __typename: entryTypeName(sc), id: entryId }] }, hasEntry),
        },
        {
          contender: 'floor',
          label: 'transport floor: mTLS in, mTLS out, no GraphQL',
          serving: floor!,
          spec: gatewayRequest(floor?.url ?? '', appTls, appToken, qEntry, { id: entryId }, hasEntry),
        },
      ],
    },
    {
      key: 'b',
      title: 'directory search (both provinces)',
      query: qDirectory.replace('query Directory($search: String!)', '').replace('$search', `"${search}"`).trim(),
      directNote: `the index slice \`POST /internal/v1/slice\` of the larger province (${cq.id}) alone: a lower bound (the gateway calls both provinces' slices and merges them; the rows come with the fields asked, so no entity fetch follows)`,
      contenders: [
        {
          contender: 'ours',
          label: 'ours (mTLS + bound JWT + audit)',
          serving: real.gateway,
          spec: oursAt.b!(real.gateway.url),
        },
        ...hiveContenders(oursAt.b!),
        { contender: 'direct', label: `direct ${cq.id} index slice`, serving: real.subgraphs.get(cq.id)!, spec: directSlice(real, cq, search, 20) },
      ],
    },
    {
      key: 'c',
      title: 'mirror read (cross-subgraph join)',
      query: qMirror.replace('query Mirror($id: ID!)', '').trim(),
      directNote: `\`_entities\` for the mirror's own fields on its province (${cq.id}) only: one hop, no join (a lower bound)`,
      contenders: [
        {
          contender: 'ours',
          label: 'ours (mTLS + bound JWT + audit)',
          serving: real.gateway,
          spec: oursAt.c!(real.gateway.url),
        },
        ...hiveContenders(oursAt.c!),
        {
          contender: 'direct',
          label: `direct ${cq.id} subgraph _entities`,
          serving: real.subgraphs.get(cq.id)!,
          spec: directGraphql(
            real,
            cq,
            qEntities(cq, 'name mirrorSourceId mirrorRegisteredSourceVersion'),
            { representations: [{ __typename: entryTypeName(cq), id: mirrorId }] },
            gqlHas('"mirrorSourceId":"'),
          ),
        },
      ],
    },
    {
      key: 'd',
      title: 'certificate verification',
      query: qVerify.replace('mutation Verify($input: VerifyCertificateInput!)', 'mutation').trim(),
      directNote: `the issuing province's \`POST /internal/v1/certificates/verify\` (${cq.id}) with a caller assertion for the ${sc.id} counter; both sign a receipt and append to the issuer's audit chain, ours also to the gateway's`,
      contenders: certificateVerificationContenders((): Contender[] => {
        if (!certificate) throw new Error('no valid demo certificate to verify');
        const counterCaller = callerFor(sc, 'counter', ['certificate:verify']);
        return [
          {
            contender: 'ours',
            label: 'ours (mTLS + bound JWT + audit)',
            serving: real.gateway,
            spec: oursAt.d!(real.gateway.url),
          },
          ...hiveContenders(oursAt.d!),
          {
            contender: 'direct',
            label: `direct ${cq.id} certificate verify`,
            serving: real.subgraphs.get(cq.id)!,
            spec: async (): Promise<ReqSpec> => ({
              url: `${baseOf(real.subgraphs.get(cq.id)!)}/internal/v1/certificates/verify`,
              tls: gatewayTlsTo(cq),
              headers: await directHeaders(cq, counterCaller),
              body: JSON.stringify({
                certificateId: certificate.identifier,
                purpose: certificate.purpose,
                holderIdType: certificate.holderIdType,
                holderId: certificate.holderId,
              }),
              verify: (b) => b.includes('"result":"VALID"'),
            }),
          },
        ];
      }),
    },
  ];

  const report: BenchReport = {
    startedAt,
    finishedAt: '',
    wallSeconds: 0,
    mode: quick ? 'quick' : 'full',
    commands: [`npm run bench${process.argv.slice(2).length ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`],
    machine,
    git,
    settings,
    versions: {
      '@apollo/gateway': pkgVersion('@apollo/gateway'),
      '@apollo/server': pkgVersion('@apollo/server'),
      '@graphql-hive/gateway': pkgVersion('@graphql-hive/gateway'),
      '@graphql-hive/gateway-runtime': pkgVersion('@graphql-hive/gateway-runtime'),
      '@graphql-hive/router-runtime': pkgVersion('@graphql-hive/router-runtime'),
      autocannon: pkgVersion('autocannon'),
      undici: pkgVersion('undici'),
    },
    fixtures: { entry: entryId, entryProvince: sc.id, mirror: mirrorId, search, ...(certificate ? { certificate: certificate.identifier } : {}) },
    scenarios: [],
    scale: null,
    profile: null,
    notes,
  };

  for (const s of scenarios) {
    if (only && !only.has(s.key)) continue;
    if (!s.contenders) {
      log(`(${s.key}) ${s.title}: n/a (not implemented)`);
      report.scenarios.push({ key: s.key, title: s.title, query: s.query, directNote: s.directNote, rows: [], unavailable: 'not implemented' });
      continue;
    }
    log(`(${s.key}) ${s.title}`);
    const runs = await runAlternating(s.key, s.contenders);
    report.scenarios.push({ key: s.key, title: s.title, query: s.query, directNote: s.directNote, rows: runs.map(aggregate) });
  }

  // ------------------------------------------------------------------------------------------
  // Directory search at scale: the same query on both stacks, alternating.

  if (big && wants('s')) {
    log('(scale) directory search: real size vs 100,000 per province');
    const totalOf = async (spec: ReqSpec) => {
      const r = await gw(spec);
      return (r.data?.directory as { totalCount?: number } | undefined)?.totalCount ?? null;
    };
    const bigCq = big.cfg.provinces.find((p) => p.id === cq.id)!;
    const contenders: (Contender & { sizes: string })[] = [
      {
        contender: 'ours',
        label: 'ours, real size',
        sizes: 'real',
        serving: real.gateway,
        spec: gatewayRequest(real.gateway.url, appTls, appToken, qDirectory, { search }, hasNodes),
      },
      {
        contender: 'ours',
        label: 'ours, 100k per province',
        sizes: '100k',
        serving: big.gateway,
        spec: gatewayRequest(big.gateway.url, appTls, appToken, qDirectory, { search }, hasNodes),
      },
      {
        contender: 'ours',
        label: 'ours, real size, 1 connection',
        sizes: 'real',
        connections: 1,
        serving: real.gateway,
        spec: gatewayRequest(real.gateway.url, appTls, appToken, qDirectory, { search }, hasNodes),
      },
      {
        contender: 'ours',
        label: 'ours, 100k per province, 1 connection',
        sizes: '100k',
        connections: 1,
        serving: big.gateway,
        spec: gatewayRequest(big.gateway.url, appTls, appToken, qDirectory, { search }, hasNodes),
      },
      {
        contender: 'direct',
        label: `direct ${cq.id} index slice, real size`,
        sizes: 'real',
        serving: real.subgraphs.get(cq.id)!,
        spec: directSlice(real, cq, search, 20),
      },
      {
        contender: 'direct',
        label: `direct ${cq.id} index slice, 100k`,
        sizes: '100k',
        serving: big.subgraphs.get(bigCq.id)!,
        spec: directSlice(big, bigCq, search, 20),
      },
    ];
    const totals = await Promise.all(contenders.map(async (c) => (c.contender === 'ours' ? totalOf(await c.spec()) : null)));
    // Longer warm-up here: the first round at 100,000 entries per province otherwise measures a
    // cold page cache of the two large stores (its p99 was the slowest in every run).
    const runs = await runAlternating('scale', contenders, Math.max(settings.warmupS, 10));
    report.scale = runs.map(
      (run, i): ScaleResult => ({
        label: contenders[i]!.label,
        sizes: contenders[i]!.sizes,
        connections: contenders[i]!.connections ?? settings.connections,
        totalCount: totals[i] ?? null,
        row: aggregate(run),
      }),
    );
  }

  // ------------------------------------------------------------------------------------------
  // Profile of ours on (a), or (b) with --profile-scenario b: a separate gateway with the inspector open, profiled over the load
  // window only.

  const profiledSpec = oursAt[profileScenario];
  if (doProfile && (!only || only.has(profileScenario)) && !profiledSpec) notes.push(`profile: no request for (${profileScenario}) on this data`);
  if (doProfile && (!only || only.has(profileScenario)) && profiledSpec) {
    log(`(profile) ours on (${profileScenario}) with the V8 sampling profiler`);
    const inspectPort = await freePort();
    const prof = await startGateway('profiled gateway', cfg, path.join(realData, 'gateway-prof'), [`--inspect=127.0.0.1:${inspectPort}`]);
    const c: Contender = {
      contender: 'ours',
      label: 'ours (profiled)',
      serving: prof,
      spec: profiledSpec(prof.url),
    };
    const problem = await check(c);
    if (problem) {
      notes.push(`profile: the profiled gateway failed its sanity check: ${problem}`);
    } else {
      await measure(c, settings.warmupS);
      const session = await InspectorSession.connect(inspectPort);
      await session.startProfiling(500);
      cpuProcs.set('gateway-prof', prof);
      const seconds = Math.max(settings.durationS, 10);
      const s = await measure(c, seconds);
      cpuProcs.delete('gateway-prof');
      const profile = await session.stopProfiling();
      session.close();
      const file = path.join(os.tmpdir(), `chuanyu-bench-ours-${profileScenario}-${Date.now()}.cpuprofile`);
      writeFileSync(file, JSON.stringify(profile));
      report.profile = {
        scenario: profileScenario,
        summary: summariseProfile(profile, ROOT_DIR, 25),
        requests: s.requests,
        seconds,
        file,
        cpuPerReqMs: (s.cpuMs['gateway-prof'] ?? NaN) / s.requests,
      };
      log(`  profile written to ${file}`);
    }
    await prof.stop();
    servers.splice(servers.indexOf(prof), 1);
  }

  // ------------------------------------------------------------------------------------------
  // Mounting and sync (bench/mirror-sync.ts), last: its mounts add mirrors to the stacks.

  if (wants('mirrors')) {
    const mirrorsStarted = new Date().toISOString();
    const stacks: SyncStack[] = [{ size: 'real', ...real }, ...(big ? [{ size: '100k' as const, ...big }] : [])];
    const part = await runMirrorSync({
      stacks,
      settings: mirrorSettings,
      log,
      started: (s) => servers.push(s),
      stopped: (s) => {
        if (servers.includes(s)) servers.splice(servers.indexOf(s), 1);
      },
      maxForeignPct,
      waitForQuiet,
    });
    const cqCfg = real.cfg.provinces.find((p) => p.id === 'chongqing')!;
    report.mirrors = {
      startedAt: mirrorsStarted,
      finishedAt: new Date().toISOString(),
      wallSeconds: (Date.now() - Date.parse(mirrorsStarted)) / 1000,
      commit: git.commit,
      dirty: git.dirty,
      command: report.commands[0]!,
      machine: { nproc: machine.nproc, model: machine.model },
      runtime: settings.runtime,
      settings: mirrorSettings,
      worker: {
        pollMs: cqCfg.sync.pollMs,
        feedPage: cqCfg.sync.feedPage,
        listingPage: real.cfg.gateway.maxPageSize,
        onSourceChange: cqCfg.sync.onSourceChange,
      },
      ...part,
      notes: [
        ...(args['analyze-stores']
          ? ['experiment --analyze-stores: ANALYZE ran on the seeded 100,000-entry stores before they served (provinces do not do this)']
          : []),
        ...part.notes,
      ],
    };
  }

  const discarded = [...report.scenarios.flatMap((x) => x.rows), ...(report.scale ?? []).map((x) => x.row)].reduce((n, r) => n + (r.discarded ?? 0), 0);
  if (discarded)
    notes.push(
      `${discarded} run(s) were measured again because processes outside the benchmark used more than ${maxForeignPct}% of the machine during them (their numbers are not in the tables)`,
    );
  for (const s of servers) {
    if (s.lines() > 50) {
      notes.push(`${s.name} printed ${s.lines()} log lines during the run (last: ${s.tail().split('\n').at(-1)})`);
      log(`${s.name} printed ${s.lines()} log lines; the last ones:\n${s.tail()}`);
    }
  }
  log('stopping servers …');
  await stopAll();

  report.finishedAt = new Date().toISOString();
  report.wallSeconds = (Date.now() - t0) / 1000;

  // ------------------------------------------------------------------------------------------
  // Output

  const procs = ['gateway', ...hives.map((h) => HIVE_MODES[h.planner].proc), 'floor', 'chongqing', 'sichuan'];
  const yesNo = (v: { holds: boolean | null }) => (v.holds === null ? 'not measured' : v.holds ? 'yes' : 'NO');
  const sideBySideRan = report.scenarios.length > 0 || report.scale !== null;
  if (sideBySideRan) {
    process.stdout.write(`\n${consoleTable(mainTable(report))}\n\n`);
    process.stdout.write(`CPU per request (ms):\n${consoleTable(cpuTable(report, procs))}\n\n`);
    if (report.scale) process.stdout.write(`Directory search at scale:\n${consoleTable(scaleTable(report))}\n\n`);
    process.stdout.write(`Targets:\n${consoleTable([['target', 'measured', 'holds?'], ...verdicts(report).map((v) => [v.target, v.measured, yesNo(v)])])}\n\n`);
  }
  const mirrors = report.mirrors;
  if (mirrors) {
    process.stdout.write(`\nMounting (a, b):\n${consoleTable(mountTable(mirrors))}\n\n`);
    process.stdout.write(`Sync lag (c):\n${consoleTable(lagTable(mirrors))}\n\n`);
    process.stdout.write(`Change feed read (d):\n${consoleTable(feedTable(mirrors))}\n\n`);
    process.stdout.write(
      `Mounting and sync bars:\n${consoleTable([['target', 'measured', 'holds?'], ...mirrorVerdicts(mirrors, MIRROR_BARS).map((v) => [v.target, v.measured, yesNo(v)])])}\n\n`,
    );
    for (const n of mirrors.notes) process.stdout.write(`note (mirrors): ${n}\n`);
  }
  if (report.profile) {
    process.stdout.write(
      `Profile of ours on (${profileScenario}), top self time:\n${consoleTable([['self %', 'function', 'where', 'nearest JS caller'], ...report.profile.summary.functions.slice(0, 15).map((r) => [r.pct.toFixed(1), r.name, r.where, r.caller ?? ''])])}\n\n` +
        `Inclusive time:\n${consoleTable([['incl. %', 'function', 'where'], ...report.profile.summary.inclusive.slice(0, 15).map((r) => [r.pct.toFixed(1), r.name, r.where])])}\n\n`,
    );
  }
  for (const n of notes) process.stdout.write(`note: ${n}\n`);

  if (doWrite) {
    // Each part rewrites only its own section: a run of the mirrors alone leaves (a)–(d) as they were.
    const out = args.out!;
    let doc = existsSync(out) ? readFileSync(out, 'utf8') : '# Benchmarks\n';
    if (sideBySideRan) doc = replaceBetween(doc, BEGIN, END, renderMarkdown(report, procs));
    if (mirrors) doc = replaceBetween(doc, MIRRORS_BEGIN, MIRRORS_END, renderMirrorMarkdown(mirrors, MIRROR_BARS));
    writeFileSync(out, doc);
    const json = path.join(ROOT_DIR, 'bench', 'results', 'latest.json');
    mkdirSync(path.dirname(json), { recursive: true });
    let results: BenchReport = report;
    if (!sideBySideRan && existsSync(json)) {
      // The mirrors alone: the last full run's results stay, with this run's mirrors (which carry their own commit and time).
      results = { ...(JSON.parse(readFileSync(json, 'utf8')) as BenchReport), mirrors: mirrors ?? null };
    }
    writeFileSync(json, `${JSON.stringify(results, withoutLatencies, 2)}\n`);
    log(`wrote ${path.relative(ROOT_DIR, out)} and ${path.relative(ROOT_DIR, json)}`);
  }
  log(`done in ${Math.round(report.wallSeconds)} s`);
}

/** `text` with what lies between the two markers replaced by `body` (the markers appended when missing). */
function replaceBetween(text: string, begin: string, end: string, body: string): string {
  const b = text.indexOf(begin);
  const e = text.indexOf(end);
  return b >= 0 && e > b ? `${text.slice(0, b + begin.length)}\n${body}\n${text.slice(e)}` : `${text.trimEnd()}\n\n${begin}\n${body}\n${end}\n`;
}

main().then(
  () => process.exit(0),
  async (err) => {
    process.stderr.write(`bench: ${(err as Error).stack ?? err}\n`);
    await stopAll();
    process.exit(1);
  },
);
