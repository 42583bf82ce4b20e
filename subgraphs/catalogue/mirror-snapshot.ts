// The mirror a province makes of another province's entry (目录互挂): the source's content under the
// mounting province's id, in step with the source. registerMirror, mount jobs and the sync worker
// all make mirrors here, so a mirror is the same whoever registered it.
import type { ProvinceConfig } from '../../common/config.js';
import { validateEntryRecord, type CatalogueEntryRecord } from '../../domain/catalogue.js';
import { parseEntryId } from '../../domain/entry-id.js';
import { mirrorEntryId } from '../../domain/entry-id.js';
import { gradeMayLeaveProvince, mirrorBasisError } from '../../domain/grading.js';

export type SourceCheck =
  | { ok: true; source: CatalogueEntryRecord }
  | { ok: false; code: 'BAD_USER_INPUT' | 'MIRROR_SOURCE_UNAVAILABLE' | 'APPROVAL_REQUIRED'; message: string };

/**
 * Whether `raw` is an entry `province` may mirror: another province's active, shared original, of a
 * grade that may be mounted with `approvalRef` (GB/T 43697: 重要数据 only with an approval).
 */
export function checkMirrorSource(raw: unknown, province: Pick<ProvinceConfig, 'divisionCode' | 'enumValue'>, approvalRef: string | null): SourceCheck {
  const valid = validateEntryRecord(raw);
  if (!valid.ok) return { ok: false, code: 'BAD_USER_INPUT', message: `source record invalid: ${valid.issues.slice(0, 3).join('; ')}` };
  const source = valid.value;
  const sid = parseEntryId(source.id);
  if (!sid.ok || sid.value.kind !== 'ORIGINAL') return { ok: false, code: 'BAD_USER_INPUT', message: 'a mirror must mount an original entry' };
  if (source.divisionCode === province.divisionCode) {
    return { ok: false, code: 'BAD_USER_INPUT', message: `cannot mirror an entry of ${province.enumValue} into its own catalogue` };
  }
  if (source.sharingType === 'NOT_SHARED' || source.status !== 'ACTIVE' || !gradeMayLeaveProvince(source.grade)) {
    return { ok: false, code: 'MIRROR_SOURCE_UNAVAILABLE', message: 'only active, shared entries can be mirrored' };
  }
  const basis = mirrorBasisError(source.grade, approvalRef);
  if (basis !== null) return { ok: false, code: 'APPROVAL_REQUIRED', message: basis };
  return { ok: true, source };
}

/** Snapshot of an own entry that another province may mirror: what the mirror copies. */
export function mirrorFromSource(
  source: CatalogueEntryRecord,
  province: Pick<ProvinceConfig, 'divisionCode'>,
  registeredBy: string,
  at: string,
  approvalRef: string | null,
): CatalogueEntryRecord {
  return {
    ...source,
    id: mirrorEntryId(province.divisionCode, source.id),
    divisionCode: province.divisionCode,
    kind: 'MIRROR',
    version: 1,
    status: 'ACTIVE',
    createdAt: at,
    updatedAt: at,
    mirrorSourceId: source.id,
    mirrorRegisteredSourceVersion: source.version,
    mirrorRegisteredBy: registeredBy,
    mirrorRegisteredAt: at,
    mirrorState: 'CURRENT',
    mirrorPendingSourceVersion: null,
    mirrorApprovalRef: approvalRef,
  };
}
