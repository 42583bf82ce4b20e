// Resource names compared as a catalogue reviewer compares them (docs/DATA-QUALITY.md "Names"): the
// provider's own name and a province-level place in front say who catalogues, not what, and are
// removed; so is a final 信息/数据/信息表 (政务信息资源目录编制指南: a resource is named "subject + 信息").
// What is left is split into its scope (places, years and periods, 变更/历史/注销/增量/…: the tokens
// below) and its subject. Two names with different scopes name two resources however alike they are;
// with the same scope, their subjects are compared by character-bigram Dice.
// Used by the analysis (domain/quality/analyze.ts) and by the demo generator, which must not produce
// an unseeded pair that this module calls one resource.

/** Dice coefficient at or above which two names (after normalisation) may name one resource. */
export const NAME_SIMILARITY_THRESHOLD = 0.85;

// GB/T 2260 province-level names, as they lead a resource or department name.
const PROVINCE_NAMES = [
  '北京市',
  '天津市',
  '河北省',
  '山西省',
  '内蒙古自治区',
  '辽宁省',
  '吉林省',
  '黑龙江省',
  '上海市',
  '江苏省',
  '浙江省',
  '安徽省',
  '福建省',
  '江西省',
  '山东省',
  '河南省',
  '湖北省',
  '湖南省',
  '广东省',
  '广西壮族自治区',
  '海南省',
  '重庆市',
  '四川省',
  '贵州省',
  '云南省',
  '西藏自治区',
  '陕西省',
  '甘肃省',
  '青海省',
  '宁夏回族自治区',
  '新疆维吾尔自治区',
  '台湾省',
  '香港特别行政区',
  '澳门特别行政区',
];

/**
 * Words that narrow a resource to a part of itself: its changes, history, cancellations, statistics,
 * an increment or the full set, a verification or query service, urban or rural scope, a level.
 * A resource and its 变更信息 are two catalogue entries, not one catalogued twice.
 */
export const SCOPE_WORDS = [
  '变更',
  '历史',
  '注销',
  '撤销',
  '吊销',
  '汇总',
  '统计',
  '增量',
  '全量',
  '存量',
  '新增',
  '核验',
  '查询',
  '城镇',
  '农村',
  '省级',
  '市级',
  '县级',
  '区县',
  '上半年',
  '下半年',
] as const;

// A scope token: a place (two or more Han characters and an administrative suffix, GB/T 2260 naming),
// a year or period, a batch, or a scope word.
const SCOPE_TOKEN = new RegExp(
  [
    '[\\u4e00-\\u9fff]{2,8}?(?:自治州|自治县|地区|新区|[省市区县州旗盟])',
    '(?:19|20)\\d{2}(?:年度|年)?',
    '\\d+(?:年|季度|月|期)',
    '[一二三四]季度',
    '第[0-9一二三四五六七八九十百]+批',
    ...SCOPE_WORDS,
  ].join('|'),
  'gu',
);

/** Full-width brackets, no whitespace: how names are compared, never how they are shown. */
function canonical(s: string): string {
  return /[\s()]/u.test(s) ? s.replace(/\s+/gu, '').replace(/\(/gu, '（').replace(/\)/gu, '）') : s;
}

/**
 * The name as compared: without the provider's own name or a province-level name in front, and
 * without a final 信息/数据 (before closing bracketed qualifiers, if any). Never empty: a name that is
 * nothing but the prefix is compared whole.
 */
export function normaliseName(name: string, providerName: string): string {
  const full = canonical(name);
  let s = full;
  const provider = canonical(providerName);
  if (provider.length > 0 && s.startsWith(provider)) s = s.slice(provider.length);
  for (const p of PROVINCE_NAMES) {
    if (s.startsWith(p)) {
      s = s.slice(p.length);
      break;
    }
  }
  s = s.replace(/(?:信息表|数据表|信息|数据)(?=(?:（[^（）]*）)*$)/u, '');
  return s.length > 0 ? s : full;
}

/** The distinct character bigrams of a normalised name (a one-character name is its own token). */
export function bigrams(s: string): string[] {
  const chars = [...s];
  if (chars.length < 2) return chars;
  const out = new Set<string>();
  for (let i = 0; i + 1 < chars.length; i += 1) out.add(`${chars[i]}${chars[i + 1]}`);
  return [...out];
}

/** Sørensen–Dice coefficient of two token sets (each without repeats). */
export function dice(a: readonly string[], b: readonly string[]): number {
  if (a.length === 0 && b.length === 0) return 1;
  const small = a.length <= b.length ? a : b;
  const large = new Set(a.length <= b.length ? b : a);
  let common = 0;
  for (const t of small) if (large.has(t)) common += 1;
  return (2 * common) / (a.length + b.length);
}

/** The scope tokens of a normalised name, sorted: what narrows it (places, years, periods, scope words). */
export function scopeTokens(norm: string): string[] {
  return (norm.match(SCOPE_TOKEN) ?? []).sort();
}

/**
 * What a normalised name is about once its scope is set aside: the name without its scope tokens and
 * brackets (the name itself if nothing else is left). Similarity is measured on this, so shared
 * qualifiers (…变更信息（增量）) do not make two subjects look alike.
 */
export function subjectOf(norm: string): string {
  const s = norm.replace(SCOPE_TOKEN, '').replace(/[（）]/gu, '');
  return s.length > 0 ? s : norm;
}

/** A name prepared for comparison: its scope (tokens joined) and the bigrams of its subject. */
export interface ComparableName {
  scope: string;
  subject: string;
  tokens: string[];
}

export function comparable(name: string, providerName: string): ComparableName {
  const norm = normaliseName(name, providerName);
  // One pass: the scope tokens out, the subject left (as scopeTokens and subjectOf).
  const tokens: string[] = [];
  let subject = norm.replace(SCOPE_TOKEN, (t) => {
    tokens.push(t);
    return '';
  });
  subject = subject.replace(/[（）]/gu, '');
  if (subject.length === 0) subject = norm;
  return { scope: tokens.sort().join('|'), subject, tokens: bigrams(subject) };
}

/** Similarity of two prepared names' subjects (1 when equal). */
export function subjectSimilarity(a: ComparableName, b: ComparableName): number {
  return a.subject === b.subject ? 1 : dice(a.tokens, b.tokens);
}

/**
 * The similarity of two names if they may name one resource — the same scope, and subjects with Dice
 * at or above the threshold — else null. Each name is read against its own provider's name.
 */
export function sameResourceSimilarity(a: { name: string; providerName: string }, b: { name: string; providerName: string }): number | null {
  const x = comparable(a.name, a.providerName);
  const y = comparable(b.name, b.providerName);
  if (x.scope !== y.scope) return null;
  const sim = subjectSimilarity(x, y);
  return sim < NAME_SIMILARITY_THRESHOLD ? null : sim;
}

/**
 * Markers of a resource the two provinces hold jointly (川渝/成渝 cooperation: 川渝通办, 成渝地区双城
 * 经济圈): one resource, to be catalogued once by its lead province and mounted by the other.
 */
export const JOINT_RESOURCE_MARKERS = ['川渝', '渝川', '成渝', '双城经济圈'] as const;

export function isJointResourceName(name: string): boolean {
  return JOINT_RESOURCE_MARKERS.some((m) => name.includes(m));
}
