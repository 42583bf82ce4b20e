// The province catalogue store: what the subgraph needs from persistence, and nothing
// more. SQLite is the embedded default; a PostgreSQL backend implements the same
// interface (docs/DESIGN.md §6). Methods are async so either backend fits.
import type { CatalogueEntryRecord, EntryFilter, MirrorState, SharingType } from '../../../domain/catalogue.js';
import type { DataGrade } from '../../../domain/grading.js';
import type { SortKey } from '../../../common/order.js';
import type { ListingRow } from '../../../common/schema/listing-fields.js';
import type { ChangesPage, ChangesQuery } from './change-feed.js';
import type { JobDecision, MirrorBatch, BatchResult, MountJobRecord, MountJobState, SyncCursorRecord, WorkerLease } from './mirror-sync.js';
import type { EntryPatch } from './write-rules.js';

export interface SliceQuery extends EntryFilter {
  /** Free text; each whitespace-separated term must occur (substring) in name, abstract or provider. */
  search?: string | null;
  /** A classification code prefix (1, 3, 6 or 9 digits). */
  classificationPrefix?: string | null;
  /** Withdrawn entries too, and mirrors whose source was withdrawn or unshared. */
  includeWithdrawn?: boolean;
  /** Only mirrors in these states (administrators' view). */
  mirrorStates?: MirrorState[] | null;
  /** Hide NOT_SHARED entries (the caller is from another province). */
  hideNotShared: boolean;
  /** Keyset: rows strictly after this (name, id). */
  after?: SortKey | null;
  limit: number;
}

export interface SliceResult {
  /** The page, with each row's listing fields (common/schema/listing-fields.ts). */
  items: ListingRow[];
  /** Rows matching the filters, ignoring the keyset and the limit. */
  total: number;
  bySharingType: Partial<Record<SharingType, number>>;
  byGrade: Partial<Record<DataGrade, number>>;
}

/** Totals and both facets from counts grouped by sharing type and grade (both backends). */
export function facetCounts(rows: readonly { t: SharingType; g: DataGrade; n: number }[]): Pick<SliceResult, 'total' | 'bySharingType' | 'byGrade'> {
  const bySharingType: Partial<Record<SharingType, number>> = {};
  const byGrade: Partial<Record<DataGrade, number>> = {};
  let total = 0;
  for (const { t, g, n } of rows) {
    bySharingType[t] = (bySharingType[t] ?? 0) + n;
    byGrade[g] = (byGrade[g] ?? 0) + n;
    total += n;
  }
  return { total, bySharingType, byGrade };
}

export type MirrorWriteResult =
  | { ok: true; record: CatalogueEntryRecord; created: boolean }
  | { ok: false; code: 'NOT_FOUND' | 'VERSION_CONFLICT' | 'NOT_A_MIRROR' | 'MIRROR_NOT_CHANGED' | 'BAD_USER_INPUT' | 'APPROVAL_REQUIRED'; message: string };

/** A stored answer to an idempotent write (Idempotency-Key), replayed on a retry. */
export interface IdempotencyRecord {
  requestHash: string;
  status: number;
  body: string;
}

export interface CatalogueStore {
  readonly backend: string;
  countEntries(): Promise<number>;
  insertEntries(records: CatalogueEntryRecord[]): Promise<void>;
  getEntry(id: string): Promise<CatalogueEntryRecord | null>;
  getEntries(ids: string[]): Promise<Map<string, CatalogueEntryRecord>>;
  slice(q: SliceQuery): Promise<SliceResult>;
  /**
   * Insert a mirror, or re-activate a withdrawn one. An ACTIVE mirror with the same id is
   * returned unchanged with created=false (registration is idempotent).
   */
  registerMirror(record: CatalogueEntryRecord): Promise<MirrorWriteResult>;
  withdrawMirror(id: string, expectedVersion: number | null, at: string): Promise<MirrorWriteResult>;
  /** Admin edit of an own entry (used to evolve sources); bumps version. Decisions: write-rules.ts. */
  updateEntry(id: string, expectedVersion: number | null, patch: EntryPatch, at: string): Promise<MirrorWriteResult>;
  /** The province's change feed after a position (store/change-feed.ts), oldest first. */
  changes(q: ChangesQuery): Promise<ChangesPage>;
  /** A CHANGED mirror takes its source as it is now (`snapshot`, from mirrorFromSource). */
  acceptMirrorChange(id: string, snapshot: CatalogueEntryRecord, at: string): Promise<MirrorWriteResult>;
  /** Mirrors (not withdrawn by the province) per mirror state. */
  mirrorStateCounts(): Promise<Partial<Record<MirrorState, number>>>;

  // Mount jobs and sync (store/mirror-sync.ts).
  createMountJob(job: MountJobRecord): Promise<void>;
  /** Newest first; `ids` or `states` narrow the list. */
  mountJobs(q: { ids?: string[]; states?: readonly MountJobState[]; limit: number }): Promise<MountJobRecord[]>;
  /** Reads the job, decides and stores the decision in one transaction. */
  changeMountJob(id: string, decide: (job: MountJobRecord | null) => JobDecision): Promise<JobDecision>;
  syncCursors(): Promise<SyncCursorRecord[]>;
  saveSyncCursor(cursor: SyncCursorRecord): Promise<void>;
  /** Takes or renews the worker lease for `owner` until `until`, unless another holds it past `now`. */
  acquireWorkerLease(owner: string, now: string, until: string): Promise<{ ok: boolean; lease: WorkerLease }>;
  releaseWorkerLease(owner: string): Promise<void>;
  /**
   * A page of mirror writes and the progress it makes (a job's counters and cursor, or a feed
   * cursor), in one transaction, only while `owner` holds the lease: a crash loses the whole page or
   * nothing, so a resumed job neither loses a mirror nor writes one twice.
   */
  applyMirrorBatch(batch: MirrorBatch): Promise<BatchResult>;

  getIdempotencyRecord(key: string): Promise<IdempotencyRecord | null>;
  /** First answer wins: a concurrent duplicate does not overwrite it. */
  saveIdempotencyRecord(key: string, record: IdempotencyRecord, at: string): Promise<void>;
  close(): Promise<void>;
}
