// SDL of the data-quality report (catalogueQuality on the gateway's local subgraph), with its enums
// generated from the value lists in domain/quality/report.ts, as enums.ts does for the catalogue's:
// the report's shape and its GraphQL form cannot drift apart. Uses Province and UpdateCycle, which
// local-sdl.ts declares.
import { COMPLETENESS_ISSUES, DUPLICATE_SCOPES, TIMELINESS_ISSUES } from '../../domain/quality/report.js';

const enumSdl = (name: string, doc: string, values: readonly string[]) => `"${doc}"\nenum ${name} {\n  ${values.join('\n  ')}\n}`;

export const QUALITY_SDL = `${enumSdl('DuplicateScope', 'Where a duplicate was found: within the province, or against another province.', DUPLICATE_SCOPES)}

${enumSdl('CompletenessIssue', 'What the write rules accept but a reader cannot use (docs/DATA-QUALITY.md).', COMPLETENESS_ISSUES)}

${enumSdl('TimelinessIssue', 'An entry not refreshed as its update cycle promises, or a mirror waiting for review.', TIMELINESS_ISSUES)}

"An entry as a finding names it."
type QualityEntryRef {
  id: ID!
  province: Province!
  name: String!
  providerName: String!
  providerCode: String!
}

"Entries catalogued as the same resource (一数一源)."
type DuplicateGroup {
  scope: DuplicateScope!
  "Ordered by id; the first is the one to keep when unsure."
  entries: [QualityEntryRef!]!
  "Lowest pairwise name similarity in the group (0–1)."
  nameSimilarity: Float!
  "Data items every entry of the group lists."
  sharedDataItems: [String!]!
  reason: String!
}

type CompletenessFinding {
  issue: CompletenessIssue!
  entry: QualityEntryRef!
  detail: String!
}

type TimelinessFinding {
  issue: TimelinessIssue!
  entry: QualityEntryRef!
  updateCycle: UpdateCycle!
  "ISO 8601 UTC: the entry's last update (STALE) or the mirror's (MIRROR_NOT_REVIEWED)."
  lastUpdated: String!
  "STALE: days past two update cycles; null for a mirror waiting for review."
  overdueDays: Float
  "MIRROR_NOT_REVIEWED: the source version waiting for review."
  pendingSourceVersion: Int
  detail: String!
}

type CompletenessIssueCount {
  issue: CompletenessIssue!
  count: Int!
}

type TimelinessIssueCount {
  issue: TimelinessIssue!
  count: Int!
}

type QualitySummary {
  entriesChecked: Int!
  duplicateGroups: Int!
  duplicateEntries: Int!
  "One count per issue, every issue listed."
  completeness: [CompletenessIssueCount!]!
  timeliness: [TimelinessIssueCount!]!
}

"The data-quality report of one province's catalogue (目录质量), for its administrators."
type CatalogueQualityReport {
  province: Province!
  "ISO 8601 UTC: the instant timeliness was judged against."
  asOf: String!
  "Provinces whose visible entries were compared for cross-province duplicates."
  comparedWith: [Province!]!
  "Provinces that could not be reached: not compared, so duplicates with them are unknown."
  unavailable: [Province!]!
  summary: QualitySummary!
  duplicates: [DuplicateGroup!]!
  completeness: [CompletenessFinding!]!
  timeliness: [TimelinessFinding!]!
}`;
