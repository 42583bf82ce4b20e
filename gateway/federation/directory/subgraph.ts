// The gateway's local subgraph: serves the cross-province root fields. It decides which province
// owns what (from an entry id's division code, a certificate issuer's division, or the filter),
// merges per-province index slices, and returns typed entity references that the query planner
// resolves in the owning province (docs/DESIGN.md §2).
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/index.js';
import { parse, type GraphQLSchema } from 'graphql';
import type { StackConfig } from '../../../common/config.js';
import { localSdl } from '../../../common/schema/local-sdl.js';
import type { RootFieldTable } from '../../policy/root-fields.js';
import type { GatewayContext } from '../../context.js';
import type { ProvinceClients } from '../province-clients.js';
import { ChangeFeed } from './change-feed.js';
import { entityResolvers } from './entity-resolvers.js';
import { IndexCalls } from './index-calls.js';
import { Routing } from './inputs.js';
import { DirectoryListing } from './listing.js';
import { mountResolvers } from './mount-resolvers.js';
import { mutationResolvers } from './mutation-resolvers.js';
import { qualityResolvers } from './quality-resolvers.js';
import { queryResolvers } from './query-resolvers.js';

export interface DirectorySubgraphOptions {
  cfg: StackConfig;
  clients: ProvinceClients;
  /** MAC key of directory cursors (every replica derives the same one). */
  cursorKey: Buffer;
  /** Root-field rules (from the same SDL): each root resolver re-checks its scope. */
  rootFields: RootFieldTable;
}

export function buildDirectorySubgraph({ cfg, clients, cursorKey, rootFields }: DirectorySubgraphOptions): GraphQLSchema {
  const routing = new Routing(cfg);
  const calls = new IndexCalls(clients);
  const deps = {
    routing,
    calls,
    listing: new DirectoryListing(routing, calls, cursorKey, cfg.gateway.maxPageSize),
    changes: new ChangeFeed(calls, cursorKey),
  };
  const mounts = mountResolvers(deps);
  const resolvers: GraphQLResolverMap<GatewayContext> = {
    CatalogueEntry: { __resolveType: (obj: { __typename: string }) => obj.__typename },
    Query: rootFields.guard('Query', { ...queryResolvers(deps), ...mounts.Query, ...qualityResolvers(deps).Query }),
    Mutation: rootFields.guard('Mutation', { ...mutationResolvers(deps), ...mounts.Mutation }),
    ...entityResolvers(cfg, deps),
  };
  return buildSubgraphSchema({ typeDefs: parse(localSdl(cfg.provinces)), resolvers: resolvers as GraphQLResolverMap<unknown> });
}
