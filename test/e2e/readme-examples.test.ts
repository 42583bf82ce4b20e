// Every GraphQL example in README.md, and the quick-start curl, runs against the e2e stack in the
// order the README gives them, as the caller the README names for it. An example that stops
// working (demo data changed, a field renamed) fails here rather than in a reader's terminal.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Kind, parse, print, type OperationDefinitionNode } from 'graphql';
import { ROOT_DIR } from '../../common/config.js';
import { createSyncWorker } from '../../subgraphs/catalogue/sync/create-worker.js';
import { gql, startStack, type TestStack } from '../support/stack.js';

const README = readFileSync(path.join(ROOT_DIR, 'README.md'), 'utf8');

/** Who runs an example, by its root field (the README's journeys). */
const CALLERS: Record<string, { province: string; client: string; scope: string }> = {
  directory: { province: 'chongqing', client: 'app', scope: 'catalogue:read' },
  entry: { province: 'chongqing', client: 'app', scope: 'catalogue:read' },
  provinceCatalogue: { province: 'chongqing', client: 'app', scope: 'catalogue:read' },
  catalogueChanges: { province: 'chongqing', client: 'app', scope: 'catalogue:read' },
  verifyCertificate: { province: 'sichuan', client: 'counter', scope: 'certificate:verify' },
  certificate: { province: 'sichuan', client: 'counter', scope: 'certificate:verify' },
  registerMirror: { province: 'chongqing', client: 'admin', scope: 'catalogue:read catalogue:admin' },
  mirrors: { province: 'chongqing', client: 'admin', scope: 'catalogue:read catalogue:admin' },
  withdrawMirror: { province: 'chongqing', client: 'admin', scope: 'catalogue:read catalogue:admin' },
  updateEntry: { province: 'chongqing', client: 'admin', scope: 'catalogue:read catalogue:admin' },
  mountCatalogue: { province: 'chongqing', client: 'admin', scope: 'catalogue:read catalogue:admin' },
  mountJobs: { province: 'chongqing', client: 'admin', scope: 'catalogue:read catalogue:admin' },
  mirrorSyncStatus: { province: 'chongqing', client: 'admin', scope: 'catalogue:read catalogue:admin' },
  acceptMirrorChange: { province: 'chongqing', client: 'admin', scope: 'catalogue:read catalogue:admin' },
};

/**
 * What the README says happens between two examples, done before the example that depends on it: the
 * sync worker runs the mount job, Sichuan's administrator changes a mounted entry, the worker (review
 * mode, Chongqing's dev config) marks its mirror CHANGED.
 */
const BEFORE: Record<string, (stack: TestStack) => Promise<void>> = {
  mountJobs: async (stack) => {
    const worker = chongqingWorker(stack);
    await worker.pass(true);
    await worker.stop();
  },
  mirrors: async (stack) => {
    if (sourceChanged) return;
    sourceChanged = true;
    const id = '510000:332001/000004';
    const res = await gql(
      stack,
      { province: 'sichuan', client: 'admin', scope: 'catalogue:read catalogue:admin' },
      `mutation($id: ID!) { updateEntry(id: $id, input: { name: "专利授权信息（含转让登记）" }) { entry { id } } }`,
      { id },
    );
    assert.equal(res.body.errors, undefined, res.text);
    const worker = chongqingWorker(stack);
    await worker.pass(true);
    await worker.stop();
  },
};
let sourceChanged = false;

function chongqingWorker(stack: TestStack) {
  return createSyncWorker({
    cfg: stack.cfg,
    province: stack.province('chongqing'),
    store: stack.stores.get('chongqing')!,
    gatewayUrl: `https://localhost:${stack.gateway.port}/graphql`,
  });
}

function examples(): OperationDefinitionNode[] {
  const blocks = [...README.matchAll(/```graphql\n([\s\S]*?)```/g)].map((m) => m[1]!);
  return blocks.flatMap((b) => parse(b).definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION));
}

function rootField(op: OperationDefinitionNode): string {
  const [first] = op.selectionSet.selections;
  assert.ok(first?.kind === Kind.FIELD, 'an example selects one root field');
  return first.name.value;
}

describe('README examples run as written (e2e)', function () {
  let stack: TestStack;
  before(async () => {
    stack = await startStack();
  });
  after(async () => stack?.close());

  it('the quick-start curl', async function () {
    const data = /--data '([^']+)'/.exec(README)?.[1];
    assert.ok(data, 'README has a curl --data');
    const body = JSON.parse(data) as { query: string };
    const res = await gql(stack, { province: 'chongqing', client: 'app', scope: 'catalogue:read' }, body.query);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.errors, undefined, res.text);
    assert.ok(res.body.data.directory.totalCount > 0);
  });

  const ops = examples();
  it('README has the journeys’ examples', () => assert.ok(ops.length >= 9, `${ops.length} examples`));
  for (const [i, op] of ops.entries()) {
    const field = rootField(op);
    it(`example ${i + 1}: ${op.operation} ${field}`, async function () {
      const caller = CALLERS[field];
      assert.ok(caller, `no caller known for ${field}: add it to CALLERS`);
      await BEFORE[field]?.(stack);
      const res = await gql(stack, caller, print(op));
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.errors, undefined, res.text);
      assert.notEqual(res.body.data?.[field], null, `${field} answered null: ${res.text}`);
      if (field === 'verifyCertificate') assert.equal(res.body.data.verifyCertificate.result, 'VALID', res.text);
    });
  }
});
