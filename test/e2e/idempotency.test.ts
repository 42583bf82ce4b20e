// Admin writes carry an Idempotency-Key: a retried request gets the first answer again and
// writes nothing twice; reusing a key for a different request is refused.
import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { gql, startStack, type TestStack } from '../support/stack.js';

describe('Idempotency-Key on admin mutations', function () {
  let stack: TestStack;
  const admin = (key?: string) => ({
    province: 'sichuan',
    client: 'admin',
    scope: 'catalogue:read catalogue:admin',
    headers: (key ? { 'Idempotency-Key': key } : {}) as Record<string, string>,
  });
  const UPDATE = `mutation($id: ID!, $v: Int, $a: String) { updateEntry(id: $id, expectedVersion: $v, input: { abstract: $a }) { entry { id version abstract } } }`;
  let id: string;

  before(async () => {
    stack = await startStack();
    id = (await stack.stores.get('sichuan')!.slice({ hideNotShared: false, limit: 1 })).items[0]!.id;
  });
  after(async () => stack?.close());

  it('a retried update returns the first answer and does not write again', async () => {
    const key = randomUUID();
    const first = await gql(stack, admin(key), UPDATE, { id, v: 1, a: '第一次修改' });
    assert.equal(first.body.data.updateEntry.entry.version, 2, first.text);
    const retry = await gql(stack, admin(key), UPDATE, { id, v: 1, a: '第一次修改' });
    assert.equal(retry.status, 200);
    assert.equal(retry.body.errors, undefined, 'no VERSION_CONFLICT on a retry');
    assert.equal(retry.body.data.updateEntry.entry.version, 2);
    assert.equal((await stack.stores.get('sichuan')!.getEntry(id))!.version, 2, 'written once');
    const without = await gql(stack, admin(), UPDATE, { id, v: 1, a: '第一次修改' });
    assert.equal(without.body.errors[0].extensions.code, 'VERSION_CONFLICT', 'without the key, the retry conflicts');
  });

  it('reusing a key for a different request is refused and changes nothing', async () => {
    const key = randomUUID();
    await gql(stack, admin(key), UPDATE, { id, v: 2, a: '第二次修改' });
    const other = await gql(stack, admin(key), UPDATE, { id, v: 3, a: '别的修改' });
    assert.equal(other.body.errors[0].extensions.code, 'IDEMPOTENCY_KEY_REUSED');
    const rec = (await stack.stores.get('sichuan')!.getEntry(id))!;
    assert.equal(rec.version, 3);
    assert.equal(rec.abstract, '第二次修改');
  });

  it('a retried mirror withdrawal answers the same', async () => {
    const cq = { province: 'chongqing', client: 'admin', scope: 'catalogue:read catalogue:admin' };
    const src = (await stack.stores.get('sichuan')!.slice({ hideNotShared: true, sharingTypes: ['UNCONDITIONAL'], limit: 2 })).items[1]!.id;
    const reg = await gql(stack, cq, `mutation($s: ID!) { registerMirror(sourceId: $s) { entry { id version } } }`, { s: src });
    const mid = reg.body.data.registerMirror.entry.id;
    const key = randomUUID();
    const W = `mutation($id: ID!) { withdrawMirror(id: $id, expectedVersion: 1) { entry { id status version } } }`;
    const a = await gql(stack, { ...cq, headers: { 'Idempotency-Key': key } }, W, { id: mid });
    const b = await gql(stack, { ...cq, headers: { 'Idempotency-Key': key } }, W, { id: mid });
    assert.deepEqual(b.body, a.body);
    assert.equal(a.body.data.withdrawMirror.entry.version, 2);
  });

  it('a malformed key is refused before anything runs', async () => {
    const res = await gql(stack, admin('bad key with spaces'), UPDATE, { id, v: 9, a: 'x' });
    assert.equal(res.status, 400);
    assert.match(res.body.errors[0].message, /Idempotency-Key/);
  });
});
