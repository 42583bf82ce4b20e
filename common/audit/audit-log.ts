// Append-only, hash-chained audit log (docs/DESIGN.md §4; docs/ARCHITECTURE.md "Audit"). One
// `AuditLog` for every backend: it does the group commit, fails closed and signs checkpoints; a
// `ChainBackend` only stores rows (sqlite-chain.ts: a file per chain, written by a worker thread;
// postgres-chain.ts: a table in PostgreSQL). open-audit.ts chooses the backend from the config.
import type { CheckpointSigner } from './checkpoints.js';
import { EMPTY_HEAD, type AuditRecord, type ChainBackend, type ChainHead } from './chain.js';
import { SqliteChainBackend } from './sqlite-chain.js';

export { canonicalJson, type AuditRecord } from './chain.js';
export { AuditChainWriter, verifyAuditFile, type ChainCheck } from './sqlite-chain.js';

interface Pending {
  record: AuditRecord;
  resolve: () => void;
  reject: (err: Error) => void;
}

/** Records sent to the writer in one batch at most; a fuller queue does not wait for the window. */
const MAX_BATCH = 256;

export interface CheckpointOptions {
  signer: CheckpointSigner;
  /** Sign the head after this many new records (default 1000)… */
  everyRecords?: number;
  /** …or this long after the last checkpoint when there are new records (default 60 s); and at close(). */
  everyMs?: number;
  /** A checkpoint that could not be signed or stored (the next one is tried as usual). */
  onError?: (err: Error) => void;
}

export interface AuditLogOptions {
  commitWindowMs?: number;
  /** Signed checkpoints of the head (checkpoints.ts); without them only the chain links are checked. */
  checkpoints?: CheckpointOptions;
}

/** Counters and positions, read by the gateway's /metrics (gateway/ops/metrics.ts). */
export interface AuditStats {
  /** Batches and records committed so far. */
  batches: number;
  records: number;
  /** The chain's last record as this writer last saw it (0: empty, or not yet opened). */
  headSeq: number;
  /** The last checkpoint this writer signed and stored: its seq and when (ms since the epoch; 0: none yet). */
  checkpointSeq: number;
  checkpointAt: number;
  checkpointFailures: number;
}

/**
 * The append side, on the request path. Group commit: at most one batch is with the backend at a
 * time; records that arrive meanwhile wait and go together as the next batch. A commit costs
 * about the same whatever its size (the fsync dominates: ~0.19 ms for one record, ~0.02 ms per
 * record in batches of 16 on SQLite, measured on the development machine), so under load the
 * next batch also waits until its oldest record is `commitWindowMs` old (PostgreSQL's
 * commit_delay, applied only when records queued up during a commit, i.e. when there is load; an
 * append to an idle log goes out at once). `append` resolves when its batch is committed. If the
 * backend fails, the appends of that batch reject and the requests that wait on them fail closed;
 * a SQLite writer thread that died fails every later append too.
 */
export class AuditLog {
  readonly chain: string;
  /** The file, or the PostgreSQL schema and chain. */
  readonly location: string;
  private readonly backend: ChainBackend;
  private readonly commitWindowMs: number;
  private readonly cp: (CheckpointOptions & { everyRecords: number; everyMs: number }) | null;
  private queue: Pending[] = [];
  private queueSince = 0;
  private scheduled = false;
  private windowTimer: NodeJS.Timeout | null = null;
  private inFlight: Pending[] | null = null;
  private idleWaiters: (() => void)[] = [];
  private failed: Error | null = null;
  private head: ChainHead | null = null;
  private checkpointed: ChainHead = EMPTY_HEAD;
  private checkpointing: Promise<void> | null = null;
  /** When the last checkpoint was signed, or the log opened. */
  private checkpointClock = Date.now();
  private readonly checkpointTimer: NodeJS.Timeout | null = null;
  readonly stats: AuditStats = { batches: 0, records: 0, headSeq: 0, checkpointSeq: 0, checkpointAt: 0, checkpointFailures: 0 };

  /** `target`: a SQLite file (the chain is named by it), or any backend. */
  constructor(target: string | ChainBackend, opts: AuditLogOptions = {}) {
    this.backend = typeof target === 'string' ? new SqliteChainBackend(target) : target;
    this.chain = this.backend.chain;
    this.location = this.backend.location;
    this.commitWindowMs = opts.commitWindowMs ?? 2;
    const c = opts.checkpoints;
    this.cp = c ? { ...c, everyRecords: c.everyRecords ?? 1000, everyMs: c.everyMs ?? 60_000 } : null;
    this.backend.onFatal((err) => {
      this.failed = err;
      for (const p of this.inFlight ?? []) p.reject(err);
      this.inFlight = null;
      for (const p of this.queue.splice(0)) p.reject(err);
      this.notifyIdle();
    });
    if (this.cp) {
      // Checked a few times per period, so a checkpoint is at most a quarter period late.
      this.checkpointTimer = setInterval(() => this.checkpointIfDue(true), Math.min(Math.max(this.cp.everyMs / 4, 10), 15_000));
      this.checkpointTimer.unref();
    }
  }

  /** Opens the chain now (start-up fails on a bad file or database rather than the first request). */
  async ready(): Promise<void> {
    const head = await this.backend.ready();
    this.stats.headSeq = Math.max(this.stats.headSeq, head.seq);
  }

  /** Resolves once the record is committed. */
  append(record: AuditRecord): Promise<void> {
    if (this.failed) return Promise.reject(this.failed);
    return new Promise((resolve, reject) => {
      if (this.queue.length === 0) this.queueSince = performance.now();
      this.queue.push({ record, resolve, reject });
      // An idle log: records appended in the same turn of the event loop share a batch, sent at
      // once. A busy one: the acknowledgement of the batch in flight sends this one.
      if (!this.scheduled && this.inFlight === null && this.windowTimer === null) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          this.flush();
        });
      }
    });
  }

  private sendWhenDue(): void {
    if (this.queue.length === 0) {
      this.notifyIdle();
      return;
    }
    const wait = this.commitWindowMs - (performance.now() - this.queueSince);
    if (wait > 0 && this.queue.length < MAX_BATCH) {
      this.windowTimer ??= setTimeout(() => {
        this.windowTimer = null;
        this.flush();
      }, wait);
      return;
    }
    this.flush();
  }

  private flush(): void {
    if (this.inFlight) return;
    if (this.windowTimer) {
      clearTimeout(this.windowTimer);
      this.windowTimer = null;
    }
    const batch = this.queue;
    if (batch.length === 0) {
      this.notifyIdle();
      return;
    }
    this.queue = [];
    this.inFlight = batch;
    this.backend.write(batch.map((p) => p.record)).then(
      (head) => {
        if (this.inFlight !== batch) return; // failed meanwhile: already rejected
        this.inFlight = null;
        this.stats.batches += 1;
        this.stats.records += batch.length;
        // Only a head this writer committed is signed: a head it merely found (after a restart)
        // is covered by its next checkpoint, once it has written after it.
        if (!this.head || head.seq > this.head.seq) this.head = head;
        this.stats.headSeq = Math.max(this.stats.headSeq, head.seq);
        for (const p of batch) p.resolve();
        this.checkpointIfDue(false);
        // The next batch: what arrived while this one was being committed, once the window is up.
        this.sendWhenDue();
      },
      (err: Error) => {
        if (this.inFlight !== batch) return;
        this.inFlight = null;
        const e = new Error(`audit write failed: ${err.message}`, { cause: err });
        for (const p of batch) p.reject(e);
        this.sendWhenDue();
      },
    );
  }

  private notifyIdle(): void {
    if (this.queue.length || this.inFlight) return;
    for (const w of this.idleWaiters.splice(0)) w();
  }

  private checkpointIfDue(byTime: boolean): void {
    const cp = this.cp;
    const head = this.head;
    if (!cp || !head || this.checkpointing !== null || this.failed || head.seq <= this.checkpointed.seq) return;
    const since = head.seq - this.checkpointed.seq;
    const due = since >= cp.everyRecords || (byTime && Date.now() - this.checkpointClock >= cp.everyMs);
    if (due) void this.checkpoint();
  }

  /**
   * Signs the head this writer last committed and stores the checkpoint next to the chain (also
   * called every `everyRecords` / `everyMs` and by close()). Resolves once it is stored; a failure
   * is counted and reported to `onError`, never to an append.
   */
  checkpoint(): Promise<void> {
    if (this.checkpointing !== null) return this.checkpointing;
    const cp = this.cp;
    const head = this.head;
    if (!cp || !head || head.seq === 0 || head.seq <= this.checkpointed.seq) return Promise.resolve();
    const at = new Date();
    this.checkpointing = (async () => {
      try {
        const jws = await cp.signer.sign({ chain: this.chain, seq: head.seq, hash: head.hash, at: at.toISOString() });
        await this.backend.storeCheckpoint({ seq: head.seq, hash: head.hash, at: at.toISOString(), jws });
        this.checkpointed = head;
        this.stats.checkpointSeq = head.seq;
        this.stats.checkpointAt = at.getTime();
        this.checkpointClock = at.getTime();
      } catch (err) {
        this.stats.checkpointFailures += 1;
        cp.onError?.(err as Error);
      } finally {
        this.checkpointing = null;
      }
    })();
    return this.checkpointing;
  }

  /** Commits what is queued, signs a last checkpoint of the head, then closes the backend. */
  async close(): Promise<void> {
    if (this.checkpointTimer) clearInterval(this.checkpointTimer);
    await new Promise<void>((resolve) => {
      this.idleWaiters.push(resolve);
      this.flush();
      this.notifyIdle();
    });
    if (this.failed) return;
    await this.checkpointing;
    await this.checkpoint();
    await this.backend.close();
  }
}
