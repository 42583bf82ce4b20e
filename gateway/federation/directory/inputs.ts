// Everything the directory checks before it calls a province: search text, page size, filters,
// entry ids and certificate identifiers (routed by their division codes), the verification
// request. A refusal here is BAD_USER_INPUT (or ISSUER_NOT_FEDERATED) and nothing is sent onwards.
import type { ProvinceConfig, StackConfig } from '../../../common/config.js';
import { provinceByDivision } from '../../../common/config.js';
import { badInput, forbidden, issuerNotFederated } from '../../../common/errors.js';
import { parseCertificateId } from '../../../domain/certificate-id.js';
import { isValidHolderId, type HolderIdType } from '../../../domain/certificate.js';
import { isClassificationPrefix } from '../../../domain/classification.js';
import { parseEntryId, type EntryId } from '../../../domain/entry-id.js';
import { validateUscc } from '../../../domain/uscc.js';
import { approvalRefError } from '../../../domain/grading.js';
import type { DirectoryFilterInput } from './paging.js';

const MAX_SEARCH_CHARS = 100;
const MAX_PURPOSE_CHARS = 200;
const CONTROL = /[\u0000-\u001f\u007f]/;

/** Search text: no control characters, whitespace folded, at most 100 characters; blank = none. */
export function cleanSearch(search: string | null | undefined): string | null {
  if (search == null) return null;
  if (CONTROL.test(search)) throw badInput('search must not contain control characters', 'search');
  const s = search.trim().replace(/\s+/g, ' ');
  if ([...s].length > MAX_SEARCH_CHARS) throw badInput(`search is longer than ${MAX_SEARCH_CHARS} characters`, 'search');
  return s === '' ? null : s;
}

export function checkPageSize(first: number, maxPage: number): void {
  if (!Number.isInteger(first) || first < 1 || first > maxPage) throw badInput(`first must be between 1 and ${maxPage}`, 'first');
}

export function checkFilter(filter: DirectoryFilterInput): void {
  if (filter.providerCode != null) {
    const v = validateUscc(filter.providerCode);
    if (!v.ok) throw badInput(`providerCode: ${v.reason}`, 'filter.providerCode');
  }
  if (filter.classification != null && !isClassificationPrefix(filter.classification)) {
    throw badInput('classification: expected 1, 3, 6 or 9 digits of a valid classification code', 'filter.classification');
  }
}

/** An approval reference (审批文号) as given, or null when none was given. */
export function checkApprovalRef(ref: string | null | undefined): string | null {
  if (ref == null) return null;
  const err = approvalRefError(ref);
  if (err !== null) throw badInput(`approvalRef: ${err}`, 'approvalRef');
  return ref;
}

export interface VerificationInput {
  identifier: string;
  purpose: string;
  holderIdType: HolderIdType;
  holderId: string;
}

/** The purpose of use (用证事由), trimmed; the holder ID checked by its type and never echoed. */
export function checkVerification(input: VerificationInput): { purpose: string } {
  const purpose = input.purpose.trim();
  if (purpose.length === 0) throw badInput('purpose (用证事由) is required', 'purpose');
  if ([...purpose].length > MAX_PURPOSE_CHARS || CONTROL.test(purpose)) {
    throw badInput(`purpose must be at most ${MAX_PURPOSE_CHARS} characters of text`, 'purpose');
  }
  if (!isValidHolderId(input.holderIdType, input.holderId)) throw badInput(`holderId is not a valid ${input.holderIdType}`, 'holderId');
  return { purpose };
}

/** Which province owns an entry id, a certificate, a caller; and the rule that writes stay home. */
export class Routing {
  private readonly byEnum: Map<string, ProvinceConfig>;
  private readonly byId: Map<string, ProvinceConfig>;

  constructor(private readonly cfg: StackConfig) {
    this.byEnum = new Map(cfg.provinces.map((p) => [p.enumValue, p]));
    this.byId = new Map(cfg.provinces.map((p) => [p.id, p]));
  }

  get provinces(): ProvinceConfig[] {
    return this.cfg.provinces;
  }

  byEnumValue(value: string): ProvinceConfig | undefined {
    return this.byEnum.get(value);
  }

  byProvinceId(id: string): ProvinceConfig {
    return this.byId.get(id)!;
  }

  /** The province an entry id belongs to, by its division code (domain/entry-id.ts). */
  provinceOfId(id: string, field = 'id'): { province: ProvinceConfig; parsed: EntryId } {
    const parsed = parseEntryId(id);
    if (!parsed.ok) throw badInput(`${field}: ${parsed.reason}`, field);
    const p = provinceByDivision(this.cfg, parsed.value.divisionCode);
    if (!p || p.divisionCode !== parsed.value.divisionCode) {
      throw badInput(`${field}: no federated province has division code ${parsed.value.divisionCode}`, field);
    }
    return { province: p, parsed: parsed.value };
  }

  /** A GB/T 36904 identifier checked locally (check character and all), routed by the issuer's division. */
  issuingProvince(identifier: string): ProvinceConfig {
    const parsed = parseCertificateId(identifier);
    if (!parsed.ok) throw badInput(`identifier: ${parsed.reason}`, 'identifier');
    const p = provinceByDivision(this.cfg, parsed.value.divisionCode);
    // A well-formed identifier of a region outside the federation is not a typo: the caller should
    // send the holder to that region's own service, so it gets its own code.
    if (!p) throw issuerNotFederated(parsed.value.divisionCode);
    return p;
  }

  /** Writes go only into the caller's own province (the province subgraph checks again). */
  requireOwn(callerProvince: string, target: string): ProvinceConfig {
    const own = this.byProvinceId(callerProvince);
    if (target !== own.enumValue) throw forbidden(`administrators of ${own.enumValue} cannot write into ${target}'s catalogue`);
    return own;
  }
}
