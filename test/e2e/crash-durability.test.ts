// A crash mid-write loses nothing that was acknowledged: SIGKILL the Chongqing subgraph during
// a burst of mirror registrations, restart it, and find every acknowledged write present and
// every audit chain intact.
import { strict as assert } from 'node:assert';
import { verifyAuditFile } from '../../common/audit/audit-log.js';
import { configDirWith, gql, spawnSubgraph, startStack, type ChildSubgraph, type TestStack } from '../support/stack.js';
import Database from 'better-sqlite3';
import path from 'node:path';
import { SqliteCatalogueStore } from '../../subgraphs/catalogue/store/sqlite-store.js';

describe('crash mid-write (SIGKILL during a burst)', function () {
  this.timeout(120_000);
  let stack: TestStack;
  let child: ChildSubgraph;
  const ADMIN = { province: 'chongqing', client: 'admin', scope: 'catalogue:read catalogue:admin' };

  before(async () => {
    stack = await startStack({ external: ['chongqing'], configDir: configDirWith([], { breaker: { failureThreshold: 5, openMs: 1000 } }) });
    child = await spawnSubgraph(stack.cfg, 'chongqing', stack.externalPort('chongqing'));
  });
  after(async () => {
    await child?.kill('SIGTERM').catch(() => {});
    await stack?.close();
  });

  it('keeps every acknowledged write and every audit chain verifies', async () => {
    const sources = (await stack.stores.get('sichuan')!.slice({ hideNotShared: true, sharingTypes: ['UNCONDITIONAL'], limit: 120 })).items.map((i) => i.id);
    const acknowledged: { id: string; requestId: string }[] = [];
    let killed = false;
    const writes = sources.map(async (s, i) => {
      await new Promise((r) => setTimeout(r, i * 4)); // a burst spread over ~0.5 s
      const res = await gql(stack, ADMIN, `mutation($s: ID!) { registerMirror(sourceId: $s) { created entry { id } } }`, { s });
      if (res.status === 200 && res.body.data?.registerMirror?.entry?.id) {
        acknowledged.push({ id: res.body.data.registerMirror.entry.id, requestId: String(res.headers['x-request-id']) });
        if (acknowledged.length === 25 && !killed) {
          killed = true;
          await child.kill('SIGKILL');
        }
      }
    });
    await Promise.all(writes);
    assert.ok(killed, 'the subgraph was killed mid-burst');
    assert.ok(acknowledged.length >= 25 && acknowledged.length < sources.length, `some writes acknowledged, some not (${acknowledged.length})`);

    child = await spawnSubgraph(stack.cfg, 'chongqing', stack.externalPort('chongqing'));
    // The store file itself, as the restarted process recovered it (WAL replayed).
    const store = new SqliteCatalogueStore(path.join(stack.cfg.dataDir, 'chongqing.sqlite'));
    const onDisk = await store.getEntries(acknowledged.map((a) => a.id));
    const mirrorsOnDisk = (await store.slice({ kinds: ['MIRROR'], includeWithdrawn: true, hideNotShared: false, limit: 1000 })).items.map((i) => i.id);
    await store.close();
    assert.deepEqual(
      acknowledged.filter((a) => !onDisk.has(a.id)).map((a) => a.id),
      [],
      'every acknowledged mirror is on disk',
    );

    // And through the gateway, once its breaker lets traffic through to the restarted province.
    const deadline = Date.now() + 30_000;
    let missing: string[] = acknowledged.map((a) => a.id);
    while (missing.length && Date.now() < deadline) {
      const next: string[] = [];
      for (const id of missing) {
        const res = await gql(stack, ADMIN, `query($id: ID!) { entry(id: $id) { id kind status } }`, { id });
        if (res.body.data?.entry?.id !== id) next.push(id);
      }
      missing = next;
      if (missing.length) await new Promise((r) => setTimeout(r, 500));
    }
    assert.deepEqual(missing, [], 'every acknowledged mirror is served after the crash');

    // Every acknowledged write left its audit record in the province before the answer.
    const records = new Set<string>();
    const db = new Database(path.join(stack.cfg.dataDir, 'audit', 'chongqing.sqlite'), { readonly: true });
    for (const r of db.prepare('SELECT body FROM audit').all() as { body: string }[]) records.add(JSON.parse(r.body).requestId);
    db.close();
    assert.deepEqual(
      acknowledged.filter((a) => !records.has(a.requestId)),
      [],
    );
    // And no mirror on disk, acknowledged or not (the kill may fall between a store commit and its
    // answer), is without at least its write-intent record naming its source.
    const targets = new Set<string>();
    const db2 = new Database(path.join(stack.cfg.dataDir, 'audit', 'chongqing.sqlite'), { readonly: true });
    for (const r of db2.prepare('SELECT body FROM audit').all() as { body: string }[]) targets.add(String(JSON.parse(r.body).target));
    db2.close();
    assert.ok(mirrorsOnDisk.length >= acknowledged.length);
    assert.deepEqual(
      mirrorsOnDisk.filter((id) => !targets.has(id.replace(/^\d{6}:mirror:/, ''))),
      [],
      'every mirror on disk has an audit record',
    );

    const subgraphAudit = path.join(stack.cfg.dataDir, 'audit', 'chongqing.sqlite');
    for (const file of [subgraphAudit, stack.gateway.auditFile]) {
      const check = verifyAuditFile(file);
      assert.ok(check.ok, `${file}: ${JSON.stringify(check)}`);
    }
  });
});
