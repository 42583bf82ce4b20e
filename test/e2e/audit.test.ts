// Every request that crosses the gateway, and every write in a province, leaves an
// append-only, hash-chained record that is durable before the response; altering a stored
// record is detected and the first broken record is named.
import { strict as assert } from 'node:assert';
import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import request from 'supertest';
import { ROOT_DIR } from '../../common/config.js';
import { verifyAuditFile } from '../../common/audit/audit-log.js';
import { clientIdentity, gql, startStack, type TestStack } from '../support/stack.js';

function rows(file: string): { seq: number; body: Record<string, unknown> }[] {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare('SELECT seq, body FROM audit ORDER BY seq').all() as { seq: number; body: string }[]).map((r) => ({
      seq: r.seq,
      body: JSON.parse(r.body),
    }));
  } finally {
    db.close();
  }
}

describe('audit: hash-chained, durable before the response', function () {
  let stack: TestStack;
  before(async () => {
    stack = await startStack();
  });
  after(async () => {
    await stack?.close();
  });

  it('records a served request with caller, operation, query hash and provinces touched', async () => {
    const res = await gql(stack, { province: 'sichuan' }, `query Search { directory(search: "营业执照", first: 2) { nodes { id name } } }`);
    assert.equal(res.status, 200);
    const requestId = res.headers['x-request-id'];
    const rec = rows(stack.gateway.auditFile).find((r) => r.body.requestId === requestId);
    assert.ok(rec, 'record present as soon as the response arrived');
    assert.equal(rec.body.province, 'sichuan');
    assert.equal(rec.body.subject, 'sichuan:app');
    assert.equal(rec.body.operationName, 'Search');
    assert.equal(rec.body.outcome, 'ok');
    assert.match(String(rec.body.queryHash), /^[0-9a-f]{64}$/);
    assert.match(String(rec.body.certThumbprint), /^[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(rec.body.provincesTouched, ['chongqing', 'sichuan']);
    assert.equal(rec.body.write, false);
  });

  it('marks a request that may change a catalogue as a write (from the root field rules)', async () => {
    const res = await gql(
      stack,
      { province: 'chongqing', client: 'admin', scope: 'catalogue:admin' },
      'mutation { registerMirror(sourceId: "510000:102002/000040") { created } }',
    );
    assert.equal(res.status, 200, res.text);
    const rec = rows(stack.gateway.auditFile).find((r) => r.body.requestId === res.headers['x-request-id']);
    assert.equal(rec?.body.write, true);
    assert.equal(rec?.body.operationType, 'mutation');
  });

  it('records a refusal with its reason, and never the token', async () => {
    const id = clientIdentity(stack, 'chongqing', 'app');
    const res = await request(`https://localhost:${stack.gateway.port}`)
      .post('/graphql')
      .ca(id.ca)
      .cert(id.cert)
      .key(id.key)
      .set('Authorization', 'Bearer not.a.jwt')
      .send({ query: '{ provinces { name } }' });
    assert.equal(res.status, 401);
    const rec = rows(stack.gateway.auditFile).find((r) => r.body.requestId === res.headers['x-request-id']);
    assert.ok(rec);
    assert.equal(rec.body.outcome, 'refused');
    assert.ok(String(rec.body.reason).startsWith('token_'));
    assert.ok(!JSON.stringify(rec.body).includes('not.a.jwt'));
  });

  it('records a scope refusal with its reason', async () => {
    const res = await gql(stack, { province: 'chongqing', scope: 'certificate:verify' }, '{ directory(first: 1) { totalCount } }');
    assert.equal(res.status, 403);
    const rec = rows(stack.gateway.auditFile).find((r) => r.body.requestId === res.headers['x-request-id']);
    assert.equal(rec?.body.outcome, 'refused');
    assert.equal(rec?.body.reason, 'insufficient_scope');
    assert.deepEqual(rec?.body.provincesTouched, []);
  });

  it('records writes in the province that was written, accepted and refused', async () => {
    const admin = { province: 'chongqing', client: 'admin', scope: 'catalogue:read catalogue:admin' };
    const src = (await stack.stores.get('sichuan')!.slice({ hideNotShared: true, sharingTypes: ['UNCONDITIONAL'], limit: 1 })).items[0]!.id;
    const ok = await gql(stack, admin, `mutation($s: ID!) { registerMirror(sourceId: $s) { created } }`, { s: src });
    assert.equal(ok.body.data.registerMirror.created, true);
    const cq = rows(stack.subgraphs.get('chongqing')!.auditFile);
    // The intent first (durable before the store was touched), then the outcome.
    const mine = cq.filter((r) => r.body.requestId === ok.headers['x-request-id']);
    assert.deepEqual(
      mine.map((r) => r.body.kind),
      ['write-intent', 'write'],
    );
    assert.equal(mine[0]!.body.target, src);
    const write = mine[1];
    assert.ok(write);
    assert.equal(write.body.action, 'mirrors/register');
    assert.equal(write.body.outcome, 'created');
    assert.equal(write.body.entryId, `500000:mirror:${src}`);
    const stale = await gql(stack, admin, `mutation($id: ID!) { withdrawMirror(id: $id, expectedVersion: 9) { entry { id } } }`, {
      id: `500000:mirror:${src}`,
    });
    assert.equal(stale.body.errors[0].extensions.code, 'VERSION_CONFLICT');
    const refused = rows(stack.subgraphs.get('chongqing')!.auditFile).find(
      (r) => r.body.requestId === stale.headers['x-request-id'] && r.body.kind === 'write',
    );
    assert.equal(refused?.body.outcome, 'VERSION_CONFLICT');
  });

  it('verifies every chain, and names the first altered record', async () => {
    for (const file of [stack.gateway.auditFile, stack.subgraphs.get('chongqing')!.auditFile]) {
      const check = verifyAuditFile(file);
      assert.ok(check.ok, JSON.stringify(check));
    }
    const file = stack.gateway.auditFile;
    const count = rows(file).length;
    assert.ok(count >= 3);
    // The table refuses updates; an attacker with file access has to drop the trigger first.
    const db = new Database(file);
    assert.throws(() => db.prepare(`UPDATE audit SET body = '{}' WHERE seq = 2`).run(), /append-only/);
    db.exec('DROP TRIGGER audit_no_update');
    const body = JSON.parse((db.prepare('SELECT body FROM audit WHERE seq = 2').get() as { body: string }).body);
    body.outcome = 'ok-but-edited';
    db.prepare('UPDATE audit SET body = ? WHERE seq = 2').run(JSON.stringify(body));
    db.close();
    const check = verifyAuditFile(file);
    assert.equal(check.ok, false);
    assert.equal(!check.ok && check.brokenAt, 2);
    // The command an operator runs says the same and exits non-zero.
    let out = '';
    let code = 0;
    try {
      execFileSync(process.execPath, ['--import', 'tsx', path.join(ROOT_DIR, 'scripts/audit-verify.ts'), file], { encoding: 'utf8' });
    } catch (err) {
      code = (err as { status: number }).status;
      out = String((err as { stdout: string }).stdout);
    }
    assert.equal(code, 1);
    assert.match(out, /BROKEN .* first broken record #2/);
  });
});
