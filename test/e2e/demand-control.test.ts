// Demand control (issue 14, item 3): every operation's estimated cost against the budget
// (demandControl.maxCost, 100 here), just under, at and just over it, with `first` from variables;
// over it QUERY_TOO_EXPENSIVE with the cost and the budget, nothing run, audited and counted; the
// estimate in `extensions.cost` when the request asks with `extensions: { cost: true }`.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import type { PersistedOperation } from '../../common/persisted-documents.js';
import { BUILT_IN_WEIGHTS } from '../../gateway/policy/demand-control.js';
import { auditRecordFor, clientIdentity, configDirWith, startStack, token, type TestStack } from '../support/stack.js';

const MAX_COST = 100;
const DIRECTORY_WEIGHT = BUILT_IN_WEIGHTS['Query.directory']!;
// directory costs its weight plus one per node: DIRECTORY_WEIGHT + first.
const PAGE = 'query Page($first: Int) { directory(first: $first) { totalCount nodes { id name } } }';

interface Answer {
  status: number;
  body: {
    data?: Record<string, unknown> | null;
    errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
    extensions?: Record<string, unknown>;
  };
  text: string;
  requestId: string;
}

describe('demand control (e2e)', function () {
  let stack: TestStack;
  let bearer: string;

  async function post(body: unknown, opts: { accept?: string; client?: string; scope?: string } = {}): Promise<Answer> {
    const c = clientIdentity(stack, 'chongqing', opts.client ?? 'app');
    const t = opts.client ? await token(stack, 'chongqing', opts.client, opts.scope ?? 'catalogue:read') : bearer;
    const res = await request(`https://localhost:${stack.gateway.port}`)
      .post('/graphql')
      .ca(c.ca)
      .cert(c.cert)
      .key(c.key)
      .set('Authorization', `Bearer ${t}`)
      .set('Content-Type', 'application/json')
      .set('Accept', opts.accept ?? 'application/json')
      .send(JSON.stringify(body));
    return { status: res.status, body: res.body, text: res.text, requestId: String(res.headers['x-request-id']) };
  }

  async function metrics(): Promise<string> {
    const res = await request(`https://localhost:${stack.gateway.port}`)
      .get('/metrics')
      .ca(clientIdentity(stack, 'chongqing', 'app').ca);
    return res.text;
  }

  function metric(text: string, series: string): number {
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line ? Number(line.slice(series.length + 1)) : 0;
  }

  function expectTooExpensive(res: Answer, cost: number) {
    assert.equal(res.body.data, undefined, res.text);
    assert.equal(res.body.errors?.length, 1, res.text);
    assert.equal(res.body.errors?.[0]?.message, `operation cost ${cost} exceeds the budget of ${MAX_COST}`);
    assert.deepEqual(res.body.errors?.[0]?.extensions, { code: 'QUERY_TOO_EXPENSIVE', reason: 'query_too_expensive', cost, maxCost: MAX_COST });
    const rec = auditRecordFor(stack.gateway.auditFile, res.requestId);
    assert.equal(rec?.kind, 'request');
    assert.equal(rec?.outcome, 'refused');
    assert.deepEqual(rec?.errorCodes, ['QUERY_TOO_EXPENSIVE']);
    assert.equal(rec?.reason, 'query_too_expensive');
    assert.equal(rec?.cost, cost);
    // Nothing ran: no province was called.
    assert.deepEqual(rec?.provincesTouched, []);
  }

  before(async function () {
    stack = await startStack({ configDir: configDirWith([], { demandControl: { maxCost: MAX_COST, defaultListSize: 10, weights: {} } }), entries: 120 });
    bearer = await token(stack, 'chongqing', 'app', 'catalogue:read');
  });
  after(async () => stack?.close());

  it('serves an operation just under and at the budget (first from a variable)', async () => {
    for (const first of [MAX_COST - DIRECTORY_WEIGHT - 1, MAX_COST - DIRECTORY_WEIGHT]) {
      const res = await post({ query: PAGE, variables: { first } });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.errors, undefined, res.text);
      assert.equal((res.body.data!.directory as { nodes: unknown[] }).nodes.length, first);
      assert.equal(auditRecordFor(stack.gateway.auditFile, res.requestId)?.cost, DIRECTORY_WEIGHT + first);
    }
  });

  it('refuses one just over it: QUERY_TOO_EXPENSIVE with the cost and the budget, nothing run, audited, counted', async () => {
    const before = await metrics();
    const first = MAX_COST - DIRECTORY_WEIGHT + 1;
    const res = await post({ query: PAGE, variables: { first } });
    // A GraphQL request error: 200 as application/json, 400 as application/graphql-response+json.
    assert.equal(res.status, 200, res.text);
    expectTooExpensive(res, MAX_COST + 1);
    const strict = await post({ query: PAGE, variables: { first } }, { accept: 'application/graphql-response+json' });
    assert.equal(strict.status, 400, strict.text);
    expectTooExpensive(strict, MAX_COST + 1);
    const after = await metrics();
    assert.equal(
      metric(after, 'chuanyu_gateway_refusals_total{reason="query_too_expensive"}'),
      metric(before, 'chuanyu_gateway_refusals_total{reason="query_too_expensive"}') + 2,
    );
    assert.equal(metric(after, 'chuanyu_operation_cost_count'), metric(before, 'chuanyu_operation_cost_count') + 2);
    assert.ok(metric(after, 'chuanyu_operation_cost_bucket{le="250"}') > metric(after, 'chuanyu_operation_cost_bucket{le="100"}'));
  });

  it('returns the estimate in extensions.cost when asked, and only then', async () => {
    const asked = await post({ query: PAGE, variables: { first: 30 }, extensions: { cost: true } });
    assert.equal(asked.body.errors, undefined, asked.text);
    assert.deepEqual(asked.body.extensions?.cost, { estimated: DIRECTORY_WEIGHT + 30, maxCost: MAX_COST });
    const notAsked = await post({ query: PAGE, variables: { first: 30 } });
    assert.equal(notAsked.body.extensions, undefined, notAsked.text);
    const refused = await post({ query: PAGE, variables: { first: 95 }, extensions: { cost: true } });
    assert.deepEqual(refused.body.extensions?.cost, { estimated: DIRECTORY_WEIGHT + 95, maxCost: MAX_COST });
  });

  it('counts the length of ids, and the size of every list beneath', async () => {
    const q = 'query($ids: [ID!]!) { entries(ids: $ids) { id provider { name } } }';
    const ids = (n: number) => Array.from({ length: n }, (_, i) => `500000:101001/${String(i + 1).padStart(6, '0')}`);
    const under = await post({ query: q, variables: { ids: ids(50) }, extensions: { cost: true } });
    assert.equal(under.body.errors, undefined, under.text);
    assert.equal((under.body.extensions!.cost as { estimated: number }).estimated, 50 * 2);
    expectTooExpensive(await post({ query: q, variables: { ids: ids(51) } }), 51 * 2);
  });

  it('applies to trusted documents by id too (their variables are the request’s)', async () => {
    const manifest = JSON.parse(readFileSync(path.join(stack.cfg.configDir, 'documents', 'console.json'), 'utf8')) as { operations: PersistedOperation[] };
    const search = manifest.operations.find((o) => o.name === 'DirectorySearch')!;
    const byId = (first: number) => ({ documentId: `sha256:${search.id}`, variables: { first }, extensions: { cost: true } });
    const small = await post(byId(2));
    assert.equal(small.body.errors, undefined, small.text);
    const cost = (small.body.extensions!.cost as { estimated: number }).estimated;
    assert.ok(cost <= MAX_COST, String(cost));
    const big = await post(byId(20));
    assert.equal(big.body.errors?.[0]?.extensions?.code, 'QUERY_TOO_EXPENSIVE', big.text);
  });

  it('a caller without the scope is refused for the scope first (403), whatever the cost', async () => {
    const aliases = Array.from({ length: 12 }, (_, i) => `c${i}: cancelMountJob(id: "500000.mount.x") { id }`).join(' ');
    const res = await post({ query: `mutation { ${aliases} }` });
    assert.equal(res.status, 403, res.text);
    assert.equal(res.body.errors?.[0]?.extensions?.reason, 'insufficient_scope');
    const admin = await post({ query: `mutation { ${aliases} }` }, { client: 'admin', scope: 'catalogue:read catalogue:admin' });
    expectTooExpensive(admin, 12 * 10);
  });
});
