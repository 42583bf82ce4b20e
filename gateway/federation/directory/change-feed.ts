// `catalogueChanges`: a province's change feed through the gateway. The cursor is the feed position,
// integrity-protected and bound to the province (a cursor of another province's feed, or an altered
// one, is BAD_USER_INPUT), with the key every replica shares, so a cursor outlives restarts and works
// on any replica. The province itself decides what the caller may see (NOT_SHARED entries of another
// province never appear).
import type { ProvinceConfig } from '../../../common/config.js';
import { badInput } from '../../../common/errors.js';
import type { GatewayContext } from '../../context.js';
import { CursorCodec, CursorError } from './cursor.js';
import type { IndexCalls } from './index-calls.js';
import { checkPageSize } from './inputs.js';

const MAX_CHANGES_PAGE = 1000;

export class ChangeFeed {
  private readonly cursors: CursorCodec;

  constructor(
    private readonly calls: IndexCalls,
    cursorKey: Buffer,
  ) {
    this.cursors = new CursorCodec(cursorKey);
  }

  async page(ctx: GatewayContext, province: ProvinceConfig, first: number, after: string | null | undefined) {
    checkPageSize(first, MAX_CHANGES_PAGE);
    const fingerprint = `changes:${province.id}`;
    const position = after == null ? null : this.position(after, fingerprint);
    const page = await this.calls.callOrFail(province, '/changes', { after: position, limit: first }, ctx);
    const edges = page.items.map(({ position: at, ...node }) => ({ cursor: this.cursors.encode({ name: '', id: String(at) }, fingerprint), node }));
    return { edges, pageInfo: { hasNextPage: page.hasMore, endCursor: edges.at(-1)?.cursor ?? after ?? null } };
  }

  private position(cursor: string, fingerprint: string): number {
    try {
      const position = Number(this.cursors.decode(cursor, fingerprint).id);
      if (Number.isSafeInteger(position) && position >= 0) return position;
    } catch (err) {
      if (!(err instanceof CursorError)) throw err;
    }
    throw badInput('after: not a cursor of this province’s change feed', 'after');
  }
}
