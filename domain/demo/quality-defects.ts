// The data-quality defects the demo catalogue seeds, as the findings the analysis must report
// (docs/DATA-QUALITY.md "What the demo seeds"). Derived from the generator's own log of what it
// placed (domain/demo/catalogue.ts, plan in defect-plan.ts), so the ids never drift from the data.
import { loadStackConfig } from '../../common/config.js';
import type { CompletenessIssue, DuplicateScope, TimelinessIssue } from '../quality/report.js';
import { generateDemoCatalogue, type DemoDefectRecord, type DemoOptions } from './catalogue.js';

/** One seeded finding: a duplicate group (issue = its scope, ids = all its entries) or an entry's issue. */
export type SeededDefect =
  | { kind: 'duplicate'; issue: DuplicateScope; ids: string[] }
  | { kind: 'completeness'; issue: CompletenessIssue; ids: [string] }
  | { kind: 'timeliness'; issue: TimelinessIssue; ids: [string] };

export interface SeededProvince extends DemoOptions {
  /** Province id as the report names it (chongqing, sichuan, …). */
  province: string;
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The findings a report on `own` must hold, no more and no less, when the others' entries it is
 * given are those it may see (every seeded cross-province entry is shared and 一般数据). Cross-province
 * groups pair `own`'s joint resources with the same resources in `others`.
 */
export function demoQualityDefects(own: SeededProvince, others: readonly SeededProvince[] = []): SeededDefect[] {
  const log = generateDemoCatalogue(own).defects;
  const out: SeededDefect[] = [];
  const groups = new Map<string, Set<string>>();
  for (const d of log) {
    if (d.kind === 'WITHIN_DUPLICATE') {
      // Copies of one original form one group.
      const g = groups.get(d.originalId) ?? new Set([d.originalId]);
      g.add(d.id);
      groups.set(d.originalId, g);
    } else if (d.kind !== 'JOINT') {
      out.push(d.kind === 'STALE' ? { kind: 'timeliness', issue: 'STALE', ids: [d.id] } : { kind: 'completeness', issue: d.kind, ids: [d.id] });
    }
  }
  for (const ids of groups.values()) out.push({ kind: 'duplicate', issue: 'WITHIN_PROVINCE', ids: [...ids].sort(cmp) });
  const jointOf = (log: readonly DemoDefectRecord[]) => new Map(log.flatMap((d) => (d.kind === 'JOINT' ? [[d.key, d.id] as const] : [])));
  const mine = jointOf(log);
  const theirs = others.map((o) => jointOf(generateDemoCatalogue(o).defects));
  for (const [key, id] of mine) {
    const ids = [id, ...theirs.flatMap((m) => (m.has(key) ? [m.get(key) as string] : []))];
    if (ids.length > 1) out.push({ kind: 'duplicate', issue: 'CROSS_PROVINCE', ids: ids.sort(cmp) });
  }
  const order = ['duplicate', 'completeness', 'timeliness'];
  return out.sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind) || cmp(a.issue, b.issue) || cmp(a.ids[0] as string, b.ids[0] as string));
}

/**
 * The demo's names repeat only where a seeded duplicate copies its original's name verbatim: the
 * number of such copies (the distinct-name count is the entry count minus this).
 */
export function demoRepeatedNames(log: readonly DemoDefectRecord[]): number {
  return log.filter((d) => d.kind === 'WITHIN_DUPLICATE' && d.naming === 'SAME').length;
}

/**
 * The seeded defects of a configured province's demo data (config/provinces/*.json: its seed and
 * demo.entries), compared with every other configured province. Ids do not depend on the seeding time.
 */
export function seededQualityDefects(provinceId: string): SeededDefect[] {
  const cfg = loadStackConfig();
  const all: SeededProvince[] = cfg.provinces.map((p) => ({
    province: p.id,
    divisionCode: p.divisionCode,
    provinceName: p.name,
    seed: p.demo.seed,
    count: p.demo.entries,
  }));
  const own = all.find((p) => p.province === provinceId);
  if (own === undefined) throw new RangeError(`unknown province ${provinceId}`);
  return demoQualityDefects(
    own,
    all.filter((p) => p !== own),
  );
}
