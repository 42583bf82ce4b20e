// Data classification and grading (数据分类分级) of catalogue entries, GB/T 43697-2024 (数据安全技术
// 数据分类分级规则): every entry is 一般数据, 重要数据 or 核心数据, and every data item says whether it
// holds personal information or sensitive personal information (个人信息保护法 第四条, 第二十八条).
//
// The rules tie a grade to what the catalogue may do with the entry; write-time validation
// (domain/catalogue.ts), mounting (subgraphs/catalogue/mirror-snapshot.ts), the sync worker's
// decisions (store/mirror-sync.ts) and the subgraphs' visibility (subgraphs/catalogue/policy.ts) all
// ask these functions, so a grade means the same wherever it is checked.
import type { OpenType, SharingType } from './catalogue.js';

/** GB/T 43697-2024 §5: 一般数据 / 重要数据 / 核心数据, lowest first. */
export const DATA_GRADES = ['GENERAL', 'IMPORTANT', 'CORE'] as const;
export type DataGrade = (typeof DATA_GRADES)[number];

export const DATA_GRADE_LABELS: Readonly<Record<DataGrade, string>> = {
  GENERAL: '一般数据',
  IMPORTANT: '重要数据',
  CORE: '核心数据',
};

/** PIPL: no personal information, 个人信息 (第四条), 敏感个人信息 (第二十八条). */
export const PERSONAL_INFO_LEVELS = ['NONE', 'PERSONAL', 'SENSITIVE'] as const;
export type PersonalInfo = (typeof PERSONAL_INFO_LEVELS)[number];

export const PERSONAL_INFO_LABELS: Readonly<Record<PersonalInfo, string>> = {
  NONE: '不含个人信息',
  PERSONAL: '个人信息',
  SENSITIVE: '敏感个人信息',
};

// Sharing types from the most to the least open.
const SHARING_ORDER: readonly SharingType[] = ['UNCONDITIONAL', 'CONDITIONAL', 'NOT_SHARED'];
const OPEN_ORDER: readonly OpenType[] = ['OPEN', 'CONDITIONAL_OPEN', 'NOT_OPEN'];

/**
 * The most open sharing type a grade allows: 核心数据 is never shared (数据安全法 第二十一条, GB/T 43697
 * §6.3 strictest protection); 重要数据 only on conditions (审批 per 数据安全法 第三十条); 一般数据 any.
 */
export const MOST_OPEN_SHARING: Readonly<Record<DataGrade, SharingType>> = {
  GENERAL: 'UNCONDITIONAL',
  IMPORTANT: 'CONDITIONAL',
  CORE: 'NOT_SHARED',
};

/** The most open 开放属性 a grade allows: important data is not opened to the public unconditionally. */
export const MOST_OPEN_OPENING: Readonly<Record<DataGrade, OpenType>> = {
  GENERAL: 'OPEN',
  IMPORTANT: 'CONDITIONAL_OPEN',
  CORE: 'NOT_OPEN',
};

/** Why a grade does not allow this sharing type, or null. */
export function gradeSharingError(grade: DataGrade, sharingType: SharingType): string | null {
  const most = MOST_OPEN_SHARING[grade];
  return SHARING_ORDER.indexOf(sharingType) < SHARING_ORDER.indexOf(most)
    ? `${grade} (${DATA_GRADE_LABELS[grade]}) entries may be at most ${most}, not ${sharingType} (GB/T 43697-2024)`
    : null;
}

/** Why a grade does not allow this open type, or null. */
export function gradeOpeningError(grade: DataGrade, openType: OpenType): string | null {
  const most = MOST_OPEN_OPENING[grade];
  return OPEN_ORDER.indexOf(openType) < OPEN_ORDER.indexOf(most)
    ? `${grade} (${DATA_GRADE_LABELS[grade]}) entries may be at most ${most}, not ${openType} (GB/T 43697-2024)`
    : null;
}

/** Whether another province may ever see an entry of this grade (核心数据 stays in its province). */
export function gradeMayLeaveProvince(grade: DataGrade): boolean {
  return grade !== 'CORE';
}

/** Whether mounting an entry of this grade into another province needs an approval (审批文号). */
export function mountNeedsApproval(grade: DataGrade): boolean {
  return grade === 'IMPORTANT';
}

/** The grades a mount may take with or without an approval (a mount job lists only these). */
export function mountableGrades(approvalRef: string | null): DataGrade[] {
  return DATA_GRADES.filter((g) => mirrorBasisError(g, approvalRef) === null);
}

/**
 * Why a mirror of an entry of `grade` has no basis with this approval reference, or null: 核心数据 is
 * never mounted; 重要数据 only with an approval recorded on the mirror.
 */
export function mirrorBasisError(grade: DataGrade, approvalRef: string | null): string | null {
  if (!gradeMayLeaveProvince(grade)) return `${grade} (${DATA_GRADE_LABELS[grade]}) entries are never mounted into another province`;
  if (mountNeedsApproval(grade) && approvalRef === null) {
    return `${grade} (${DATA_GRADE_LABELS[grade]}) entries are mounted only with an approval reference (审批文号)`;
  }
  return null;
}

/**
 * 审批文号 as a 发文字号 (GB/T 9704-2012 §7.2.4): 发文机关代字, the year in 六角括号 〔〕, the sequence
 * number and 号, e.g. 渝数审〔2026〕12号. Half-width brackets and [] are what people type by mistake and
 * are refused (the standard writes 〔〕 only, so stored references compare exactly).
 */
const APPROVAL_REF = /^[\p{Script=Han}A-Za-z]{1,20}〔(19|20)\d{2}〕[1-9]\d{0,5}号$/u;

export const APPROVAL_REF_EXAMPLE = '渝数审〔2026〕12号';

export function approvalRefError(ref: string): string | null {
  if (typeof ref !== 'string') return 'must be a string';
  if (ref.length > 40) return 'must be at most 40 characters';
  return APPROVAL_REF.test(ref) ? null : `must be an approval reference (审批文号, GB/T 9704) like ${APPROVAL_REF_EXAMPLE}`;
}

// Personal information from a data item's name, as catalogue compilers mark the 个人信息 column: used by
// the migration that adds the column to existing stores and by the demo data, never to overrule what
// a province states. Sensitive (PIPL 第二十八条; GB/T 35273-2020 附录B): identity numbers, biometrics,
// health, financial accounts, whereabouts, religion, minors; personal: names, contacts, addresses.
const SENSITIVE_ITEM =
  /(身份证|公民身份号码|证件号码|护照号码|指纹|人脸|虹膜|生物识别|病历|诊断|病史|健康状况|检验结果|疫苗接种|残疾|银行账号|银行卡|账户余额|个人存款|征信|行踪|轨迹|宗教|犯罪|违法记录|未成年)/;
const PERSONAL_ITEM =
  /(姓名|性别|出生日期|民族|手机|联系电话|电话号码|家庭住址|户籍地址|居住地址|住址|电子邮箱|婚姻状况|学历|工作单位|参保人|缴费人|申请人|持有人|法定代表人|负责人|驾驶人|户主|监护人|从业人员|职工|学生|患者|就诊人)/;

/** The personal-information level a data item's name suggests (migration and demo data only). */
export function personalInfoOf(itemName: string): PersonalInfo {
  if (SENSITIVE_ITEM.test(itemName)) return 'SENSITIVE';
  if (PERSONAL_ITEM.test(itemName)) return 'PERSONAL';
  return 'NONE';
}

/**
 * The grade an existing entry gets when the grade column is added (store migration): a NOT_SHARED
 * entry holding sensitive personal information becomes IMPORTANT; everything else GENERAL, the one
 * grade under which every earlier sharing decision and every existing mirror stays valid. The
 * province's administrators grade from there.
 */
export function migratedGrade(e: { sharingType: SharingType; openType: OpenType; dataItems: readonly { personalInfo: PersonalInfo }[] }): DataGrade {
  const sensitive = e.dataItems.some((i) => i.personalInfo === 'SENSITIVE');
  return sensitive && e.sharingType === 'NOT_SHARED' && gradeOpeningError('IMPORTANT', e.openType) === null ? 'IMPORTANT' : 'GENERAL';
}
