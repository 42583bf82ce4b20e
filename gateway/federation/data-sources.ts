// How the query planner's fetches leave the gateway: the directory subgraph runs
// in-process; province subgraphs are called over mTLS with a fresh caller assertion.
import { LocalGraphQLDataSource, RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { GraphQLError, type GraphQLSchema } from 'graphql';
import { CALLER_ASSERTION_HEADER } from '../../common/identity/caller-assertion.js';
import type { GatewayContext } from './context.js';
import type { ProvinceClients } from './province-clients.js';

/** Adds the directory's "province unavailable" errors next to its partial data. */
export class DirectoryDataSource extends LocalGraphQLDataSource<GatewayContext> {
  override async process(options: GraphQLDataSourceProcessOptions<GatewayContext>) {
    const response = await super.process(options);
    const ctx = options.context;
    if (ctx?.partialErrors?.length) {
      response.errors = [...(response.errors ?? []), ...ctx.partialErrors];
      ctx.partialErrors = [];
    }
    return response;
  }
}

export class ProvinceDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(
    private readonly provinceId: string,
    url: string,
    private readonly clients: ProvinceClients,
  ) {
    super({ url, fetcher: clients.fetcher(provinceId) as never });
  }

  /** A fetch that fails outright (unreachable, timeout, open circuit) names the province. */
  override async process(options: GraphQLDataSourceProcessOptions<GatewayContext>) {
    try {
      return await super.process(options);
    } catch (err) {
      if (err instanceof GraphQLError && typeof err.extensions?.code === 'string' && err.extensions.code !== 'INTERNAL_SERVER_ERROR') throw err;
      const p = this.clients.cfg.provinces.find((x) => x.id === this.provinceId)!;
      throw new GraphQLError(`${p.enumValue} (${p.platform.name} ${p.platform.romanized}) is unavailable; its fields are missing`, {
        extensions: { code: 'PROVINCE_UNAVAILABLE', province: p.enumValue },
      });
    }
  }

  override async willSendRequest(options: GraphQLDataSourceProcessOptions<GatewayContext>) {
    const caller = options.context?.caller;
    const headers = options.request.http?.headers;
    if (!caller || !headers) return;
    options.context.touched?.add(this.provinceId);
    headers.set(CALLER_ASSERTION_HEADER, await this.clients.assertion(caller, this.provinceId));
    headers.set('x-request-id', caller.requestId);
  }
}

export function localDataSource(schema: GraphQLSchema) {
  return new DirectoryDataSource(schema);
}
