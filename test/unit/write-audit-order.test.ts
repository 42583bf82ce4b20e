// A province write and its audit trail (docs/DESIGN.md §4): the intent is durable in the province's
// audit chain before the store is touched, the outcome before the answer; if the audit log cannot
// take the intent, nothing is written. Real SQLite store, real audit writer thread, the real
// internal API router (mounted without the mTLS layer, with the caller set as the assertion
// check would set it).
import Database from 'better-sqlite3';
import express from 'express';
import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import request from 'supertest';
import { AuditLog, verifyAuditFile } from '../../common/audit/audit-log.js';
import { loadStackConfig } from '../../common/config.js';
import type { Caller } from '../../common/identity/caller.js';
import type { CatalogueEntryRecord } from '../../domain/catalogue.js';
import { generateDemoEntries } from '../../domain/demo/catalogue.js';
import { internalApi } from '../../subgraphs/catalogue/internal-api.js';
import { SqliteCatalogueStore } from '../../subgraphs/catalogue/store/sqlite-store.js';
import { tmpDir } from '../support/stack.js';

const cfg = loadStackConfig();
const chongqing = cfg.provinces.find((p) => p.id === 'chongqing')!;
const sichuan = cfg.provinces.find((p) => p.id === 'sichuan')!;
const source = generateDemoEntries({ divisionCode: sichuan.divisionCode, provinceName: sichuan.name, seed: sichuan.demo.seed, count: 60 }).find(
  (e) => e.sharingType === 'UNCONDITIONAL' && e.status === 'ACTIVE',
)!;

const admin = (): Caller => ({
  province: chongqing.id,
  divisionCode: chongqing.divisionCode,
  subject: 'chongqing:admin',
  clientId: 'chongqing-admin',
  scopes: ['catalogue:read', 'catalogue:admin'],
  certThumbprint: 'x'.repeat(43),
  requestId: randomUUID(),
});

function appFor(store: SqliteCatalogueStore, audit: AuditLog, caller: Caller) {
  const app = express();
  app.use((_req, res, next) => {
    res.locals.caller = caller;
    next();
  });
  app.use('/internal/v1', internalApi(chongqing, store, audit));
  return app;
}

const recordsOf = (file: string) => {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare('SELECT body FROM audit ORDER BY seq').all() as { body: string }[]).map((r) => JSON.parse(r.body) as Record<string, unknown>);
  } finally {
    db.close();
  }
};

describe('province writes and their audit records', () => {
  it('records the intent before the store is written, and the outcome before the answer', async () => {
    const dir = tmpDir('write-audit');
    const auditFile = path.join(dir, 'audit.sqlite');
    const audit = new AuditLog(auditFile);
    const store = new SqliteCatalogueStore(path.join(dir, 'chongqing.sqlite'));
    const caller = admin();
    // What the audit chain held at the moment the store was asked to write.
    const seen: { atWrite: Record<string, unknown>[] | null } = { atWrite: null };
    const registerMirror = store.registerMirror.bind(store);
    store.registerMirror = async (record: CatalogueEntryRecord) => {
      seen.atWrite = recordsOf(auditFile);
      return registerMirror(record);
    };
    try {
      const res = await request(appFor(store, audit, caller))
        .post('/internal/v1/mirrors/register')
        .send({ source });
      assert.equal(res.status, 200, res.text);
      assert.ok(seen.atWrite, 'the store was written');
      assert.deepEqual(
        seen.atWrite.map((r) => [r.kind, r.requestId, r.target]),
        [['write-intent', caller.requestId, source.id]],
        'the intent, and only the intent, was durable when the store was written',
      );
      const after = recordsOf(auditFile);
      assert.deepEqual(
        after.map((r) => r.kind),
        ['write-intent', 'write'],
      );
      assert.equal(after[1]!.outcome, 'created');
      assert.equal(after[1]!.entryId, res.body.entry.id);
    } finally {
      await audit.close();
      await store.close();
    }
    assert.ok(verifyAuditFile(auditFile).ok);
  });

  it('writes nothing, and says so, when the audit log cannot take the intent', async () => {
    const dir = tmpDir('write-audit-broken');
    const store = new SqliteCatalogueStore(path.join(dir, 'chongqing.sqlite'));
    // The writer thread cannot create its file under a regular file: the audit log fails.
    const audit = new AuditLog(path.join(dir, 'chongqing.sqlite', 'audit.sqlite'));
    try {
      const res = await request(appFor(store, audit, admin()))
        .post('/internal/v1/mirrors/register')
        .send({ source });
      assert.equal(res.status, 503);
      assert.equal(res.body.error.code, 'AUDIT_UNAVAILABLE');
      assert.match(res.body.error.message, /nothing was written/);
      assert.equal(await store.getEntry(`${chongqing.divisionCode}:mirror:${source.id}`), null);
    } finally {
      await audit.close().catch(() => {});
      await store.close();
    }
  });
});
