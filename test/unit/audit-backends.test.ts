// The audit chain on both backends (common/audit/): the same cases against a SQLite file and a
// real PostgreSQL (a fresh schema per run; never skipped, unreachable is a failure). Tampering is
// done as an attacker with rights on the storage would: triggers dropped or bypassed
// (session_replication_role), rows deleted and rewritten, the head row moved to match.
import { strict as assert } from 'node:assert';
import Database from 'better-sqlite3';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { AuditLog } from '../../common/audit/audit-log.js';
import { chainHash, type ChainRow } from '../../common/audit/chain.js';
import { CheckpointSigner, publicJwk, type ChainKeys } from '../../common/audit/checkpoints.js';
import { PostgresChainBackend } from '../../common/audit/postgres-chain.js';
import { SqliteChainBackend } from '../../common/audit/sqlite-chain.js';
import { verifyPostgresChains, verifySqliteChain, type ChainReport } from '../../common/audit/verify.js';
import { tmpDir } from '../support/stack.js';

const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const key = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const signer = new CheckpointSigner(key.privateKey);
const trust: Promise<ChainKeys> = publicJwk(key.privateKey).then((jwk) => ({ owner: 'the test key', keys: [jwk] }));
const trustFor = () => trust;

interface Harness {
  name: string;
  backend(chain: string): SqliteChainBackend | PostgresChainBackend;
  verify(chain: string): Promise<ChainReport>;
  rows(chain: string): Promise<ChainRow[]>;
  /** Replaces the chain's records with `change(rows)`, past the triggers, and moves the head row to match. */
  tamper(chain: string, change: (rows: ChainRow[]) => ChainRow[]): Promise<void>;
  /** Inserts a checkpoint row directly. */
  addCheckpoint(chain: string, cp: { seq: number; hash: string; at: string; jws: string }): Promise<void>;
  /** An UPDATE, a DELETE (and on PostgreSQL a TRUNCATE) of records, as the application's role would try them. */
  tryChange(chain: string): Promise<string[]>;
  dispose(): Promise<void>;
}

function sqliteHarness(): Harness {
  const dir = tmpDir('audit-backends');
  const file = (chain: string) => path.join(dir, `${chain}.sqlite`);
  const withDb = <T>(chain: string, fn: (db: Database.Database) => T): T => {
    const db = new Database(file(chain));
    try {
      return fn(db);
    } finally {
      db.close();
    }
  };
  return {
    name: 'SQLite',
    backend: (chain) => new SqliteChainBackend(file(chain)),
    verify: (chain) => verifySqliteChain(file(chain), trustFor),
    rows: async (chain) => withDb(chain, (db) => db.prepare('SELECT seq, at, body, prev_hash AS prevHash, hash FROM audit ORDER BY seq').all() as ChainRow[]),
    tamper: async (chain, change) =>
      withDb(chain, (db) => {
        const rows = change(db.prepare('SELECT seq, at, body, prev_hash AS prevHash, hash FROM audit ORDER BY seq').all() as ChainRow[]);
        db.exec('DROP TRIGGER IF EXISTS audit_no_update; DROP TRIGGER IF EXISTS audit_no_delete; DELETE FROM audit');
        const insert = db.prepare('INSERT INTO audit (seq, at, body, prev_hash, hash) VALUES (?, ?, ?, ?, ?)');
        for (const r of rows) insert.run(r.seq, r.at, r.body, r.prevHash, r.hash);
      }),
    addCheckpoint: async (chain, cp) =>
      withDb(chain, (db) => {
        db.prepare('INSERT OR REPLACE INTO checkpoints (seq, hash, at, jws) VALUES (?, ?, ?, ?)').run(cp.seq, cp.hash, cp.at, cp.jws);
      }),
    tryChange: async (chain) =>
      withDb(chain, (db) =>
        ["UPDATE audit SET body = '{}' WHERE seq = 1", 'DELETE FROM audit WHERE seq = 1'].map((sql) => {
          try {
            db.prepare(sql).run();
            return 'allowed';
          } catch (err) {
            return (err as Error).message;
          }
        }),
      ),
    dispose: async () => {},
  };
}

function postgresHarness(): Harness {
  const schema = `audit_test_${randomBytes(4).toString('hex')}`;
  const s = `"${schema}"`;
  const client = async () => {
    const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 5000 });
    try {
      await c.connect();
    } catch (err) {
      await c.end().catch(() => {});
      throw new Error(`PostgreSQL is not reachable at ${new URL(PG_URL).host} (${(err as Error).message}); start it, or set TEST_DATABASE_URL`);
    }
    return c;
  };
  const withClient = async <T>(fn: (c: pg.Client) => Promise<T>): Promise<T> => {
    const c = await client();
    try {
      return await fn(c);
    } finally {
      await c.end();
    }
  };
  const rows = async (c: pg.Client, chain: string) =>
    (
      await c.query<{ seq: string; at: string; body: string; prev_hash: string; hash: string }>(
        `SELECT seq, at, body, prev_hash, hash FROM ${s}.records WHERE chain = $1 ORDER BY seq`,
        [chain],
      )
    ).rows.map((r) => ({ seq: Number(r.seq), at: r.at, body: r.body, prevHash: r.prev_hash, hash: r.hash }));
  return {
    name: 'PostgreSQL',
    backend: (chain) => new PostgresChainBackend(PG_URL, schema, chain),
    verify: async (chain) => {
      const { reports } = await verifyPostgresChains(PG_URL, [schema], trustFor);
      const r = reports.find((x) => x.chain === chain);
      assert.ok(r, `chain ${chain} listed`);
      return r;
    },
    rows: (chain) => withClient((c) => rows(c, chain)),
    tamper: (chain, change) =>
      withClient(async (c) => {
        const next = change(await rows(c, chain));
        await c.query('BEGIN');
        // Triggers do not fire for a session in replica mode (a superuser's switch).
        await c.query('SET LOCAL session_replication_role = replica');
        await c.query(`DELETE FROM ${s}.records WHERE chain = $1`, [chain]);
        for (const r of next) {
          await c.query(`INSERT INTO ${s}.records (chain, seq, at, body, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6)`, [
            chain,
            r.seq,
            r.at,
            r.body,
            r.prevHash,
            r.hash,
          ]);
        }
        const last = next.at(-1);
        await c.query(`UPDATE ${s}.heads SET seq = $2, hash = $3 WHERE chain = $1`, [chain, last?.seq ?? 0, last?.hash ?? '0'.repeat(64)]);
        await c.query('COMMIT');
      }),
    addCheckpoint: (chain, cp) =>
      withClient(async (c) => {
        await c.query('BEGIN');
        await c.query('SET LOCAL session_replication_role = replica');
        await c.query(`DELETE FROM ${s}.checkpoints WHERE chain = $1 AND seq = $2`, [chain, cp.seq]);
        await c.query(`INSERT INTO ${s}.checkpoints (chain, seq, hash, at, jws) VALUES ($1, $2, $3, $4, $5)`, [chain, cp.seq, cp.hash, cp.at, cp.jws]);
        await c.query('COMMIT');
      }),
    tryChange: (chain) =>
      withClient(async (c) => {
        const out: string[] = [];
        for (const sql of [`UPDATE ${s}.records SET body = '{}' WHERE chain = $1`, `DELETE FROM ${s}.records WHERE chain = $1`, `TRUNCATE ${s}.records`]) {
          try {
            await c.query(sql, sql.includes('$1') ? [chain] : []);
            out.push('allowed');
          } catch (err) {
            out.push((err as Error).message);
          }
        }
        return out;
      }),
    dispose: () => withClient(async (c) => void (await c.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`))),
  };
}

/** Recomputes the links and hashes of `rows` from record `from` on (what an attacker without the key can do). */
function relink(rows: ChainRow[], from: number): ChainRow[] {
  const out = rows.map((r) => ({ ...r }));
  for (let i = from - 1; i < out.length; i++) {
    const prev = i === 0 ? '0'.repeat(64) : out[i - 1]!.hash;
    out[i] = { ...out[i]!, prevHash: prev, hash: chainHash(prev, out[i]!.seq, out[i]!.at, out[i]!.body) };
  }
  return out;
}

const rec = (n: number, extra: Record<string, unknown> = {}) => ({ kind: 'test', n, ...extra });

for (const make of [sqliteHarness, postgresHarness]) {
  describe(`audit chain on ${make === sqliteHarness ? 'SQLite' : 'PostgreSQL'}`, function () {
    this.timeout(30_000);
    let h: Harness;
    let n = 0;
    /** A chain name of its own per case. */
    const chain = () => `gateway-${++n}`;
    const open = (name: string, opts: { everyRecords?: number; everyMs?: number; commitWindowMs?: number } = {}) =>
      new AuditLog(h.backend(name), {
        commitWindowMs: opts.commitWindowMs,
        checkpoints: { signer, everyRecords: opts.everyRecords ?? 1000, everyMs: opts.everyMs ?? 60_000 },
      });
    const appendAll = async (log: AuditLog, from: number, count: number) => {
      for (let i = from; i < from + count; i++) await log.append(rec(i));
    };

    before(() => {
      h = make();
    });
    after(async () => {
      await h?.dispose();
    });

    it('appends; the chain and its checkpoints (every N records, and at close) verify', async () => {
      const c = chain();
      const log = open(c, { everyRecords: 5 });
      await log.ready();
      await appendAll(log, 1, 12);
      await log.close();
      const r = await h.verify(c);
      assert.ok(r.ok, r.reason);
      assert.equal(r.records, 12);
      assert.ok(r.checkpoints >= 3, `${r.checkpoints} checkpoints: at 5, 10 and 12`);
      assert.equal(r.lastCheckpoint?.seq, 12);
      assert.equal(r.lastCheckpoint?.chain, c);
      assert.deepEqual(
        (await h.rows(c)).map((x) => JSON.parse(x.body).n),
        Array.from({ length: 12 }, (_, i) => i + 1),
      );
    });

    it('signs a checkpoint every M ms while records arrive, without waiting for close', async () => {
      const c = chain();
      const log = open(c, { everyMs: 40 });
      try {
        await log.append(rec(1));
        const end = Date.now() + 5000;
        while (log.stats.checkpointSeq < 1 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
        assert.equal(log.stats.checkpointSeq, 1);
        assert.ok(log.stats.checkpointAt > 0);
        assert.equal((await h.verify(c)).lastCheckpoint?.seq, 1);
      } finally {
        await log.close();
      }
    });

    it('group commit: concurrent appends share transactions, every record is in the chain once', async () => {
      const c = chain();
      const log = open(c);
      await log.ready();
      await Promise.all(Array.from({ length: 400 }, (_, i) => log.append(rec(i))));
      assert.equal(log.stats.records, 400);
      assert.ok(log.stats.batches < 100, `${log.stats.batches} batches for 400 records`);
      await log.close();
      const r = await h.verify(c);
      assert.ok(r.ok && r.records === 400, JSON.stringify(r));
      const seen = (await h.rows(c)).map((x) => JSON.parse(x.body).n as number).sort((a, b) => a - b);
      assert.deepEqual(
        seen,
        Array.from({ length: 400 }, (_, i) => i),
      );
    });

    it('refuses UPDATE and DELETE of records (append-only)', async () => {
      const c = chain();
      const log = open(c);
      await appendAll(log, 1, 2);
      await log.close();
      for (const outcome of await h.tryChange(c)) assert.match(outcome, /append-only/);
      assert.equal((await h.verify(c)).records, 2);
    });

    it('detects an edited record and names it', async () => {
      const c = chain();
      const log = open(c);
      await appendAll(log, 1, 5);
      await log.close();
      await h.tamper(c, (rows) => rows.map((r) => (r.seq === 3 ? { ...r, body: JSON.stringify(rec(3, { outcome: 'edited' })) } : r)));
      const r = await h.verify(c);
      assert.equal(r.ok, false);
      assert.equal(r.brokenAt, 3);
      assert.match(r.reason ?? '', /first broken record #3 \(record content does not match its hash\)/);
      assert.equal(r.records, 2);
    });

    it('detects a chain rewritten from an edited record on (hashes recomputed), by its signed checkpoint', async () => {
      const c = chain();
      const log = open(c);
      await appendAll(log, 1, 6);
      await log.close(); // checkpoint at #6
      await h.tamper(c, (rows) =>
        relink(
          rows.map((r) => (r.seq === 3 ? { ...r, body: JSON.stringify(rec(3, { outcome: 'edited' })) } : r)),
          3,
        ),
      );
      const r = await h.verify(c);
      assert.equal(r.ok, false, 'the links alone are consistent again');
      assert.equal(r.brokenAt, 6);
      assert.match(r.reason ?? '', /differs from the checkpoint signed at .*: the chain was rewritten/);
    });

    it('detects a tail cut off past a checkpoint (the head row moved to match)', async () => {
      const c = chain();
      const log = open(c, { everyRecords: 10 });
      await appendAll(log, 1, 13);
      assert.equal(log.stats.checkpointSeq, 10);
      await log.close(); // and #13
      const before = await h.verify(c);
      assert.ok(before.ok && before.lastCheckpoint?.seq === 13, JSON.stringify(before));
      // The last six records go: every link that is left still verifies.
      await h.tamper(c, (rows) => rows.filter((r) => r.seq <= 7));
      const r = await h.verify(c);
      assert.equal(r.ok, false);
      assert.equal(r.records, 7);
      assert.match(r.reason ?? '', /truncated: the chain ends at #7 but a checkpoint signed at .* covers #13/);
    });

    it('detects a forged checkpoint (another key under the instance’s kid) and an altered one', async () => {
      const c = chain();
      const log = open(c);
      await appendAll(log, 1, 4);
      await log.close();
      const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const kid = (await trust).keys[0]!.kid!;
      // A checkpoint covering only #2, as if the chain had been shorter: needs the instance's key.
      const row2 = (await h.rows(c))[1]!;
      const forged = await new CheckpointSigner(other.privateKey, kid).sign({ chain: c, seq: 2, hash: row2.hash, at: new Date().toISOString() });
      await h.addCheckpoint(c, { seq: 2, hash: row2.hash, at: new Date().toISOString(), jws: forged });
      let r = await h.verify(c);
      assert.equal(r.ok, false);
      assert.match(r.reason ?? '', /checkpoint #2 is forged or altered: signature does not verify with the test key/);

      // A genuine checkpoint whose payload was edited (seq moved back) no longer verifies either.
      const c2 = chain();
      const log2 = open(c2);
      await appendAll(log2, 1, 3);
      await log2.close();
      const head = (await h.rows(c2)).at(-1)!;
      const genuine = await signer.sign({ chain: c2, seq: 3, hash: head.hash, at: new Date().toISOString() });
      const [header, , sig] = genuine.split('.');
      const payload = Buffer.from(JSON.stringify({ at: new Date().toISOString(), chain: c2, hash: head.hash, seq: 1 })).toString('base64url');
      await h.addCheckpoint(c2, { seq: 1, hash: head.hash, at: new Date().toISOString(), jws: `${header}.${payload}.${sig}` });
      r = await h.verify(c2);
      assert.equal(r.ok, false);
      assert.match(r.reason ?? '', /checkpoint #1 is forged or altered: signature does not verify/);
    });

    it('a restarted writer continues its chain from the stored head', async () => {
      const c = chain();
      const first = open(c);
      await appendAll(first, 1, 3);
      await first.close();
      const second = open(c);
      await second.ready();
      assert.equal(second.stats.headSeq, 3);
      await appendAll(second, 4, 2);
      await second.close();
      const r = await h.verify(c);
      assert.ok(r.ok && r.records === 5, JSON.stringify(r));
      assert.deepEqual(
        (await h.rows(c)).map((x) => [x.seq, JSON.parse(x.body).n]),
        [1, 2, 3, 4, 5].map((i) => [i, i]),
      );
    });

    it('two writers on one chain are serialised into one chain, never forked', async () => {
      const c = chain();
      const a = open(c, { commitWindowMs: 0 });
      const b = open(c, { commitWindowMs: 0 });
      await Promise.all([a.ready(), b.ready()]);
      const writes: Promise<void>[] = [];
      for (let i = 0; i < 60; i++) {
        writes.push(a.append(rec(i, { writer: 'a' })), b.append(rec(i, { writer: 'b' })));
        if (i % 10 === 0) await new Promise((r) => setImmediate(r));
      }
      await Promise.all(writes);
      await Promise.all([a.close(), b.close()]);
      const r = await h.verify(c);
      assert.ok(r.ok, r.reason);
      assert.equal(r.records, 120);
      const rows = await h.rows(c);
      for (const w of ['a', 'b']) assert.equal(rows.filter((x) => JSON.parse(x.body).writer === w).length, 60, `every record of writer ${w}`);
    });
  });
}

describe('audit chain on PostgreSQL: fail closed', function () {
  this.timeout(30_000);
  const schema = `audit_test_${randomBytes(4).toString('hex')}`;
  after(async () => {
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await c.end();
  });

  it('an append rejects when PostgreSQL is unreachable, and ready() names the database', async () => {
    const url = 'postgres://postgres@127.0.0.1:1/test';
    const log = new AuditLog(new PostgresChainBackend(url, schema, 'gateway-down', { connectTimeoutMs: 1000 }));
    await assert.rejects(log.ready(), /audit: PostgreSQL 127\.0\.0\.1:1\/test/);
    await assert.rejects(log.append(rec(1)), /audit write failed: .*127\.0\.0\.1:1\/test/);
    assert.equal(log.stats.records, 0);
    await log.close();
  });

  it('a connection that dies fails the batch in flight at worst; the next append reconnects and continues the chain', async () => {
    const chainName = `gateway-${randomBytes(3).toString('hex')}`;
    const log = new AuditLog(new PostgresChainBackend(PG_URL, schema, chainName), { checkpoints: { signer } });
    await log.append(rec(1));
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    const killed = await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [`chuanyu-audit ${chainName}`]);
    await admin.end();
    assert.equal(killed.rowCount, 1);
    await log.append(rec(2)).catch(() => {}); // may be the one that finds the connection gone
    await log.append(rec(3));
    await log.close();
    const { reports } = await verifyPostgresChains(PG_URL, [schema], trustFor);
    const r = reports.find((x) => x.chain === chainName)!;
    assert.ok(r.ok, r.reason);
    assert.ok(r.records === 2 || r.records === 3, `${r.records} records`);
    assert.equal(r.lastCheckpoint?.seq, r.records);
  });
});
