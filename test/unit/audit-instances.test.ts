// Each instance's chain from the config (common/audit/open-audit.ts): its name, its backend, the key
// it signs checkpoints with (the gateway's assertion key, the province's seal key, the sync worker's
// service-certificate key), and that audit:verify's trust takes only that instance's key.
import { strict as assert } from 'node:assert';
import { copyFileSync, cpSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { auditChainName, auditInstanceOf, auditSqliteFile, auditTrust, openAuditLog, type AuditInstance } from '../../common/audit/open-audit.js';
import { verifyPostgresChains, verifySqliteChain } from '../../common/audit/verify.js';
import { loadStackConfig, type StackConfig } from '../../common/config.js';
import { provincePaths } from '../../common/pki/paths.js';
import { sharedCertsDir, tmpDir } from '../support/stack.js';

const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const INSTANCES: [AuditInstance, string, RegExp][] = [
  [{ kind: 'gateway', id: 'gateway-7f9c-abcde' }, 'gateway-7f9c-abcde', /"alg":"ES256"/],
  [{ kind: 'subgraph', province: 'chongqing' }, 'chongqing', /"alg":"ES256"/],
  [{ kind: 'sync', province: 'sichuan' }, 'sichuan-sync', /"alg":"PS256"/],
];

const header = (jws: string) => Buffer.from(jws.split('.')[0]!, 'base64url').toString();

describe('audit chains per instance', function () {
  this.timeout(30_000);
  let cfg: StackConfig;
  before(async () => {
    cfg = loadStackConfig({ certsDir: await sharedCertsDir(), dataDir: tmpDir('audit-instances') });
  });

  it('names chains as the SQLite files always were, and refuses a name that could leave the folder', () => {
    for (const [instance, name] of INSTANCES) {
      assert.equal(auditChainName(instance), name);
      assert.equal(auditSqliteFile(cfg, instance), path.join(cfg.dataDir, 'audit', `${name}.sqlite`));
      assert.deepEqual(auditInstanceOf(cfg, name), instance);
    }
    for (const id of ['../x', 'a/b', '', '.hidden', 'x.sqlite']) assert.throws(() => auditChainName({ kind: 'gateway', id }), /invalid chain name/);
  });

  for (const backend of ['SQLite', 'PostgreSQL'] as const) {
    it(`${backend}: each instance signs its checkpoints with its own key, and only that key verifies them`, async () => {
      const schema = `audit_test_${randomBytes(4).toString('hex')}`;
      const c = backend === 'PostgreSQL' ? { ...cfg, databaseUrl: PG_URL } : cfg;
      const trust = (chain: string) => auditTrust(c, chain);
      try {
        for (const [instance, name, alg] of INSTANCES) {
          const log = openAuditLog(c, instance, { pgSchema: schema });
          await log.ready();
          await log.append({ kind: 'test', instance: name });
          await log.close();
          assert.equal(log.chain, name);
          const r =
            backend === 'SQLite'
              ? await verifySqliteChain(auditSqliteFile(c, instance), trust)
              : (await verifyPostgresChains(PG_URL, [schema], trust)).reports.find((x) => x.chain === name)!;
          assert.ok(r.ok, r.reason);
          assert.equal(r.lastCheckpoint?.seq, 1);
          if (backend === 'SQLite') {
            const Database = (await import('better-sqlite3')).default;
            const db = new Database(auditSqliteFile(c, instance), { readonly: true });
            const { jws } = db.prepare('SELECT jws FROM checkpoints').get() as { jws: string };
            db.close();
            assert.match(header(jws), alg);
            assert.match(header(jws), /"typ":"chuanyu-audit-checkpoint\+jws"/);
          }
        }
        if (backend === 'SQLite') {
          // The subgraph's chain passed off as a gateway replica's: signed, but not by the gateway.
          const fake = path.join(c.dataDir, 'audit', 'gateway-9.sqlite');
          copyFileSync(auditSqliteFile(c, { kind: 'subgraph', province: 'chongqing' }), fake);
          const r = await verifySqliteChain(fake, trust);
          assert.equal(r.ok, false);
          assert.match(r.reason ?? '', /checkpoint #1 is forged or altered: signed with a key .* that is not the gateway's assertion key/);
        }
      } finally {
        if (backend === 'PostgreSQL') {
          const db = new pg.Client({ connectionString: PG_URL });
          await db.connect();
          await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
          await db.end();
        }
      }
    });
  }

  it('after a key rotation the older checkpoints verify with the retired public key, published for audit:verify only', async () => {
    const log = openAuditLog(cfg, { kind: 'sync', province: 'chongqing' });
    await log.append({ kind: 'test' });
    await log.close();
    const file = auditSqliteFile(cfg, { kind: 'sync', province: 'chongqing' });
    // The worker's certificate renewed with a new key (here: another certificate of the same CA).
    const rotated = loadStackConfig({ certsDir: tmpDir('audit-rotated-certs'), dataDir: cfg.dataDir });
    cpSync(cfg.certsDir, rotated.certsDir, { recursive: true });
    const pp = provincePaths(rotated.certsDir, 'chongqing');
    copyFileSync(pp.client('app').cert, pp.client('sync').cert);
    let r = await verifySqliteChain(file, (chain) => auditTrust(rotated, chain));
    assert.equal(r.ok, false);
    assert.match(r.reason ?? '', /signed with a key .* that is not chongqing's sync worker certificate/);
    copyFileSync(provincePaths(cfg.certsDir, 'chongqing').client('sync').cert, path.join(path.dirname(pp.client('sync').cert), 'sync-retired.crt'));
    r = await verifySqliteChain(file, (chain) => auditTrust(rotated, chain));
    assert.ok(r.ok, r.reason);
  });
});
