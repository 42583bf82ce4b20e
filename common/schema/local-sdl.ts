// SDL of the gateway's local subgraph, which serves the cross-province root fields and
// hands back typed entity references that the query planner resolves in the owning
// province. Generated from the province list, so a third province is config only.
import type { ProvinceConfig } from '../config.js';
import { DOMAIN_ENUMS_SDL, MIRROR_SOURCE_STATES } from './enums.js';
import { RECEIPT_RESULTS } from '../../domain/receipt.js';
import { MOUNT_JOB_STATES } from '../../domain/mount-job.js';
import { FEDERATION_LINK, LISTING_FIELD_DEFINITIONS, SHARED_VALUE_TYPES_SDL, certificateTypeName, entryTypeName } from './province-sdl.js';
import { LISTING_SELECTION } from './listing-fields.js';
import { QUALITY_SDL } from './quality-sdl.js';

export const LOCAL_SUBGRAPH_NAME = 'directory';

export function localSdl(provinces: ProvinceConfig[]): string {
  const entityStubs = provinces
    .map(
      (p) => `type ${entryTypeName(p)} implements CatalogueEntry @key(fields: "id") {
  id: ID!
${LISTING_FIELD_DEFINITIONS.map((d) => `  ${d} @external`).join('\n')}
  mirrorRegisteredSourceVersion: Int @external
  "For a mirror: the mounted entry, fetched live from its home province."
  mirrorSource: CatalogueEntry
  "For a mirror: whether its source changed or was withdrawn since registration."
  mirrorSourceState: MirrorSourceState @requires(fields: "mirrorRegisteredSourceVersion")
  "Provinces that have mounted this resource (an active mirror of it; for a mirror, of its source)."
  mountedIn: [Province!]!
}`,
    )
    .join('\n\n');
  // A listing's rows come with their listing fields (common/schema/listing-fields.ts).
  const provides = `@provides(fields: "${provinces.map((p) => `... on ${entryTypeName(p)} { ${LISTING_SELECTION} }`).join(' ')}")`;

  const certificateStubs = provinces
    .map((p) => `type ${certificateTypeName(p)} implements Certificate @key(fields: "id", resolvable: false) {\n  id: ID!\n}`)
    .join('\n\n');

  return `${FEDERATION_LINK}

"""
Who may call a root field: the OAuth scope it requires and whether it changes a catalogue. Read by
the gateway's policy (gateway/policy/root-fields.ts); the one place a root field's rule lives.
"""
directive @scope(requires: String!, write: Boolean! = false) on FIELD_DEFINITION

${DOMAIN_ENUMS_SDL}
${SHARED_VALUE_TYPES_SDL}

enum Province {
  ${provinces.map((p) => p.enumValue).join('\n  ')}
}

enum MirrorSourceState {
  ${MIRROR_SOURCE_STATES.join('\n  ')}
}

interface CatalogueEntry {
  id: ID!
  "For a mirror: the mounted entry, fetched live from its home province."
  mirrorSource: CatalogueEntry
  "For a mirror: whether its source changed or was withdrawn since registration."
  mirrorSourceState: MirrorSourceState
  "Provinces that have mounted this resource (an active mirror of it; for a mirror, of its source)."
  mountedIn: [Province!]!
}

${entityStubs}

interface Certificate {
  id: ID!
}

${certificateStubs}

enum VerificationResult {
  ${[...RECEIPT_RESULTS, 'ISSUER_UNAVAILABLE'].join('\n  ')}
}

input VerifyCertificateInput {
  "GB/T 36904 identifier, e.g. 1.2.156.3005.2.<type>.<issuer USCC>.<serial>.<version>.<check>"
  identifier: String!
  "用证事由: why the certificate is being used (required, recorded)."
  purpose: String!
  holderIdType: HolderIdType!
  "The holder's ID as presented at the counter; compared by the issuing province, never stored."
  holderId: String!
}

type CertificateVerification {
  result: VerificationResult!
  identifier: String!
  issuingProvince: Province!
  "When the issuing province checked; null when it could not be reached."
  checkedAt: String
  "JWS signed by the issuing province (check offline with its published JWKS); null when unavailable."
  receipt: String
  receiptKeyId: String
  requestId: String!
}

type ProvinceInfo {
  province: Province!
  divisionCode: String!
  name: String!
  platform: String!
  platformRomanized: String!
}

input DirectoryFilter {
  "Limit to these provinces (default: all)."
  provinces: [Province!]
  sharingTypes: [SharingType!]
  "Provider's unified social credit code (GB 32100), exact."
  providerCode: String
  "Classification code prefix: 类 (1 digit), 类项 (3), 类项目 (6) or with 细目 (9)."
  classification: String
  updateCycles: [UpdateCycle!]
  formats: [ResourceFormat!]
  "ORIGINAL, MIRROR or both (default: ORIGINAL only, so mounted entries are not listed twice)."
  kinds: [EntryKind!]
  "GB/T 43697 grades (default: all the caller may see)."
  grades: [DataGrade!]
  "Include withdrawn entries (default false)."
  includeWithdrawn: Boolean
}

type DirectoryEdge {
  cursor: String!
  "Null if the entry disappeared between search and fetching a field beyond the listing's own."
  node: CatalogueEntry ${provides}
}

type PageInfo {
  hasNextPage: Boolean!
  endCursor: String
}

type ProvinceFacet {
  province: Province!
  name: String!
  count: Int!
  "False when the province could not be reached; its count is then 0."
  available: Boolean!
}

type SharingTypeFacet {
  sharingType: SharingType!
  count: Int!
}

type GradeFacet {
  grade: DataGrade!
  count: Int!
}

type DirectoryFacets {
  provinces: [ProvinceFacet!]!
  sharingTypes: [SharingTypeFacet!]!
  grades: [GradeFacet!]!
}

type DirectoryConnection {
  edges: [DirectoryEdge!]!
  "The edges' nodes, for clients that do not need cursors."
  nodes: [CatalogueEntry]! ${provides}
  pageInfo: PageInfo!
  totalCount: Int!
  facets: DirectoryFacets!
}

type EntryPayload {
  "The mirror entry in the administrator's own province."
  entry: CatalogueEntry
  "False when the mirror already existed (idempotent re-registration)."
  created: Boolean!
}

input EntryUpdateInput {
  name: String
  abstract: String
  status: EntryStatus
  "A new grade; with sharingType, sharingCondition and openType the record must satisfy its rules (GB/T 43697)."
  grade: DataGrade
  sharingType: SharingType
  "The condition (CONDITIONAL) or basis (NOT_SHARED); dropped when the entry becomes UNCONDITIONAL."
  sharingCondition: String
  openType: OpenType
}

"What a change did to an entry. UNSHARED: it became NOT_SHARED (other provinces see that it left, not what it says)."
enum CatalogueChangeKind {
  CREATED
  UPDATED
  WITHDRAWN
  UNSHARED
}

type CatalogueChange {
  entryId: ID!
  kind: CatalogueChangeKind!
  "The entry's version after the change."
  version: Int!
  "When the change was made (ISO 8601, UTC)."
  at: String!
}

type CatalogueChangeEdge {
  "Opaque; pass it as after to read on from here."
  cursor: String!
  node: CatalogueChange!
}

type CatalogueChangeConnection {
  edges: [CatalogueChangeEdge!]!
  pageInfo: PageInfo!
}

enum MountJobState {
  ${MOUNT_JOB_STATES.join('\n  ')}
}

"A whole catalogue mounted as one job (目录互挂), kept and run by the mounting province."
type MountJob {
  "<division code>.mount.<uuid>"
  id: ID!
  "The province whose catalogue is mounted."
  source: Province!
  "The province mounting it (the administrator's own)."
  province: Province!
  state: MountJobState!
  "Entries of the source matching the filter (null until the first page is read)."
  total: Int
  "Mirrors this job registered."
  mounted: Int!
  "Entries that were mounted already."
  skipped: Int!
  "Entries that could not be mounted (lastError says why)."
  failed: Int!
  "The approval (审批文号) the job mounts under; without one it mounts GENERAL entries only."
  approvalRef: String
  createdAt: String!
  createdBy: String!
  startedAt: String
  finishedAt: String
  "The last problem: an entry that failed, or the source unreachable (the job then waits and retries)."
  lastError: String
  "While the job waits for its source: when it tries again."
  nextAttemptAt: String
}

type MirrorStateCount {
  state: MirrorState!
  count: Int!
}

"How far the province's mirrors are behind one source province's change feed."
type MirrorSyncSource {
  source: Province!
  "When the sync worker last read this province's feed to its end (null: never)."
  checkedAt: String
  "Seconds since then: at most this stale (null: never synced)."
  lagSeconds: Float
  "When the last change it applied was made at the source."
  lastChangeAt: String
  "Why the last attempt failed (the source unreachable); null when in step."
  lastError: String
  nextAttemptAt: String
  changesRead: Int!
}

type MirrorSyncStatus {
  province: Province!
  "Mirrors (not withdrawn) per state."
  states: [MirrorStateCount!]!
  sources: [MirrorSyncSource!]!
}

${QUALITY_SDL}

type Query {
  "Search and page through the merged catalogue of all provinces."
  directory(search: String, filter: DirectoryFilter, first: Int = 20, after: String): DirectoryConnection! @scope(requires: "catalogue:read")
  "Browse one province's catalogue, mirrors included."
  provinceCatalogue(province: Province!, search: String, filter: DirectoryFilter, first: Int = 20, after: String): DirectoryConnection! @scope(requires: "catalogue:read")
  "An entry by its global id, fetched from its owning province."
  entry(id: ID!): CatalogueEntry @scope(requires: "catalogue:read")
  "The federated provinces."
  provinces: [ProvinceInfo!]! @scope(requires: "catalogue:read")
  "E-certificate metadata from the issuing province, holder masked (certificate:verify)."
  certificate(identifier: String!): Certificate @scope(requires: "certificate:verify")
  "Entries by their global ids (at most 100), each fetched from its owning province; null where there is none the caller may see."
  entries(ids: [ID!]!): [CatalogueEntry]! @scope(requires: "catalogue:read")
  "Mirrors registered in the caller's own province (catalogue:admin); by default those listed (CURRENT, CHANGED), or the states named."
  mirrors(states: [MirrorState!], includeWithdrawn: Boolean = false, first: Int = 20, after: String): DirectoryConnection! @scope(requires: "catalogue:admin")
  "A mount job of the caller's own province."
  mountJob(id: ID!): MountJob @scope(requires: "catalogue:admin")
  "The caller's own province's mount jobs, newest first."
  mountJobs(states: [MountJobState!], first: Int = 20): [MountJob!]! @scope(requires: "catalogue:admin")
  "The caller's own province's mirrors per state and its sync lag per source province."
  mirrorSyncStatus: MirrorSyncStatus! @scope(requires: "catalogue:admin")
  "A province's catalogue changes after a cursor, oldest first (增量同步): every later change exactly once, in order."
  catalogueChanges(province: Province!, after: String, first: Int = 100): CatalogueChangeConnection! @scope(requires: "catalogue:read")
  "The data-quality report of the caller's own province (duplicates, completeness, timeliness; docs/DATA-QUALITY.md). Another province's is FORBIDDEN."
  catalogueQuality(province: Province): CatalogueQualityReport! @scope(requires: "catalogue:admin")
}

type Mutation {
  "Verify a certificate with its issuing province (certificate:verify); answers with a signed receipt."
  verifyCertificate(input: VerifyCertificateInput!): CertificateVerification! @scope(requires: "certificate:verify")
  "Mount another province's entry into the caller's own catalogue (目录互挂). Idempotent."
  registerMirror(sourceId: ID!, province: Province, "审批文号 (GB/T 9704), required to mount an IMPORTANT entry." approvalRef: String): EntryPayload! @scope(requires: "catalogue:admin", write: true)
  "Mount every entry of source that matches the filter and is shared with the caller's province, as one job (目录互挂)."
  mountCatalogue(source: Province!, filter: DirectoryFilter, province: Province, "审批文号: lets the job mount IMPORTANT entries too." approvalRef: String): MountJob! @scope(requires: "catalogue:admin", write: true)
  "Cancel a queued or running mount job of the caller's own province (mirrors already registered stay)."
  cancelMountJob(id: ID!): MountJob! @scope(requires: "catalogue:admin", write: true)
  "A CHANGED mirror takes its source as it is now (the province reviews source changes)."
  acceptMirrorChange(id: ID!): EntryPayload! @scope(requires: "catalogue:admin", write: true)
  "Withdraw a mirror of the caller's own province."
  withdrawMirror(id: ID!, expectedVersion: Int): EntryPayload! @scope(requires: "catalogue:admin", write: true)
  "Edit an original entry of the caller's own province (optimistic concurrency on version)."
  updateEntry(id: ID!, expectedVersion: Int, input: EntryUpdateInput!): EntryPayload! @scope(requires: "catalogue:admin", write: true)
}
`;
}
