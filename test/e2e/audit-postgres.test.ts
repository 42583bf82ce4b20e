// A gateway replica whose audit chain lives in PostgreSQL (the config names a database, as in
// production): every request's record is committed there before the answer, the replica signs
// checkpoints of its chain, a restart continues the chain, `npm run audit:verify` passes over it
// (and the stack's SQLite chains in the same run), and names a tail cut off past a checkpoint.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import pg from 'pg';
import request from 'supertest';
import { ROOT_DIR } from '../../common/config.js';
import { gatewayPaths } from '../../common/pki/paths.js';
import { startGateway, type RunningGateway } from '../../gateway/server.js';
import { gql, startStack, type TestStack } from '../support/stack.js';

const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

describe('audit in PostgreSQL: a gateway replica without a volume', function () {
  this.timeout(60_000);
  const schema = `audit_e2e_${randomBytes(4).toString('hex')}`;
  const instanceId = `gateway-e2e-${randomBytes(3).toString('hex')}`;
  let stack: TestStack;
  let db: pg.Client;

  const startPgGateway = () =>
    startGateway({
      cfg: { ...stack.cfg, databaseUrl: PG_URL },
      port: 0,
      host: 'localhost',
      instanceId,
      audit: { pgSchema: schema, checkpointEveryRecords: 3 },
      subgraphUrls: Object.fromEntries([...stack.subgraphs].map(([id, s]) => [id, s.url])),
    });
  const verify = () =>
    spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        path.join(ROOT_DIR, 'scripts/audit-verify.ts'),
        '--config-dir',
        stack.cfg.configDir,
        '--certs-dir',
        stack.cfg.certsDir,
        '--data-dir',
        stack.cfg.dataDir,
        '--schema',
        schema,
      ],
      { encoding: 'utf8', env: { ...process.env, DATABASE_URL: PG_URL, LOG_LEVEL: 'silent' } },
    );
  const records = async () =>
    (await db.query<{ seq: string; body: string }>(`SELECT seq, body FROM "${schema}".records WHERE chain = $1 ORDER BY seq`, [instanceId])).rows.map((r) => ({
      seq: Number(r.seq),
      body: JSON.parse(r.body) as Record<string, unknown>,
    }));

  /** A TCP proxy to PostgreSQL that the test can take down (every connection cut, new ones refused) and bring back. */
  async function pgProxy() {
    const target = new URL(PG_URL);
    const sockets = new Set<net.Socket>();
    let server: net.Server | null = null;
    let port = 0;
    const up = () =>
      new Promise<void>((resolve) => {
        server = net.createServer((client) => {
          const upstream = net.connect(Number(target.port || 5432), target.hostname);
          for (const s of [client, upstream]) {
            sockets.add(s);
            s.on('close', () => sockets.delete(s));
            s.on('error', () => {});
          }
          client.pipe(upstream).pipe(client);
        });
        server.listen(port, '127.0.0.1', () => {
          port = (server!.address() as net.AddressInfo).port;
          resolve();
        });
      });
    await up();
    const url = new URL(PG_URL);
    url.host = `127.0.0.1:${port}`;
    return {
      url: url.toString(),
      down: async () => {
        for (const s of sockets) s.destroy();
        await new Promise<void>((r) => server!.close(() => r()));
      },
      up,
    };
  }

  before(async () => {
    stack = await startStack();
    db = new pg.Client({ connectionString: PG_URL });
    await db.connect();
  });
  after(async () => {
    await db?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await db?.end();
    await stack?.close();
  });

  it('records every request before its answer, checkpoints the chain, continues it after a restart; audit:verify passes and then names a cut-off tail', async () => {
    let gw: RunningGateway = await startPgGateway();
    assert.match(gw.auditFile, new RegExp(`PostgreSQL .* schema ${schema}, chain ${instanceId}`));
    const answers = [];
    for (let i = 0; i < 4; i++) {
      const res = await gql(stack, { province: 'sichuan', port: gw.port }, `query Search${i} { directory(search: "营业执照", first: 1) { totalCount } }`);
      assert.equal(res.status, 200, res.text);
      // Committed in PostgreSQL by the time the answer arrived.
      const rec = (await records()).find((r) => r.body.requestId === res.headers['x-request-id']);
      assert.equal(rec?.body.operationName, `Search${i}`);
      answers.push(res);
    }
    const refused = await gql(stack, { province: 'chongqing', port: gw.port, token: 'not.a.jwt' }, '{ provinces { name } }');
    assert.equal(refused.status, 401);
    assert.equal((await records()).find((r) => r.body.requestId === refused.headers['x-request-id'])?.body.outcome, 'refused');

    // /metrics: the head of this replica's chain and its last checkpoint (every 3 records here).
    const metrics = await request(`https://localhost:${gw.port}`)
      .get('/metrics')
      .ca(readFileSync(gatewayPaths(stack.cfg.certsDir).ca));
    assert.match(metrics.text, new RegExp(`chuanyu_audit_chain_head_seq\\{chain="${instanceId}"\\} 5`));
    assert.match(metrics.text, new RegExp(`chuanyu_audit_checkpoint_seq\\{chain="${instanceId}"\\} 3`));
    assert.match(metrics.text, new RegExp(`chuanyu_audit_checkpoint_timestamp_seconds\\{chain="${instanceId}"\\} \\d+`));
    await gw.close(); // a clean shutdown signs the head (#5)

    // The same replica again (a restarted pod keeps its name): it continues its chain.
    gw = await startPgGateway();
    const again = await gql(stack, { province: 'sichuan', port: gw.port }, '{ provinces { name } }');
    assert.equal(again.status, 200);
    await gw.close();
    const rows = await records();
    assert.deepEqual(
      rows.map((r) => r.seq),
      [1, 2, 3, 4, 5, 6],
    );
    assert.equal(rows[5]!.body.requestId, again.headers['x-request-id']);
    const checkpoints = await db.query<{ seq: string }>(`SELECT seq FROM "${schema}".checkpoints WHERE chain = $1 ORDER BY seq`, [instanceId]);
    assert.deepEqual(
      checkpoints.rows.map((r) => Number(r.seq)),
      [3, 5, 6],
    );

    // The operator's command: the PostgreSQL chain and, in the same run, the stack's SQLite chains.
    const ok = verify();
    assert.equal(ok.status, 0, ok.stdout + ok.stderr);
    assert.match(
      ok.stdout,
      new RegExp(`^OK {6}PostgreSQL .*${schema}/${instanceId}: 6 records, head [0-9a-f]{16}…, last checkpoint #6 signed \\S+ \\(0 records after it\\)$`, 'm'),
    );
    assert.match(ok.stdout, /^OK {6}.*gateway\.sqlite: \d+ records/m);

    // An attacker with rights on the database removes the last three records, past the triggers, and
    // moves the head row to match: every link left verifies, the signed checkpoint #6 does not fit.
    await db.query('BEGIN');
    await db.query('SET LOCAL session_replication_role = replica');
    await db.query(`DELETE FROM "${schema}".records WHERE chain = $1 AND seq > 3`, [instanceId]);
    await db.query(`UPDATE "${schema}".heads SET seq = 3, hash = (SELECT hash FROM "${schema}".records WHERE chain = $1 AND seq = 3) WHERE chain = $1`, [
      instanceId,
    ]);
    await db.query('COMMIT');
    const broken = verify();
    assert.equal(broken.status, 1, broken.stdout + broken.stderr);
    assert.match(
      broken.stdout,
      new RegExp(`^BROKEN  PostgreSQL .*${schema}/${instanceId}: truncated: the chain ends at #3 but a checkpoint signed at \\S+ covers #6`, 'm'),
    );
  });

  it('fails closed: while PostgreSQL cannot be reached no request is answered as served, and the chain goes on once it is back', async () => {
    const proxy = await pgProxy();
    const id = `${instanceId}-fc`;
    const gw = await startGateway({
      cfg: { ...stack.cfg, databaseUrl: proxy.url },
      port: 0,
      host: 'localhost',
      instanceId: id,
      audit: { pgSchema: schema },
      subgraphUrls: Object.fromEntries([...stack.subgraphs].map(([p, s]) => [p, s.url])),
    });
    try {
      const query = '{ provinces { name } }';
      assert.equal((await gql(stack, { province: 'sichuan', port: gw.port }, query)).status, 200);
      await proxy.down();
      const refused = await gql(stack, { province: 'sichuan', port: gw.port }, query);
      assert.equal(refused.status, 500, refused.text);
      assert.equal(refused.body.data, undefined, 'no data without its audit record');
      await proxy.up();
      const back = await gql(stack, { province: 'sichuan', port: gw.port }, query);
      assert.equal(back.status, 200, back.text);
    } finally {
      await gw.close();
      await proxy.down().catch(() => {});
    }
    const rows = await db.query<{ seq: string }>(`SELECT seq FROM "${schema}".records WHERE chain = $1 ORDER BY seq`, [id]);
    assert.deepEqual(
      rows.rows.map((r) => Number(r.seq)),
      [1, 2],
      'the refused request left no record, the chain continued after it',
    );
  });
});
