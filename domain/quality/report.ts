// The data-quality report of a province's catalogue (目录质量): what an administrator fixes before the
// catalogue is shared. Three parts, as the catalogue guideline's quality checks and 一数一源 ask:
// duplicates (the same resource catalogued twice), completeness (what the write rules accept but a
// reader cannot use) and timeliness (an entry not refreshed as its update cycle promises; a mirror
// whose source changed and was not reviewed). The analysis is pure (domain/quality/analyze.ts); the
// gateway's catalogueQuality field and `npm run quality:report` present it.
import type { CatalogueEntryRecord, UpdateCycle } from '../catalogue.js';

export const DUPLICATE_SCOPES = ['WITHIN_PROVINCE', 'CROSS_PROVINCE'] as const;
export type DuplicateScope = (typeof DUPLICATE_SCOPES)[number];

export const COMPLETENESS_ISSUES = ['MISSING_ABSTRACT', 'NO_DATA_ITEMS', 'CONDITION_MISSING', 'PROVIDER_CODE_INVALID'] as const;
export type CompletenessIssue = (typeof COMPLETENESS_ISSUES)[number];

export const TIMELINESS_ISSUES = ['STALE', 'MIRROR_NOT_REVIEWED'] as const;
export type TimelinessIssue = (typeof TIMELINESS_ISSUES)[number];

// The wording administrators read beside the API names (the HTML report, the console).
export const DUPLICATE_SCOPE_LABELS: Readonly<Record<DuplicateScope, string>> = {
  WITHIN_PROVINCE: '省内重复编目',
  CROSS_PROVINCE: '跨省重复编目',
};

export const COMPLETENESS_ISSUE_LABELS: Readonly<Record<CompletenessIssue, string>> = {
  MISSING_ABSTRACT: '摘要缺失',
  NO_DATA_ITEMS: '无信息项',
  CONDITION_MISSING: '共享条件或不予共享依据缺失',
  PROVIDER_CODE_INVALID: '提供方代码无效',
};

export const TIMELINESS_ISSUE_LABELS: Readonly<Record<TimelinessIssue, string>> = {
  STALE: '未按更新周期更新',
  MIRROR_NOT_REVIEWED: '互挂目录源已变更待审核',
};

/** An entry as a finding names it. `province` is the province id (chongqing, sichuan, …). */
export interface QualityEntryRef {
  id: string;
  province: string;
  name: string;
  providerName: string;
  providerCode: string;
}

export interface DuplicateGroup {
  scope: DuplicateScope;
  /** The entries catalogued as the same resource, ordered by id; the first is the one to keep when unsure. */
  entries: QualityEntryRef[];
  /** Lowest pairwise name similarity in the group (0–1). */
  nameSimilarity: number;
  /** Data items every entry of the group lists. */
  sharedDataItems: string[];
  /** Why these count as one resource, for the administrator. */
  reason: string;
}

export interface CompletenessFinding {
  issue: CompletenessIssue;
  entry: QualityEntryRef;
  detail: string;
}

export interface TimelinessFinding {
  issue: TimelinessIssue;
  entry: QualityEntryRef;
  updateCycle: UpdateCycle;
  /** ISO 8601 UTC: the entry's last update (STALE) or the mirror's (MIRROR_NOT_REVIEWED). */
  lastUpdated: string;
  /** STALE: days past two update cycles; null for a mirror waiting for review. */
  overdueDays: number | null;
  /** MIRROR_NOT_REVIEWED: the source version waiting for review. */
  pendingSourceVersion: number | null;
  detail: string;
}

export interface QualitySummary {
  entriesChecked: number;
  duplicateGroups: number;
  duplicateEntries: number;
  completeness: Record<CompletenessIssue, number>;
  timeliness: Record<TimelinessIssue, number>;
}

export interface QualityReport {
  /** Province id the report is for. */
  province: string;
  /** ISO 8601 UTC: the instant timeliness was judged against. */
  asOf: string;
  /** Province ids whose visible entries were compared for cross-province duplicates. */
  comparedWith: string[];
  summary: QualitySummary;
  duplicates: DuplicateGroup[];
  completeness: CompletenessFinding[];
  timeliness: TimelinessFinding[];
}

/** What the analysis reads: the province's own entries (all it holds) and what it may see of the others. */
export interface QualityInput {
  province: string;
  entries: readonly CatalogueEntryRecord[];
  others: readonly { province: string; entries: readonly CatalogueEntryRecord[] }[];
  asOf: Date;
}
