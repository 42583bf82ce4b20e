// The fields the directory contributes to every province's entry type: a mirror's source (a
// typed reference, so the planner joins across subgraphs), the state of that source, and the
// provinces the entry is mounted in.
import type { StackConfig } from '../../../common/config.js';
import { provinceByDivision } from '../../../common/config.js';
import type { MirrorSourceState } from '../../../common/schema/enums.js';
import { entryTypeName } from '../../../common/schema/province-sdl.js';
import type { CatalogueEntryRecord } from '../../../domain/catalogue.js';
import { parseEntryId } from '../../../domain/entry-id.js';
import type { GatewayContext } from '../../context.js';
import { ProvinceUnavailable } from '../province-clients.js';
import type { DirectoryDeps } from './deps.js';
import { fromProvinceError } from './index-calls.js';
import { entryRef } from './listing.js';
import { MountedIn } from './mounted-in.js';

interface EntryReference {
  id: string;
  mirrorRegisteredSourceVersion?: number | null;
}

type SourceLookup = CatalogueEntryRecord | null | 'UNAVAILABLE';

/** A mirror's source id, or null for an original (or an id the directory cannot route). */
function mirrorSourceOf(id: string): { sourceId: string; sourceDivisionCode: string } | null {
  const parsed = parseEntryId(id);
  if (!parsed.ok || parsed.value.kind !== 'MIRROR' || !parsed.value.sourceId) return null;
  return { sourceId: parsed.value.sourceId, sourceDivisionCode: parsed.value.sourceDivisionCode! };
}

/** Compares the registered source version with the source as it is now. */
export function mirrorSourceState(registeredVersion: number | null | undefined, source: SourceLookup): MirrorSourceState {
  if (source === 'UNAVAILABLE') return 'UNAVAILABLE';
  if (!source) return 'GONE';
  if (source.status === 'WITHDRAWN') return 'WITHDRAWN';
  return source.version !== registeredVersion ? 'CHANGED' : 'CURRENT';
}

export function entityResolvers(cfg: StackConfig, { routing, calls }: DirectoryDeps) {
  const mounted = new MountedIn(cfg.provinces, calls);
  /** Current state of a mirror's source, looked up once per request per source. */
  const lookupSource = (ctx: GatewayContext, sourceId: string): Promise<SourceLookup> => {
    const key = `source:${sourceId}`;
    let hit = ctx.memo.get(key) as Promise<SourceLookup> | undefined;
    if (!hit) {
      const { province } = routing.provinceOfId(sourceId, 'sourceId');
      hit = calls
        .call(province, '/entries/lookup', { ids: [sourceId] }, ctx)
        .then((r) => r.entries.find((e) => e.id === sourceId) ?? null)
        .catch((err: unknown) => {
          if (err instanceof ProvinceUnavailable) return 'UNAVAILABLE' as const;
          throw fromProvinceError(err);
        });
      ctx.memo.set(key, hit);
    }
    return hit;
  };

  const fields = {
    __resolveReference: (r: EntryReference) => r,
    mirrorSource: (r: EntryReference) => {
      const m = mirrorSourceOf(r.id);
      const src = m && provinceByDivision(cfg, m.sourceDivisionCode);
      return m && src ? entryRef(src, m.sourceId) : null;
    },
    mountedIn: (r: EntryReference, _args: unknown, ctx: GatewayContext): Promise<string[]> => {
      // A mirror stands for its source: the resource is mounted where the source is.
      const m = mirrorSourceOf(r.id);
      const id = m ? m.sourceId : r.id;
      const owner = m ? provinceByDivision(cfg, m.sourceDivisionCode) : routing.provinceOfId(r.id).province;
      return owner ? mounted.of(ctx, owner, id) : Promise.resolve([]);
    },
    mirrorSourceState: async (r: EntryReference, _args: unknown, ctx: GatewayContext): Promise<MirrorSourceState | null> => {
      const m = mirrorSourceOf(r.id);
      return m ? mirrorSourceState(r.mirrorRegisteredSourceVersion, await lookupSource(ctx, m.sourceId)) : null;
    },
  };
  return Object.fromEntries(cfg.provinces.map((p) => [entryTypeName(p), fields]));
}
