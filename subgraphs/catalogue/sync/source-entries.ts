// Other provinces' entries as the federation serves them, turned back into catalogue records (the
// same shape a province stores), so the worker's mirrors are made exactly like registerMirror's.
import { validateEntryRecord, type CatalogueEntryRecord } from '../../../domain/catalogue.js';

/** Every field of a record, on the CatalogueEntry interface every province's type implements. */
export const ENTRY_RECORD_FIELDS = `
  id resourceCode region { divisionCode } kind name classification { code }
  provider { name creditCode divisionCode } abstract format dataItems { name dataType personalInfo }
  sharingType sharingCondition sharingMethod openType updateCycle publishDate relatedCodes grade
  version status createdAt updatedAt
  mirrorSourceId mirrorRegisteredSourceVersion mirrorRegisteredBy mirrorRegisteredAt mirrorState mirrorPendingSourceVersion mirrorApprovalRef`;

export interface EntryNode {
  id: string;
  resourceCode: string;
  region: { divisionCode: string };
  classification: { code: string };
  provider: { name: string; creditCode: string; divisionCode: string };
  [field: string]: unknown;
}

/** The record behind a GraphQL entry, validated as any record a province stores. */
export function recordFromNode(node: EntryNode): { ok: true; record: CatalogueEntryRecord } | { ok: false; reason: string } {
  const { region, classification, provider, ...rest } = node;
  const v = validateEntryRecord({
    ...rest,
    divisionCode: region.divisionCode,
    classification: classification.code,
    providerName: provider.name,
    providerCode: provider.creditCode,
    providerDivisionCode: provider.divisionCode,
  });
  return v.ok ? { ok: true, record: v.value } : { ok: false, reason: `${node.id}: ${v.issues.slice(0, 2).join('; ')}` };
}
