// Catalogue entry record and its validation.
//
// Fields follow the core metadata of 政务信息资源目录编制指南(试行) 2017 (信息资源分类、名称、代码、
// 提供方、提供方代码、摘要、格式、信息项、共享属性、开放属性、更新周期、发布日期、关联资源代码),
// with GB/T 21063 (政务信息资源目录体系) for the catalogue model. Region, version, status,
// timestamps and the mirror fields are ours (docs/DESIGN.md §3).
import { z } from 'zod';
import { parseClassification } from './classification.js';
import {
  DATA_GRADES,
  PERSONAL_INFO_LEVELS,
  approvalRefError,
  gradeOpeningError,
  gradeSharingError,
  mirrorBasisError,
  type DataGrade,
  type PersonalInfo,
} from './grading.js';
import { parseEntryId, resourceCodeError, isResourceCode, ENTRY_ID_MAX_LENGTH } from './entry-id.js';
import { validateUscc } from './uscc.js';

// ---------------------------------------------------------------------------------------------
// Enumerations. Values are stable API identifiers; the *_LABELS maps give the wording of the
// guideline for display.

/** 共享类型: 无条件共享 / 有条件共享 / 不予共享 (政务信息资源共享管理暂行办法, 国发〔2016〕51号 第九条). */
export const SHARING_TYPES = ['UNCONDITIONAL', 'CONDITIONAL', 'NOT_SHARED'] as const;
/** 共享方式. */
export const SHARING_METHODS = ['API', 'FILE_DOWNLOAD', 'DATABASE_EXCHANGE', 'ONLINE_QUERY'] as const;
/** 开放属性 (是否向社会开放). */
export const OPEN_TYPES = ['OPEN', 'CONDITIONAL_OPEN', 'NOT_OPEN'] as const;
/** 更新周期. */
export const UPDATE_CYCLES = ['REALTIME', 'DAILY', 'WEEKLY', 'MONTHLY', 'QUARTERLY', 'YEARLY', 'IRREGULAR'] as const;
/** 信息资源格式. */
export const RESOURCE_FORMATS = ['DATABASE', 'ELECTRONIC_FILE', 'SPREADSHEET', 'IMAGE', 'STREAM', 'OTHER'] as const;
/** 信息项数据类型. */
export const DATA_TYPES = ['STRING', 'INTEGER', 'DECIMAL', 'DATE', 'DATETIME', 'BOOLEAN', 'BINARY'] as const;
export const ENTRY_STATUSES = ['ACTIVE', 'WITHDRAWN'] as const;
export const ENTRY_KINDS = ['ORIGINAL', 'MIRROR'] as const;
/**
 * A mirror's standing against its source, kept by the mounting province's sync worker (增量同步):
 * CURRENT (holds the source's version), CHANGED (the source changed; the province reviews changes
 * and an administrator has not accepted this one), WITHDRAWN (the source was withdrawn), UNSHARED
 * (the source became 不予共享). The last two are hidden from listings and kept for administrators.
 */
export const MIRROR_STATES = ['CURRENT', 'CHANGED', 'WITHDRAWN', 'UNSHARED'] as const;
/** The mirror states in which a mirror is listed and counts as mounted. */
export const LISTED_MIRROR_STATES = ['CURRENT', 'CHANGED'] as const;

export type SharingType = (typeof SHARING_TYPES)[number];
export type SharingMethod = (typeof SHARING_METHODS)[number];
export type OpenType = (typeof OPEN_TYPES)[number];
export type UpdateCycle = (typeof UPDATE_CYCLES)[number];
export type ResourceFormat = (typeof RESOURCE_FORMATS)[number];
export type DataType = (typeof DATA_TYPES)[number];
export type EntryStatus = (typeof ENTRY_STATUSES)[number];
export type EntryKind = (typeof ENTRY_KINDS)[number];
export type MirrorState = (typeof MIRROR_STATES)[number];

/** The filters every catalogue listing takes (the directory, a province's catalogue, a store slice). */
export interface EntryFilter {
  sharingTypes?: SharingType[] | null;
  /** GB 32100 USCC of the provider, exact. */
  providerCode?: string | null;
  updateCycles?: UpdateCycle[] | null;
  formats?: ResourceFormat[] | null;
  kinds?: EntryKind[] | null;
  /** GB/T 43697 grades (domain/grading.ts). */
  grades?: DataGrade[] | null;
}

export const SHARING_TYPE_LABELS: Readonly<Record<SharingType, string>> = {
  UNCONDITIONAL: '无条件共享',
  CONDITIONAL: '有条件共享',
  NOT_SHARED: '不予共享',
};
export const SHARING_METHOD_LABELS: Readonly<Record<SharingMethod, string>> = {
  API: '接口服务',
  FILE_DOWNLOAD: '文件下载',
  DATABASE_EXCHANGE: '库表交换',
  ONLINE_QUERY: '在线查询',
};
export const OPEN_TYPE_LABELS: Readonly<Record<OpenType, string>> = {
  OPEN: '无条件开放',
  CONDITIONAL_OPEN: '有条件开放',
  NOT_OPEN: '不予开放',
};
export const UPDATE_CYCLE_LABELS: Readonly<Record<UpdateCycle, string>> = {
  REALTIME: '实时',
  DAILY: '每日',
  WEEKLY: '每周',
  MONTHLY: '每月',
  QUARTERLY: '每季度',
  YEARLY: '每年',
  IRREGULAR: '不定期',
};
export const RESOURCE_FORMAT_LABELS: Readonly<Record<ResourceFormat, string>> = {
  DATABASE: '数据库',
  ELECTRONIC_FILE: '电子文件',
  SPREADSHEET: '电子表格',
  IMAGE: '图形图像',
  STREAM: '流媒体',
  OTHER: '其他',
};
export const DATA_TYPE_LABELS: Readonly<Record<DataType, string>> = {
  STRING: '字符型',
  INTEGER: '整数型',
  DECIMAL: '数值型',
  DATE: '日期型',
  DATETIME: '日期时间型',
  BOOLEAN: '布尔型',
  BINARY: '二进制',
};
export const ENTRY_STATUS_LABELS: Readonly<Record<EntryStatus, string>> = {
  ACTIVE: '有效',
  WITHDRAWN: '已撤销',
};
export const MIRROR_STATE_LABELS: Readonly<Record<MirrorState, string>> = {
  CURRENT: '已同步',
  CHANGED: '源目录已变更待审核',
  WITHDRAWN: '源目录已撤销',
  UNSHARED: '源目录已不予共享',
};
export const ENTRY_KIND_LABELS: Readonly<Record<EntryKind, string>> = {
  ORIGINAL: '本地目录',
  MIRROR: '互挂目录',
};

// ---------------------------------------------------------------------------------------------
// Record

export interface DataItem {
  name: string;
  dataType: DataType;
  /** Whether the item holds personal or sensitive personal information (PIPL; domain/grading.ts). */
  personalInfo: PersonalInfo;
}

export interface CatalogueEntryRecord {
  id: string;
  resourceCode: string;
  divisionCode: string;
  kind: EntryKind;
  name: string;
  classification: string;
  providerName: string;
  providerCode: string;
  providerDivisionCode: string;
  abstract: string;
  format: ResourceFormat;
  dataItems: DataItem[];
  sharingType: SharingType;
  sharingCondition: string | null;
  sharingMethod: SharingMethod;
  openType: OpenType;
  updateCycle: UpdateCycle;
  /** YYYY-MM-DD */
  publishDate: string;
  relatedCodes: string[];
  /** GB/T 43697-2024 grade (domain/grading.ts). */
  grade: DataGrade;
  version: number;
  status: EntryStatus;
  /** ISO 8601 UTC */
  createdAt: string;
  /** ISO 8601 UTC */
  updatedAt: string;
  mirrorSourceId: string | null;
  mirrorRegisteredSourceVersion: number | null;
  mirrorRegisteredBy: string | null;
  mirrorRegisteredAt: string | null;
  /** For a mirror: its standing against the source (MIRROR_STATES); null for an original. */
  mirrorState: MirrorState | null;
  /** For a CHANGED mirror: the source version waiting for an administrator's review. */
  mirrorPendingSourceVersion: number | null;
  /** For a mirror: the approval (审批文号) it was mounted under; required while its grade is IMPORTANT. */
  mirrorApprovalRef: string | null;
}

/** A mirror that is mounted: not withdrawn by its province, and its source still there and shared. */
export function isMountedMirror(r: Pick<CatalogueEntryRecord, 'kind' | 'status' | 'mirrorState'>): boolean {
  return r.kind === 'MIRROR' && r.status === 'ACTIVE' && (LISTED_MIRROR_STATES as readonly string[]).includes(r.mirrorState ?? '');
}

const LIMITS = {
  name: 200,
  providerName: 200,
  abstract: 2000,
  sharingCondition: 500,
  dataItems: 200,
  dataItemName: 100,
  relatedCodes: 50,
  mirrorRegisteredBy: 200,
} as const;

// ---------------------------------------------------------------------------------------------
// String rules shared by every free-text field.

// C0 controls (NUL included), DEL and C1 controls: never legitimate in catalogue text, and NUL
// truncates strings in C-based stores. No exceptions (tab and newline included).
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;
// Unpaired UTF-16 surrogates cannot be encoded as UTF-8 and would be mangled on storage.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Length in Unicode code points, so a CJK Extension B character counts as one. */
function codePoints(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i += 1) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdbff) n += 1;
    else if (i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i += 1;
      n += 1;
    } else n += 1;
  }
  return n;
}

/** Reason a free-text value is unacceptable, or null. */
function textError(s: string, min: number, max: number): string | null {
  if (CONTROL_CHARS.test(s)) return 'must not contain control characters (including NUL)';
  if (LONE_SURROGATE.test(s)) return 'must be well-formed Unicode';
  const n = codePoints(s);
  if (n > max) return `must be at most ${max} characters (got ${n})`;
  if (min > 0 && s.trim().length === 0) return 'must not be empty';
  if (n < min) return `must be at least ${min} characters`;
  return null;
}

const text = (min: number, max: number) =>
  z.string({ error: 'must be a string' }).superRefine((s, ctx) => {
    const err = textError(s, min, max);
    if (err !== null) ctx.addIssue({ code: 'custom', message: err });
  });

const oneOf = <T extends readonly [string, ...string[]]>(values: T) => z.enum(values, { error: `must be one of ${values.join(', ')}` });

const checked = (check: (s: string) => string | null) =>
  z.string({ error: 'must be a string' }).superRefine((s, ctx) => {
    const err = check(s);
    if (err !== null) ctx.addIssue({ code: 'custom', message: err });
  });

/** Reason a YYYY-MM-DD string is not a real proleptic-Gregorian date, or null. */
function calendarDateError(s: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return 'must be a date YYYY-MM-DD';
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  const t = new Date(Date.UTC(y, mo - 1, d));
  // Date.UTC rolls 02-30 over to 03-02; a real date survives the round trip.
  if (t.getUTCFullYear() !== y || t.getUTCMonth() !== mo - 1 || t.getUTCDate() !== d || y < 1000) {
    return 'is not a real calendar date';
  }
  return null;
}

/** Reason a string is not an ISO 8601 UTC timestamp (YYYY-MM-DDTHH:MM:SS[.fff]Z), or null. */
function isoUtcError(s: string): string | null {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,3})?Z$/.exec(s);
  if (!m) return 'must be an ISO 8601 UTC timestamp like 2024-05-01T08:00:00.000Z';
  if (calendarDateError(m[1] as string) !== null || Number(m[2]) > 23 || Number(m[3]) > 59 || Number(m[4]) > 59) {
    return 'is not a real date and time';
  }
  return null;
}

const PROVINCE_CODE = /^[1-9]\d0000$/;

// ---------------------------------------------------------------------------------------------
// Schemas

const sharingTypeSchema = oneOf(SHARING_TYPES);
const sharingMethodSchema = oneOf(SHARING_METHODS);
const openTypeSchema = oneOf(OPEN_TYPES);
const updateCycleSchema = oneOf(UPDATE_CYCLES);
const resourceFormatSchema = oneOf(RESOURCE_FORMATS);
const dataTypeSchema = oneOf(DATA_TYPES);
const entryStatusSchema = oneOf(ENTRY_STATUSES);
const entryKindSchema = oneOf(ENTRY_KINDS);

const dataItemSchema = z.strictObject({
  name: text(1, LIMITS.dataItemName),
  dataType: dataTypeSchema,
  personalInfo: oneOf(PERSONAL_INFO_LEVELS),
});

const entryIdField = checked((s) => {
  const r = parseEntryId(s);
  return r.ok ? null : r.reason;
});

const relatedCode = checked((s) => {
  if (s.length > ENTRY_ID_MAX_LENGTH) return `must be at most ${ENTRY_ID_MAX_LENGTH} characters`;
  if (isResourceCode(s) || parseEntryId(s).ok) return null;
  return 'must be a resource code (301001/000123) or an entry id';
});

const baseSchema = z.strictObject({
  id: entryIdField,
  resourceCode: checked((s) => (s.length > ENTRY_ID_MAX_LENGTH ? 'too long' : resourceCodeError(s))),
  divisionCode: checked((s) => (PROVINCE_CODE.test(s) ? null : 'must be a province code like 500000')),
  kind: entryKindSchema,
  name: text(1, LIMITS.name),
  classification: checked((s) => {
    const r = parseClassification(s);
    return r.ok ? null : r.reason;
  }),
  providerName: text(1, LIMITS.providerName),
  providerCode: checked((s) => {
    const r = validateUscc(s);
    return r.ok ? null : `not a valid unified social credit code: ${r.reason}`;
  }),
  providerDivisionCode: checked((s) => (/^\d{6}$/.test(s) ? null : 'must be 6 digits')),
  // 摘要 is a mandatory element in the guideline, hence min 1.
  abstract: text(1, LIMITS.abstract),
  format: resourceFormatSchema,
  dataItems: z
    .array(dataItemSchema, { error: 'must be an array' })
    .min(1, { error: 'must list at least one data item' })
    .max(LIMITS.dataItems, { error: `must list at most ${LIMITS.dataItems} data items` }),
  sharingType: sharingTypeSchema,
  sharingCondition: text(1, LIMITS.sharingCondition).nullable(),
  sharingMethod: sharingMethodSchema,
  openType: openTypeSchema,
  updateCycle: updateCycleSchema,
  publishDate: checked(calendarDateError),
  relatedCodes: z.array(relatedCode, { error: 'must be an array' }).max(LIMITS.relatedCodes, { error: `must list at most ${LIMITS.relatedCodes} codes` }),
  grade: oneOf(DATA_GRADES),
  version: z.number({ error: 'must be a number' }).int({ error: 'must be an integer' }).min(1).max(Number.MAX_SAFE_INTEGER),
  status: entryStatusSchema,
  createdAt: checked(isoUtcError),
  updatedAt: checked(isoUtcError),
  mirrorSourceId: entryIdField.nullable(),
  mirrorRegisteredSourceVersion: z.number({ error: 'must be a number' }).int({ error: 'must be an integer' }).min(1).nullable(),
  mirrorRegisteredBy: text(1, LIMITS.mirrorRegisteredBy).nullable(),
  mirrorRegisteredAt: checked(isoUtcError).nullable(),
  mirrorState: oneOf(MIRROR_STATES).nullable(),
  mirrorPendingSourceVersion: z.number({ error: 'must be a number' }).int({ error: 'must be an integer' }).min(1).nullable(),
  mirrorApprovalRef: checked(approvalRefError).nullable(),
});

type Ctx = z.core.$RefinementCtx<z.output<typeof baseSchema>>;

function crossFieldRules(r: z.output<typeof baseSchema>, ctx: Ctx): void {
  const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });

  const id = parseEntryId(r.id);
  if (!id.ok) return; // already reported on the field
  if (id.value.divisionCode !== r.divisionCode) issue('id', 'division code of the id must equal divisionCode');
  if (id.value.kind !== r.kind) issue('kind', `must be ${id.value.kind} for this id`);
  if (id.value.resourceCode !== r.resourceCode) issue('resourceCode', 'must equal the resource code in the id');
  const idClassification = id.value.resourceCode.split('/')[0];
  if (idClassification !== r.classification) issue('classification', 'must equal the classification in the resource code');

  // GB 32100: positions 3–8 of the provider's code are its division code. The provider belongs to
  // the province that owns the resource: the entry's own province, or for a mirror, the source's.
  const uscc = validateUscc(r.providerCode);
  if (uscc.ok) {
    if (r.providerDivisionCode !== uscc.divisionCode) {
      issue('providerDivisionCode', 'must equal characters 3–8 of providerCode');
    }
    const home = id.value.kind === 'MIRROR' ? (id.value.sourceDivisionCode as string) : r.divisionCode;
    if (uscc.divisionCode.slice(0, 2) !== home.slice(0, 2)) {
      issue('providerCode', `provider must be registered in the resource's province (${home})`);
    }
  }

  // Guideline: 有条件共享 must state the condition, 不予共享 its legal or policy basis.
  if (r.sharingType === 'UNCONDITIONAL') {
    if (r.sharingCondition !== null) issue('sharingCondition', 'must be null when sharingType is UNCONDITIONAL');
  } else if (r.sharingCondition === null) {
    issue('sharingCondition', `is required when sharingType is ${r.sharingType}`);
  }

  // GB/T 43697-2024: the grade bounds how far the entry may be shared and opened.
  const sharing = gradeSharingError(r.grade, r.sharingType);
  if (sharing !== null) issue('sharingType', sharing);
  const opening = gradeOpeningError(r.grade, r.openType);
  if (opening !== null) issue('openType', opening);

  if (Date.parse(r.updatedAt) < Date.parse(r.createdAt)) issue('updatedAt', 'must not be before createdAt');

  const mirrorFields = ['mirrorSourceId', 'mirrorRegisteredSourceVersion', 'mirrorRegisteredBy', 'mirrorRegisteredAt', 'mirrorState'] as const;
  if (id.value.kind === 'ORIGINAL') {
    for (const f of mirrorFields) if (r[f] !== null) issue(f, 'must be null for an original entry');
    if (r.mirrorPendingSourceVersion !== null) issue('mirrorPendingSourceVersion', 'must be null for an original entry');
    if (r.mirrorApprovalRef !== null) issue('mirrorApprovalRef', 'must be null for an original entry');
  } else {
    // A listed mirror needs its basis (an approval for 重要数据); one whose source's grade changed under
    // it is kept UNSHARED with the content it had, which still has that basis or is not listed.
    const basis = r.mirrorState === 'CURRENT' || r.mirrorState === 'CHANGED' ? mirrorBasisError(r.grade, r.mirrorApprovalRef) : null;
    if (basis !== null) issue('mirrorApprovalRef', basis);
    if ((r.mirrorState === 'CHANGED') !== (r.mirrorPendingSourceVersion !== null)) {
      issue('mirrorPendingSourceVersion', 'is set exactly when mirrorState is CHANGED');
    }
    for (const f of mirrorFields) if (r[f] === null) issue(f, 'is required for a mirror entry');
    if (r.mirrorSourceId !== null && r.mirrorSourceId !== id.value.sourceId) {
      issue('mirrorSourceId', 'must equal the source entry named in the id');
    }
  }
}

export const entryRecordSchema: z.ZodType<CatalogueEntryRecord> = baseSchema.superRefine(crossFieldRules);

// Unknown keys are named (truncated) rather than echoed whole: a key is caller-controlled input.
function formatIssue(i: z.core.$ZodIssue): string {
  if (i.code === 'unrecognized_keys') {
    const keys = i.keys.slice(0, 5).map((k) => JSON.stringify(k.slice(0, 64)));
    return `${formatPath(i.path)}: unknown field${i.keys.length > 1 ? 's' : ''} ${keys.join(', ')}${i.keys.length > 5 ? ', …' : ''}`;
  }
  return `${formatPath(i.path)}: ${i.message}`;
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? String(p) : `.${String(p)}`;
  return out === '' ? 'record' : out;
}

export type EntryValidation = { ok: true; value: CatalogueEntryRecord } | { ok: false; issues: string[] };

/** Validates a record; issues read like "sharingCondition: is required when sharingType is CONDITIONAL". */
export function validateEntryRecord(rec: unknown): EntryValidation {
  const r = entryRecordSchema.safeParse(rec);
  if (r.success) return { ok: true, value: r.data };
  return { ok: false, issues: r.error.issues.map(formatIssue) };
}
