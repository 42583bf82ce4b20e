// A province's change feed through the gateway (catalogueChanges): every later change exactly once
// and in order, cursors that survive another replica, NOT_SHARED entries of another province never in
// it, and refusals for cursors that are not this feed's.
import { strict as assert } from 'node:assert';
import type { RunningGateway } from '../../gateway/server.js';
import { gql, startStack, type TestStack, startReplica } from '../support/stack.js';

const FEED = `query($province: Province!, $after: String, $first: Int) {
  catalogueChanges(province: $province, after: $after, first: $first) {
    edges { cursor node { entryId kind version at } }
    pageInfo { endCursor hasNextPage }
  }
}`;

interface Change {
  entryId: string;
  kind: string;
  version: number;
  at: string;
}

describe('change feed through the gateway (e2e)', function () {
  let stack: TestStack;
  let second: RunningGateway;
  const CQ_APP = { province: 'chongqing', client: 'app', scope: 'catalogue:read' };
  const SC_APP = { province: 'sichuan', client: 'app', scope: 'catalogue:read' };
  const SC_ADMIN = { province: 'sichuan', client: 'admin', scope: 'catalogue:read catalogue:admin' };

  before(async () => {
    stack = await startStack();
    second = await startReplica(stack, 'feed-second');
  });
  after(async () => {
    await second?.close();
    await stack?.close();
  });

  /** The whole feed of `province` from `after`, as `as` sees it, in pages of `first`. */
  async function readAll(as: typeof CQ_APP, province: string, first = 1000, after: string | null = null) {
    const changes: Change[] = [];
    let cursor = after;
    for (;;) {
      const res = await gql(stack, as, FEED, { province, after: cursor, first });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.errors, undefined, res.text);
      const conn = res.body.data.catalogueChanges;
      changes.push(...conn.edges.map((e: { node: Change }) => e.node));
      cursor = conn.pageInfo.endCursor;
      if (!conn.pageInfo.hasNextPage) return { changes, cursor };
    }
  }

  it('another province reads every change it may see once, in order; NOT_SHARED entries never appear', async () => {
    const own = await readAll(SC_APP, 'SICHUAN');
    const seen = await readAll(CQ_APP, 'SICHUAN');
    assert.equal(own.changes.filter((c) => c.kind === 'CREATED').length, stack.province('sichuan').demo.entries);
    assert.ok(seen.changes.length > 0 && seen.changes.length < own.changes.length);
    assert.equal(new Set(seen.changes.map((c) => c.entryId)).size, seen.changes.length, 'each entry once (all CREATED so far)');
    const records = await stack.stores.get('sichuan')!.getEntries(seen.changes.map((c) => c.entryId));
    assert.ok(
      [...records.values()].every((r) => r.sharingType !== 'NOT_SHARED'),
      'no NOT_SHARED entry of Sichuan',
    );
    assert.deepEqual((await readAll(CQ_APP, 'SICHUAN', 333)).changes, seen.changes, 'the same in smaller pages');
  });

  it('reading on from a cursor gives exactly the later changes, on either replica', async () => {
    const { cursor } = await readAll(CQ_APP, 'SICHUAN');
    const sharedId = '510000:102002/000040';
    const current = (await stack.stores.get('sichuan')!.getEntry(sharedId))!;
    const upd = await gql(
      stack,
      SC_ADMIN,
      'mutation($id: ID!, $v: Int) { updateEntry(id: $id, expectedVersion: $v, input: { abstract: "新的摘要" }) { entry { id } } }',
      {
        id: sharedId,
        v: current.version,
      },
    );
    assert.equal(upd.body.errors, undefined, upd.text);
    const later = await readAll(CQ_APP, 'SICHUAN', 1000, cursor);
    assert.deepEqual(
      later.changes.map((c) => [c.entryId, c.kind, c.version]),
      [[sharedId, 'UPDATED', current.version + 1]],
    );
    // The other replica continues from the same cursor.
    const onSecond = await gql(stack, { ...CQ_APP, port: second.port }, FEED, { province: 'SICHUAN', after: cursor, first: 10 });
    assert.deepEqual(
      onSecond.body.data.catalogueChanges.edges.map((e: { node: Change }) => e.node.entryId),
      [sharedId],
    );
    // And at the end of the feed there is nothing more, with the cursor kept.
    const end = await gql(stack, CQ_APP, FEED, { province: 'SICHUAN', after: later.cursor, first: 10 });
    assert.deepEqual(end.body.data.catalogueChanges, { edges: [], pageInfo: { endCursor: later.cursor, hasNextPage: false } });
  });

  it('refuses a malformed cursor, another province’s cursor, and first out of range (BAD_USER_INPUT)', async () => {
    const first = await gql(stack, CQ_APP, FEED, { province: 'SICHUAN', first: 1 });
    const sichuanCursor = first.body.data.catalogueChanges.pageInfo.endCursor as string;
    for (const [vars, field] of [
      [{ province: 'SICHUAN', after: 'not-a-cursor' }, 'after'],
      [{ province: 'CHONGQING', after: sichuanCursor }, 'after'],
      [{ province: 'SICHUAN', after: `${sichuanCursor.slice(0, -2)}xx` }, 'after'],
      [{ province: 'SICHUAN', first: 0 }, 'first'],
      [{ province: 'SICHUAN', first: 1001 }, 'first'],
    ] as const) {
      const res = await gql(stack, CQ_APP, FEED, vars);
      assert.equal(res.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', `${JSON.stringify(vars)}: ${res.text}`);
      assert.equal(res.body.errors[0].extensions.field, field);
    }
  });

  it('needs catalogue:read', async () => {
    const res = await gql(stack, { province: 'chongqing', client: 'counter', scope: 'certificate:verify' }, FEED, { province: 'SICHUAN' });
    assert.equal(res.status, 403);
    assert.match(String(res.headers['www-authenticate']), /insufficient_scope.*catalogue:read/);
  });
});
