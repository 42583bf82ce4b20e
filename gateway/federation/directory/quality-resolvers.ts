// catalogueQuality: the data-quality report of the caller's own province (目录质量). The directory
// gathers the entries as full records through the provinces' index API, as the caller (a keyset walk
// of /slice, then /entries/lookup), and hands them to the pure analysis (domain/quality/analyze.ts).
// Its own province: everything its administrator may see (NOT_SHARED and mirrors included, withdrawn
// not). Every other province: the originals the caller may see, for cross-province duplicates (its
// mirrors are copies of someone's original, not another cataloguing of it). A province that cannot
// answer is listed as unavailable; only the own province's absence fails the report.
import type { ProvinceConfig } from '../../../common/config.js';
import { badInput, forbidden, provinceUnavailable } from '../../../common/errors.js';
import type { IndexAnswers, IndexRequest } from '../../../common/index-api.js';
import type { CatalogueEntryRecord } from '../../../domain/catalogue.js';
import { analyzeQuality } from '../../../domain/quality/analyze.js';
import { COMPLETENESS_ISSUES, TIMELINESS_ISSUES, type QualityEntryRef, type QualityReport } from '../../../domain/quality/report.js';
import type { GatewayContext } from '../../context.js';
import { ProvinceUnavailable } from '../province-clients.js';
import type { DirectoryDeps } from './deps.js';
import { fromProvinceError, type IndexCalls } from './index-calls.js';

/** Sort keys per /slice call (the index API takes up to 1001). */
const SLICE_PAGE = 1000;
/** Ids per /entries/lookup call (the index API's maximum). */
const LOOKUP_MAX = 200;
/** Look-ups in flight per province: enough to hide the round trips, few enough not to crowd its pool. */
const LOOKUP_CONCURRENCY = 4;

/** Every active entry of `province` the caller may see, of these kinds, as full records ordered by (name, id). */
export async function gatherEntries(
  calls: IndexCalls,
  province: ProvinceConfig,
  kinds: NonNullable<IndexRequest<'/slice'>['kinds']>,
  ctx: GatewayContext,
): Promise<CatalogueEntryRecord[]> {
  const ids: string[] = [];
  let after: { name: string; id: string } | null = null;
  for (;;) {
    const page: IndexAnswers['/slice'] = await calls.call(province, '/slice', { kinds, includeWithdrawn: false, after, limit: SLICE_PAGE }, ctx);
    ids.push(...page.items.map((i) => i.id));
    const last = page.items.at(-1);
    if (page.items.length < SLICE_PAGE || !last) break;
    after = { name: last.name, id: last.id };
  }
  const chunks: string[][] = [];
  for (let i = 0; i < ids.length; i += LOOKUP_MAX) chunks.push(ids.slice(i, i + LOOKUP_MAX));
  const found: CatalogueEntryRecord[][] = new Array(chunks.length);
  let next = 0;
  const worker = async () => {
    while (next < chunks.length) {
      const i = next++;
      found[i] = (await calls.call(province, '/entries/lookup', { ids: chunks[i]! }, ctx)).entries;
    }
  };
  await Promise.all(Array.from({ length: Math.min(LOOKUP_CONCURRENCY, chunks.length) }, worker));
  // An entry withdrawn between the slice and its look-up is not reported on.
  return found.flat().filter((r) => r.status === 'ACTIVE');
}

export function qualityResolvers({ routing, calls }: DirectoryDeps) {
  const enumOf = (provinceId: string) => routing.provinces.find((p) => p.id === provinceId)?.enumValue ?? provinceId.toUpperCase();
  const ref = (e: QualityEntryRef) => ({ ...e, province: enumOf(e.province) });

  /** The report as the SDL has it: province enum values, the summary's counts as lists. */
  const reportOut = (r: QualityReport, unavailable: ProvinceConfig[]) => ({
    province: enumOf(r.province),
    asOf: r.asOf,
    comparedWith: r.comparedWith.map(enumOf),
    unavailable: unavailable.map((p) => p.enumValue),
    summary: {
      ...r.summary,
      completeness: COMPLETENESS_ISSUES.map((issue) => ({ issue, count: r.summary.completeness[issue] ?? 0 })),
      timeliness: TIMELINESS_ISSUES.map((issue) => ({ issue, count: r.summary.timeliness[issue] ?? 0 })),
    },
    duplicates: r.duplicates.map((g) => ({ ...g, entries: g.entries.map(ref) })),
    completeness: r.completeness.map((f) => ({ ...f, entry: ref(f.entry) })),
    timeliness: r.timeliness.map((f) => ({ ...f, entry: ref(f.entry) })),
  });

  return {
    Query: {
      catalogueQuality: async (_: unknown, args: { province?: string | null }, ctx: GatewayContext) => {
        const own = routing.byProvinceId(ctx.caller.province);
        if (args.province != null && args.province !== own.enumValue) {
          if (!routing.byEnumValue(args.province)) throw badInput(`unknown province ${args.province}`, 'province');
          // As mountJob refuses another province's job: a province's administration is its own.
          throw forbidden(`administrators of ${own.enumValue} see only ${own.enumValue}'s quality report, not ${args.province}'s`);
        }
        const asOf = new Date();
        const others = routing.provinces.filter((p) => p.id !== own.id);
        const [ownEntries, ...otherResults] = await Promise.all([
          gatherEntries(calls, own, ['ORIGINAL', 'MIRROR'], ctx).catch((err: unknown) => {
            if (err instanceof ProvinceUnavailable) throw provinceUnavailable(own, 'the entries to report on');
            throw fromProvinceError(err);
          }),
          ...others.map((p) =>
            gatherEntries(calls, p, ['ORIGINAL'], ctx).then(
              (entries) => ({ province: p, entries }),
              (err: unknown) => {
                if (err instanceof ProvinceUnavailable) return { province: p, entries: null };
                throw fromProvinceError(err);
              },
            ),
          ),
        ]);
        const reached = otherResults.filter((r): r is { province: ProvinceConfig; entries: CatalogueEntryRecord[] } => r.entries !== null);
        const report = analyzeQuality({
          province: own.id,
          entries: ownEntries,
          others: reached.map((r) => ({ province: r.province.id, entries: r.entries })),
          asOf,
        });
        return reportOut(
          report,
          otherResults.filter((r) => r.entries === null).map((r) => r.province),
        );
      },
    },
  };
}
