// Schema v6: a store written before grades existed opens with a grade on every entry and a
// personal-information level on every data item, the same on SQLite and PostgreSQL.
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { validateEntryRecord, type CatalogueEntryRecord } from '../../domain/catalogue.js';
import { generateDemoEntries } from '../../domain/demo/catalogue.js';
import { ENTRY_COLUMNS } from '../../subgraphs/catalogue/store/entry-columns.js';
import { MIGRATIONS as PG_MIGRATIONS, PostgresCatalogueStore, quoteIdent } from '../../subgraphs/catalogue/store/postgres-store.js';
import { MIGRATIONS as SQLITE_MIGRATIONS, SqliteCatalogueStore } from '../../subgraphs/catalogue/store/sqlite-store.js';
import type { CatalogueStore } from '../../subgraphs/catalogue/store/store.js';

const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const V5 = 5;

/** Records as a v5 store held them: no grade, no approval, data items without personalInfo. */
function v5Rows(): Record<string, unknown>[] {
  const base = generateDemoEntries({ divisionCode: '500000', provinceName: '重庆市', seed: 500000, count: 40 });
  const sensitive: CatalogueEntryRecord = {
    ...base[0]!,
    id: '500000:301001/900001',
    resourceCode: '301001/900001',
    classification: '301001',
    name: '居民就诊病历信息',
    dataItems: [
      { name: '姓名', dataType: 'STRING', personalInfo: 'PERSONAL' },
      { name: '公民身份号码', dataType: 'STRING', personalInfo: 'SENSITIVE' },
      { name: '诊断结果', dataType: 'STRING', personalInfo: 'SENSITIVE' },
    ],
    sharingType: 'NOT_SHARED',
    sharingCondition: '依据《中华人民共和国个人信息保护法》第二十八条，涉及敏感个人信息，不予共享',
    openType: 'NOT_OPEN',
  };
  return [...base, sensitive].map((r) => {
    const row: Record<string, unknown> = {};
    for (const [column, field, kind] of ENTRY_COLUMNS) {
      if (field === 'grade' || field === 'mirrorApprovalRef') continue;
      const value = field === 'dataItems' ? r.dataItems.map(({ name, dataType }) => ({ name, dataType })) : r[field];
      row[column] = kind === 'json' ? JSON.stringify(value) : value;
    }
    return row;
  });
}

async function checkMigrated(store: CatalogueStore, rows: Record<string, unknown>[]): Promise<void> {
  const got = await store.getEntries(rows.map((r) => r.id as string));
  assert.equal(got.size, rows.length);
  for (const r of got.values()) {
    const v = validateEntryRecord(r);
    assert.ok(v.ok, `${r.id}: ${v.ok ? '' : v.issues.join('; ')}`);
    assert.equal(r.mirrorApprovalRef, null);
  }
  const medical = got.get('500000:301001/900001')!;
  assert.equal(medical.grade, 'IMPORTANT', 'NOT_SHARED with sensitive personal information');
  assert.deepEqual(
    medical.dataItems.map((i) => i.personalInfo),
    ['PERSONAL', 'SENSITIVE', 'SENSITIVE'],
  );
  const others = [...got.values()].filter((r) => r.id !== medical.id);
  assert.ok(others.every((r) => r.grade === 'GENERAL' || (r.sharingType === 'NOT_SHARED' && r.dataItems.some((i) => i.personalInfo === 'SENSITIVE'))));
  // The facet counts see the new column.
  const slice = await store.slice({ hideNotShared: false, limit: 1 });
  assert.equal(
    Object.values(slice.byGrade).reduce((a, b) => a + b, 0),
    slice.total,
  );
}

describe('store migration to schema v6 (grades)', () => {
  it('SQLite: a v5 store gets grades and personal-information levels', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'chuanyu-v6-'));
    const file = path.join(dir, 'catalogue.sqlite');
    try {
      const db = new Database(file);
      for (const m of SQLITE_MIGRATIONS.slice(0, V5)) db.exec(typeof m === 'string' ? m : m.sql);
      db.pragma(`user_version = ${V5}`);
      const rows = v5Rows();
      const cols = Object.keys(rows[0]!);
      const insert = db.prepare(`INSERT INTO entries (${cols.join(', ')}) VALUES (${cols.map((c) => `@${c}`).join(', ')})`);
      for (const r of rows) insert.run(r);
      db.close();

      const store = new SqliteCatalogueStore(file);
      try {
        await checkMigrated(store, rows);
      } finally {
        await store.close();
      }
      const after = new Database(file, { readonly: true });
      assert.equal(after.pragma('user_version', { simple: true }), SQLITE_MIGRATIONS.length);
      after.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('PostgreSQL: a v5 schema gets the same grades', async () => {
    const schema = `test_v6_${randomBytes(5).toString('hex')}`;
    const s = quoteIdent(schema);
    const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 5000 });
    await c.connect();
    try {
      // pg_trgm lives where an earlier store created it (or is created here by a store first).
      const probe = await PostgresCatalogueStore.open(PG_URL, `${schema}_probe`);
      await probe.close();
      const ext = await c.query<{ nspname: string }>(
        `SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'`,
      );
      const trgm = quoteIdent(ext.rows[0]!.nspname);
      await c.query(`CREATE SCHEMA ${s}`);
      await c.query(`CREATE TABLE ${s}.schema_migrations (version int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
      for (let v = 0; v < V5; v++) {
        const m = PG_MIGRATIONS[v]!(s, trgm);
        await c.query(typeof m === 'string' ? m : m.sql);
        await c.query(`INSERT INTO ${s}.schema_migrations (version) VALUES ($1)`, [v + 1]);
      }
      const rows = v5Rows();
      for (const r of rows) {
        const cols = Object.keys(r);
        await c.query(`INSERT INTO ${s}.entries (${cols.join(', ')}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')})`, Object.values(r));
      }
      const store = await PostgresCatalogueStore.open(PG_URL, schema);
      try {
        await checkMigrated(store, rows);
      } finally {
        await store.close();
      }
      const { rows: versions } = await c.query<{ v: number }>(`SELECT max(version) AS v FROM ${s}.schema_migrations`);
      assert.equal(versions[0]!.v, PG_MIGRATIONS.length);
    } finally {
      await c.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
      await c.query(`DROP SCHEMA IF EXISTS ${quoteIdent(`${schema}_probe`)} CASCADE`);
      await c.end();
    }
  });
});
