// Mounting and sync (issue 12 item 6): how fast a province mounts another's whole shared catalogue,
// how far its mirrors lag behind their sources while the sources change, and what reading a change
// feed costs per change, at the real demo size and at 100,000 entries per province.
//
// Part of `npm run bench` (after the other scenarios, on the same running stacks), or alone:
// `npm run bench -- --only mirrors [--quick | --no-scale]`. Per stack, the harness starts one sync
// worker per province (subgraphs/catalogue/sync/main.ts, as `npm start` does) as child processes
// over the stack's gateway, waits until each has read the other's feed to its end, then
//   (a/b) mounts, as Chongqing's administrator, everything Sichuan shares with it
//         (mountCatalogue(source: SICHUAN)) and polls mountJob until DONE (or the time budget runs out);
//   (c)   changes mounted Sichuan entries through the gateway as Sichuan's administrator
//         (updateEntry(id, input: { name })) at a steady rate for a bounded time, and polls Chongqing's
//         store (read-only SQLite) until each mirror's mirrorRegisteredSourceVersion reaches the new
//         version (Chongqing follows: the bench config sets sync.onSourceChange = follow);
// and stops the workers. Then
//   (d)   reads Sichuan's change feed through the gateway (catalogueChanges(first: 1000), from the
//         start to the end) as a Chongqing client, rounds alternating between the two sizes.
// Every loop has a deadline; CPU time of every process involved is read from /proc around each phase.
import Database from 'better-sqlite3';
import { performance } from 'node:perf_hooks';
import os from 'node:os';
import type { ProvinceConfig, StackConfig } from '../common/config.js';
import { mintDevToken } from '../common/dev-token.js';
import { mirrorEntryId } from '../domain/entry-id.js';
import { storeLocation } from '../subgraphs/catalogue/store/open-store.js';
import { cpuMs, machineBusyMs, selfCpuMs } from './procfs.js';
import type { FeedResult, LagResult, MirrorSyncResult, MountResult } from './report.js';
import { clientTlsOf, launch, post, type Server, type Tls } from './servers.js';

export interface SyncStack {
  size: 'real' | '100k';
  cfg: StackConfig;
  gateway: Server;
  subgraphs: Map<string, Server>;
}

export interface MirrorSyncSettings {
  /** (c): how long the sources are changed, and how many changes per second. */
  syncDurationS: number;
  syncRate: number;
  /** (b): the longest a mount at 100,000 entries may run before it is measured as far as it got. */
  mountBudgetS: number;
  /** (d): rounds per size. */
  feedRounds: number;
}

export interface MirrorSyncContext {
  stacks: SyncStack[];
  settings: MirrorSyncSettings;
  log: (msg: string) => void;
  /** The harness stops what it started, also on a failure or a signal. */
  started: (s: Server) => void;
  stopped: (s: Server) => void;
  /** The harness's noise control: a (d) round during which other processes used more than this share of the machine is read again. */
  maxForeignPct: number;
  waitForQuiet: (maxMs: number) => Promise<void>;
}

/** (a) is the only mount with a bar; a real-size mount still running after this long has failed it anyway. */
const REAL_MOUNT_LIMIT_S = 60;
const MOUNT_BAR_S = 30;
const LAG_BAR_MS = 2000;
/** (d): keyset paging costs the same per change whatever the feed's length; see docs/BENCHMARKS.md for why 1.3×. */
export const FEED_RATIO_BAR = 1.3;
/** (c): after the last change is sent, mirrors get this long to catch up before the rest count as not applied. */
const DRAIN_S = 20;
const POLL_MS = 20;

const MOUNT = 'mutation Mount($s: Province!, $f: DirectoryFilter, $a: String) { mountCatalogue(source: $s, filter: $f, approvalRef: $a) { id state } }';
/** With an approval the job mounts 重要数据 too: everything Sichuan shares (GB/T 43697; CORE is never shared). */
const APPROVAL_REF = '渝数审〔2026〕1号';
const JOB = 'query Job($id: ID!) { mountJob(id: $id) { state total mounted skipped failed startedAt finishedAt lastError } }';
const CANCEL = 'mutation Cancel($id: ID!) { cancelMountJob(id: $id) { state } }';
const UPDATE = 'mutation Update($id: ID!, $name: String) { updateEntry(id: $id, input: { name: $name }) { entry { id version } } }';
// The fields the sync worker reads (subgraphs/catalogue/sync/worker.ts FEED_QUERY).
const FEED = `query Feed($province: Province!, $after: String, $first: Int) {
  catalogueChanges(province: $province, after: $after, first: $first) {
    edges { cursor node { entryId kind version at } }
    pageInfo { hasNextPage endCursor }
  }
}`;

interface Job {
  state: string;
  total: number | null;
  mounted: number;
  skipped: number;
  failed: number;
  startedAt: string | null;
  finishedAt: string | null;
  lastError: string | null;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.timeOrigin + performance.now();

/** A client of one stack's gateway with a province's dev client certificate and a bound token. */
class GatewayClient {
  private readonly tls: Tls;
  private token: { value: string; until: number } | null = null;

  constructor(
    private readonly stack: SyncStack,
    private readonly province: ProvinceConfig,
    private readonly client: string,
    private readonly scope: string,
  ) {
    this.tls = clientTlsOf(stack.cfg.certsDir, province, client);
  }

  async run<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    if (!this.token || Date.now() > this.token.until) {
      const value = await mintDevToken({
        certsDir: this.stack.cfg.certsDir,
        province: this.province,
        audience: this.stack.cfg.gateway.audience,
        client: this.client,
        scope: this.scope,
      });
      this.token = { value, until: Date.now() + 120_000 };
    }
    const res = await post({
      url: this.stack.gateway.url,
      tls: this.tls,
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json, application/json',
        authorization: `Bearer ${this.token.value}`,
      },
      body: JSON.stringify({ query, variables }),
    });
    let body: { data?: T; errors?: { message: string; extensions?: { code?: string } }[] } | null = null;
    try {
      body = JSON.parse(res.body);
    } catch {
      body = null;
    }
    if (res.status !== 200 || !body?.data || body.errors?.length) {
      const e = body?.errors?.[0];
      throw new Error(
        `${this.province.id}:${this.client} → HTTP ${res.status}${e ? ` ${e.extensions?.code ?? ''}: ${e.message}` : ` ${res.body.slice(0, 200)}`}`,
      );
    }
    return body.data;
  }
}

/** A province's SQLite store, read-only, beside the subgraph and the worker that write it. */
class StoreReader {
  private readonly db: Database.Database;

  constructor(cfg: StackConfig, province: ProvinceConfig) {
    const { databaseUrl: _ignored, ...sqlite } = cfg;
    this.db = new Database(storeLocation(sqlite, province), { readonly: true, fileMustExist: true });
  }

  cursor(source: string): { checkedAt: string | null; applied: number } | null {
    const r = this.db.prepare('SELECT checked_at, applied FROM sync_cursors WHERE source = ?').get(source) as
      | { checked_at: string | null; applied: number }
      | undefined;
    return r ? { checkedAt: r.checked_at, applied: r.applied } : null;
  }

  count(where: string, ...params: unknown[]): number {
    return (this.db.prepare(`SELECT count(*) AS n FROM entries WHERE ${where}`).get(...params) as { n: number }).n;
  }

  /** Source ids of this province's current mirrors of `sourceDivision`, in id order. */
  mirroredSources(sourceDivision: string, limit: number): string[] {
    return (
      this.db
        .prepare(
          `SELECT mirror_source_id AS s FROM entries WHERE kind = 'MIRROR' AND status = 'ACTIVE' AND mirror_state = 'CURRENT' AND mirror_source_id LIKE ? ORDER BY id LIMIT ?`,
        )
        .all(`${sourceDivision}:%`, limit) as { s: string }[]
    ).map((r) => r.s);
  }

  mirrors(ids: string[]): Map<string, { version: number | null; state: string | null; pending: number | null }> {
    const out = new Map<string, { version: number | null; state: string | null; pending: number | null }>();
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      const rows = this.db
        .prepare(
          `SELECT id, mirror_registered_source_version AS v, mirror_state AS s, mirror_pending_source_version AS p FROM entries WHERE id IN (${chunk.map(() => '?').join(',')})`,
        )
        .all(...chunk) as { id: string; v: number | null; s: string | null; p: number | null }[];
      for (const r of rows) out.set(r.id, { version: r.v, state: r.s, pending: r.p });
    }
    return out;
  }

  close(): void {
    this.db.close();
  }
}

/** CPU time of a set of processes (and this one) from now on, and what the rest of the machine used meanwhile. */
class CpuWindow {
  private readonly before: Map<string, number | null>;
  private readonly machine0 = machineBusyMs();
  private readonly self0 = selfCpuMs();
  private readonly wall0 = Date.now();

  constructor(private readonly procs: Map<string, Server>) {
    this.before = new Map([...procs].map(([k, s]) => [k, cpuMs(s.pid)]));
  }

  end(): { cpuMs: Record<string, number>; busyPct: number; foreignPct: number; wallMs: number } {
    const cpu: Record<string, number> = {};
    for (const [k, s] of this.procs) {
      const a = this.before.get(k);
      const b = cpuMs(s.pid);
      if (a != null && b != null) cpu[k] = b - a;
    }
    cpu.harness = selfCpuMs() - this.self0;
    const wallMs = Date.now() - this.wall0;
    const ours = Object.values(cpu).reduce((n, x) => n + x, 0);
    const machine1 = machineBusyMs();
    const cores = wallMs * os.availableParallelism();
    const foreignPct = this.machine0 != null && machine1 != null ? Math.max(0, ((machine1 - this.machine0 - ours) / cores) * 100) : NaN;
    return { cpuMs: cpu, busyPct: (ours / cores) * 100, foreignPct, wallMs };
  }
}

const perUnit = (cpu: Record<string, number>, n: number) => Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, n ? v / n : NaN]));

/** Nearest-rank percentile; Infinity for values never observed. */
function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export async function runMirrorSync(ctx: MirrorSyncContext): Promise<Pick<MirrorSyncResult, 'mounts' | 'lag' | 'feed' | 'notes'>> {
  const { log, settings } = ctx;
  const mounts: MountResult[] = [];
  const lag: LagResult[] = [];
  const notes: string[] = [];

  for (const stack of ctx.stacks) {
    const cq = stack.cfg.provinces.find((p) => p.id === 'chongqing')!;
    const sc = stack.cfg.provinces.find((p) => p.id === 'sichuan')!;
    if (cq.sync.onSourceChange !== 'follow')
      throw new Error(`mirrors: ${stack.size} config has chongqing sync.onSourceChange = ${cq.sync.onSourceChange}, not follow`);
    const cqStore = new StoreReader(stack.cfg, cq);
    const scStore = new StoreReader(stack.cfg, sc);
    const workers = new Map<string, Server>();
    try {
      log(`(mirrors, ${stack.size}) starting one sync worker per province over the ${stack.size} gateway …`);
      for (const p of stack.cfg.provinces) {
        const w = await launch(`${stack.size} sync ${p.id}`, 'subgraphs/catalogue/sync/main.ts', [
          '--province',
          p.id,
          '--gateway-url',
          stack.gateway.url,
          '--config-dir',
          stack.cfg.configDir,
          '--certs-dir',
          stack.cfg.certsDir,
          '--data-dir',
          stack.cfg.dataDir,
        ]);
        ctx.started(w);
        workers.set(p.id, w);
      }
      const procs = new Map<string, Server>([
        ['gateway', stack.gateway],
        ...[...stack.subgraphs].map(([id, s]) => [id, s] as [string, Server]),
        ...[...workers].map(([id, s]) => [`sync-${id}`, s] as [string, Server]),
      ]);

      // Each worker first reads the other province's whole feed (every entry entered it as CREATED).
      const catchUp = await waitForCatchUp(stack, cqStore, scStore, cq, sc, log, stack.size === 'real' ? 120 : 600);

      await ctx.waitForQuiet(30_000);
      const m = await mount(stack, cq, sc, cqStore, scStore, procs, log, stack.size === 'real' ? REAL_MOUNT_LIMIT_S : settings.mountBudgetS);
      m.catchUp = catchUp;
      mounts.push(m);

      await ctx.waitForQuiet(30_000);
      lag.push(await syncLag(stack, cq, sc, cqStore, procs, settings, log, notes));
    } finally {
      for (const w of workers.values()) {
        await w.stop();
        ctx.stopped(w);
      }
      cqStore.close();
      scStore.close();
    }
  }

  const feed = await feedReads(ctx, log);
  return { mounts, lag, feed, notes };
}

async function waitForCatchUp(
  stack: SyncStack,
  cqStore: StoreReader,
  scStore: StoreReader,
  cq: ProvinceConfig,
  sc: ProvinceConfig,
  log: (m: string) => void,
  limitS: number,
): Promise<MountResult['catchUp']> {
  const t0 = Date.now();
  let lastLog = t0;
  for (;;) {
    const a = cqStore.cursor(sc.id);
    const b = scStore.cursor(cq.id);
    if (a?.checkedAt && b?.checkedAt) {
      const seconds = (Date.now() - t0) / 1000;
      log(`  workers caught up in ${seconds.toFixed(1)} s (chongqing read ${a.applied} sichuan changes, sichuan read ${b.applied} chongqing changes)`);
      return { seconds, changes: { [`${cq.id}←${sc.id}`]: a.applied, [`${sc.id}←${cq.id}`]: b.applied } };
    }
    if (Date.now() - t0 > limitS * 1000)
      throw new Error(`mirrors (${stack.size}): the sync workers had not read each other's feed to its end after ${limitS} s`);
    if (Date.now() - lastLog > 10_000) {
      lastLog = Date.now();
      log(`  workers catching up: chongqing has read ${a?.applied ?? 0} sichuan changes, sichuan ${b?.applied ?? 0} chongqing changes`);
    }
    await pause(100);
  }
}

async function mount(
  stack: SyncStack,
  cq: ProvinceConfig,
  sc: ProvinceConfig,
  cqStore: StoreReader,
  scStore: StoreReader,
  procs: Map<string, Server>,
  log: (m: string) => void,
  budgetS: number,
): Promise<MountResult> {
  const admin = new GatewayClient(stack, cq, 'admin', 'catalogue:read catalogue:admin');
  const sourceEntries = scStore.count('1=1');
  const shared = scStore.count(`kind = 'ORIGINAL' AND status = 'ACTIVE' AND sharing_type <> 'NOT_SHARED' AND grade <> 'CORE'`);
  const mirrorsBefore = cqStore.count(`kind = 'MIRROR' AND status = 'ACTIVE' AND mirror_source_id LIKE ?`, `${sc.divisionCode}:%`);
  log(
    `(mirrors, ${stack.size}) (a/b) mountCatalogue(source: SICHUAN): ${shared.toLocaleString('en-US')} of ${sourceEntries.toLocaleString('en-US')} Sichuan entries shared`,
  );
  const cpu = new CpuWindow(procs);
  const t0 = Date.now();
  const created = await admin.run<{ mountCatalogue: { id: string; state: string } }>(MOUNT, { s: sc.enumValue, f: {}, a: APPROVAL_REF });
  const jobId = created.mountCatalogue.id;
  const samples: { t: number; n: number }[] = [{ t: 0, n: 0 }];
  let job: Job | null = null;
  let lastLog = t0;
  let completed = false;
  for (;;) {
    job = (await admin.run<{ mountJob: Job }>(JOB, { id: jobId })).mountJob;
    const n = job.mounted + job.skipped + job.failed;
    samples.push({ t: Date.now() - t0, n });
    if (!['QUEUED', 'RUNNING'].includes(job.state)) {
      completed = job.state === 'DONE';
      break;
    }
    if (Date.now() - t0 > budgetS * 1000) {
      log(`  mount still ${job.state} after ${budgetS} s (${n} of ${job.total ?? '?'}): measured as far as it got; cancelling`);
      await admin.run(CANCEL, { id: jobId });
      break;
    }
    if (Date.now() - lastLog > 10_000) {
      lastLog = Date.now();
      log(`  mounted ${n.toLocaleString('en-US')} of ${job.total?.toLocaleString('en-US') ?? '?'} (${Math.round(n / ((Date.now() - t0) / 1000))} entries/s)`);
    }
    await pause(stack.size === 'real' ? 100 : 500);
  }
  const c = cpu.end();
  const processed = job.mounted + job.skipped + job.failed;
  // The job's own clock (the worker's commit of its last page) when it finished; our last look otherwise.
  const seconds = completed && job.finishedAt ? (Date.parse(job.finishedAt) - t0) / 1000 : samples.at(-1)!.t / 1000;
  const mirrorsAfter = cqStore.count(`kind = 'MIRROR' AND status = 'ACTIVE' AND mirror_source_id LIKE ?`, `${sc.divisionCode}:%`);
  // Throughput over thirds of the window: does it fall as the mounting store grows?
  const end = samples.at(-1)!.t;
  const at = (t: number) => {
    // Entries done by time t, linear between the samples around it.
    const i = samples.findIndex((s) => s.t >= t);
    if (i <= 0) return samples[Math.max(0, i)]!.n;
    const a = samples[i - 1]!;
    const b = samples[i]!;
    return a.n + ((b.n - a.n) * (t - a.t)) / Math.max(1, b.t - a.t);
  };
  const phaseRates = [0, 1, 2].map((k) => ((at(((k + 1) * end) / 3) - at((k * end) / 3)) / (end / 3)) * 1000);
  const result: MountResult = {
    size: stack.size,
    sourceEntries,
    shared,
    catchUp: { seconds: NaN, changes: {} },
    jobId,
    state: job.state,
    total: job.total,
    mounted: job.mounted,
    skipped: job.skipped,
    failed: job.failed,
    lastError: job.lastError,
    mirrorsBefore,
    mirrorsAfter,
    completed,
    seconds,
    firstPageSeconds: job.startedAt ? (Date.parse(job.startedAt) - t0) / 1000 : null,
    entriesPerSecond: processed / seconds,
    // The worker's own pace: from its first stored page to its last (without the wait for its next poll and the first page).
    runningEntriesPerSecond:
      completed && job.startedAt && job.finishedAt
        ? (processed - Math.min(processed, stack.cfg.gateway.maxPageSize)) / ((Date.parse(job.finishedAt) - Date.parse(job.startedAt)) / 1000)
        : NaN,
    phaseRates,
    cpuMsPerEntry: perUnit(c.cpuMs, processed),
    busyPct: c.busyPct,
    foreignPct: c.foreignPct,
  };
  log(
    `  ${job.state}: ${job.mounted} mounted, ${job.skipped} skipped, ${job.failed} failed of ${job.total} in ${seconds.toFixed(2)} s = ${Math.round(result.entriesPerSecond)} entries/s (by thirds ${phaseRates.map((r) => Math.round(r)).join(' / ')}); our processes used ${c.busyPct.toFixed(0)}% of the machine, others ${c.foreignPct.toFixed(0)}%`,
  );
  return result;
}

async function syncLag(
  stack: SyncStack,
  cq: ProvinceConfig,
  sc: ProvinceConfig,
  cqStore: StoreReader,
  procs: Map<string, Server>,
  settings: MirrorSyncSettings,
  log: (m: string) => void,
  notes: string[],
): Promise<LagResult> {
  const scAdmin = new GatewayClient(stack, sc, 'admin', 'catalogue:read catalogue:admin');
  const planned = Math.round(settings.syncDurationS * settings.syncRate);
  const sources = cqStore.mirroredSources(sc.divisionCode, planned);
  if (!sources.length) throw new Error(`mirrors (${stack.size}): no current mirror of a Sichuan entry to change`);
  if (sources.length < planned)
    notes.push(`(c, ${stack.size}) only ${sources.length} mirrored entries for ${planned} changes: some entries were changed more than once`);
  log(
    `(mirrors, ${stack.size}) (c) sync lag: ${settings.syncRate} source changes/s for ${settings.syncDurationS} s through the gateway (Sichuan admin), Chongqing follows (poll ${cq.sync.pollMs} ms)`,
  );
  // Let the feeds go quiet after the mount (Sichuan's worker reads Chongqing's new mirrors).
  await pause(2000);

  interface Pending {
    mirrorId: string;
    version: number;
    sentAt: number;
    ackAt: number;
  }
  const pending: Pending[] = [];
  const lags: number[] = [];
  const fromSend: number[] = [];
  const mutation: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let reviewed = 0;
  let sent = 0;
  let inFlight = 0;
  let skippedForOverload = 0;
  const cpu = new CpuWindow(procs);
  const interval = 1000 / settings.syncRate;
  const t0 = now();
  const sendUntil = t0 + settings.syncDurationS * 1000;
  let sending = true;

  const send = async (i: number) => {
    const sourceId = sources[i % sources.length]!;
    const sentAt = now();
    inFlight++;
    try {
      const r = await scAdmin.run<{ updateEntry: { entry: { id: string; version: number } | null } }>(UPDATE, {
        id: sourceId,
        name: `四川省数据资源（同步基准 ${stack.size} ${i}）`,
      });
      const ackAt = now();
      const version = r.updateEntry.entry?.version;
      if (typeof version !== 'number') throw new Error(`updateEntry answered no version for ${sourceId}`);
      mutation.push(ackAt - sentAt);
      pending.push({ mirrorId: mirrorEntryId(cq.divisionCode, sourceId), version, sentAt, ackAt });
    } catch (err) {
      errors++;
      firstError ??= (err as Error).message;
    } finally {
      inFlight--;
    }
  };

  const sender = (async () => {
    const calls: Promise<void>[] = [];
    for (let i = 0; ; i++) {
      const due = t0 + i * interval;
      if (due >= sendUntil) break;
      const wait = due - now();
      if (wait > 0) await pause(wait);
      // Open loop at a fixed rate; a gateway that falls far behind is reported, not queued without bound.
      if (inFlight >= 100) {
        skippedForOverload++;
        continue;
      }
      sent++;
      calls.push(send(i));
    }
    await Promise.all(calls);
    sending = false;
  })();

  const drainUntil = () => (sending ? Infinity : sendUntil + DRAIN_S * 1000);
  let lastLog = now();
  while (sending || (pending.length && now() < drainUntil())) {
    await pause(POLL_MS);
    if (!pending.length) continue;
    const seen = cqStore.mirrors([...new Set(pending.map((p) => p.mirrorId))]);
    const t = now();
    for (let k = pending.length - 1; k >= 0; k--) {
      const p = pending[k]!;
      const m = seen.get(p.mirrorId);
      if (m?.state === 'CHANGED' && (m.pending ?? 0) >= p.version) reviewed++;
      else if (!(m?.state === 'CURRENT' && (m.version ?? 0) >= p.version)) continue;
      lags.push(t - p.ackAt);
      fromSend.push(t - p.sentAt);
      pending.splice(k, 1);
    }
    if (t - lastLog > 5000) {
      lastLog = t;
      log(`  ${sent} changes sent, ${lags.length} mirrors in step, ${pending.length} waiting`);
    }
  }
  await sender;
  const c = cpu.end();
  const notApplied = pending.length;
  if (errors) notes.push(`(c, ${stack.size}) ${errors} of ${sent} updateEntry calls failed; the first: ${firstError}`);
  if (reviewed) notes.push(`(c, ${stack.size}) ${reviewed} mirrors went CHANGED (review) instead of following: the bench config did not take effect`);
  const sorted = [...lags, ...Array<number>(notApplied).fill(Infinity)].sort((a, b) => a - b);
  const sortedSend = [...fromSend, ...Array<number>(notApplied).fill(Infinity)].sort((a, b) => a - b);
  const mut = [...mutation].sort((a, b) => a - b);
  const result: LagResult = {
    size: stack.size,
    policy: cq.sync.onSourceChange,
    pollMs: cq.sync.pollMs,
    targetRate: settings.syncRate,
    durationS: settings.syncDurationS,
    sent,
    achievedRate: mutation.length / settings.syncDurationS,
    skippedForOverload,
    errors,
    ...(firstError ? { firstError } : {}),
    applied: lags.length,
    notApplied,
    drainS: DRAIN_S,
    p50Ms: percentile(sorted, 50),
    p95Ms: percentile(sorted, 95),
    maxMs: sorted.length ? sorted.at(-1)! : NaN,
    fromSendP95Ms: percentile(sortedSend, 95),
    mutationP50Ms: percentile(mut, 50),
    mutationP95Ms: percentile(mut, 95),
    cpuMsPerChange: perUnit(c.cpuMs, mutation.length),
    busyPct: c.busyPct,
    foreignPct: c.foreignPct,
  };
  log(
    `  ${result.applied} of ${sent} applied (${errors} errors, ${notApplied} not within ${DRAIN_S} s): lag p50 ${result.p50Ms.toFixed(0)} ms, p95 ${result.p95Ms.toFixed(0)} ms, max ${result.maxMs.toFixed(0)} ms; updateEntry p50 ${result.mutationP50Ms.toFixed(0)} ms; others used ${c.foreignPct.toFixed(0)}% of the machine${firstError ? `; first error: ${firstError}` : ''}`,
  );
  return result;
}

/** (d): Sichuan's change feed from the start to the end, 1,000 changes a page, as a Chongqing client. */
async function feedReads(ctx: MirrorSyncContext, log: (m: string) => void): Promise<FeedResult[]> {
  const rounds = ctx.settings.feedRounds;
  log(`(mirrors) (d) change feed reads: catalogueChanges(province: SICHUAN, first: 1000) from the start to the end, ${rounds} round(s) per size, alternating`);
  const readers = ctx.stacks.map((stack) => {
    const cq = stack.cfg.provinces.find((p) => p.id === 'chongqing')!;
    const sc = stack.cfg.provinces.find((p) => p.id === 'sichuan')!;
    const client = new GatewayClient(stack, cq, 'app', 'catalogue:read');
    const procs = new Map<string, Server>([
      ['gateway', stack.gateway],
      ['sichuan', stack.subgraphs.get('sichuan')!],
    ]);
    const readAll = async () => {
      let after: string | null = null;
      let changes = 0;
      /** Wall time of each page, and how many changes it had. */
      const pages: { ms: number; n: number }[] = [];
      const t = now();
      const deadline = t + 300_000;
      for (;;) {
        const p0 = now();
        const page: { catalogueChanges: { edges: unknown[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } } = await client.run(FEED, {
          province: sc.enumValue,
          after,
          first: 1000,
        });
        pages.push({ ms: now() - p0, n: page.catalogueChanges.edges.length });
        changes += page.catalogueChanges.edges.length;
        after = page.catalogueChanges.pageInfo.endCursor;
        if (!page.catalogueChanges.pageInfo.hasNextPage) break;
        if (now() > deadline) throw new Error(`feed read (${stack.size}) still not at its end after 300 s (${changes} changes)`);
      }
      return { changes, pages, ms: now() - t };
    };
    const result: FeedResult = {
      size: stack.size,
      province: sc.id,
      changes: 0,
      pages: 0,
      reads: 0,
      usPerChangeRounds: [],
      usPerChange: NaN,
      fullPageUsPerChange: NaN,
      firstPagesMs: NaN,
      lastPagesMs: NaN,
      cpuUsPerChange: {},
      foreignPct: NaN,
      discarded: 0,
    };
    const full: { ms: number; n: number } = { ms: 0, n: 0 };
    const firstLast: { first: number[]; last: number[] } = { first: [], last: [] };
    return { stack, readAll, procs, result, full, firstLast, cpu: {} as Record<string, number>, foreign: [] as number[] };
  });
  for (const r of readers) {
    const w = await r.readAll(); // warm-up: page cache, JIT, connections
    log(`  warm-up ${r.stack.size}: ${w.changes} changes in ${w.pages.length} pages, ${(w.ms / 1000).toFixed(2)} s`);
  }
  let retries = 2 * rounds;
  for (let round = 0; round < rounds; round++) {
    const order = readers.map((_, i) => readers[(i + round) % readers.length]!);
    for (const r of order) {
      for (let again = 0; ; again++) {
        // A short feed is read again and again for at least 3 s, so each round measures the same length of time.
        const cpu = new CpuWindow(r.procs);
        let changes = 0;
        let ms = 0;
        let reads = 0;
        let pages = 0;
        const fullPages = { ms: 0, n: 0 };
        const firstLast: { first: number[]; last: number[] } = { first: [], last: [] };
        while (reads < 1 || ms < 3000) {
          const x = await r.readAll();
          changes += x.changes;
          ms += x.ms;
          pages += x.pages.length;
          reads++;
          r.result.changes = x.changes;
          r.result.pages = x.pages.length;
          for (const p of x.pages.filter((q) => q.n === 1000)) {
            fullPages.ms += p.ms;
            fullPages.n += p.n;
          }
          // Keyset: the last full pages of a long read cost what its first pages cost.
          const fulls = x.pages.filter((q) => q.n === 1000).map((q) => q.ms);
          if (fulls.length >= 20) {
            firstLast.first.push(...fulls.slice(0, 10));
            firstLast.last.push(...fulls.slice(-10));
          }
        }
        const c = cpu.end();
        const us = (ms * 1000) / changes;
        log(
          `  round ${round + 1}/${rounds} ${r.stack.size.padEnd(4)}: ${reads} read(s) of ${r.result.changes} changes (${pages / reads} pages) = ${us.toFixed(1)} µs per change; others used ${c.foreignPct.toFixed(0)}% of the machine`,
        );
        if (c.foreignPct > ctx.maxForeignPct && retries > 0 && again < 2) {
          retries--;
          r.result.discarded++;
          log(`    other processes used more than ${ctx.maxForeignPct}% of the machine: waiting for quiet, then reading again`);
          await ctx.waitForQuiet(30_000);
          continue;
        }
        for (const [k, v] of Object.entries(c.cpuMs)) r.cpu[k] = (r.cpu[k] ?? 0) + v;
        r.result.reads += reads;
        r.foreign.push(c.foreignPct);
        r.result.usPerChangeRounds.push(us);
        r.full.ms += fullPages.ms;
        r.full.n += fullPages.n;
        r.firstLast.first.push(...firstLast.first);
        r.firstLast.last.push(...firstLast.last);
        break;
      }
    }
  }
  const mean = (xs: number[]) => (xs.length ? xs.reduce((n, x) => n + x, 0) / xs.length : NaN);
  return readers.map((r) => {
    const s = [...r.result.usPerChangeRounds].sort((a, b) => a - b);
    const totalChanges = r.result.reads * r.result.changes;
    return {
      ...r.result,
      usPerChange: s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2,
      fullPageUsPerChange: r.full.n ? (r.full.ms * 1000) / r.full.n : NaN,
      firstPagesMs: mean(r.firstLast.first),
      lastPagesMs: mean(r.firstLast.last),
      cpuUsPerChange: Object.fromEntries(Object.entries(r.cpu).map(([k, v]) => [k, (v * 1000) / totalChanges])),
      foreignPct: mean(r.foreign),
    };
  });
}

export const MIRROR_BARS = { mountS: MOUNT_BAR_S, lagP95Ms: LAG_BAR_MS, feedRatio: FEED_RATIO_BAR };
