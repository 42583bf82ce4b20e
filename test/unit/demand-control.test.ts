// The cost model of demand control (gateway/policy/demand-control.ts) against the gateway's real API
// schema: what each part of a document costs, so the e2e budget tests can be read as arithmetic.
import { strict as assert } from 'node:assert';
import { Kind, parse, type OperationDefinitionNode } from 'graphql';
import { loadStackConfig } from '../../common/config.js';
import { composeApiSchema } from '../../gateway/federation/supergraph.js';
import { BUILT_IN_WEIGHTS, CostModel, type DemandControlConfig } from '../../gateway/policy/demand-control.js';

describe('demand control: the cost model', () => {
  const schema = composeApiSchema(loadStackConfig());
  const model = (cfg: Partial<DemandControlConfig> = {}) => new CostModel({ maxCost: 5000, defaultListSize: 10, weights: {}, ...cfg });
  const cost = (query: string, variables?: Record<string, unknown>, m = model()) => {
    const doc = parse(query);
    const op = doc.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
    return m.estimate(schema, doc, op, variables);
  };
  const directory = BUILT_IN_WEIGHTS['Query.directory']!;

  it('objects cost 1, leaves 0, a mutation root field 10', () => {
    assert.equal(cost('{ provinces { name province } }'), 10 * 1, 'a list without a size argument: defaultListSize items');
    assert.equal(cost('{ entry(id: "x") { id name provider { name } region { name } } }'), 1 + 1 + 1);
    assert.equal(cost('mutation { cancelMountJob(id: "x") { id state } }'), 10);
    assert.equal(cost('{ __typename }'), 0);
  });

  it('a connection: first times the selection of its lists, once for the rest', () => {
    assert.equal(cost('{ directory(first: 7) { totalCount nodes { id name } } }'), directory + 7 * 1);
    assert.equal(cost('{ directory(first: 7) { edges { cursor node { id } } nodes { id } pageInfo { endCursor } } }'), directory + 7 * (1 + 1) + 7 * 1 + 1);
    // facets are not sized by first: each facet list has defaultListSize items.
    assert.equal(cost('{ directory(first: 7) { facets { provinces { count } sharingTypes { count } } } }'), directory + 1 + 10 + 10);
    // Without first, the SDL default (20).
    assert.equal(cost('{ directory { nodes { id } } }'), directory + 20);
  });

  it('first and ids from variables, their defaults, and literals', () => {
    const q = 'query($first: Int) { directory(first: $first) { nodes { id } } }';
    assert.equal(cost(q, { first: 50 }), directory + 50);
    assert.equal(cost(q, {}), directory + 20, 'not given: the argument default');
    assert.equal(cost('query($first: Int = 3) { directory(first: $first) { nodes { id } } }', {}), directory + 3, 'the variable default');
    assert.equal(cost('query($ids: [ID!]!) { entries(ids: $ids) { id provider { name } } }', { ids: ['a', 'b', 'c'] }), 3 * (1 + 1));
    assert.equal(cost('{ entries(ids: ["a", "b"]) { id } }'), 2);
    assert.equal(cost('query($n: Int) { mountJobs(first: $n) { id } }', { n: 4 }), 4);
  });

  it('cross-province fields weigh what they cost (interface weights apply to every province type)', () => {
    const entry = '{ entry(id: "x") { mirrorSource { id } mirrorSourceState mountedIn } }';
    const expected =
      1 +
      BUILT_IN_WEIGHTS['CatalogueEntry.mirrorSource']! +
      BUILT_IN_WEIGHTS['CatalogueEntry.mirrorSourceState']! +
      BUILT_IN_WEIGHTS['CatalogueEntry.mountedIn']!;
    assert.equal(cost(entry), expected);
    assert.equal(cost(entry, undefined, model({ weights: { 'CatalogueEntry.mountedIn': 50 } })), expected - BUILT_IN_WEIGHTS['CatalogueEntry.mountedIn']! + 50);
    assert.equal(
      cost('{ entry(id: "x") { ... on SichuanCatalogueEntry { mountedIn } } }', undefined, model({ weights: { 'SichuanCatalogueEntry.mountedIn': 7 } })),
      1 + 7,
    );
  });

  it('fragments: on an abstract type the costliest type condition counts, fragments are followed once', () => {
    const q = `{ entry(id: "x") {
      ... on ChongqingCatalogueEntry { mirrorSource { id } }
      ... on SichuanCatalogueEntry { mirrorSource { id } mountedIn }
      ...Common
    } }
    fragment Common on CatalogueEntry { provider { name } }`;
    assert.equal(cost(q), 1 + 1 + BUILT_IN_WEIGHTS['CatalogueEntry.mirrorSource']! + BUILT_IN_WEIGHTS['CatalogueEntry.mountedIn']!);
  });

  it('aliases multiply: thirty directory pages cost thirty times one', () => {
    const one = 'directory(first: 100) { nodes { id mountedIn } }';
    const aliases = Array.from({ length: 30 }, (_, i) => `d${i}: ${one}`).join(' ');
    assert.equal(cost(`{ ${aliases} }`), 30 * cost(`{ ${one} }`));
    assert.ok(cost(`{ ${aliases} }`) > 5000);
  });

  it('a quality report reads whole catalogues: six aliased reports are over the default budget', () => {
    const one = cost('{ catalogueQuality { province } }');
    assert.equal(one, BUILT_IN_WEIGHTS['Query.catalogueQuality']);
    const aliased = `{ ${[1, 2, 3, 4, 5, 6].map((i) => `r${i}: catalogueQuality { province }`).join(' ')} }`;
    assert.ok(cost(aliased) > 5000, 'refused with QUERY_TOO_EXPENSIVE under maxCost 5000');
  });

  it('introspection costs a flat 10', () => {
    assert.equal(cost('{ __schema { types { name fields { name } } } }'), 10);
  });

  it('a weight that names no field of the schema is an error', () => {
    assert.throws(
      () => model({ weights: { 'CatalogueEntry.mountedInn': 2 } }).checkWeights(schema),
      /"CatalogueEntry\.mountedInn" is not a field of the gateway schema/,
    );
    model({ weights: { 'CatalogueEntry.mountedIn': 2, 'Query.entries': 3 } }).checkWeights(schema);
  });
});
