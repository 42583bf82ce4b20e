// Composes the supergraph once, at start, from the SDL templates (the same code the
// subgraphs serve), so the gateway starts even while a province is down and never
// re-parses the supergraph per request.
import { composeServices } from '@apollo/composition';
import { parse, type GraphQLSchema } from 'graphql';
import type { StackConfig } from '../../common/config.js';
import { LOCAL_SUBGRAPH_NAME, localSdl } from '../../common/schema/local-sdl.js';
import { provinceSdl, provinceSubgraphName } from '../../common/schema/province-sdl.js';

/** The local subgraph never goes over the network; composition still wants a URL. */
const LOCAL_SUBGRAPH_URL = 'local://directory';

function compose(cfg: StackConfig, urlOf: (provinceId: string) => string) {
  const result = composeServices([
    { name: LOCAL_SUBGRAPH_NAME, url: LOCAL_SUBGRAPH_URL, typeDefs: parse(localSdl(cfg.provinces)) },
    ...cfg.provinces.map((p) => ({ name: provinceSubgraphName(p), url: urlOf(p.id), typeDefs: parse(provinceSdl(p)) })),
  ]);
  if (result.errors) {
    throw new Error(`supergraph composition failed:\n${result.errors.map((e) => `  ${e.message}`).join('\n')}`);
  }
  return result;
}

export function composeSupergraph(cfg: StackConfig, urlOf: (provinceId: string) => string): string {
  return compose(cfg, urlOf).supergraphSdl;
}

/** The public (API) schema the gateway serves for this config: what clients' documents validate against. */
export function composeApiSchema(cfg: StackConfig): GraphQLSchema {
  return compose(cfg, (id) => `https://localhost/${id}`)
    .schema.toAPISchema()
    .toGraphQLJSSchema();
}
