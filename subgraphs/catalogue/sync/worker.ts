// The province's sync worker (目录互挂 at full scale). One at a time per province (a lease in the
// province's store), it
//   1. follows every other province's change feed through the gateway and applies each change to the
//      province's mirror of that entry: follow (take the new version) or review (CHANGED until an
//      administrator accepts), WITHDRAWN or UNSHARED when the source left;
//   2. runs the province's mount jobs: pages through the source's catalogue and registers a mirror of
//      each entry, one page per transaction together with the job's counters and cursor.
// Both run in this one loop, one after the other, so a page a job read can never miss a change that
// the feed has already been read past. A source that cannot be reached decides nothing: its cursor
// or job waits with a growing backoff and says why (lastError). Every write is recorded in the
// worker's own audit chain, its intent before the store is touched.
import { randomUUID } from 'node:crypto';
import type { AuditLog } from '../../../common/audit/audit-log.js';
import type { ProvinceConfig } from '../../../common/config.js';
import type { CatalogueEntryRecord } from '../../../domain/catalogue.js';
import { mirrorEntryId, parseEntryId } from '../../../domain/entry-id.js';
import { checkMirrorSource, mirrorFromSource } from '../mirror-snapshot.js';
import {
  jobGrades,
  deferCursor,
  deferJob,
  emptyCursor,
  failJob,
  OPEN_JOB_STATES,
  type BatchProgress,
  type MirrorWrite,
  type MountJobRecord,
  type SourceSeen,
  type SyncCursorRecord,
} from '../store/mirror-sync.js';
import type { CatalogueStore } from '../store/store.js';
import { FederationRefused, FederationUnavailable, type FederationClient } from './federation-client.js';
import { ENTRIES_QUERY, FEED_QUERY, LISTING_QUERY } from './operations.js';
import { recordFromNode, type EntryNode } from './source-entries.js';

export interface SyncWorkerOptions {
  province: ProvinceConfig;
  /** Every federated province (the others are followed). */
  provinces: readonly ProvinceConfig[];
  store: CatalogueStore;
  /** Opened once the lease is held, so only the lease holder ever appends to the chain. */
  openAudit: () => AuditLog;
  client: FederationClient;
  /** The worker's subject at the IdP (recorded as who registered a mirror). */
  subject: string;
  /** Listing page size (at most the gateway's maxPageSize). */
  listingPage: number;
  now?: () => Date;
  log?: { info(o: object, m: string): void; warn(o: object, m: string): void };
}

export interface PassReport {
  /** False: another worker holds the lease (`holder`), nothing was done. */
  leased: boolean;
  holder?: string;
  changesRead: number;
  mirrorsChanged: number;
  jobPages: number;
  /** Sources or jobs that could not be served this pass (they retry later). */
  problems: string[];
  /** Work is left (another job page, a feed not at its end): the next pass should not wait. */
  busy: boolean;
}

/** The entries(ids:) root field takes at most this many ids. */
const ENTRIES_MAX = 100;
/** A job gets this long per pass before the feeds are read again (keeps sync lag low while mounting). */
const JOB_SLICE_MS = 1000;

interface FeedPage {
  catalogueChanges: {
    edges: { cursor: string; node: { entryId: string; kind: string; version: number; at: string } }[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
}

interface ListingPage {
  provinceCatalogue: {
    totalCount: number;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
    edges: { node: EntryNode | null }[];
  };
}

export class SyncWorker {
  readonly owner = `${process.pid}-${randomUUID()}`;
  private audit: AuditLog | null = null;
  private readonly now: () => Date;
  private readonly others: ProvinceConfig[];
  private stopped = false;
  private wake: (() => void) | null = null;
  private loop: Promise<void> | null = null;

  constructor(private readonly opts: SyncWorkerOptions) {
    this.now = opts.now ?? (() => new Date());
    this.others = opts.provinces.filter((p) => p.id !== opts.province.id);
  }

  /** Runs passes until stopped: at once while there is work, every pollMs when idle. */
  start(): void {
    this.loop ??= (async () => {
      while (!this.stopped) {
        let busy = false;
        try {
          busy = (await this.pass()).busy;
        } catch (err) {
          this.opts.log?.warn({ err: (err as Error).message }, 'sync pass failed');
          this.closeAudit();
        }
        if (!busy && !this.stopped)
          await new Promise<void>((resolve) => {
            const t = setTimeout(resolve, this.opts.province.sync.pollMs);
            this.wake = () => {
              clearTimeout(t);
              resolve();
            };
          });
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
    await this.opts.store.releaseWorkerLease(this.owner).catch(() => {});
    this.closeAudit();
    await this.opts.client.close();
  }

  /** One pass: every feed read to its end, then the open mount jobs for a slice of time (to the end: `untilDone`). */
  async pass(untilDone = false): Promise<PassReport> {
    const report: PassReport = { leased: true, changesRead: 0, mirrorsChanged: 0, jobPages: 0, problems: [], busy: false };
    if (!(await this.renewLease(report))) return report;
    const cursors = new Map((await this.opts.store.syncCursors()).map((c) => [c.source, c]));
    for (const source of this.others) await this.follow(source, cursors.get(source.id) ?? emptyCursor(source.id), report);
    await this.recheckRegistrations(cursors.get(this.opts.province.id) ?? emptyCursor(this.opts.province.id), report);
    const started = Date.now();
    for (;;) {
      const job = await this.nextJob();
      if (!job) break;
      if (!untilDone && Date.now() - started > JOB_SLICE_MS) {
        report.busy = true;
        break;
      }
      if (!(await this.renewLease(report))) break;
      const more = await this.mountPage(job, report);
      if (!more && !untilDone) {
        // A job waiting for its source: the other jobs are tried by the next pass.
        report.busy = (await this.nextJob()) !== null;
        break;
      }
    }
    return report;
  }

  private async renewLease(report: PassReport): Promise<boolean> {
    const now = this.now();
    const r = await this.opts.store.acquireWorkerLease(this.owner, now.toISOString(), new Date(now.getTime() + this.opts.province.sync.leaseMs).toISOString());
    if (!r.ok) {
      report.leased = false;
      report.holder = r.lease.owner;
      this.closeAudit();
    } else this.audit ??= this.opts.openAudit();
    return r.ok;
  }

  private closeAudit(): void {
    // Closing flushes what is queued; the next lease opens the chain again at its head.
    void this.audit?.close();
    this.audit = null;
  }

  /** The oldest open job that is not waiting out a backoff. */
  private async nextJob(): Promise<MountJobRecord | null> {
    const now = this.now().toISOString();
    const open = await this.opts.store.mountJobs({ states: OPEN_JOB_STATES, limit: 100 });
    return open.reverse().find((j) => !j.nextAttemptAt || j.nextAttemptAt <= now) ?? null;
  }

  private record(kind: 'write-intent' | 'write', action: string, target: string, extra: Record<string, unknown> = {}) {
    return this.audit!.append({
      kind,
      action,
      province: this.opts.province.id,
      subject: this.opts.subject,
      worker: this.owner,
      target,
      ...extra,
    });
  }

  /** Audited like the index API's writes: intent durable first, then the store, then the outcome. */
  private async write(action: string, target: string, writes: MirrorWrite[], progress: BatchProgress) {
    // A page that writes no mirror only moves the worker's own bookkeeping (cursor, checkedAt): not a
    // catalogue write, so not in the audit chain (an idle worker would add two records per poll).
    if (writes.length === 0) return this.opts.store.applyMirrorBatch({ owner: this.owner, at: this.now().toISOString(), writes, progress });
    await this.record('write-intent', action, target, { entries: writes.length });
    const r = await this.opts.store.applyMirrorBatch({ owner: this.owner, at: this.now().toISOString(), writes, progress });
    if (!r.ok) {
      await this.record('write', action, target, { outcome: r.reason });
      return r;
    }
    await this.record('write', action, target, { outcome: 'ok', entryIds: r.changed });
    return r;
  }

  // --- 1. following a source's change feed ---

  /**
   * Mirrors registered by hand (registerMirror) since the last pass, checked once against their
   * source: a source change read from its feed in the instant before the registration committed
   * would otherwise never reach the mirror. Read from the province's own feed, in the store; the
   * worker's own registrations need no check (mounting and following never overlap).
   */
  private async recheckRegistrations(cursor: SyncCursorRecord, report: PassReport): Promise<void> {
    const own = this.opts.province;
    if (cursor.nextAttemptAt && cursor.nextAttemptAt > this.now().toISOString()) return;
    let position = cursor.cursor === null ? null : Number(cursor.cursor);
    try {
      for (let pages = 0; ; pages++) {
        // A long feed (a first pass over a large catalogue) keeps the lease page by page.
        if (pages > 0 && !(await this.renewLease(report))) return;
        const page = await this.opts.store.changes({ after: position, limit: 1000, othersOnly: false });
        if (page.items.length === 0) return;
        const created = page.items.filter((c) => {
          const id = parseEntryId(c.entryId);
          return c.kind === 'CREATED' && id.ok && id.value.kind === 'MIRROR';
        });
        const mirrors = [...(await this.opts.store.getEntries(created.map((c) => c.entryId))).values()].filter(
          (m) => m.status === 'ACTIVE' && m.mirrorRegisteredBy !== this.opts.subject && m.mirrorSourceId,
        );
        const writes: MirrorWrite[] = [];
        for (let i = 0; i < mirrors.length; i += ENTRIES_MAX) {
          const batch = mirrors.slice(i, i + ENTRIES_MAX);
          const { entries } = await this.opts.client.run<{ entries: (EntryNode | null)[] }>(ENTRIES_QUERY, { ids: batch.map((m) => m.mirrorSourceId) });
          batch.forEach((m, k) => {
            writes.push({ op: 'source', mirrorId: m.id, seen: this.seen(entries[k] ?? null), policy: own.sync.onSourceChange });
          });
        }
        const last = page.items.at(-1)!;
        const r = await this.write(`sync/${own.id}`, own.id, writes, {
          source: { id: own.id, cursor: String(last.position), caughtUp: !page.hasMore, lastChangeAt: last.at, changes: page.items.length },
        });
        if (!r.ok) return;
        report.mirrorsChanged += r.changed.length;
        position = last.position;
        if (!page.hasMore) return;
      }
    } catch (err) {
      if (!(err instanceof FederationUnavailable || err instanceof FederationRefused)) throw err;
      report.problems.push(`${own.id} registrations: ${err.message}`);
      await this.opts.store.saveSyncCursor(deferCursor({ ...cursor, cursor: position === null ? null : String(position) }, err.message, this.now()));
    }
  }

  private async follow(source: ProvinceConfig, cursor: SyncCursorRecord, report: PassReport): Promise<void> {
    const now = this.now();
    if (cursor.nextAttemptAt && cursor.nextAttemptAt > now.toISOString()) return;
    let current = cursor;
    try {
      for (let pages = 0; ; pages++) {
        // A long feed (a first pass over a large catalogue) keeps the lease page by page.
        if (pages > 0 && !(await this.renewLease(report))) return;
        const page = (
          await this.opts.client.run<FeedPage>(FEED_QUERY, { province: source.enumValue, after: current.cursor, first: this.opts.province.sync.feedPage })
        ).catalogueChanges;
        const changes = page.edges.map((e) => e.node);
        const writes = await this.sourceWrites(
          source,
          changes.map((c) => c.entryId),
        );
        const r = await this.write(`sync/${source.id}`, source.id, writes, {
          source: {
            id: source.id,
            cursor: page.pageInfo.endCursor ?? current.cursor,
            caughtUp: !page.pageInfo.hasNextPage,
            lastChangeAt: changes.at(-1)?.at ?? null,
            changes: changes.length,
          },
        });
        if (!r.ok || !r.cursor) return;
        current = r.cursor;
        report.changesRead += changes.length;
        report.mirrorsChanged += r.changed.length;
        if (!page.pageInfo.hasNextPage) return;
      }
    } catch (err) {
      if (!(err instanceof FederationUnavailable || err instanceof FederationRefused)) throw err;
      // Nothing is decided about a source that cannot be asked; the cursor stays where it is.
      report.problems.push(`${source.id}: ${err.message}`);
      await this.opts.store.saveSyncCursor(deferCursor(current, err.message, now));
      this.opts.log?.warn({ source: source.id, err: err.message }, 'change feed unavailable; retrying later');
    }
  }

  /** The writes a page of changes makes: one per entry this province holds a mirror of. */
  private async sourceWrites(source: ProvinceConfig, entryIds: string[]): Promise<MirrorWrite[]> {
    const own = this.opts.province;
    const originals = [...new Set(entryIds)].filter((id) => {
      const p = parseEntryId(id);
      return p.ok && p.value.kind === 'ORIGINAL' && p.value.divisionCode === source.divisionCode;
    });
    const mirrors = await this.opts.store.getEntries(originals.map((id) => mirrorEntryId(own.divisionCode, id)));
    const held = originals.filter((id) => mirrors.get(mirrorEntryId(own.divisionCode, id))?.status === 'ACTIVE');
    const writes: MirrorWrite[] = [];
    for (let i = 0; i < held.length; i += ENTRIES_MAX) {
      const ids = held.slice(i, i + ENTRIES_MAX);
      const { entries } = await this.opts.client.run<{ entries: (EntryNode | null)[] }>(ENTRIES_QUERY, { ids });
      ids.forEach((id, k) => {
        writes.push({ op: 'source', mirrorId: mirrorEntryId(own.divisionCode, id), seen: this.seen(entries[k] ?? null), policy: own.sync.onSourceChange });
      });
    }
    return writes;
  }

  /** What the source is now. Not visible to this province any more: it became NOT_SHARED. */
  private seen(node: EntryNode | null): SourceSeen {
    if (!node) return { state: 'UNSHARED' };
    const parsed = recordFromNode(node);
    if (!parsed.ok) throw new FederationRefused('BAD_RECORD', parsed.reason);
    const source: CatalogueEntryRecord = parsed.record;
    if (source.status === 'WITHDRAWN') return { state: 'WITHDRAWN' };
    if (source.sharingType === 'NOT_SHARED') return { state: 'UNSHARED' };
    // The snapshot's approval is not used: decideSourceChange keeps the mirror's own.
    return { state: 'ACTIVE', snapshot: mirrorFromSource(source, this.opts.province, this.opts.subject, this.now().toISOString(), null) };
  }

  // --- 2. mount jobs ---

  /** One page of a job; false when the job cannot go on now (ended, cancelled, or waiting for its source). */
  private async mountPage(job: MountJobRecord, report: PassReport): Promise<boolean> {
    const source = this.opts.provinces.find((p) => p.id === job.source);
    const now = this.now();
    if (!source) {
      await this.opts.store.changeMountJob(job.id, (j) =>
        j ? { write: true, job: failJob(j, `unknown source province ${job.source}`, now.toISOString()) } : { write: false, job: null },
      );
      return false;
    }
    if (jobGrades(job).length === 0) {
      // The filter names only grades the job's approval does not cover (the gateway refuses such a job).
      await this.opts.store.changeMountJob(job.id, (j) =>
        j
          ? { write: true, job: failJob(j, 'APPROVAL_REQUIRED: no grade of the filter may be mounted without an approval', now.toISOString()) }
          : { write: false, job: null },
      );
      return false;
    }
    let page: ListingPage['provinceCatalogue'];
    try {
      page = (
        await this.opts.client.run<ListingPage>(LISTING_QUERY, {
          province: source.enumValue,
          // Only the grades the job's approval covers are listed (GB/T 43697; domain/grading.ts).
          filter: { ...job.filter, grades: jobGrades(job), kinds: ['ORIGINAL'] },
          first: this.opts.listingPage,
          after: job.cursor,
        })
      ).provinceCatalogue;
    } catch (err) {
      if (!(err instanceof FederationUnavailable || err instanceof FederationRefused)) throw err;
      const transient = err instanceof FederationUnavailable;
      report.problems.push(`${job.id}: ${err.message}`);
      await this.opts.store.changeMountJob(job.id, (j) =>
        j && OPEN_JOB_STATES.includes(j.state)
          ? { write: true, job: transient ? deferJob(j, err.message, now) : failJob(j, err.message, now.toISOString()) }
          : { write: false, job: j },
      );
      this.opts.log?.warn({ job: job.id, err: err.message }, transient ? 'mount job waiting for its source' : 'mount job failed');
      return false;
    }
    const writes: MirrorWrite[] = [];
    let failed = 0;
    let lastError: string | null = null;
    for (const { node } of page.edges) {
      if (!node) continue; // gone between the search and the fetch
      const parsed = recordFromNode(node);
      const checked = parsed.ok ? checkMirrorSource(parsed.record, this.opts.province, job.approvalRef) : { ok: false as const, message: parsed.reason };
      if (!checked.ok) {
        failed += 1;
        lastError = checked.message;
        continue;
      }
      writes.push({ op: 'register', mirror: mirrorFromSource(checked.source, this.opts.province, this.opts.subject, now.toISOString(), job.approvalRef) });
    }
    const done = !page.pageInfo.hasNextPage;
    const r = await this.write('mount-jobs/page', job.id, writes, {
      job: { id: job.id, cursor: page.pageInfo.endCursor ?? job.cursor, total: page.totalCount, done, failed, lastError },
    });
    if (!r.ok) return false;
    report.jobPages += 1;
    report.mirrorsChanged += r.changed.length;
    if (done) this.opts.log?.info({ job: job.id, mounted: r.job?.mounted, skipped: r.job?.skipped, failed: r.job?.failed }, 'mount job done');
    return !done;
  }
}
