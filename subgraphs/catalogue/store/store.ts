// The province catalogue store: what the subgraph needs from persistence, and nothing
// more. SQLite is the embedded default; a PostgreSQL backend implements the same
// interface (docs/DESIGN.md §6). Methods are async so either backend fits.
import type { CatalogueEntryRecord, EntryFilter, SharingType } from '../../../domain/catalogue.js';
import type { SortKey } from '../../../common/order.js';
import type { ChangesPage, ChangesQuery } from './change-feed.js';
import type { EntryPatch } from './write-rules.js';

export interface SliceQuery extends EntryFilter {
  /** Free text; each whitespace-separated term must occur (substring) in name, abstract or provider. */
  search?: string | null;
  /** A classification code prefix (1, 3, 6 or 9 digits). */
  classificationPrefix?: string | null;
  includeWithdrawn?: boolean;
  /** Hide NOT_SHARED entries (the caller is from another province). */
  hideNotShared: boolean;
  /** Keyset: rows strictly after this (name, id). */
  after?: SortKey | null;
  limit: number;
}

export interface SliceResult {
  items: SortKey[];
  /** Rows matching the filters, ignoring the keyset and the limit. */
  total: number;
  bySharingType: Partial<Record<SharingType, number>>;
}

export type MirrorWriteResult =
  | { ok: true; record: CatalogueEntryRecord; created: boolean }
  | { ok: false; code: 'NOT_FOUND' | 'VERSION_CONFLICT' | 'NOT_A_MIRROR'; message: string };

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
  getIdempotencyRecord(key: string): Promise<IdempotencyRecord | null>;
  /** First answer wins: a concurrent duplicate does not overwrite it. */
  saveIdempotencyRecord(key: string, record: IdempotencyRecord, at: string): Promise<void>;
  close(): Promise<void>;
}
