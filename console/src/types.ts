// Shapes of the gateway's answers to the console's operations (console/src/operations/*.graphql).
// Enum values come from the domain modules where those are browser-safe; the rest are the schema's
// (common/schema/*.ts), checked by test/browser/operations.test.ts against the gateway's schema.
import type { EntryKind, EntryStatus, MirrorState, ResourceFormat, SharingType, UpdateCycle } from '../../domain/catalogue.js';
import type { ReceiptResult } from '../../domain/receipt-check.js';

export type { EntryKind, EntryStatus, MirrorState, ResourceFormat, SharingType, UpdateCycle };
import type { DataGrade, PersonalInfo } from '../../domain/grading.js';
export type { DataGrade, PersonalInfo };
import type { CompletenessIssue, DuplicateScope, TimelinessIssue } from '../../domain/quality/report.js';
export type { CompletenessIssue, DuplicateScope, TimelinessIssue };

/** common/schema/enums.ts MIRROR_SOURCE_STATES */
export type MirrorSourceState = 'CURRENT' | 'CHANGED' | 'WITHDRAWN' | 'GONE' | 'UNAVAILABLE';
/** domain/certificate.ts HOLDER_ID_TYPES (that module uses node:crypto, so it is not imported here). */
export type HolderIdType = 'RESIDENT_ID' | 'USCC' | 'PASSPORT';
/** domain/certificate.ts CERTIFICATE_STATUSES */
export type CertificateStatus = 'VALID' | 'REVOKED' | 'SUSPENDED';
/** domain/receipt-check.ts RECEIPT_RESULTS plus ISSUER_UNAVAILABLE (no receipt then). */
export type VerificationResult = ReceiptResult | 'ISSUER_UNAVAILABLE';
/** domain/mount-job.ts MOUNT_JOB_STATES */
export type MountJobState = 'QUEUED' | 'RUNNING' | 'DONE' | 'FAILED' | 'CANCELLED';
/** What the administrator's page lists: the stored mirror states, and UNAVAILABLE (source unreachable now). */
export type MirrorListState = MirrorState | 'UNAVAILABLE';

export interface ProvinceInfo {
  province: string;
  divisionCode: string;
  name: string;
  platform: string;
  platformRomanized: string;
}

export interface Verification {
  result: VerificationResult;
  identifier: string;
  issuingProvince: string;
  checkedAt: string | null;
  receipt: string | null;
  receiptKeyId: string | null;
  requestId: string;
}

export interface CertificateDetails {
  id: string;
  typeName: string;
  number: string;
  name: string;
  issuer: { name: string; divisionCode: string };
  issueDate: string;
  validFrom: string;
  validTo: string | null;
  status: CertificateStatus;
  holder: { name: string; idType: HolderIdType; idMasked: string };
  region: { name: string; platform: string };
}

export interface EntrySummary {
  id: string;
  name: string;
  kind: EntryKind;
  status: EntryStatus;
  sharingType: SharingType;
  grade: DataGrade;
  updateCycle: UpdateCycle;
  format: ResourceFormat;
  version: number;
  provider: { name: string };
  region: { name: string; platform: string };
  mirrorSourceId: string | null;
  mountedIn: string[];
}

export interface DirectoryPage {
  totalCount: number;
  facets: {
    provinces: { province: string; name: string; count: number; available: boolean }[];
    sharingTypes: { sharingType: SharingType; count: number }[];
    grades: { grade: DataGrade; count: number }[];
  };
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  edges: { cursor: string; node: EntrySummary | null }[];
}

export interface EntryDetails {
  id: string;
  resourceCode: string;
  name: string;
  kind: EntryKind;
  status: EntryStatus;
  abstract: string;
  classification: { code: string; categoryName: string; item: string; catalog: string; detail: string | null };
  provider: { name: string; creditCode: string };
  region: { name: string; platform: string; divisionCode: string };
  format: ResourceFormat;
  dataItems: { name: string; dataType: string; personalInfo: PersonalInfo }[];
  sharingType: SharingType;
  grade: DataGrade;
  sharingCondition: string | null;
  sharingMethod: string;
  openType: string;
  updateCycle: UpdateCycle;
  publishDate: string;
  version: number;
  updatedAt: string;
  mountedIn: string[];
  mirrorSourceId: string | null;
  mirrorState: MirrorState | null;
  mirrorRegisteredSourceVersion: number | null;
  mirrorSourceState: MirrorSourceState | null;
  mirrorSource: { id: string; name: string; version: number; status: EntryStatus; updatedAt: string; region: { name: string; platform: string } } | null;
}

export interface MirrorRow {
  id: string;
  name: string;
  version: number;
  status: EntryStatus;
  mirrorSourceId: string | null;
  mirrorState: MirrorState | null;
  mirrorRegisteredSourceVersion: number | null;
  mirrorPendingSourceVersion: number | null;
  mirrorRegisteredAt: string | null;
  mirrorSourceState: MirrorSourceState | null;
  mirrorSource: { id: string; name: string; version: number; status: EntryStatus; region: { name: string } } | null;
}

export interface MountJob {
  id: string;
  source: string;
  province: string;
  state: MountJobState;
  total: number | null;
  mounted: number;
  skipped: number;
  failed: number;
  approvalRef: string | null;
  createdAt: string;
  createdBy: string;
  startedAt: string | null;
  finishedAt: string | null;
  lastError: string | null;
  nextAttemptAt: string | null;
}

export interface MirrorSyncStatus {
  province: string;
  states: { state: MirrorState; count: number }[];
  sources: {
    source: string;
    checkedAt: string | null;
    lagSeconds: number | null;
    lastChangeAt: string | null;
    lastError: string | null;
    nextAttemptAt: string | null;
    changesRead: number;
  }[];
}

/** catalogueQuality as the gateway answers it (the 目录质量 page and quality:report ask the same). */
export type { EntryRefAnswer as QualityEntry, QualityReportAnswer as QualityReport } from '../../domain/quality/answer.js';
