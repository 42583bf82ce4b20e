// The directory's calls to a province's index API, typed by path (common/index-api.ts): the
// request's caller and Idempotency-Key go with them, and a province's refusal or absence becomes the
// GraphQL error the caller sees.
import type { GraphQLError } from 'graphql';
import type { ProvinceConfig } from '../../../common/config.js';
import { codedError, provinceUnavailable, type ErrorCode } from '../../../common/errors.js';
import type { IndexAnswers, IndexPath, IndexRequest } from '../../../common/index-api.js';
import type { GatewayContext } from '../../context.js';
import { ProvinceRefused, ProvinceUnavailable, type ProvinceClients } from '../province-clients.js';

/** A province's refusal or absence as the caller's error; anything else is a bug and rethrown. */
export function fromProvinceError(err: unknown): GraphQLError {
  if (err instanceof ProvinceUnavailable) return provinceUnavailable(err.province, 'its results');
  if (err instanceof ProvinceRefused) return codedError(err.code as ErrorCode, err.message);
  throw err;
}

export class IndexCalls {
  constructor(private readonly clients: ProvinceClients) {}

  /**
   * Calls `path` in `province` as the request's caller. `write`: this call is the write itself
   * (into the caller's own province), so the client's Idempotency-Key goes with it.
   */
  call<P extends IndexPath>(province: ProvinceConfig, path: P, body: IndexRequest<P>, ctx: GatewayContext, write = false): Promise<IndexAnswers[P]> {
    const headers = write && ctx.idempotencyKey ? { 'idempotency-key': ctx.idempotencyKey } : undefined;
    return this.clients.callIndex<IndexAnswers[P]>(province, path, body, ctx.caller, headers, ctx.touched);
  }

  /** Like `call`, with a province's refusal or absence turned into the caller's GraphQL error. */
  async callOrFail<P extends IndexPath>(
    province: ProvinceConfig,
    path: P,
    body: IndexRequest<P>,
    ctx: GatewayContext,
    write = false,
  ): Promise<IndexAnswers[P]> {
    try {
      return await this.call(province, path, body, ctx, write);
    } catch (err) {
      throw fromProvinceError(err);
    }
  }
}
