// The data-quality report as the gateway answers catalogueQuality (common/schema/quality-sdl.ts):
// domain/quality/report.ts's report with provinces as enum values, the summary's counts as lists and
// the provinces that could not be compared. Plus the Chinese labels the HTML report shows beside the
// API names.
import type { UpdateCycle } from '../../domain/catalogue.js';
import type { CompletenessIssue, DuplicateScope, TimelinessIssue } from '../../domain/quality/report.js';

export interface EntryRefAnswer {
  id: string;
  province: string;
  name: string;
  providerName: string;
  providerCode: string;
}

export interface QualityReportAnswer {
  province: string;
  asOf: string;
  comparedWith: string[];
  unavailable: string[];
  summary: {
    entriesChecked: number;
    duplicateGroups: number;
    duplicateEntries: number;
    completeness: { issue: CompletenessIssue; count: number }[];
    timeliness: { issue: TimelinessIssue; count: number }[];
  };
  duplicates: { scope: DuplicateScope; entries: EntryRefAnswer[]; nameSimilarity: number; sharedDataItems: string[]; reason: string }[];
  completeness: { issue: CompletenessIssue; entry: EntryRefAnswer; detail: string }[];
  timeliness: {
    issue: TimelinessIssue;
    entry: EntryRefAnswer;
    updateCycle: UpdateCycle;
    lastUpdated: string;
    overdueDays: number | null;
    pendingSourceVersion: number | null;
    detail: string;
  }[];
}

/** A province whose report could not be made (its own catalogue unreachable, a refusal). */
export interface QualityFailure {
  province: string;
  error: string;
}

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
