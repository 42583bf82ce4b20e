// How the query planner's fetches leave the gateway. The directory subgraph runs in-process
// with its operations parsed and validated once; province subgraphs are called with one
// undici request over the province's keep-alive mTLS pool (no fetch/Request/Headers objects
// per call: the default fetcher is a main cost of @apollo/gateway, docs/DESIGN.md §7).
import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { type GraphQLError, execute, parse, validate, type DocumentNode, type GraphQLSchema } from 'graphql';
import { BoundedCache } from '../../common/bounded-cache.js';
import { provinceUnavailable } from '../../common/errors.js';
import { CALLER_ASSERTION_HEADER, REQUEST_ID_HEADER } from '../../common/identity/caller-assertion.js';
import type { ProvinceConfig } from '../../common/config.js';
import type { GatewayContext } from '../context.js';
import { ProvinceUnavailable, type ProvinceClients } from './province-clients.js';

type Response = Awaited<ReturnType<GraphQLDataSource<GatewayContext>['process']>>;

/**
 * The directory subgraph, executed in-process. The planner sends the same few subgraph
 * operations again and again, so each is parsed and validated once (bounded cache). The
 * "province unavailable" errors its resolvers collected are added next to its partial data.
 */
export class DirectoryDataSource implements GraphQLDataSource<GatewayContext> {
  // The planner sends the same few operations: parsed and validated once each.
  private readonly documents = new BoundedCache<DocumentNode | readonly GraphQLError[]>(500);

  constructor(private readonly schema: GraphQLSchema) {}

  private document(query: string): DocumentNode | readonly GraphQLError[] {
    let doc = this.documents.get(query);
    if (!doc) {
      try {
        const parsed = parse(query);
        const errors = validate(this.schema, parsed);
        doc = errors.length ? errors : parsed;
      } catch (err) {
        doc = [err as GraphQLError];
      }
      this.documents.set(query, doc);
    }
    return doc;
  }

  async process({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<Response> {
    const doc = this.document(request.query!);
    if (Array.isArray(doc)) return { errors: doc as GraphQLError[] } as Response;
    const response = (await execute({
      schema: this.schema,
      document: doc as DocumentNode,
      contextValue: context,
      variableValues: request.variables,
      operationName: request.operationName,
    })) as Response & { errors?: readonly GraphQLError[] };
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
