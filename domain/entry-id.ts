// Global catalogue-entry ids (ours; docs/DESIGN.md §3). The division-code prefix lets the gateway route
// an id to its owning province without a lookup.
//
//   original  <division>:<resourceCode>           500000:301001/000123
//             resourceCode = <classification 6|9 digits>/<sequence 6 digits>
//   mirror    <owner division>:mirror:<original>   500000:mirror:510000:301001/000123
//
// A mirror mounts another province's original entry (目录互挂); it never points at a mirror (no
// chains to resolve) nor at its own province (that would be a duplicate, not a mount).
import { parseClassification } from './classification.js';

export const ENTRY_ID_MAX_LENGTH = 64;

// GB/T 2260 province-level code: two significant digits, then 0000.
const PROVINCE_CODE = /^[1-9]\d0000$/;
const RESOURCE_CODE = /^(\d{6}|\d{9})\/(\d{6})$/;
const MIRROR = 'mirror';

export interface EntryId {
  id: string;
  divisionCode: string;
  kind: 'ORIGINAL' | 'MIRROR';
  /** For a mirror: the source's resource code (a mirror lists the same resource). */
  resourceCode: string;
  sourceId: string | null;
  sourceDivisionCode: string | null;
}

export type EntryIdResult = { ok: true; value: EntryId } | { ok: false; reason: string };

const fail = (reason: string): EntryIdResult => ({ ok: false, reason });

/** Validates `<classification>/<sequence>`; returns a reason or null. */
export function resourceCodeError(resourceCode: string): string | null {
  const m = RESOURCE_CODE.exec(resourceCode);
  if (!m) return 'resource code must be <6 or 9 digit classification>/<6 digit sequence>';
  const cls = parseClassification(m[1] as string);
  return cls.ok ? null : `invalid classification: ${cls.reason}`;
}

export function isResourceCode(resourceCode: string): boolean {
  return typeof resourceCode === 'string' && resourceCode.length <= ENTRY_ID_MAX_LENGTH && resourceCodeError(resourceCode) === null;
}

function parseOriginal(divisionCode: string, resourceCode: string): EntryIdResult {
  if (!PROVINCE_CODE.test(divisionCode)) return fail('division code must be a province code like 500000');
  const err = resourceCodeError(resourceCode);
  if (err !== null) return fail(err);
  return {
    ok: true,
    value: {
      id: `${divisionCode}:${resourceCode}`,
      divisionCode,
      kind: 'ORIGINAL',
      resourceCode,
      sourceId: null,
      sourceDivisionCode: null,
    },
  };
}

/**
 * Parses and validates an entry id. Reasons never quote the input, so they are safe to return to
 * a caller and to log.
 */
export function parseEntryId(id: string): EntryIdResult {
  if (typeof id !== 'string') return fail('entry id must be a string');
  if (id.length === 0) return fail('entry id is empty');
  if (id.length > ENTRY_ID_MAX_LENGTH) return fail(`entry id longer than ${ENTRY_ID_MAX_LENGTH} characters`);
  const bad = /[^0-9:/mirro]/.exec(id);
  if (bad) return fail(`illegal character at position ${bad.index + 1}`);

  const parts = id.split(':');
  if (parts[1] !== MIRROR) {
    if (parts.length === 2) return parseOriginal(parts[0] as string, parts[1] as string);
    return fail('expected <division>:<resource code> or <division>:mirror:<entry id>');
  }

  const owner = parts[0] as string;
  if (!PROVINCE_CODE.test(owner)) return fail('division code must be a province code like 500000');
  if (parts.length <= 3) return fail('mirror id must name its source entry');
  if (parts[3] === MIRROR) return fail('a mirror cannot mount another mirror');
  if (parts.length !== 4) return fail('expected <division>:mirror:<division>:<resource code>');

  const source = parseOriginal(parts[2] as string, parts[3] as string);
  if (!source.ok) return fail(`mirror source: ${source.reason}`);
  if (source.value.divisionCode === owner) return fail("a mirror cannot mount its own province's entry");
  return {
    ok: true,
    value: {
      id,
      divisionCode: owner,
      kind: 'MIRROR',
      resourceCode: source.value.resourceCode,
      sourceId: source.value.id,
      sourceDivisionCode: source.value.divisionCode,
    },
  };
}

export function isValidEntryId(id: string): boolean {
  return parseEntryId(id).ok;
}

/** Builds an original entry id; throws RangeError if the result would not parse. */
export function formatEntryId(divisionCode: string, resourceCode: string): string {
  const id = `${divisionCode}:${resourceCode}`;
  const r = parseEntryId(id);
  if (!r.ok || r.value.kind !== 'ORIGINAL') throw new RangeError(r.ok ? 'not an original entry id' : r.reason);
  return id;
}

/** Builds the id of `ownerDivisionCode`'s mirror of `sourceId`; throws RangeError on a bad pair. */
export function mirrorEntryId(ownerDivisionCode: string, sourceId: string): string {
  const id = `${ownerDivisionCode}:${MIRROR}:${sourceId}`;
  const r = parseEntryId(id);
  if (!r.ok) throw new RangeError(r.reason);
  return id;
}
