// `mountedIn`: the provinces that hold an active mirror of an entry. A mirror's id is its mounting
// province's division plus the source id (domain/entry-id.ts), so the answer is one look-up per other
// province, batched: the entries of one `_entities` call resolve in the same tick, and each province
// is asked once for all of them.
import type { ProvinceConfig } from '../../../common/config.js';
import { isMountedMirror } from '../../../domain/catalogue.js';
import { mirrorEntryId } from '../../../domain/entry-id.js';
import type { GatewayContext } from '../../context.js';
import { ProvinceUnavailable } from '../province-clients.js';
import { fromProvinceError, type IndexCalls } from './index-calls.js';

// The index API's look-up takes at most this many ids (common/index-api.ts).
const LOOKUP_MAX = 200;

interface Batch {
  ids: Set<string>;
  result: Promise<Set<string>>;
}

export class MountedIn {
  constructor(
    private readonly provinces: readonly ProvinceConfig[],
    private readonly calls: IndexCalls,
  ) {}

  /** Provinces (enum values) other than the owner with a mounted mirror of `sourceId` (isMountedMirror). */
  async of(ctx: GatewayContext, owner: ProvinceConfig, sourceId: string): Promise<string[]> {
    const others = this.provinces.filter((p) => p.id !== owner.id);
    const found = await Promise.all(
      others.map(async (q) => {
        const mirrorId = mirrorEntryId(q.divisionCode, sourceId);
        return (await this.activeIn(ctx, q, mirrorId)).has(mirrorId) ? q.enumValue : null;
      }),
    );
    return found.filter((p): p is string => p !== null);
  }

  // Open batches per request and province; a batch closes when its look-up starts.
  private readonly open = new WeakMap<GatewayContext, Map<string, Batch>>();

  /** The ids of this batch that are active entries in `province` (one call per province per tick). */
  private activeIn(ctx: GatewayContext, province: ProvinceConfig, id: string): Promise<Set<string>> {
    let batches = this.open.get(ctx);
    if (!batches) {
      batches = new Map();
      this.open.set(ctx, batches);
    }
    let batch = batches.get(province.id);
    if (!batch) {
      const ids = new Set<string>();
      const result = Promise.resolve().then(async () => {
        batches.delete(province.id); // later ticks start a new batch
        const active = new Set<string>();
        try {
          const all = [...ids];
          for (let i = 0; i < all.length; i += LOOKUP_MAX) {
            const r = await this.calls.call(province, '/entries/lookup', { ids: all.slice(i, i + LOOKUP_MAX) }, ctx);
            for (const e of r.entries) if (isMountedMirror(e)) active.add(e.id);
          }
        } catch (err) {
          if (!(err instanceof ProvinceUnavailable)) throw fromProvinceError(err);
          // Unknown, not "none": the caller is told that province's answers are missing.
          ctx.partialErrors.push(fromProvinceError(err));
        }
        return active;
      });
      batch = { ids, result };
      batches.set(province.id, batch);
    }
    batch.ids.add(id);
    return batch.result;
  }
}
