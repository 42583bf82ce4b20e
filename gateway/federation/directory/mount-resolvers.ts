// Root fields of whole-catalogue mounting (目录互挂) and sync: jobs are created, listed and cancelled
// in the caller's own province, which keeps them and whose sync worker runs them; a change waiting
// for review is accepted with the source as it is now, looked up in its province as the caller.
import type { ProvinceConfig } from '../../../common/config.js';
import { badInput, codedError, forbidden } from '../../../common/errors.js';
import type { CatalogueEntryRecord, MirrorState } from '../../../domain/catalogue.js';
import { MIRROR_STATES } from '../../../domain/catalogue.js';
import { mountJobDivision, type MountJobState } from '../../../domain/mount-job.js';
import type { MountJobRecord } from '../../../subgraphs/catalogue/store/mirror-sync.js';
import type { GatewayContext } from '../../context.js';
import type { DirectoryDeps } from './deps.js';
import { entryRef } from './listing.js';
import type { DirectoryFilterInput } from './paging.js';
import { checkApprovalRef, checkFilter } from './inputs.js';
import { mountableGrades } from '../../../domain/grading.js';

const MAX_JOBS_PAGE = 100;

export function mountResolvers({ routing, calls }: DirectoryDeps) {
  const own = (ctx: GatewayContext) => routing.byProvinceId(ctx.caller.province);
  const enumOf = (provinceId: string) => routing.provinces.find((p) => p.id === provinceId)?.enumValue ?? provinceId.toUpperCase();
  const jobOut = (province: ProvinceConfig, job: MountJobRecord) => ({ ...job, source: enumOf(job.source), province: province.enumValue });

  /** The province holding a job, from its id; only its own administrators may touch it. */
  const jobProvince = (id: string, ctx: GatewayContext): ProvinceConfig => {
    const division = mountJobDivision(id);
    const province = division ? routing.provinces.find((p) => p.divisionCode === division) : undefined;
    if (!province) throw badInput('id: not a mount job id', 'id');
    if (province.id !== ctx.caller.province) throw forbidden(`mount job ${id} belongs to ${province.enumValue}; only its administrators may see or cancel it`);
    return province;
  };

  return {
    Query: {
      mountJob: async (_: unknown, args: { id: string }, ctx: GatewayContext) => {
        const province = jobProvince(args.id, ctx);
        const r = await calls.callOrFail(province, '/mount-jobs/list', { ids: [args.id], limit: 1 }, ctx);
        return r.jobs[0] ? jobOut(province, r.jobs[0]) : null;
      },

      mountJobs: async (_: unknown, args: { states?: MountJobState[] | null; first: number }, ctx: GatewayContext) => {
        if (!Number.isInteger(args.first) || args.first < 1 || args.first > MAX_JOBS_PAGE) throw badInput(`first: 1 to ${MAX_JOBS_PAGE}`, 'first');
        const province = own(ctx);
        const r = await calls.callOrFail(province, '/mount-jobs/list', { limit: args.first, ...(args.states?.length ? { states: args.states } : {}) }, ctx);
        return r.jobs.map((j) => jobOut(province, j));
      },

      mirrorSyncStatus: async (_: unknown, _args: unknown, ctx: GatewayContext) => {
        const province = own(ctx);
        const r = await calls.callOrFail(province, '/mirrors/status', {}, ctx);
        const now = Date.now();
        return {
          province: province.enumValue,
          states: MIRROR_STATES.map((state: MirrorState) => ({ state, count: r.states[state] ?? 0 })),
          sources: routing.provinces
            .filter((p) => p.id !== province.id)
            .map((p) => {
              const c = r.cursors.find((x) => x.source === p.id);
              return {
                source: p.enumValue,
                checkedAt: c?.checkedAt ?? null,
                // How stale the mirrors may be: the time since the feed was last read to its end.
                lagSeconds: c?.checkedAt ? Math.max(0, (now - Date.parse(c.checkedAt)) / 1000) : null,
                lastChangeAt: c?.lastChangeAt ?? null,
                lastError: c?.lastError ?? null,
                nextAttemptAt: c?.nextAttemptAt ?? null,
                changesRead: c?.applied ?? 0,
              };
            }),
        };
      },
    },

    Mutation: {
      mountCatalogue: async (
        _: unknown,
        args: { source: string; filter?: DirectoryFilterInput | null; province?: string | null; approvalRef?: string | null },
        ctx: GatewayContext,
      ) => {
        const into = routing.requireOwn(ctx.caller.province, args.province ?? own(ctx).enumValue);
        const source = routing.byEnumValue(args.source);
        if (!source) throw badInput(`unknown province ${args.source}`, 'source');
        if (source.id === into.id) throw badInput(`source: ${into.enumValue} cannot mount its own catalogue`, 'source');
        const { provinces, kinds, includeWithdrawn, mirrorStates: _states, ...filter } = args.filter ?? {};
        if (provinces?.length) throw badInput('filter.provinces: a job mounts one source province; name it as source', 'filter.provinces');
        if (kinds?.some((k) => k !== 'ORIGINAL')) throw badInput('filter.kinds: only original entries can be mounted', 'filter.kinds');
        if (includeWithdrawn) throw badInput('filter.includeWithdrawn: withdrawn entries cannot be mounted', 'filter.includeWithdrawn');
        if (filter.sharingTypes?.includes('NOT_SHARED')) {
          throw badInput('filter.sharingTypes: NOT_SHARED entries are never shared with another province', 'filter.sharingTypes');
        }
        checkFilter(filter);
        const approvalRef = checkApprovalRef(args.approvalRef);
        if (filter.grades?.includes('CORE')) throw badInput('filter.grades: CORE entries are never mounted into another province', 'filter.grades');
        const mountable = mountableGrades(approvalRef);
        if (filter.grades?.length && !filter.grades.some((g) => mountable.includes(g))) {
          throw codedError('APPROVAL_REQUIRED', 'filter.grades: IMPORTANT entries are mounted only with an approvalRef (审批文号)');
        }
        const r = await calls.callOrFail(into, '/mount-jobs/create', { source: source.id, filter, approvalRef }, ctx, true);
        return jobOut(into, r.job);
      },

      cancelMountJob: async (_: unknown, args: { id: string }, ctx: GatewayContext) => {
        const province = jobProvince(args.id, ctx);
        const r = await calls.callOrFail(province, '/mount-jobs/cancel', { id: args.id }, ctx, true);
        return jobOut(province, r.job);
      },

      acceptMirrorChange: async (_: unknown, args: { id: string }, ctx: GatewayContext) => {
        const { province, parsed } = routing.provinceOfId(args.id);
        const into = routing.requireOwn(ctx.caller.province, province.enumValue);
        if (parsed.kind !== 'MIRROR' || !parsed.sourceId) throw badInput('id: not a mirror', 'id');
        const sourceId = parsed.sourceId;
        const source = routing.provinceOfId(sourceId).province;
        const found = await calls.callOrFail(source, '/entries/lookup', { ids: [sourceId] }, ctx);
        const record: CatalogueEntryRecord | undefined = found.entries.find((e) => e.id === sourceId);
        if (record?.status !== 'ACTIVE') {
          throw codedError('MIRROR_SOURCE_UNAVAILABLE', `${sourceId} is not an active entry that ${source.enumValue} shares with other provinces`);
        }
        const r = await calls.callOrFail(into, '/mirrors/accept', { id: args.id, source: record as unknown as Record<string, unknown> }, ctx, true);
        return { entry: entryRef(into, r.entry.id), created: false };
      },
    },
  };
}
