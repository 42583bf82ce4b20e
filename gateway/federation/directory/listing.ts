// One page of a listing (`directory`, `provinceCatalogue`, `mirrors`): checks, the cursor, one
// slice per province in parallel, partial results when a province is down, the merged page.
import type { ProvinceConfig } from '../../../common/config.js';
import { badInput, codedError, provinceUnavailable } from '../../../common/errors.js';
import type { IndexRequest } from '../../../common/index-api.js';
import { listingNode } from '../../../common/schema/listing-fields.js';
import { entryTypeName } from '../../../common/schema/province-sdl.js';
import type { GatewayContext } from '../../context.js';
import { CursorCodec, CursorError } from './cursor.js';
import { fromProvinceError, type IndexCalls } from './index-calls.js';
import { checkFilter, checkPageSize, type Routing } from './inputs.js';
import { assemblePage, directoryQuery, queryFingerprint, type DirectoryFilterInput, type ProvinceResult } from './paging.js';

export interface PageRequest {
  /** Which listing (and whose), so a cursor from one cannot page through another. */
  listing: string;
  provinces: ProvinceConfig[];
  search: string | null;
  filter: DirectoryFilterInput;
  first: number;
  after: string | null | undefined;
}

/** A typed reference the query planner resolves in the owning province (`_entities`). */
export function entryRef(p: ProvinceConfig, id: string) {
  return { __typename: entryTypeName(p), id };
}

export class DirectoryListing {
  private readonly cursors: CursorCodec;

  constructor(
    private readonly routing: Routing,
    private readonly calls: IndexCalls,
    cursorKey: Buffer,
    private readonly maxPage: number,
  ) {
    this.cursors = new CursorCodec(cursorKey);
  }

  async page(ctx: GatewayContext, req: PageRequest) {
    checkPageSize(req.first, this.maxPage);
    checkFilter(req.filter);
    const query = directoryQuery(req.search, req.filter);
    const fingerprint = queryFingerprint(
      req.listing,
      req.provinces.map((p) => p.id),
      query,
    );
    const position = this.position(req.after, fingerprint);
    const results = await Promise.all(req.provinces.map((p) => this.slice(ctx, p, { ...query, after: position, limit: req.first + 1 })));
    if (results.every((r) => r.result === null)) {
      // Nothing to show: fail the field rather than pretend the catalogue is empty (naming the province
      // when the listing was of one).
      const [only] = req.provinces;
      throw req.provinces.length === 1 && only ? provinceUnavailable(only, 'its results') : codedError('PROVINCE_UNAVAILABLE', 'no province could be reached');
    }
    return assemblePage({
      first: req.first,
      results,
      provinceId: (p) => p.id,
      facet: (p) => ({ province: p.enumValue, name: p.name }),
      cursor: (row) => this.cursors.encode(row, fingerprint),
      node: (provinceId, row) => {
        const p = this.routing.byProvinceId(provinceId);
        return listingNode(row, p, entryTypeName(p));
      },
    });
  }

  private position(after: string | null | undefined, fingerprint: string) {
    if (after == null) return null;
    try {
      return this.cursors.decode(after, fingerprint);
    } catch (err) {
      if (err instanceof CursorError) throw badInput(`after: ${err.message}`, 'after');
      throw err;
    }
  }

  /** One province's slice; an unavailable province adds a partial error instead of failing the page. */
  private async slice(ctx: GatewayContext, p: ProvinceConfig, body: IndexRequest<'/slice'>): Promise<ProvinceResult<ProvinceConfig>> {
    try {
      return { province: p, result: await this.calls.call(p, '/slice', body, ctx) };
    } catch (err) {
      const gqlErr = fromProvinceError(err);
      if (gqlErr.extensions.code !== 'PROVINCE_UNAVAILABLE') throw gqlErr;
      ctx.partialErrors.push(gqlErr);
      return { province: p, result: null };
    }
  }
}
