// The province subgraph's GraphQL schema: its region-named entry and certificate types, resolved
// by reference only (the gateway's planner asks for them with `_entities`), with the province's
// own policy applied again (defence in depth).
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/index.js';
import { parse, type GraphQLSchema } from 'graphql';
import type { ProvinceConfig } from '../../common/config.js';
import { forbidden } from '../../common/errors.js';
import { hasScope, type Caller } from '../../common/identity/caller.js';
import { certificateTypeName, entryTypeName, provinceSdl } from '../../common/schema/province-sdl.js';
import type { CertificateStore } from './certificates/certificate-store.js';
import { toGraphQLCertificate, toGraphQLEntry } from './entry-graphql.js';
import { canRead, isVisibleTo } from './policy.js';
import type { CatalogueStore } from './store/store.js';

export interface SubgraphContext {
  caller: Caller;
}

export function buildProvinceSchema(province: ProvinceConfig, store: CatalogueStore, certificates: CertificateStore, sealKid: string): GraphQLSchema {
  const entryType = entryTypeName(province);
  const certificateType = certificateTypeName(province);
  const resolvers: GraphQLResolverMap<SubgraphContext> = {
    [entryType]: {
      async __resolveReference(ref: { id: string }, ctx: SubgraphContext) {
        if (!canRead(ctx.caller)) throw forbidden('catalogue:read is required');
        const rec = await store.getEntry(ref.id);
        // NOT_SHARED entries do not exist for callers of other provinces.
        if (!rec || !isVisibleTo(rec, ctx.caller, province)) return null;
        return toGraphQLEntry(rec, province, entryType);
      },
    },
    [certificateType]: {
      async __resolveReference(ref: { id: string }, ctx: SubgraphContext) {
        if (!hasScope(ctx.caller, 'certificate:verify')) throw forbidden('certificate:verify is required');
        const rec = await certificates.get(ref.id);
        return rec ? toGraphQLCertificate(rec, province, certificateType, sealKid) : null;
      },
    },
  };
  return buildSubgraphSchema({ typeDefs: parse(provinceSdl(province)), resolvers: resolvers as GraphQLResolverMap<unknown> });
}
