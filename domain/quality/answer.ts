// The data-quality report as the gateway answers catalogueQuality (common/schema/quality-sdl.ts):
// domain/quality/report.ts's report with provinces as enum values, the summary's counts as lists and
// the provinces that could not be compared.
import type { UpdateCycle } from '../catalogue.js';
import type { CompletenessIssue, DuplicateScope, TimelinessIssue } from './report.js';

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
