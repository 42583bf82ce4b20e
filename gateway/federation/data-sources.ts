// How the query planner's fetches leave the gateway. The directory subgraph runs in-process
// with its operations validated and compiled once; province subgraphs are called with one
// undici request over the province's keep-alive mTLS pool (no fetch/Request/Headers objects
// per call: the default fetcher is a main cost of @apollo/gateway, docs/DESIGN.md §7).
import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { type GraphQLError, parse, validate, type GraphQLSchema } from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import { BoundedCache } from '../../common/bounded-cache.js';
import { provinceUnavailable } from '../../common/errors.js';
import { CALLER_ASSERTION_HEADER, REQUEST_ID_HEADER } from '../../common/identity/caller-assertion.js';
import type { ProvinceConfig } from '../../common/config.js';
import type { GatewayContext } from '../context.js';
import { ProvinceUnavailable, type ProvinceClients } from './province-clients.js';

type Response = Awaited<ReturnType<GraphQLDataSource<GatewayContext>['process']>>;

/**
 * The directory subgraph, executed in-process. The planner sends the same few subgraph
 * operations again and again, so each is parsed and validated once (bounded cache) and compiled
 * by graphql-jit into a function that resolves exactly its selection (a page of 20 nodes is ~300
 * fields, which graphql-js's generic executor walks one by one: ~15 % of the gateway's CPU per
 * directory search, measured with `npm run bench`). The "province unavailable" errors its
 * resolvers collected are added next to its partial data.
 */
export class DirectoryDataSource implements GraphQLDataSource<GatewayContext> {
  // The planner sends the same few operations: compiled once each, per operation name.
  private readonly documents = new BoundedCache<CompiledQuery | readonly GraphQLError[]>(500);

  constructor(private readonly schema: GraphQLSchema) {}

  private compiled(query: string, operationName: string | undefined): CompiledQuery | readonly GraphQLError[] {
    const key = `${operationName ?? ''}\n${query}`;
    let doc = this.documents.get(key);
    if (!doc) {
      try {
        const parsed = parse(query);
        const errors = validate(this.schema, parsed);
        if (errors.length) doc = errors;
        else {
          const c = compileQuery(this.schema, parsed, operationName);
          doc = isCompiledQuery(c) ? c : (c.errors ?? []);
        }
      } catch (err) {
        doc = [err as GraphQLError];
      }
      this.documents.set(key, doc);
    }
    return doc;
  }

  async process({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<Response> {
    const doc = this.compiled(request.query!, request.operationName);
    if (Array.isArray(doc)) return { errors: doc as GraphQLError[] } as Response;
    const response = (await (doc as CompiledQuery).query(undefined, context, request.variables ?? {})) as Response & { errors?: readonly GraphQLError[] };
    if (context?.partialErrors?.length) {
      (response as { errors?: readonly GraphQLError[] }).errors = [...(response.errors ?? []), ...context.partialErrors];
      context.partialErrors = [];
    }
    return response;
  }
}

export class ProvinceDataSource implements GraphQLDataSource<GatewayContext> {
  private readonly province: ProvinceConfig;

  constructor(
    private readonly provinceId: string,
    private readonly clients: ProvinceClients,
  ) {
    this.province = clients.cfg.provinces.find((x) => x.id === provinceId)!;
  }

  async process({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<Response> {
    const province = this.province;
    const caller = context?.caller;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (caller) {
      headers[CALLER_ASSERTION_HEADER] = await this.clients.assertion(caller, this.provinceId);
      headers[REQUEST_ID_HEADER] = caller.requestId;
    }
    const body = JSON.stringify({ query: request.query, variables: request.variables, operationName: request.operationName });
    try {
      return (await this.clients.postGraphql(province, body, headers, caller ? context.touched : undefined)) as Response;
    } catch (err) {
      if (!(err instanceof ProvinceUnavailable)) throw err;
      // A fetch that fails outright (unreachable, timeout, open circuit) names the province.
      throw provinceUnavailable(province, 'its fields');
    }
  }
}
