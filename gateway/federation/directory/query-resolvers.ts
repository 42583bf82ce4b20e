// Root query fields of the directory. Each returns typed references (or a page of them) that the
// query planner resolves in the owning province; scopes are checked by the root-field guard.
import { badInput } from '../../../common/errors.js';
import { certificateTypeName } from '../../../common/schema/province-sdl.js';
import type { MirrorState } from '../../../domain/catalogue.js';
import type { GatewayContext } from '../../context.js';
import type { DirectoryDeps } from './deps.js';
import { cleanSearch } from './inputs.js';
import { entryRef } from './listing.js';
import type { DirectoryFilterInput } from './paging.js';

/** `entries(ids:)`: as many ids as one province look-up takes. */
const MAX_ENTRIES = 100;

interface ListingArgs {
  search?: string | null;
  filter?: DirectoryFilterInput | null;
  first: number;
  after?: string | null;
}

export function queryResolvers({ routing, listing, changes }: DirectoryDeps) {
  return {
    provinces: () =>
      routing.provinces.map((p) => ({
        province: p.enumValue,
        divisionCode: p.divisionCode,
        name: p.name,
        platform: p.platform.name,
        platformRomanized: p.platform.romanized,
      })),

    directory: (_: unknown, args: ListingArgs, ctx: GatewayContext) => {
      const filter = args.filter ?? {};
      // One resource, one row: a mounted entry is listed as its source (with mountedIn); its mirrors
      // are in provinceCatalogue and mirrors, so totals and facets count resources, not copies.
      if (filter.kinds?.some((k) => k !== 'ORIGINAL')) {
        throw badInput(
          'kinds: the directory lists each resource once, as its original entry; mirrors are listed by provinceCatalogue and mirrors',
          'filter.kinds',
        );
      }
      const provinces = filter.provinces?.length ? routing.provinces.filter((p) => filter.provinces!.includes(p.enumValue)) : routing.provinces;
      return listing.page(ctx, { listing: 'directory', provinces, search: cleanSearch(args.search), filter, first: args.first, after: args.after });
    },

    provinceCatalogue: (_: unknown, args: ListingArgs & { province: string }, ctx: GatewayContext) => {
      const p = routing.byEnumValue(args.province);
      if (!p) throw badInput(`unknown province ${args.province}`, 'province');
      // A province's own catalogue lists its mirrors too (the directory, by default, only originals).
      const filter = { ...(args.filter ?? {}), kinds: args.filter?.kinds ?? ['ORIGINAL' as const, 'MIRROR' as const] };
      return listing.page(ctx, { listing: `province:${p.id}`, provinces: [p], search: cleanSearch(args.search), filter, first: args.first, after: args.after });
    },

    entry: (_: unknown, args: { id: string }) => entryRef(routing.provinceOfId(args.id).province, args.id),

    certificate: (_: unknown, args: { identifier: string }) => ({
      __typename: certificateTypeName(routing.issuingProvince(args.identifier)),
      id: args.identifier,
    }),

    catalogueChanges: (_: unknown, args: { province: string; after?: string | null; first: number }, ctx: GatewayContext) => {
      const p = routing.byEnumValue(args.province);
      if (!p) throw badInput(`unknown province ${args.province}`, 'province');
      return changes.page(ctx, p, args.first, args.after);
    },

    entries: (_: unknown, args: { ids: string[] }) => {
      if (args.ids.length > MAX_ENTRIES) throw badInput(`ids: at most ${MAX_ENTRIES} ids`, 'ids');
      return args.ids.map((id, i) => entryRef(routing.provinceOfId(id, `ids[${i}]`).province, id));
    },

    mirrors: (_: unknown, args: { includeWithdrawn: boolean; states?: MirrorState[] | null; first: number; after?: string | null }, ctx: GatewayContext) => {
      const own = routing.byProvinceId(ctx.caller.province);
      return listing.page(ctx, {
        listing: `mirrors:${own.id}`,
        provinces: [own],
        search: null,
        // A state asked for by name is listed whatever it is (WITHDRAWN and UNSHARED mirrors are hidden otherwise).
        filter: { kinds: ['MIRROR'], includeWithdrawn: args.includeWithdrawn || Boolean(args.states?.length), mirrorStates: args.states ?? null },
        first: args.first,
        after: args.after,
      });
    },
  };
}
