// The decisions behind every catalogue write, as pure functions over the row as it is now (read
// under the store's lock or transaction). Both backends call these and differ only in how they
// read and write the row, so NOT_A_MIRROR, VERSION_CONFLICT and reviving a withdrawn mirror mean
// the same on SQLite and PostgreSQL.
import { isMountedMirror, validateEntryRecord, type CatalogueEntryRecord } from '../../../domain/catalogue.js';
import type { MirrorWriteResult } from './store.js';

export type EntryPatch = Partial<Pick<CatalogueEntryRecord, 'name' | 'abstract' | 'status' | 'sharingType' | 'sharingCondition' | 'openType' | 'grade'>>;

export type WriteDecision =
  /** Store `record`: insert when there was no row, otherwise replace it. */
  | { write: true; record: CatalogueEntryRecord; insert: boolean; created: boolean }
  /** Nothing to store: the answer is `result` (a refusal, or the row unchanged). */
  | { write: false; result: MirrorWriteResult };

const refuse = (code: 'NOT_FOUND' | 'VERSION_CONFLICT' | 'NOT_A_MIRROR' | 'BAD_USER_INPUT', message: string): WriteDecision => ({
  write: false,
  result: { ok: false, code, message },
});
const unchanged = (record: CatalogueEntryRecord): WriteDecision => ({ write: false, result: { ok: true, record, created: false } });

/** Optimistic concurrency: a stated `expectedVersion` must be the stored one. */
function versionConflict(current: CatalogueEntryRecord, expectedVersion: number | null): WriteDecision | null {
  return expectedVersion !== null && expectedVersion !== current.version
    ? refuse('VERSION_CONFLICT', `version is ${current.version}, not ${expectedVersion}`)
    : null;
}

/**
 * Registering a mirror is idempotent: a mounted mirror with that id is returned as it is; a
 * withdrawn one, or one whose source had left (withdrawn, unshared, or graded beyond the mirror's
 * approval) and is mountable again, comes back with the fresh snapshot (next version, first
 * creation time kept).
 */
export function decideRegisterMirror(current: CatalogueEntryRecord | null, mirror: CatalogueEntryRecord): WriteDecision {
  if (!current) return { write: true, record: mirror, insert: true, created: true };
  if (current.kind !== 'MIRROR') return refuse('NOT_A_MIRROR', 'id names an original entry');
  if (isMountedMirror(current)) return unchanged(current);
  return { write: true, record: { ...mirror, version: current.version + 1, createdAt: current.createdAt }, insert: false, created: true };
}

/** Withdrawing a mirror twice is not an error: the second time changes nothing. */
export function decideWithdrawMirror(current: CatalogueEntryRecord | null, id: string, expectedVersion: number | null, at: string): WriteDecision {
  if (!current) return refuse('NOT_FOUND', `no entry ${id}`);
  if (current.kind !== 'MIRROR') return refuse('NOT_A_MIRROR', `${id} is not a mirror`);
  const conflict = versionConflict(current, expectedVersion);
  if (conflict) return conflict;
  if (current.status === 'WITHDRAWN') return unchanged(current);
  return { write: true, record: { ...current, status: 'WITHDRAWN', version: current.version + 1, updatedAt: at }, insert: false, created: false };
}

export function decideUpdate(current: CatalogueEntryRecord | null, id: string, expectedVersion: number | null, patch: EntryPatch, at: string): WriteDecision {
  if (!current) return refuse('NOT_FOUND', `no entry ${id}`);
  const conflict = versionConflict(current, expectedVersion);
  if (conflict) return conflict;
  // Becoming UNCONDITIONAL drops the condition text unless the patch states one (which is then refused).
  const condition = patch.sharingType === 'UNCONDITIONAL' && patch.sharingCondition === undefined ? { sharingCondition: null } : {};
  const record = { ...current, ...condition, ...patch, version: current.version + 1, updatedAt: at };
  // The whole record is checked again: a grade, sharing type and condition are only valid together
  // (domain/catalogue.ts, domain/grading.ts).
  const valid = validateEntryRecord(record);
  if (!valid.ok) return refuse('BAD_USER_INPUT', valid.issues.join('; '));
  return { write: true, record: valid.value, insert: false, created: false };
}

/** The answer once a decided write is stored. */
export function written(decision: Extract<WriteDecision, { write: true }>): MirrorWriteResult {
  return { ok: true, record: decision.record, created: decision.created };
}
