// The province's change feed (增量同步): every create, update, withdrawal and change of sharing type
// of an entry gets the next position, written in the same transaction as the change, so a reader
// that follows the positions sees every change once and in order. Which change a write is, and
// whether other provinces may see it, is decided here, the same for every backend.
import type { CatalogueEntryRecord } from '../../../domain/catalogue.js';

export const CHANGE_KINDS = ['CREATED', 'UPDATED', 'WITHDRAWN', 'UNSHARED'] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

export interface CatalogueChange {
  /** Position in the province's feed: strictly increasing, never reused. */
  position: number;
  entryId: string;
  kind: ChangeKind;
  version: number;
  at: string;
}

export interface ChangeOf {
  kind: ChangeKind;
  /**
   * Whether other provinces see this change: never for a NOT_SHARED entry, except the change that made
   * it NOT_SHARED (UNSHARED: they learn that it left, not what it says).
   */
  visibleToOthers: boolean;
}

/** The feed entry a write makes (`before` null: the entry is new). */
export function changeOf(before: CatalogueEntryRecord | null, after: CatalogueEntryRecord): ChangeOf {
  const shared = after.sharingType !== 'NOT_SHARED';
  if (before && before.sharingType !== 'NOT_SHARED' && !shared) return { kind: 'UNSHARED', visibleToOthers: true };
  if (!before || (before.status === 'WITHDRAWN' && after.status === 'ACTIVE')) return { kind: 'CREATED', visibleToOthers: shared };
  if (before.status === 'ACTIVE' && after.status === 'WITHDRAWN') return { kind: 'WITHDRAWN', visibleToOthers: shared };
  return { kind: 'UPDATED', visibleToOthers: shared };
}

export interface ChangesQuery {
  /** Changes strictly after this position (null: from the start). */
  after: number | null;
  limit: number;
  /** The reader is another province: only changes visible to others. */
  othersOnly: boolean;
}

export interface ChangesPage {
  items: CatalogueChange[];
  hasMore: boolean;
}
