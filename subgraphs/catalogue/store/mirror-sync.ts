// What the province keeps to mount whole catalogues and keep its mirrors in step (目录互挂, 增量同步):
// mount jobs, its cursor in each other province's change feed, the sync worker's lease, and the pure
// decisions over them. Both backends read the rows under their transaction, call these, and store the
// outcome, so a job or a source change means the same on SQLite and PostgreSQL.
import { LISTED_MIRROR_STATES, type CatalogueEntryRecord, type ResourceFormat, type SharingType, type UpdateCycle } from '../../../domain/catalogue.js';
import { mirrorBasisError, mountableGrades, type DataGrade } from '../../../domain/grading.js';
import type { ColumnSpec } from './entry-columns.js';
import type { MirrorWriteResult } from './store.js';
import { decideRegisterMirror, type WriteDecision } from './write-rules.js';

import type { MountJobState } from '../../../domain/mount-job.js';

export type { MountJobState };
/** States in which a job still has work to do (the worker picks them up, oldest first). */
export const OPEN_JOB_STATES: readonly MountJobState[] = ['QUEUED', 'RUNNING'];

/** Which entries of the source a job mounts: the directory's filters that make sense for one province. */
export interface MountFilter {
  sharingTypes?: SharingType[] | null;
  providerCode?: string | null;
  classification?: string | null;
  updateCycles?: UpdateCycle[] | null;
  formats?: ResourceFormat[] | null;
  grades?: DataGrade[] | null;
}

export interface MountJobRecord {
  /** `<division code>.mount.<uuid>`: the mounting province is readable from the id (routing). */
  id: string;
  /** Province id of the source catalogue. */
  source: string;
  filter: MountFilter;
  /** The approval (审批文号) the job mounts under: without one it mounts 一般数据 only (domain/grading.ts). */
  approvalRef: string | null;
  state: MountJobState;
  /** Entries of the source matching the filter, as of the last page read; null before the first. */
  total: number | null;
  mounted: number;
  skipped: number;
  failed: number;
  /** The gateway's cursor in the source's listing after the last stored page (opaque). */
  cursor: string | null;
  createdBy: string;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  lastError: string | null;
  /** Consecutive failed attempts (the source unavailable): the backoff grows with them. */
  attempts: number;
  nextAttemptAt: string | null;
  updatedAt: string;
}

/** The grades a job lists: its filter's, within what its approval lets it mount. */
export function jobGrades(job: Pick<MountJobRecord, 'filter' | 'approvalRef'>): DataGrade[] {
  const allowed = mountableGrades(job.approvalRef);
  return job.filter.grades ? allowed.filter((g) => job.filter.grades!.includes(g)) : allowed;
}

/** A job as it is created: queued, nothing done yet. */
export function queuedJob(j: Pick<MountJobRecord, 'id' | 'source' | 'filter' | 'approvalRef' | 'createdBy' | 'createdAt'>): MountJobRecord {
  return {
    ...j,
    state: 'QUEUED',
    total: null,
    mounted: 0,
    skipped: 0,
    failed: 0,
    cursor: null,
    startedAt: null,
    finishedAt: null,
    lastError: null,
    attempts: 0,
    nextAttemptAt: null,
    updatedAt: j.createdAt,
  };
}

/** The province's position in another province's change feed. */
export interface SyncCursorRecord {
  /** Province id of the source. */
  source: string;
  /** The gateway's opaque feed cursor after the last applied change; null: from the start. */
  cursor: string | null;
  /** When the feed was last read to its end (the mirrors were then in step). */
  checkedAt: string | null;
  /** `at` of the last change applied. */
  lastChangeAt: string | null;
  lastError: string | null;
  attempts: number;
  nextAttemptAt: string | null;
  /** Changes read from this feed so far. */
  applied: number;
}

/** Who may run the province's sync worker now (one at a time, so mounts and follows never race). */
export interface WorkerLease {
  owner: string;
  until: string;
}

export type SourceChangePolicy = 'follow' | 'review';

/** What the source is now, as the mounting province may see it through the gateway. */
export type SourceSeen =
  /** Active and shared: `snapshot` is the mirror it would make (mirrorFromSource). */
  | { state: 'ACTIVE'; snapshot: CatalogueEntryRecord }
  | { state: 'WITHDRAWN' }
  /** Not visible any more: it became NOT_SHARED. */
  | { state: 'UNSHARED' };

export type MirrorWrite =
  /** A mount job's registration: the same decision as registerMirror. */
  | { op: 'register'; mirror: CatalogueEntryRecord }
  /** A source change seen in its feed, applied to the province's mirror of it. */
  | { op: 'source'; mirrorId: string; seen: SourceSeen; policy: SourceChangePolicy };

export type BatchProgress =
  | { job: { id: string; cursor: string | null; total: number; done: boolean; failed: number; lastError: string | null } }
  | { source: { id: string; cursor: string | null; caughtUp: boolean; lastChangeAt: string | null; changes: number } };

export interface MirrorBatch {
  /** The lease owner: a batch from a worker that lost the lease is not stored. */
  owner: string;
  at: string;
  writes: MirrorWrite[];
  progress: BatchProgress;
}

export type BatchResult =
  /** `changed`: ids of the mirrors the batch wrote (the rest were as decided already). */
  { ok: true; outcomes: MirrorWriteResult[]; changed: string[]; job: MountJobRecord | null; cursor: SyncCursorRecord | null } | { ok: false; reason: string };

const unchanged = (record: CatalogueEntryRecord): WriteDecision => ({ write: false, result: { ok: true, record, created: false } });
const replace = (record: CatalogueEntryRecord): WriteDecision => ({ write: true, record, insert: false, created: false });

/** The mirror with the source's content of `snapshot`, in step (CURRENT); its own identity kept. */
function takeSource(current: CatalogueEntryRecord, snapshot: CatalogueEntryRecord, at: string): CatalogueEntryRecord {
  return {
    ...snapshot,
    version: current.version + 1,
    status: current.status,
    createdAt: current.createdAt,
    updatedAt: at,
    mirrorRegisteredBy: current.mirrorRegisteredBy,
    mirrorRegisteredAt: current.mirrorRegisteredAt,
    mirrorState: 'CURRENT',
    mirrorPendingSourceVersion: null,
    mirrorApprovalRef: current.mirrorApprovalRef,
  };
}

/**
 * A source change applied to its mirror. A mirror its province withdrew stays as it is; an outage
 * never reaches here (nothing is decided about a source that could not be asked).
 */
export function decideSourceChange(current: CatalogueEntryRecord | null, seen: SourceSeen, policy: SourceChangePolicy, at: string): WriteDecision {
  if (current?.kind !== 'MIRROR') return { write: false, result: { ok: false, code: 'NOT_FOUND', message: 'no such mirror' } };
  if (current.status === 'WITHDRAWN') return unchanged(current);
  const bump = { version: current.version + 1, updatedAt: at };
  if (seen.state !== 'ACTIVE') {
    return current.mirrorState === seen.state
      ? unchanged(current)
      : replace({ ...current, ...bump, mirrorState: seen.state, mirrorPendingSourceVersion: null });
  }
  // GB/T 43697: a source graded beyond what the mirror was mounted under (重要数据 without an approval)
  // takes the mirror's basis away; it is kept, unlisted, with the content it had.
  if (mirrorBasisError(seen.snapshot.grade, current.mirrorApprovalRef) !== null) {
    return current.mirrorState === 'UNSHARED'
      ? unchanged(current)
      : replace({ ...current, ...bump, mirrorState: 'UNSHARED', mirrorPendingSourceVersion: null });
  }
  const version = seen.snapshot.mirrorRegisteredSourceVersion;
  if (current.mirrorState === 'CURRENT' && current.mirrorRegisteredSourceVersion === version) return unchanged(current);
  if (policy === 'follow') return replace(takeSource(current, seen.snapshot, at));
  if (current.mirrorState === 'CHANGED' && current.mirrorPendingSourceVersion === version) return unchanged(current);
  return replace({ ...current, ...bump, mirrorState: 'CHANGED', mirrorPendingSourceVersion: version });
}

/** An administrator accepts the source's change: the mirror takes the source as it is now. */
export function decideAcceptChange(current: CatalogueEntryRecord | null, id: string, snapshot: CatalogueEntryRecord, at: string): WriteDecision {
  if (!current) return { write: false, result: { ok: false, code: 'NOT_FOUND', message: `no entry ${id}` } };
  if (current.kind !== 'MIRROR') return { write: false, result: { ok: false, code: 'NOT_A_MIRROR', message: `${id} is not a mirror` } };
  if (current.mirrorState !== 'CHANGED') {
    return {
      write: false,
      result: { ok: false, code: 'MIRROR_NOT_CHANGED', message: `${id} has no source change waiting for review (it is ${current.mirrorState})` },
    };
  }
  const basis = mirrorBasisError(snapshot.grade, current.mirrorApprovalRef);
  if (basis !== null) return { write: false, result: { ok: false, code: 'APPROVAL_REQUIRED', message: basis } };
  return replace(takeSource(current, snapshot, at));
}

export type JobDecision =
  | { write: true; job: MountJobRecord }
  | { write: false; job: MountJobRecord | null; refusal?: { code: 'NOT_FOUND' | 'MOUNT_JOB_FINISHED'; message: string } };

/** Cancelling is idempotent for a cancelled job; a job that ended otherwise stays as it ended. */
export function decideCancelJob(job: MountJobRecord | null, id: string, at: string): JobDecision {
  if (!job) return { write: false, job: null, refusal: { code: 'NOT_FOUND', message: `no mount job ${id}` } };
  if (job.state === 'CANCELLED') return { write: false, job };
  if (job.state === 'DONE' || job.state === 'FAILED') {
    return { write: false, job, refusal: { code: 'MOUNT_JOB_FINISHED', message: `mount job ${id} has already ended (${job.state})` } };
  }
  return { write: true, job: { ...job, state: 'CANCELLED', finishedAt: at, nextAttemptAt: null, updatedAt: at } };
}

/** How long to wait after `attempts` consecutive failures: 1 s doubling to at most `maxMs`. */
export function backoffMs(attempts: number, maxMs = 30_000): number {
  return Math.min(maxMs, 1000 * 2 ** Math.max(0, attempts - 1));
}

/** A job the source could not serve: it stays open and is retried after a backoff, visibly. */
export function deferJob(job: MountJobRecord, error: string, at: Date): MountJobRecord {
  const attempts = job.attempts + 1;
  return {
    ...job,
    state: job.state === 'QUEUED' ? 'RUNNING' : job.state,
    startedAt: job.startedAt ?? at.toISOString(),
    lastError: error,
    attempts,
    nextAttemptAt: new Date(at.getTime() + backoffMs(attempts)).toISOString(),
    updatedAt: at.toISOString(),
  };
}

/** A job refused for good (the gateway refused the caller or the filter): it ends FAILED. */
export function failJob(job: MountJobRecord, error: string, at: string): MountJobRecord {
  return { ...job, state: 'FAILED', lastError: error, finishedAt: at, nextAttemptAt: null, updatedAt: at };
}

export function deferCursor(cursor: SyncCursorRecord, error: string, at: Date): SyncCursorRecord {
  const attempts = cursor.attempts + 1;
  return { ...cursor, lastError: error, attempts, nextAttemptAt: new Date(at.getTime() + backoffMs(attempts)).toISOString() };
}

export const emptyCursor = (source: string): SyncCursorRecord => ({
  source,
  cursor: null,
  checkedAt: null,
  lastChangeAt: null,
  lastError: null,
  attempts: 0,
  nextAttemptAt: null,
  applied: 0,
});

/** A stored page of a job: counters from the outcomes; DONE when the source has no more pages. */
export function tallyJob(job: MountJobRecord, outcomes: MirrorWriteResult[], p: Extract<BatchProgress, { job: unknown }>['job'], at: string): MountJobRecord {
  let mounted = 0;
  let skipped = 0;
  let failed = p.failed;
  let lastError = p.lastError;
  for (const o of outcomes) {
    if (!o.ok) {
      failed += 1;
      lastError = `${o.code}: ${o.message}`;
    } else if (o.created) mounted += 1;
    else skipped += 1;
  }
  return {
    ...job,
    state: p.done ? 'DONE' : 'RUNNING',
    startedAt: job.startedAt ?? at,
    finishedAt: p.done ? at : null,
    total: p.total,
    cursor: p.cursor,
    mounted: job.mounted + mounted,
    skipped: job.skipped + skipped,
    failed: job.failed + failed,
    lastError,
    attempts: 0,
    nextAttemptAt: null,
    updatedAt: at,
  };
}

export function tallyCursor(cursor: SyncCursorRecord, p: Extract<BatchProgress, { source: unknown }>['source'], at: string): SyncCursorRecord {
  return {
    ...cursor,
    cursor: p.cursor,
    checkedAt: p.caughtUp ? at : cursor.checkedAt,
    lastChangeAt: p.lastChangeAt ?? cursor.lastChangeAt,
    lastError: null,
    attempts: 0,
    nextAttemptAt: null,
    applied: cursor.applied + p.changes,
  };
}

/** The decision for one write of a batch. */
export function decideMirrorWrite(current: CatalogueEntryRecord | null, w: MirrorWrite, at: string): WriteDecision {
  return w.op === 'register' ? decideRegisterMirror(current, w.mirror) : decideSourceChange(current, w.seen, w.policy, at);
}

export const mirrorWriteId = (w: MirrorWrite): string => (w.op === 'register' ? w.mirror.id : w.mirrorId);

/** A lease is free for `owner` when nobody holds it, it is owner's own, or it ran out. */
export function leaseFreeFor(lease: WorkerLease | null, owner: string, now: string): boolean {
  return !lease || lease.owner === owner || lease.until <= now;
}

/** How a mount job and a feed cursor are stored (both backends; store/entry-columns.ts). */
export const JOB_COLUMNS = [
  ['id', 'id', 'text'],
  ['source', 'source', 'text'],
  ['filter', 'filter', 'json'],
  ['approval_ref', 'approvalRef', 'text'],
  ['state', 'state', 'text'],
  ['total', 'total', 'int'],
  ['mounted', 'mounted', 'int'],
  ['skipped', 'skipped', 'int'],
  ['failed', 'failed', 'int'],
  ['cursor', 'cursor', 'text'],
  ['created_by', 'createdBy', 'text'],
  ['created_at', 'createdAt', 'text'],
  ['started_at', 'startedAt', 'text'],
  ['finished_at', 'finishedAt', 'text'],
  ['last_error', 'lastError', 'text'],
  ['attempts', 'attempts', 'int'],
  ['next_attempt_at', 'nextAttemptAt', 'text'],
  ['updated_at', 'updatedAt', 'text'],
] as const satisfies ColumnSpec<MountJobRecord>;

export const CURSOR_COLUMNS = [
  ['source', 'source', 'text'],
  ['cursor', 'cursor', 'text'],
  ['checked_at', 'checkedAt', 'text'],
  ['last_change_at', 'lastChangeAt', 'text'],
  ['last_error', 'lastError', 'text'],
  ['attempts', 'attempts', 'int'],
  ['next_attempt_at', 'nextAttemptAt', 'text'],
  ['applied', 'applied', 'int'],
] as const satisfies ColumnSpec<SyncCursorRecord>;

/** The states a mirror may be listed in by default (the rest only with includeWithdrawn or by state). */
export const LISTED_STATES_SQL = `('${LISTED_MIRROR_STATES.join("','")}')`;
