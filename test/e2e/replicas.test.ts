// Two gateway replicas over the same province subgraphs serve the same answers; a cursor
// issued by one replica continues on the other (no shared state but the keys they share).
import { strict as assert } from 'node:assert';
import type { RunningGateway } from '../../gateway/server.js';
import { gql, startStack, type TestStack, startReplica } from '../support/stack.js';

describe('two gateway replicas', function () {
  let stack: TestStack;
  let second: RunningGateway;
  const onSecond = async <T>(fn: () => Promise<T>): Promise<T> => {
    const first = stack.gateway;
    stack.gateway = second;
    try {
      return await fn();
    } finally {
      stack.gateway = first;
    }
  };

  before(async () => {
    stack = await startStack();
    second = await startReplica(stack, 'gateway-2');
  });
  after(async () => {
    await second?.close();
    await stack?.close();
  });

  const Q = `query($after: String) { directory(search: "营业执照", first: 25, after: $after) {
    totalCount pageInfo { endCursor hasNextPage } nodes { id name provider { creditCode } } } }`;

  it('serve identical answers', async () => {
    const a = await gql(stack, { province: 'sichuan' }, Q);
    const b = await onSecond(() => gql(stack, { province: 'sichuan' }, Q));
    assert.equal(a.status, 200);
    assert.deepEqual(b.body, a.body);
  });

  it("continue each other's cursors: alternating replicas page through everything once", async () => {
    const seen: string[] = [];
    let after: string | null = null;
    let total = 0;
    for (let page = 0; ; page++) {
      const res: {
        status: number;
        text: string;
        body: { data: { directory: { totalCount: number; nodes: { id: string }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } } };
      } = await (page % 2 ? onSecond(() => gql(stack, { province: 'chongqing' }, Q, { after })) : gql(stack, { province: 'chongqing' }, Q, { after }));
      assert.equal(res.status, 200, res.text);
      const d = res.body.data.directory;
      total = d.totalCount;
      seen.push(...d.nodes.map((n: { id: string }) => n.id));
      if (!d.pageInfo.hasNextPage) break;
      after = d.pageInfo.endCursor;
    }
    assert.equal(seen.length, total);
    assert.equal(new Set(seen).size, total);
  });

  it('each replica keeps its own audit chain', async () => {
    assert.notEqual(second.auditFile, stack.gateway.auditFile);
  });
});
