// The subgraph's own policy (defence in depth, docs/DESIGN.md §4): it re-checks what the
// gateway already checked, so a gateway bug cannot turn into a data leak or a foreign write.
import type { ProvinceConfig } from '../../common/config.js';
import { hasScope, type Caller } from '../../common/identity/caller.js';
import type { CatalogueEntryRecord } from '../../domain/catalogue.js';
import { gradeMayLeaveProvince } from '../../domain/grading.js';

export function canRead(caller: Caller): boolean {
  return hasScope(caller, 'catalogue:read') || hasScope(caller, 'catalogue:admin');
}

/**
 * NOT_SHARED entries (不予共享) are visible only inside their own province, and so is a mirror whose
 * source became NOT_SHARED (UNSHARED): the copy must not share what its source no longer does.
 * 核心数据 (GB/T 43697 CORE) stays in its province whatever its sharing type says.
 */
export function isVisibleTo(rec: CatalogueEntryRecord, caller: Caller, province: ProvinceConfig): boolean {
  if (caller.province === province.id) return true;
  return rec.sharingType !== 'NOT_SHARED' && rec.mirrorState !== 'UNSHARED' && gradeMayLeaveProvince(rec.grade);
}

/** Only this province's own administrators write into its catalogue (and see its mount jobs and sync state). */
export function canWrite(caller: Caller, province: ProvinceConfig): boolean {
  return caller.province === province.id && hasScope(caller, 'catalogue:admin');
}
