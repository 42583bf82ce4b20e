// How a catalogue entry is stored, column by column, for both backends: the column name, its
// field of the record, and whether it holds JSON or a 64-bit integer (the two places where SQLite
// and PostgreSQL hand values back differently). Each store derives its row mapping from this list.
import type { CatalogueEntryRecord } from '../../../domain/catalogue.js';
import { LISTING_RECORD_FIELDS, type ListingRow } from '../../../common/schema/listing-fields.js';

type Kind = 'text' | 'json' | 'int';

export const ENTRY_COLUMNS = [
  ['id', 'id', 'text'],
  ['resource_code', 'resourceCode', 'text'],
  ['division_code', 'divisionCode', 'text'],
  ['kind', 'kind', 'text'],
  ['name', 'name', 'text'],
  ['classification', 'classification', 'text'],
  ['provider_name', 'providerName', 'text'],
  ['provider_code', 'providerCode', 'text'],
  ['provider_division_code', 'providerDivisionCode', 'text'],
  ['abstract', 'abstract', 'text'],
  ['format', 'format', 'text'],
  ['data_items', 'dataItems', 'json'],
  ['sharing_type', 'sharingType', 'text'],
  ['sharing_condition', 'sharingCondition', 'text'],
  ['sharing_method', 'sharingMethod', 'text'],
  ['open_type', 'openType', 'text'],
  ['update_cycle', 'updateCycle', 'text'],
  ['publish_date', 'publishDate', 'text'],
  ['related_codes', 'relatedCodes', 'json'],
  ['grade', 'grade', 'text'],
  ['version', 'version', 'int'],
  ['status', 'status', 'text'],
  ['created_at', 'createdAt', 'text'],
  ['updated_at', 'updatedAt', 'text'],
  ['mirror_source_id', 'mirrorSourceId', 'text'],
  ['mirror_registered_source_version', 'mirrorRegisteredSourceVersion', 'int'],
  ['mirror_registered_by', 'mirrorRegisteredBy', 'text'],
  ['mirror_registered_at', 'mirrorRegisteredAt', 'text'],
  ['mirror_state', 'mirrorState', 'text'],
  ['mirror_pending_source_version', 'mirrorPendingSourceVersion', 'int'],
  ['mirror_approval_ref', 'mirrorApprovalRef', 'text'],
] as const satisfies readonly (readonly [string, keyof CatalogueEntryRecord, Kind])[];

export type EntryColumn = (typeof ENTRY_COLUMNS)[number];
export type EntryRow = Record<EntryColumn[0], unknown>;

export const ENTRY_COLUMN_NAMES: readonly string[] = ENTRY_COLUMNS.map(([column]) => column);

/** The columns of a listing row (common/schema/listing-fields.ts), in column order. */
export const LISTING_COLUMNS = ENTRY_COLUMNS.filter(([, field]) => (LISTING_RECORD_FIELDS as readonly string[]).includes(field));

/** A listing row as the store hands it back (the same decoding as rowToRecord). */
export function rowToListing(row: Record<string, unknown>): ListingRow {
  return rowToObject<ListingRow>(LISTING_COLUMNS as ColumnSpec<ListingRow>, row, (v) => v);
}

/** Column, field, kind: how any stored object maps to a row (entries, mount jobs, feed cursors). */
export type ColumnSpec<T> = readonly (readonly [string, keyof T & string, Kind])[];

/** A stored row as an object of its columns' fields (the same decoding as rowToRecord). */
export function rowToObject<T>(columns: ColumnSpec<T>, row: Record<string, unknown>, json: (value: unknown) => unknown): T {
  const out: Record<string, unknown> = {};
  for (const [column, field, kind] of columns) {
    const value = row[column];
    out[field] = value === null || value === undefined ? null : kind === 'json' ? json(value) : kind === 'int' ? Number(value) : value;
  }
  return out as T;
}

/** The column values of an object, in column order (JSON columns as text). */
export function objectToValues<T>(columns: ColumnSpec<T>, object: T): unknown[] {
  return columns.map(([, field, kind]) => (kind === 'json' ? JSON.stringify(object[field]) : object[field]));
}

/**
 * A stored row as a record. `json` decodes a JSON column as the backend returns it (SQLite: text;
 * PostgreSQL jsonb: already parsed); 64-bit integers arrive as numbers or as strings (pg's int8) and
 * are exact as numbers, since versions are validated ≤ Number.MAX_SAFE_INTEGER.
 */
export function rowToRecord(row: EntryRow, json: (value: unknown) => unknown): CatalogueEntryRecord {
  return rowToObject<CatalogueEntryRecord>(ENTRY_COLUMNS, row, json);
}

/** The value to store in a column: JSON columns as JSON text, the rest as they are. */
export function columnValue(record: CatalogueEntryRecord, [, field, kind]: EntryColumn): unknown {
  const value = record[field];
  return kind === 'json' ? JSON.stringify(value) : value;
}
