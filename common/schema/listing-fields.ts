// The fields a listing row carries. A province's slice answers them with each row of a page, the
// directory subgraph hands them on with each node (`@provides` on the listing's `nodes` and
// `edges.node`), and the query planner then fetches nothing more from the provinces for a page
// that asks only these: one round trip per province instead of two (Apollo Federation 2 §@provides).
// Fields outside this list are still fetched from the owning province with `_entities`.
import type { ProvinceConfig } from '../config.js';
import type { CatalogueEntryRecord } from '../../domain/catalogue.js';

/** Record fields of a listing row, as the slice answers them. */
export const LISTING_RECORD_FIELDS = [
  'id',
  'name',
  'resourceCode',
  'kind',
  'status',
  'sharingType',
  'openType',
  'grade',
  'updateCycle',
  'format',
  'version',
  'mirrorSourceId',
  'providerName',
  'providerCode',
  'providerDivisionCode',
] as const satisfies readonly (keyof CatalogueEntryRecord)[];

export type ListingRow = Pick<CatalogueEntryRecord, (typeof LISTING_RECORD_FIELDS)[number]>;

/** Entry type fields the directory provides (the scalars above, `provider` and `region`); `id` is the key. */
export const LISTING_ENTRY_FIELDS = [
  'name',
  'resourceCode',
  'kind',
  'status',
  'sharingType',
  'openType',
  'grade',
  'updateCycle',
  'format',
  'version',
  'mirrorSourceId',
  'provider',
  'region',
] as const;

/** The selection `@provides` names, with the value types' every field. */
export const LISTING_SELECTION = LISTING_ENTRY_FIELDS.map((f) =>
  f === 'provider' ? 'provider { name creditCode divisionCode }' : f === 'region' ? 'region { divisionCode name platform platformRomanized }' : f,
).join(' ');

interface Region {
  readonly divisionCode: string;
  readonly name: string;
  readonly platform: string;
  readonly platformRomanized: string;
}

// One frozen value per province, shared by every entry and row answered (a page had built one per row).
const regions = new WeakMap<ProvinceConfig, Region>();

/** The `Region` value of every entry of a province. */
export function regionOf(province: ProvinceConfig): Region {
  let region = regions.get(province);
  if (!region) {
    region = Object.freeze({
      divisionCode: province.divisionCode,
      name: province.name,
      platform: province.platform.name,
      platformRomanized: province.platform.romanized,
    });
    regions.set(province, region);
  }
  return region;
}

/** A listing row as the province's entry type, with the fields the directory provides. */
export function listingNode(row: ListingRow, province: ProvinceConfig, typename: string) {
  return {
    __typename: typename,
    id: row.id,
    name: row.name,
    resourceCode: row.resourceCode,
    kind: row.kind,
    status: row.status,
    sharingType: row.sharingType,
    openType: row.openType,
    grade: row.grade,
    updateCycle: row.updateCycle,
    format: row.format,
    version: row.version,
    mirrorSourceId: row.mirrorSourceId,
    provider: { name: row.providerName, creditCode: row.providerCode, divisionCode: row.providerDivisionCode },
    region: regionOf(province),
  };
}
