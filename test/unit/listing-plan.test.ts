// A listing page is answered from the provinces' slices alone: the directory subgraph provides the
// listing fields (common/schema/listing-fields.ts), so the query planner sends no `_entities` fetch
// for them, and still fetches any other field from the owning province. Checked on the plans the
// gateway's own planner builds for the composed supergraph.
import { Supergraph, operationFromDocument } from '@apollo/federation-internals';
import { QueryPlanner, prettyFormatQueryPlan } from '@apollo/query-planner';
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { parse } from 'graphql';
import { loadStackConfig } from '../../common/config.js';
import { composeSupergraph } from '../../gateway/federation/supergraph.js';

const cfg = loadStackConfig();
const supergraph = Supergraph.build(composeSupergraph(cfg, (id) => `https://${id}.invalid/graphql`));
const planner = new QueryPlanner(supergraph);

/** The subgraphs a query's plan fetches from. */
function servicesOf(query: string): string[] {
  const plan = prettyFormatQueryPlan(planner.buildQueryPlan(operationFromDocument(supergraph.schema, parse(query))));
  return [...new Set([...plan.matchAll(/Fetch\(service: "([^"]+)"/g)].map((m) => m[1]!))].sort();
}

describe('listing pages and the query plan', () => {
  it("the console's directory page (ListingPage) is one fetch, to the directory alone", () => {
    const dir = 'console/src/operations';
    const query = `${readFileSync(`${dir}/DirectorySearch.graphql`, 'utf8')}\n${readFileSync(`${dir}/fragments/ListingPage.graphql`, 'utf8')}`;
    assert.deepEqual(servicesOf(query), ['directory']);
  });

  it('so are the province catalogue and the mirrors listing with the same fields', () => {
    const fields = 'nodes { id name sharingType grade status version provider { name creditCode } region { name platform } }';
    assert.deepEqual(servicesOf(`{ provinceCatalogue(province: SICHUAN, first: 5) { ${fields} } }`), ['directory']);
  });

  it('a field beyond the listing (abstract, dataItems) is still fetched from each owning province', () => {
    assert.deepEqual(servicesOf('{ directory(first: 5) { nodes { id name abstract dataItems { name } } } }'), ['chongqing', 'directory', 'sichuan']);
  });

  it('an entry looked up by id gets its fields from its province, not from the directory', () => {
    assert.deepEqual(servicesOf('{ entry(id: "x") { name sharingType } }'), ['chongqing', 'directory', 'sichuan']);
  });
});
