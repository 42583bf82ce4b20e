// The province subgraph's SDL, generated from the province's config. One template for
// every province: the province's entity type is region-named (ChongqingCatalogueEntry, …)
// so the query planner can route each row to its owning subgraph (docs/DESIGN.md §2).
import type { ProvinceConfig } from '../config.js';
import { DOMAIN_ENUMS_SDL } from './enums.js';
import { LISTING_ENTRY_FIELDS } from './listing-fields.js';

export const FEDERATION_LINK =
  'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])';

/** Fields every province's entry type carries; the shared interface lists the same. */
const ENTRY_FIELDS_SDL = `
  id: ID!
  "信息资源代码 (resource code): classification / sequence."
  resourceCode: String!
  region: Region!
  kind: EntryKind!
  "信息资源名称"
  name: String!
  "类/项/目/细目 per 政务信息资源目录编制指南(试行)."
  classification: Classification!
  "信息资源提供方"
  provider: Provider!
  "信息资源摘要"
  abstract: String!
  format: ResourceFormat!
  "信息项"
  dataItems: [DataItem!]!
  sharingType: SharingType!
  "共享条件; null only for UNCONDITIONAL."
  sharingCondition: String
  sharingMethod: SharingMethod!
  openType: OpenType!
  updateCycle: UpdateCycle!
  publishDate: String!
  relatedCodes: [String!]!
  "数据分级 (GB/T 43697-2024): CORE is never shared, IMPORTANT at most CONDITIONAL."
  grade: DataGrade!
  version: Int!
  status: EntryStatus!
  createdAt: String!
  updatedAt: String!
  "For a mirror (目录互挂): the id of the mounted entry in its home province."
  mirrorSourceId: ID
  "The source entry's version when the mirror was registered."
  mirrorRegisteredSourceVersion: Int
  mirrorRegisteredBy: String
  mirrorRegisteredAt: String
  "For a mirror: its standing against its source, kept by the province's sync worker."
  mirrorState: MirrorState
  "For a CHANGED mirror: the source version waiting for review (acceptMirrorChange)."
  mirrorPendingSourceVersion: Int
  "For a mirror: the approval (审批文号) it was mounted under; required for IMPORTANT entries."
  mirrorApprovalRef: String`;

const FIELD_LINE = /^ {2}(\w+): [^\n]+$/gm;
const isListingField = (name: string) => (LISTING_ENTRY_FIELDS as readonly string[]).includes(name);

/** The entry type's fields, those a listing row carries `@shareable` (the directory provides them too). */
const ENTRY_TYPE_FIELDS_SDL = ENTRY_FIELDS_SDL.replace(FIELD_LINE, (line, name: string) => (isListingField(name) ? `${line} @shareable` : line));

/** The listing fields' definitions (`name: String!`, …), for the directory's `@external` stubs. */
export const LISTING_FIELD_DEFINITIONS: readonly string[] = [...ENTRY_FIELDS_SDL.matchAll(FIELD_LINE)]
  .filter((m) => isListingField(m[1]!))
  .map((m) => m[0].trim());

export const SHARED_VALUE_TYPES_SDL = `
type Region @shareable {
  divisionCode: String!
  name: String!
  "Service platform, e.g. 渝快办"
  platform: String!
  platformRomanized: String!
}

type Classification @shareable {
  code: String!
  "类: 1 basic, 2 thematic, 3 departmental"
  category: Int!
  categoryName: String!
  "项"
  item: String!
  "目"
  catalog: String!
  "细目"
  detail: String
}

type Provider @shareable {
  name: String!
  "GB 32100 unified social credit code"
  creditCode: String!
  divisionCode: String!
}

type DataItem @shareable {
  name: String!
  dataType: DataType!
  "Whether the item holds personal or sensitive personal information (PIPL)."
  personalInfo: PersonalInfo!
}`;

/** E-certificate metadata (GB/T 36903 subset); holder identity only masked. */
const CERTIFICATE_FIELDS_SDL = `
  "GB/T 36904 e-certificate identifier (电子证照标识)."
  id: ID!
  typeCode: String!
  typeName: String!
  "证照编号"
  number: String!
  name: String!
  issuer: CertificateIssuer!
  "证照定义机构"
  definingAuthority: String!
  issueDate: String!
  validFrom: String!
  "Null: valid indefinitely (长期有效)."
  validTo: String
  holder: CertificateHolder!
  status: CertificateStatus!
  revokedAt: String
  revocationReason: String
  region: Region!
  "kid of the issuing province's seal key (its JWKS is published by the gateway)."
  sealKeyId: String!`;

const CERTIFICATE_VALUE_TYPES_SDL = `
type CertificateIssuer @shareable {
  name: String!
  creditCode: String!
  divisionCode: String!
}

type CertificateHolder @shareable {
  "Organisations in clear; a person's name masked."
  name: String!
  idType: HolderIdType!
  "e.g. 510104********1234; the ID itself never leaves the issuing province."
  idMasked: String!
}`;

export function certificateTypeName(p: Pick<ProvinceConfig, 'typePrefix'>): string {
  return `${p.typePrefix}Certificate`;
}

export function entryTypeName(p: Pick<ProvinceConfig, 'typePrefix'>): string {
  return `${p.typePrefix}CatalogueEntry`;
}

export function provinceSubgraphName(p: Pick<ProvinceConfig, 'id'>): string {
  return p.id;
}

export function provinceSdl(p: ProvinceConfig): string {
  return `${FEDERATION_LINK}

${DOMAIN_ENUMS_SDL}
${SHARED_VALUE_TYPES_SDL}

"A catalogue entry in any province's catalogue (政务数据资源目录)."
interface CatalogueEntry {${ENTRY_FIELDS_SDL}
}

${CERTIFICATE_VALUE_TYPES_SDL}

"An e-certificate issued in any province."
interface Certificate {${CERTIFICATE_FIELDS_SDL}
}

"An e-certificate issued by an authority of ${p.name}."
type ${certificateTypeName(p)} implements Certificate @key(fields: "id") {${CERTIFICATE_FIELDS_SDL}
}

"An entry of ${p.name}'s catalogue (${p.platform.name} ${p.platform.romanized})."
type ${entryTypeName(p)} implements CatalogueEntry @key(fields: "id") {${ENTRY_TYPE_FIELDS_SDL}
}
`;
}
