// The data-quality analysis of a province's catalogue (types in report.ts; rules in
// docs/DATA-QUALITY.md, which this file implements exactly). Pure: records in, report out, ordered
// deterministically. Duplicates are found without comparing all pairs: entries are blocked (within
// the province by provider credit code and scope; across provinces by scope, joint resources only)
// and, inside a block, only pairs whose subjects share one of their rarest few bigrams are verified
// (prefix filtering, Bayardo, Ma and Srikant 2007), which no pair at the threshold escapes.
import { UPDATE_CYCLE_LABELS, type CatalogueEntryRecord, type UpdateCycle } from '../catalogue.js';
import { validateUscc } from '../uscc.js';
import { NAME_SIMILARITY_THRESHOLD, comparable, isJointResourceName, subjectSimilarity, type ComparableName } from './names.js';
import {
  COMPLETENESS_ISSUES,
  TIMELINESS_ISSUES,
  type CompletenessFinding,
  type CompletenessIssue,
  type DuplicateGroup,
  type DuplicateScope,
  type QualityEntryRef,
  type QualityInput,
  type QualityReport,
  type TimelinessFinding,
} from './report.js';

/**
 * Two update cycles, in days: an entry last updated longer ago than this before `asOf` is STALE (one
 * cycle missed is a late update; two is a promise not kept). Months and years at their mean length,
 * rounded up; 实时 as 每日 (a feed's catalogue entry is refreshed daily at best). 不定期 is never STALE.
 */
export const TWO_CYCLES_DAYS: Readonly<Record<Exclude<UpdateCycle, 'IRREGULAR'>, number>> = {
  REALTIME: 2,
  DAILY: 2,
  WEEKLY: 14,
  MONTHLY: 61,
  QUARTERLY: 183,
  YEARLY: 731,
};

/** Share of the smaller data-item list that two entries must have in common to be one resource. */
export const ITEM_OVERLAP_THRESHOLD = 0.5;

const DAY_MS = 86_400_000;

// ---------------------------------------------------------------------------------------------
// Text that says nothing

// Whitespace and punctuation (ASCII, Latin-1, general punctuation, CJK and full-width forms) are not
// content. Spelled out rather than \p{P}\p{S}, which costs several times more on 100,000 abstracts.
const NOT_CONTENT = /[\s!-/:-@[-`{-~\u00a0-\u00bf\u2010-\u205e\u3000-\u303f\ufe30-\ufe4f\uff00-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65]+/g;
const content = (s: string): string => s.replace(NOT_CONTENT, '').toLowerCase();
/** `content(s)` when it has at most `max` characters, else null; stops reading early (abstracts are long). */
function contentUpTo(s: string, max: number): string | null {
  let kept = 0;
  for (let i = 0; i < s.length; i += 1) {
    if (!isNotContent(s.charCodeAt(i)) && ++kept > max) return null;
  }
  return content(s);
}

function isNotContent(c: number): boolean {
  return (
    c <= 0x20 ||
    c === 0x1680 ||
    c === 0x180e ||
    c === 0xfeff ||
    (c >= 0x21 && c <= 0x2f) ||
    (c >= 0x3a && c <= 0x40) ||
    (c >= 0x5b && c <= 0x60) ||
    (c >= 0x7b && c <= 0xbf) ||
    (c >= 0x2000 && c <= 0x205e) ||
    (c >= 0x3000 && c <= 0x303f) ||
    (c >= 0xfe30 && c <= 0xfe4f) ||
    (c >= 0xff00 && c <= 0xff0f) ||
    (c >= 0xff1a && c <= 0xff20) ||
    (c >= 0xff3b && c <= 0xff40) ||
    (c >= 0xff5b && c <= 0xff65)
  );
}

// Data item names repeat across a catalogue (a few hundred distinct in 100,000 entries): normalise each once.
function itemKeys(): (s: string) => string {
  const memo = new Map<string, string>();
  return (s) => {
    let k = memo.get(s);
    if (k === undefined) {
      k = content(s);
      memo.set(s, k);
    }
    return k;
  };
}

/** What compilers type into a mandatory field when they have nothing to say. */
const PLACEHOLDERS: ReadonlySet<string> = new Set([
  '无',
  '暂无',
  '没有',
  '略',
  '空',
  '待补充',
  '待完善',
  '待定',
  '待填写',
  '未填写',
  '不详',
  '同上',
  '见名称',
  '同名称',
  '详见附件',
  '见附件',
  '其他',
  '其它',
  'null',
  'none',
  'na',
  'tbd',
  'todo',
  'test',
  '测试',
]);

/** Data item names that are a form's defaults, not a description of what the resource holds. */
const PLACEHOLDER_ITEM = /^(?:字段|信息项|数据项|数据元|列|项|属性|field|column|col|item)\d*$/u;
const PLACEHOLDER_ITEMS: ReadonlySet<string> = new Set([...PLACEHOLDERS, '备注', '说明', '数据', '内容', '信息', '未命名']);

/** Conditions (and 不予共享 bases) that state none: the type repeated, "as required", a reference elsewhere. */
const VACUOUS_CONDITIONS: ReadonlySet<string> = new Set([
  ...PLACEHOLDERS,
  '有条件',
  '有条件共享',
  '条件共享',
  '不予共享',
  '不共享',
  '按规定',
  '按规定共享',
  '按规定执行',
  '按有关规定',
  '按相关规定',
  '按有关规定执行',
  '按相关规定执行',
  '依规定',
  '依法',
  '依法共享',
  '依申请',
  '依申请共享',
  '按需',
  '按需共享',
]);
const REFERENCE_ELSEWHERE = /^(?:详见|参见|见附件|见协议|见共享协议|见相关)/u;

export function isPlaceholderText(s: string): boolean {
  const c = content(s);
  return c.length === 0 || PLACEHOLDERS.has(c);
}

export function isPlaceholderItem(s: string): boolean {
  return isPlaceholderItemKey(content(s));
}

function isPlaceholderItemKey(c: string): boolean {
  return c.length === 0 || PLACEHOLDER_ITEMS.has(c) || PLACEHOLDER_ITEM.test(c);
}

export function isVacuousCondition(s: string): boolean {
  const c = content(s);
  return c.length === 0 || VACUOUS_CONDITIONS.has(c) || REFERENCE_ELSEWHERE.test(c);
}

// GB 32100-2015 annex A: registration authority 1 (机构编制) registers 1 机关, 2 事业单位, 3 群众团体
// (中央编办直接管理机构编制的), 9 其他: the organs and institutions that provide 政务信息资源
// (政务信息资源共享管理暂行办法 第二条). Everything else (9x 工商: enterprises, 5x 民政: social organisations, …)
// is not a catalogue provider.
const PROVIDER_CATEGORIES: ReadonlySet<string> = new Set(['11', '12', '13', '19']);
const AUTHORITY_NAMES: Readonly<Record<string, string>> = {
  '1': '机构编制',
  '2': '外交',
  '3': '司法行政',
  '4': '文化',
  '5': '民政',
  '6': '旅游',
  '7': '宗教',
  '8': '工会',
  '9': '工商',
  A: '中央军委改革和编制办公室',
  N: '农业',
  Y: '其他',
};
const CATEGORY_NAMES: Readonly<Record<string, string>> = {
  '91': '企业',
  '92': '个体工商户',
  '93': '农民专业合作社',
  '51': '社会团体',
  '52': '民办非企业单位',
  '53': '基金会',
};

/** Why a credit code cannot be a catalogue provider's, or null. */
export function providerCodeError(code: string): string | null {
  const v = validateUscc(code);
  if (!v.ok) return `provider code ${code} is not a valid unified social credit code (GB 32100-2015): ${v.reason}`;
  const head = code.slice(0, 2);
  if (PROVIDER_CATEGORIES.has(head)) return null;
  const authority = AUTHORITY_NAMES[code.charAt(0)] ?? code.charAt(0);
  const category = CATEGORY_NAMES[head];
  return (
    `provider code ${code} is registered by ${authority} (${code.charAt(0)})${category ? ` as ${category} (${code.charAt(1)})` : ` in category ${code.charAt(1)}`}, ` +
    'not as a state organ or public institution (GB 32100-2015: 11 机关, 12 事业单位, 13 群众团体, 19 其他)'
  );
}

// ---------------------------------------------------------------------------------------------
// Duplicates

interface Candidate {
  rec: CatalogueEntryRecord;
  province: string;
  own: boolean;
  name: ComparableName;
  items: Set<string>;
}

function candidateOf(rec: CatalogueEntryRecord, province: string, own: boolean, key: (s: string) => string): Candidate {
  return { rec, province, own, name: comparable(rec.name, rec.providerName), items: new Set(rec.dataItems.map((d) => key(d.name))) };
}

function nameSimilarity(a: Candidate, b: Candidate): number {
  return subjectSimilarity(a.name, b.name);
}

function sharedItemCount(a: Candidate, b: Candidate): number {
  const [small, large] = a.items.size <= b.items.size ? [a.items, b.items] : [b.items, a.items];
  let n = 0;
  for (const i of small) if (large.has(i)) n += 1;
  return n;
}

/** The rule (docs/DATA-QUALITY.md "Duplicates"), on a pair that blocking put side by side. */
function sameResource(a: Candidate, b: Candidate): boolean {
  if (a.name.scope !== b.name.scope) return false;
  if (nameSimilarity(a, b) < NAME_SIMILARITY_THRESHOLD) return false;
  const need = Math.max(1, Math.ceil(ITEM_OVERLAP_THRESHOLD * Math.min(a.items.size, b.items.size)));
  return sharedItemCount(a, b) >= need;
}

// Dice ≥ t needs an overlap of at least t·|x|/(2 − t) tokens, so two such sets share a token among
// the first |x| − that + 1 of each, in one global order (rarest first, so candidate lists stay short).
function prefixLength(n: number): number {
  if (n === 0) return 0;
  const t = NAME_SIMILARITY_THRESHOLD;
  return n - Math.ceil((t * n) / (2 - t) - 1e-9) + 1;
}

/**
 * Pairs [i, j] (i < j, or i from `left` and j from `right`) whose names may reach the threshold: a
 * superset of those that do. With `right`, only left–right pairs.
 */
function candidatePairs(left: readonly Candidate[], right?: readonly Candidate[]): [number, number][] {
  const all = right ? [...left, ...right] : left;
  const freq = new Map<string, number>();
  for (const c of all) for (const t of c.name.tokens) freq.set(t, (freq.get(t) ?? 0) + 1);
  const prefixes = new Map<Candidate, string[]>();
  const prefix = (c: Candidate) => {
    let p = prefixes.get(c);
    if (p === undefined) {
      p = [...c.name.tokens]
        .sort((x, y) => (freq.get(x) as number) - (freq.get(y) as number) || (x < y ? -1 : x > y ? 1 : 0))
        .slice(0, prefixLength(c.name.tokens.length));
      prefixes.set(c, p);
    }
    return p;
  };
  const index = new Map<string, number[]>();
  const add = (c: Candidate, i: number) => {
    for (const t of prefix(c)) {
      const l = index.get(t);
      if (l) l.push(i);
      else index.set(t, [i]);
    }
  };
  const probe = (c: Candidate): Set<number> => {
    const hits = new Set<number>();
    for (const t of prefix(c)) for (const i of index.get(t) ?? []) hits.add(i);
    return hits;
  };
  const out: [number, number][] = [];
  if (right) {
    for (let j = 0; j < right.length; j += 1) add(right[j] as Candidate, j);
    for (let i = 0; i < left.length; i += 1) for (const j of probe(left[i] as Candidate)) out.push([i, j]);
  } else {
    for (let j = 0; j < left.length; j += 1) {
      const c = left[j] as Candidate;
      for (const i of probe(c)) out.push([i, j]);
      add(c, j);
    }
  }
  return out;
}

class UnionFind {
  private readonly parent: number[];
  constructor(n: number) {
    this.parent = Array.from({ length: n }, (_, i) => i);
  }
  find(i: number): number {
    let r = i;
    while (this.parent[r] !== r) r = this.parent[r] as number;
    while (this.parent[i] !== r) {
      const next = this.parent[i] as number;
      this.parent[i] = r;
      i = next;
    }
    return r;
  }
  union(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.parent[Math.max(ra, rb)] = Math.min(ra, rb);
  }
}

const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

function refOf(c: Candidate): QualityEntryRef {
  return { id: c.rec.id, province: c.province, name: c.rec.name, providerName: c.rec.providerName, providerCode: c.rec.providerCode };
}

function groupOf(scope: DuplicateScope, members: Candidate[]): DuplicateGroup {
  const sorted = [...members].sort((a, b) => byId(a.rec, b.rec));
  let lowest = 1;
  for (let i = 0; i < sorted.length; i += 1) {
    for (let j = i + 1; j < sorted.length; j += 1) lowest = Math.min(lowest, nameSimilarity(sorted[i] as Candidate, sorted[j] as Candidate));
  }
  const first = sorted[0] as Candidate;
  const sharedDataItems = first.rec.dataItems.map((d) => d.name).filter((n) => sorted.every((c) => c.items.has(content(n))));
  const similarity = Math.round(lowest * 100) / 100;
  const items = `${sharedDataItems.length} data item${sharedDataItems.length === 1 ? '' : 's'} in common`;
  const reason =
    scope === 'WITHIN_PROVINCE'
      ? `catalogued ${sorted.length} times by ${first.rec.providerName} (${first.rec.providerCode}): names alike (Dice ≥ ${similarity.toFixed(2)}, same scope), ${items}`
      : `one joint resource catalogued as an original by ${[...new Set(sorted.map((c) => c.province))].join(' and ')} (names alike, Dice ≥ ${similarity.toFixed(2)}, ${items}): catalogue it once in its lead province and mount it in the other (一数一源)`;
  return { scope, entries: sorted.map(refOf), nameSimilarity: lowest, sharedDataItems, reason };
}

function components(n: number, edges: readonly [number, number][]): number[][] {
  const uf = new UnionFind(n);
  const touched = new Set<number>();
  for (const [a, b] of edges) {
    uf.union(a, b);
    touched.add(a);
    touched.add(b);
  }
  const groups = new Map<number, number[]>();
  for (const i of [...touched].sort((a, b) => a - b)) {
    const r = uf.find(i);
    const g = groups.get(r);
    if (g) g.push(i);
    else groups.set(r, [i]);
  }
  return [...groups.values()];
}

function withinDuplicates(own: readonly Candidate[]): DuplicateGroup[] {
  // Blocks: one provider, one scope (a match needs both).
  const blocks = new Map<string, Candidate[]>();
  for (const c of own) {
    const key = `${c.rec.providerCode}\u0000${c.name.scope}`;
    const l = blocks.get(key);
    if (l) l.push(c);
    else blocks.set(key, [c]);
  }
  const out: DuplicateGroup[] = [];
  for (const block of blocks.values()) {
    if (block.length < 2) continue;
    const edges = candidatePairs(block).filter(([i, j]) => sameResource(block[i] as Candidate, block[j] as Candidate));
    for (const g of components(block.length, edges))
      out.push(
        groupOf(
          'WITHIN_PROVINCE',
          g.map((i) => block[i] as Candidate),
        ),
      );
  }
  return out;
}

function crossDuplicates(own: readonly Candidate[], others: readonly Candidate[]): DuplicateGroup[] {
  // Blocks: one scope, joint resources only; edges only between this province and another.
  const blocks = new Map<string, [Candidate[], Candidate[]]>();
  const add = (c: Candidate, side: 0 | 1) => {
    if (!isJointResourceName(c.rec.name)) return;
    const b = blocks.get(c.name.scope) ?? [[], []];
    b[side].push(c);
    blocks.set(c.name.scope, b);
  };
  for (const c of own) add(c, 0);
  for (const c of others) add(c, 1);
  const all: Candidate[] = [];
  const edges: [number, number][] = [];
  for (const [left, right] of blocks.values()) {
    if (left.length === 0 || right.length === 0) continue;
    const base = all.length;
    all.push(...left, ...right);
    for (const [i, j] of candidatePairs(left, right)) {
      if (sameResource(left[i] as Candidate, right[j] as Candidate)) edges.push([base + i, base + left.length + j]);
    }
  }
  return components(all.length, edges).map((g) =>
    groupOf(
      'CROSS_PROVINCE',
      g.map((i) => all[i] as Candidate),
    ),
  );
}

// ---------------------------------------------------------------------------------------------
// The report

export function analyzeQuality(input: QualityInput): QualityReport {
  const asOf = input.asOf.getTime();
  if (!Number.isFinite(asOf)) throw new RangeError('asOf must be a valid date');
  const active = [...input.entries].filter((e) => e.status === 'ACTIVE').sort(byId);
  const originals = active.filter((e) => e.kind === 'ORIGINAL');
  const mirrors = active.filter((e) => e.kind === 'MIRROR');
  const ref = (e: CatalogueEntryRecord): QualityEntryRef => ({
    id: e.id,
    province: input.province,
    name: e.name,
    providerName: e.providerName,
    providerCode: e.providerCode,
  });

  // Duplicates: originals only. A mirror is the other province's resource shown here, the intended
  // 一数一源 form; another province's entries count only as far as this province may see them.
  const key = itemKeys();
  const own = originals.map((e) => candidateOf(e, input.province, true, key));
  const others: Candidate[] = [];
  const comparedWith: string[] = [];
  for (const o of input.others) {
    if (o.province === input.province) continue;
    if (!comparedWith.includes(o.province)) comparedWith.push(o.province);
    for (const e of [...o.entries].sort(byId)) {
      if (e.status !== 'ACTIVE' || e.kind !== 'ORIGINAL' || e.sharingType === 'NOT_SHARED' || e.grade === 'CORE') continue;
      others.push(candidateOf(e, o.province, false, key));
    }
  }
  const order = (g: DuplicateGroup) => (g.entries[0] as QualityEntryRef).id;
  const within = withinDuplicates(own).sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
  const cross = crossDuplicates(own, others).sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
  const duplicates = [...within, ...cross];

  // Completeness: what passes the write rules but tells a reader nothing (originals: a mirror's
  // content is its source province's to fix).
  const completeness: CompletenessFinding[] = [];
  const namesByCode = new Map<string, Map<string, number>>();
  for (const e of originals) {
    const names = namesByCode.get(e.providerCode) ?? new Map<string, number>();
    names.set(e.providerName, (names.get(e.providerName) ?? 0) + 1);
    namesByCode.set(e.providerCode, names);
  }
  // The name a code is known by: its most frequent, ties broken by code point order.
  const dominant = new Map<string, string>();
  for (const [code, names] of namesByCode) {
    const [best] = [...names].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    dominant.set(code, (best as [string, number])[0]);
  }
  for (const e of originals) {
    // Only an abstract with no more content than the name can be a placeholder or the name again.
    const abstract = contentUpTo(e.abstract, Math.max(e.name.length, 8));
    if (abstract === null) {
      // a real abstract
    } else if (abstract.length === 0 || PLACEHOLDERS.has(abstract)) {
      completeness.push({ issue: 'MISSING_ABSTRACT', entry: ref(e), detail: `the abstract (摘要) is a placeholder: “${e.abstract}”` });
    } else if (content(e.name).includes(abstract)) {
      completeness.push({ issue: 'MISSING_ABSTRACT', entry: ref(e), detail: `the abstract (摘要) only repeats the name: “${e.abstract}”` });
    }
    if (e.dataItems.every((d) => isPlaceholderItemKey(key(d.name)))) {
      completeness.push({
        issue: 'NO_DATA_ITEMS',
        entry: ref(e),
        detail: `no data item (信息项) says what the resource holds: ${e.dataItems.map((d) => `“${d.name}”`).join(', ')}`,
      });
    }
    if (e.sharingType !== 'UNCONDITIONAL' && e.sharingCondition !== null && isVacuousCondition(e.sharingCondition)) {
      completeness.push({
        issue: 'CONDITION_MISSING',
        entry: ref(e),
        detail:
          e.sharingType === 'CONDITIONAL'
            ? `有条件共享 without a condition: “${e.sharingCondition}”`
            : `不予共享 without its legal or policy basis: “${e.sharingCondition}”`,
      });
    }
    const problems: string[] = [];
    const codeError = providerCodeError(e.providerCode);
    if (codeError !== null) problems.push(codeError);
    const names = namesByCode.get(e.providerCode) as Map<string, number>;
    if (names.size > 1 && dominant.get(e.providerCode) !== e.providerName) {
      const list = [...names]
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
        .map(([n, k]) => `${n} (${k})`)
        .join(', ');
      problems.push(`provider code ${e.providerCode} is recorded under ${names.size} names: ${list}; this entry uses “${e.providerName}”`);
    }
    if (problems.length > 0) completeness.push({ issue: 'PROVIDER_CODE_INVALID', entry: ref(e), detail: problems.join('; ') });
  }

  // Timeliness.
  const timeliness: TimelinessFinding[] = [];
  for (const e of originals) {
    if (e.updateCycle === 'IRREGULAR') continue;
    const window = TWO_CYCLES_DAYS[e.updateCycle];
    const age = asOf - Date.parse(e.updatedAt);
    if (age <= window * DAY_MS) continue;
    const overdueDays = Math.ceil((age - window * DAY_MS) / DAY_MS);
    timeliness.push({
      issue: 'STALE',
      entry: ref(e),
      updateCycle: e.updateCycle,
      lastUpdated: e.updatedAt,
      overdueDays,
      pendingSourceVersion: null,
      detail: `updated ${UPDATE_CYCLE_LABELS[e.updateCycle]} (${e.updateCycle}) but last on ${e.updatedAt.slice(0, 10)}: ${overdueDays} days past two cycles (${window} days)`,
    });
  }
  for (const e of mirrors) {
    if (e.mirrorState !== 'CHANGED') continue;
    timeliness.push({
      issue: 'MIRROR_NOT_REVIEWED',
      entry: ref(e),
      updateCycle: e.updateCycle,
      lastUpdated: e.updatedAt,
      overdueDays: null,
      pendingSourceVersion: e.mirrorPendingSourceVersion,
      detail: `the source ${e.mirrorSourceId} changed to version ${e.mirrorPendingSourceVersion}; the mirror holds version ${e.mirrorRegisteredSourceVersion} and waits for an administrator's review`,
    });
  }

  const issueOrder =
    <T extends string>(list: readonly T[]) =>
    (a: { issue: T; entry: QualityEntryRef }, b: { issue: T; entry: QualityEntryRef }) =>
      list.indexOf(a.issue) - list.indexOf(b.issue) || byId(a.entry, b.entry);
  completeness.sort(issueOrder(COMPLETENESS_ISSUES));
  timeliness.sort(issueOrder(TIMELINESS_ISSUES));

  const count = <T extends string>(list: readonly T[], findings: readonly { issue: T }[]) =>
    Object.fromEntries(list.map((k) => [k, findings.filter((f) => f.issue === k).length])) as Record<T, number>;
  const duplicateEntries = new Set(duplicates.flatMap((g) => g.entries.filter((r) => r.province === input.province).map((r) => r.id)));
  return {
    province: input.province,
    asOf: new Date(asOf).toISOString(),
    comparedWith,
    summary: {
      entriesChecked: active.length,
      duplicateGroups: duplicates.length,
      duplicateEntries: duplicateEntries.size,
      completeness: count<CompletenessIssue>(COMPLETENESS_ISSUES, completeness),
      timeliness: count(TIMELINESS_ISSUES, timeliness),
    },
    duplicates,
    completeness,
    timeliness,
  };
}
