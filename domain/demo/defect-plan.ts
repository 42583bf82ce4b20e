// The data-quality defects the demo catalogue seeds (docs/DATA-QUALITY.md "What the demo seeds"):
// what kinds, how many, the placeholder texts, and from which sequence number on each is placed. The
// generator (catalogue.ts) applies the plan as it goes, to the first eligible entry at or after the
// planned sequence, and logs the ids; domain/demo/quality-defects.ts turns the log into the findings
// the analysis must report. Everything derives from the province's seed, never from the count, so
// the first N entries are the same whatever N is.
import { mulberry32 } from './prng.js';

export type DefectSpec =
  | { kind: 'MISSING_ABSTRACT'; from: number; abstract: string | 'NAME' }
  | { kind: 'NO_DATA_ITEMS'; from: number; items: readonly string[] }
  | { kind: 'CONDITION_MISSING'; from: number; sharingType: 'CONDITIONAL' | 'NOT_SHARED'; condition: string }
  | { kind: 'PROVIDER_ENTERPRISE_CODE'; from: number }
  | { kind: 'PROVIDER_FORMER_NAME'; from: number }
  | { kind: 'STALE'; from: number; overdueDays: number }
  /** A second entry for a resource already catalogued by the same department; `group` joins copies of one original. */
  | { kind: 'WITHIN_DUPLICATE'; from: number; group: number; naming: 'SAME' | 'NEAR' }
  /** The province's original entry for a resource it holds jointly with the other province. */
  | { kind: 'JOINT'; from: number; key: string };

/** Placeholders a compiler types when the form demands an abstract (摘要) and none was written. */
export const PLACEHOLDER_ABSTRACTS = ['暂无', '待补充', '略', '无', '-', '详见附件'] as const;

/** Data items that say nothing of the resource: the form's default column names. */
export const PLACEHOLDER_ITEM_SETS: readonly (readonly string[])[] = [
  ['字段1', '字段2', '字段3', '字段4'],
  ['信息项1', '信息项2', '其他', '备注'],
];

/** Conditions (and bases) that state none: the type repeated, a reference elsewhere, "as required". */
export const VACUOUS_CONDITIONS = ['有条件共享', '详见共享协议', '按相关规定执行', '按规定'] as const;

/**
 * Names of departments before the 2018 institutional reform (深化党和国家机构改革方案), still found on
 * entries catalogued before it: the same credit code recorded under the old name. By department key;
 * [municipality, province] suffixes.
 */
export const FORMER_DEPARTMENT_NAMES: Readonly<Record<string, readonly [string, string]>> = {
  market: ['工商行政管理局', '工商行政管理局'],
  health: ['卫生和计划生育委员会', '卫生和计划生育委员会'],
  agri: ['农业委员会', '农业厅'],
  culture: ['文化委员会', '文化厅'],
  emergency: ['安全生产监督管理局', '安全生产监督管理局'],
};

export interface JointResource {
  key: string;
  /** Department key (catalogue.ts DEPARTMENTS) of the provider in each province. */
  department: string;
  /** The name each province gives it, by province code prefix; near-identical, as two compilers write it. */
  names: Readonly<Record<string, string>>;
  items: readonly string[];
}

/**
 * Resources the two provinces hold jointly (川渝通办, 成渝地区双城经济圈 agreements): one resource with one
 * lead province, which both catalogue as originals (the defect: it should be catalogued once and mounted).
 */
export const JOINT_RESOURCES: readonly JointResource[] = [
  {
    key: 'market-migration',
    department: 'market',
    names: { '50': '川渝市场主体跨省迁移登记信息', '51': '川渝市场主体跨省迁移登记信息' },
    items: ['统一社会信用代码', '市场主体名称', '迁出地登记机关', '迁入地登记机关', '迁移日期', '迁移状态'],
  },
  {
    key: 'eco-river',
    department: 'eco',
    names: { '50': '川渝跨界河流断面水质自动监测信息', '51': '川渝跨界河流断面水质自动化监测信息' },
    items: ['断面名称', '所在河流', '监测时间', '水质类别', '化学需氧量浓度', '氨氮浓度', '总磷浓度'],
  },
  {
    key: 'transport-bus',
    department: 'transport',
    names: { '50': '川渝毗邻地区公交线路信息', '51': '川渝毗邻地区公交线路信息' },
    items: ['线路编号', '线路名称', '起点站', '终点站', '运营单位', '票价', '开通日期'],
  },
];

// Defects are placed from sequence FIRST on (entries cited by the README and tests, 000001–000040,
// stay clean) and before LAST, so the real Sichuan catalogue (1,646 entries) holds them all.
const FIRST = 101;
const LAST = 1500;

/** The province's plan, ordered by `from`. */
export function defectPlan(seed: number): DefectSpec[] {
  const rng = mulberry32((seed ^ 0x2545f491) >>> 0);
  const at = () => FIRST + Math.floor(rng() * (LAST - FIRST));
  const specs: DefectSpec[] = [
    { kind: 'MISSING_ABSTRACT', from: at(), abstract: '暂无' },
    { kind: 'MISSING_ABSTRACT', from: at(), abstract: '待补充' },
    { kind: 'MISSING_ABSTRACT', from: at(), abstract: 'NAME' },
    { kind: 'NO_DATA_ITEMS', from: at(), items: PLACEHOLDER_ITEM_SETS[0] as readonly string[] },
    { kind: 'NO_DATA_ITEMS', from: at(), items: PLACEHOLDER_ITEM_SETS[1] as readonly string[] },
    { kind: 'CONDITION_MISSING', from: at(), sharingType: 'CONDITIONAL', condition: '有条件共享' },
    { kind: 'CONDITION_MISSING', from: at(), sharingType: 'CONDITIONAL', condition: '详见共享协议' },
    { kind: 'CONDITION_MISSING', from: at(), sharingType: 'NOT_SHARED', condition: '按规定' },
    { kind: 'PROVIDER_ENTERPRISE_CODE', from: at() },
    { kind: 'PROVIDER_FORMER_NAME', from: at() },
    { kind: 'PROVIDER_FORMER_NAME', from: at() },
    { kind: 'STALE', from: at(), overdueDays: 5 + Math.floor(rng() * 30) },
    { kind: 'STALE', from: at(), overdueDays: 30 + Math.floor(rng() * 90) },
    { kind: 'STALE', from: at(), overdueDays: 90 + Math.floor(rng() * 270) },
    { kind: 'STALE', from: at(), overdueDays: 1 + Math.floor(rng() * 4) },
  ];
  // Three originals catalogued again: once under the same name, once under a near-identical one, and
  // one catalogued three times (both ways).
  const dupFrom = [at(), at(), at()].sort((a, b) => a - b);
  specs.push(
    { kind: 'WITHIN_DUPLICATE', from: dupFrom[0] as number, group: 0, naming: 'SAME' },
    { kind: 'WITHIN_DUPLICATE', from: dupFrom[1] as number, group: 1, naming: 'NEAR' },
    { kind: 'WITHIN_DUPLICATE', from: dupFrom[2] as number, group: 2, naming: 'NEAR' },
    { kind: 'WITHIN_DUPLICATE', from: (dupFrom[2] as number) + 1 + Math.floor(rng() * 50), group: 2, naming: 'SAME' },
  );
  for (const j of JOINT_RESOURCES) specs.push({ kind: 'JOINT', from: at(), key: j.key });
  // Stable order: by sequence, then plan order.
  return specs
    .map((s, i) => [s, i] as const)
    .sort((a, b) => a[0].from - b[0].from || a[1] - b[1])
    .map(([s]) => s);
}
