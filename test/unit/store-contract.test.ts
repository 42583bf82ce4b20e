// One contract for every CatalogueStore backend (docs/DESIGN.md §6): the same cases run against
// SQLite and against a real PostgreSQL. The gateway merges slices from both backends, so beyond
// passing alone they must agree with each other and with common/order.ts — hence an in-memory
// oracle and a cross-backend comparison. PostgreSQL is never skipped: unreachable is a failure.
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { compareSortKeys, type SortKey } from '../../common/order.js';
import { LISTING_RECORD_FIELDS, type ListingRow } from '../../common/schema/listing-fields.js';
import type { CatalogueEntryRecord, SharingType } from '../../domain/catalogue.js';
import type { DataGrade } from '../../domain/grading.js';
import { generateDemoEntries } from '../../domain/demo/catalogue.js';
import { mirrorEntryId } from '../../domain/entry-id.js';
import { decideCancelJob, emptyCursor, queuedJob, type MountJobRecord } from '../../subgraphs/catalogue/store/mirror-sync.js';
import { POSTGRES_SCHEMA_VERSION, PostgresCatalogueStore } from '../../subgraphs/catalogue/store/postgres-store.js';
import { SqliteCatalogueStore } from '../../subgraphs/catalogue/store/sqlite-store.js';
import type { CatalogueStore, SliceQuery, SliceResult } from '../../subgraphs/catalogue/store/store.js';

const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** host:port/db only: a TEST_DATABASE_URL may carry a password that must not reach CI logs. */
function pgWhere(url: string): string {
  const u = new URL(url);
  return `${u.hostname}:${u.port || '5432'}${u.pathname}`;
}

function errText(err: unknown): string {
  if (err instanceof AggregateError) return err.errors.map(errText).join('; ');
  return err instanceof Error ? err.message || String((err as NodeJS.ErrnoException).code) : String(err);
}

/** Runs SQL on its own connection; throws a clear error when PostgreSQL is not there. */
async function pgExec(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 5000 });
  try {
    await c.connect();
  } catch (err) {
    await c.end().catch(() => {});
    throw new Error(
      `PostgreSQL is not reachable at ${pgWhere(PG_URL)} (${errText(err)}). The store contract runs against ` +
        'PostgreSQL for real: start it, or point TEST_DATABASE_URL at one.',
    );
  }
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

// ---------------------------------------------------------------------------------------------
// Backends

/** Fresh, empty storage for one backend; open() may be called again to reopen the same data. */
interface Harness {
  open(): Promise<CatalogueStore>;
  dispose(): Promise<void>;
}

async function sqliteHarness(): Promise<Harness> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'chuanyu-store-contract-'));
  return {
    open: async () => new SqliteCatalogueStore(path.join(dir, 'catalogue.sqlite')),
    dispose: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

async function postgresHarness(): Promise<Harness> {
  const schema = `test_${randomBytes(6).toString('hex')}`;
  await pgExec('SELECT 1'); // fail here, clearly, if PostgreSQL is down
  return {
    open: () => PostgresCatalogueStore.open(PG_URL, schema),
    dispose: () => pgExec(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`),
  };
}

// ---------------------------------------------------------------------------------------------
// Data: ~600 Chongqing demo entries plus hand-made names that stress ordering and search.

const CQ = { divisionCode: '500000', provinceName: '重庆市', seed: 500000 };
const DEMO = generateDemoEntries({ ...CQ, count: 600 });

function variant(base: CatalogueEntryRecord, seq: number, name: string, extra: Partial<CatalogueEntryRecord> = {}): CatalogueEntryRecord {
  const resourceCode = `${base.classification}/${String(seq).padStart(6, '0')}`;
  return { ...structuredClone(base), id: `${base.divisionCode}:${resourceCode}`, resourceCode, name, ...extra };
}

const base = DEMO[0]!;
// Code point order: 'A'(41) < 'a'(61) < '豈'(U+F900) < 'ｱ'(U+FF71) < '𠀀'(U+20000). UTF-16 order
// (JS `<`) would put '𠀀' (D840 DC00) before '豈' and 'ｱ' — the case common/order.ts exists for.
const HANDMADE: CatalogueEntryRecord[] = [
  variant(base, 900001, 'ABC资源簿'),
  variant(base, 900002, 'abc资源簿'),
  variant(base, 900003, 'Abc资源簿'),
  variant(base, 900004, '𠀀资源簿'),
  variant(base, 900005, '豈资源簿'),
  variant(base, 900006, 'ｱ资源簿'),
  variant(base, 900007, '𠀀资源簿'), // same name: the id breaks the tie
  variant(base, 900008, '增长率50%_统计'),
  variant(base, 900009, '增长率50ab统计'), // would match 50%_ if % and _ were wildcards
  variant(base, 900010, '增长率50%x统计'), // would match 50%_ if _ were a wildcard
  variant(base, 900011, '户籍人口(𠀀)信息', { status: 'WITHDRAWN' }),
  // Graded entries whatever the demo's grades: 重要数据 on conditions, and 核心数据 that another province
  // never sees, even if its sharing type were wrongly left open.
  variant(base, 900012, '重要数据分级样例', { grade: 'IMPORTANT', sharingType: 'CONDITIONAL', sharingCondition: '经审批后共享', openType: 'NOT_OPEN' }),
  variant(base, 900013, '核心数据分级样例', { grade: 'CORE', sharingType: 'NOT_SHARED', sharingCondition: '核心数据，不予共享', openType: 'NOT_OPEN' }),
  variant(base, 900014, '核心数据错标样例', { grade: 'CORE', sharingType: 'CONDITIONAL', sharingCondition: '错标', openType: 'NOT_OPEN' }),
];
const ALL = [...DEMO, ...HANDMADE];

/** What a slice must return, computed in JS from the records (SQLite LIKE/FTS semantics for ASCII). */
function oracle(records: CatalogueEntryRecord[], q: SliceQuery): CatalogueEntryRecord[] {
  const fold = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());
  const terms = (q.search ?? '').split(/\s+/u).filter(Boolean).map(fold);
  const inList = <T>(values: readonly T[] | null | undefined, v: T) => !values || values.length === 0 || values.includes(v);
  return records
    .filter(
      (r) =>
        (q.includeWithdrawn || r.status === 'ACTIVE') &&
        (!q.hideNotShared || (r.sharingType !== 'NOT_SHARED' && r.grade !== 'CORE')) &&
        inList(q.sharingTypes, r.sharingType) &&
        inList(q.grades, r.grade) &&
        inList(q.updateCycles, r.updateCycle) &&
        inList(q.formats, r.format) &&
        inList(q.kinds, r.kind) &&
        (!q.providerCode || r.providerCode === q.providerCode) &&
        (!q.classificationPrefix || r.classification.startsWith(q.classificationPrefix)) &&
        terms.every((t) => [r.name, r.abstract, r.providerName].some((f) => fold(f).includes(t))),
    )
    .sort(compareSortKeys);
}

function counts(records: CatalogueEntryRecord[]): Partial<Record<SharingType, number>> {
  const out: Partial<Record<SharingType, number>> = {};
  for (const r of records) out[r.sharingType] = (out[r.sharingType] ?? 0) + 1;
  return out;
}

function gradeCounts(records: CatalogueEntryRecord[]): Partial<Record<DataGrade, number>> {
  const out: Partial<Record<DataGrade, number>> = {};
  for (const r of records) out[r.grade] = (out[r.grade] ?? 0) + 1;
  return out;
}

const keys = (rs: SortKey[]) => rs.map((r) => ({ name: r.name, id: r.id }));

/** Follows the keyset to the end; checks every page's total and counts agree with the first. */
async function pageAll(store: CatalogueStore, q: Omit<SliceQuery, 'limit' | 'after'>, limit: number) {
  const items: ListingRow[] = [];
  let first: SliceResult | null = null;
  let after: SortKey | null = null;
  for (let guard = 0; guard < 10_000; guard++) {
    const page = await store.slice({ ...q, limit, after });
    first ??= page;
    assert.equal(page.total, first.total, 'total ignores the keyset');
    assert.deepEqual(page.bySharingType, first.bySharingType, 'counts ignore the keyset');
    assert.deepEqual(page.byGrade, first.byGrade, 'grade counts ignore the keyset');
    assert.ok(page.items.length <= limit);
    items.push(...page.items);
    if (page.items.length < limit) return { items, total: first.total, bySharingType: first.bySharingType, byGrade: first.byGrade };
    after = page.items[page.items.length - 1]!;
  }
  throw new Error('keyset paging did not terminate');
}

/** Pages through a query and compares ids, order, total and counts with the oracle. */
async function checkAgainstOracle(store: CatalogueStore, records: CatalogueEntryRecord[], q: Omit<SliceQuery, 'limit' | 'after'>) {
  const want = oracle(records, { ...q, limit: 0 });
  const got = await pageAll(store, q, 13);
  assert.deepEqual(keys(got.items), keys(want), 'every matching row exactly once, in code point order');
  const byId = new Map(records.map((r) => [r.id, r]));
  for (const item of got.items) {
    const record = byId.get(item.id)!;
    assert.deepEqual(item, Object.fromEntries(LISTING_RECORD_FIELDS.map((f) => [f, record[f]])), `${item.id} carries its listing fields as stored`);
  }
  assert.equal(new Set(got.items.map((i) => i.id)).size, got.items.length, 'no id twice');
  assert.equal(got.total, want.length);
  assert.deepEqual(got.bySharingType, counts(want));
  assert.deepEqual(got.byGrade, gradeCounts(want));
  return want;
}

const at = (s: number) => new Date(Date.UTC(2026, 0, 2, 3, 4, s)).toISOString();

/** A Chongqing mirror of a Sichuan original, shaped like internal-api's mirrorFromSource. */
function mirrorOf(source: CatalogueEntryRecord, when: string): CatalogueEntryRecord {
  return {
    ...structuredClone(source),
    id: mirrorEntryId('500000', source.id),
    divisionCode: '500000',
    kind: 'MIRROR',
    version: 1,
    status: 'ACTIVE',
    createdAt: when,
    updatedAt: when,
    mirrorSourceId: source.id,
    mirrorRegisteredSourceVersion: source.version,
    mirrorRegisteredBy: 'cq-admin',
    mirrorRegisteredAt: when,
    mirrorState: 'CURRENT',
    mirrorPendingSourceVersion: null,
    mirrorApprovalRef: null,
  };
}
const SC = generateDemoEntries({ divisionCode: '510000', provinceName: '四川省', seed: 510000, count: 5 });
/** Sources the mount and sync contract mirrors (none of them mirrored by the tests before it). */
const SC_MOUNT = generateDemoEntries({ divisionCode: '510000', provinceName: '四川省', seed: 510000, count: 10 }).slice(5);

// ---------------------------------------------------------------------------------------------
// The contract

function contract(name: string, makeStore: () => Promise<Harness>): void {
  describe(`CatalogueStore contract: ${name}`, function () {
    let harness: Harness;
    let store: CatalogueStore;

    before(async () => {
      harness = await makeStore();
      store = await harness.open();
      await store.insertEntries(ALL);
    });
    after(async () => {
      await store?.close();
      await harness?.dispose();
    });

    describe('reads', () => {
      it('counts and returns inserted records unchanged (getEntry, getEntries)', async () => {
        assert.equal(await store.countEntries(), ALL.length);
        for (const r of [ALL[0]!, ALL[599]!, HANDMADE[3]!, HANDMADE[10]!]) assert.deepEqual(await store.getEntry(r.id), r);
        assert.equal(await store.getEntry('500000:301001/999999'), null);
        const ids = [HANDMADE[1]!.id, '500000:301001/999999', ...ALL.map((r) => r.id)];
        const got = await store.getEntries(ids);
        assert.equal(got.size, ALL.length);
        // Request order, first occurrence of a repeated id.
        assert.deepEqual(
          [...got.keys()],
          [...new Set(ids)].filter((id) => id !== '500000:301001/999999'),
        );
        for (const r of ALL) assert.deepEqual(got.get(r.id), r);
        assert.equal((await store.getEntries([])).size, 0);
      });

      it('pages through everything exactly once in compareSortKeys order', async () => {
        const want = await checkAgainstOracle(store, ALL, { includeWithdrawn: true, hideNotShared: false });
        assert.equal(want.length, ALL.length);
      });

      it('orders names by code point like common/order.ts, astral characters included', async () => {
        const page = await store.slice({ search: '资源簿', hideNotShared: false, limit: 100 });
        assert.deepEqual(
          page.items.map((i) => i.id.slice(-6)),
          ['900001', '900003', '900002', '900005', '900006', '900004', '900007'],
        );
        // The test means something: UTF-16 order would disagree.
        const names = page.items.map((i) => i.name);
        assert.notDeepEqual([...names].sort(), names);
        // A keyset position on an astral name continues by id among equal names.
        const next = await store.slice({ search: '资源簿', hideNotShared: false, limit: 100, after: page.items[5]! });
        assert.deepEqual(keys(next.items), keys(page.items.slice(6)));
      });

      const filters: [string, Omit<SliceQuery, 'limit' | 'after'>][] = [
        ['sharing types', { sharingTypes: ['CONDITIONAL', 'NOT_SHARED'], hideNotShared: false }],
        ['one sharing type', { sharingTypes: ['UNCONDITIONAL'], hideNotShared: false }],
        ['provider code', { providerCode: DEMO[0]!.providerCode, hideNotShared: false }],
        ['classification prefix, 1 digit', { classificationPrefix: '3', hideNotShared: false }],
        ['classification prefix, 3 digits', { classificationPrefix: DEMO[5]!.classification.slice(0, 3), hideNotShared: false }],
        ['classification prefix, 6 digits', { classificationPrefix: DEMO[0]!.classification, hideNotShared: false }],
        ['classification prefix, 9 digits', { classificationPrefix: DEMO.find((r) => r.classification.length === 9)!.classification, hideNotShared: false }],
        ['update cycles', { updateCycles: ['DAILY', 'YEARLY'], hideNotShared: false }],
        ['formats', { formats: ['SPREADSHEET', 'IMAGE'], hideNotShared: false }],
        ['kinds', { kinds: ['ORIGINAL'], hideNotShared: false }],
        ['kinds: none match', { kinds: ['MIRROR'], hideNotShared: false }],
        ['includeWithdrawn', { includeWithdrawn: true, hideNotShared: false }],
        ['hideNotShared', { hideNotShared: true }],
        ['grades', { grades: ['IMPORTANT', 'CORE'], hideNotShared: false }],
        ['grades, another province asking', { grades: ['CORE', 'GENERAL'], hideNotShared: true }],
        ['hideNotShared with NOT_SHARED asked for', { sharingTypes: ['NOT_SHARED'], hideNotShared: true }],
        [
          'everything combined',
          {
            sharingTypes: ['UNCONDITIONAL', 'CONDITIONAL'],
            formats: ['DATABASE'],
            updateCycles: ['DAILY', 'MONTHLY', 'REALTIME'],
            classificationPrefix: '3',
            includeWithdrawn: true,
            hideNotShared: true,
          },
        ],
      ];
      for (const [label, q] of filters) {
        it(`filters: ${label}`, async () => {
          await checkAgainstOracle(store, ALL, q);
        });
      }

      it('totals and bySharingType: NOT_SHARED hidden across provinces, counts sum to total', async () => {
        const own = await store.slice({ hideNotShared: false, limit: 1 });
        const other = await store.slice({ hideNotShared: true, limit: 1 });
        assert.equal(own.bySharingType.NOT_SHARED, ALL.filter((r) => r.status === 'ACTIVE' && r.sharingType === 'NOT_SHARED').length);
        assert.ok(own.bySharingType.NOT_SHARED! > 0);
        assert.equal(other.bySharingType.NOT_SHARED, undefined);
        for (const r of [own, other]) {
          assert.equal(
            Object.values(r.bySharingType).reduce((a, b) => a + b, 0),
            r.total,
          );
        }
        // Hidden from another province: NOT_SHARED entries and 核心数据 whatever its sharing type.
        const coreButShared = ALL.filter((r) => r.status === 'ACTIVE' && r.grade === 'CORE' && r.sharingType !== 'NOT_SHARED').length;
        assert.ok(coreButShared > 0);
        assert.equal(own.total - other.total, own.bySharingType.NOT_SHARED! + coreButShared);
        assert.equal(other.byGrade.CORE, undefined);
        assert.equal(
          Object.values(own.byGrade).reduce((a, b) => a + b, 0),
          own.total,
        );
        const none = await store.slice({ search: '不存在的词语组合', hideNotShared: false, limit: 10 });
        assert.deepEqual(none, { items: [], total: 0, bySharingType: {}, byGrade: {} });
      });

      const searches: [string, string, number][] = [
        // [label, search, minimum expected matches — guards against vacuous passes]
        ['4-character Chinese term (trigram path)', '营业执照', 24],
        ['2-character Chinese term (LIKE path)', '执照', 24],
        ['1-character term', '渝', 1],
        ['two terms, both must occur', '营业执照 登记', 5],
        ['ASCII term in another case (trigram path)', 'aPeC', 1],
        ['ASCII term in another case, hand-made names', 'aBC资源', 3],
        ['short ASCII term in another case (LIKE path)', 'bC', 3],
        ['% and _ literally, 4 characters', '50%_', 1],
        ['% and _ literally, 2 characters', '%_', 1],
        ['_ alone', '_', 1],
        ['backslash matches literally (nothing)', '\\', 0],
        ['astral character', '𠀀', 2],
      ];
      for (const [label, search, min] of searches) {
        it(`search: ${label}`, async () => {
          const want = await checkAgainstOracle(store, ALL, { search, hideNotShared: false });
          assert.ok(want.length >= min, `${search}: expected at least ${min} matches, oracle has ${want.length}`);
          await checkAgainstOracle(store, ALL, { search, hideNotShared: true, includeWithdrawn: true });
        });
      }

      it('search: % and _ are not wildcards', async () => {
        const page = await store.slice({ search: '50%_', hideNotShared: false, limit: 10 });
        assert.deepEqual(
          page.items.map((i) => i.name),
          ['增长率50%_统计'],
        );
      });
    });

    describe('writes', () => {
      const source = SC[0]!;
      const mirror = mirrorOf(source, at(1));

      it('registerMirror: created, then idempotent, then revived after a withdrawal', async () => {
        const created = await store.registerMirror(mirror);
        assert.deepEqual(created, { ok: true, record: mirror, created: true });
        assert.deepEqual(await store.getEntry(mirror.id), mirror);

        const again = await store.registerMirror({ ...mirror, updatedAt: at(2), mirrorRegisteredAt: at(2) });
        assert.deepEqual(again, { ok: true, record: mirror, created: false }, 'an active mirror is returned unchanged');

        const withdrawn = await store.withdrawMirror(mirror.id, 1, at(3));
        assert.ok(withdrawn.ok);
        assert.deepEqual(withdrawn.record, { ...mirror, status: 'WITHDRAWN', version: 2, updatedAt: at(3) });
        assert.deepEqual(await store.getEntry(mirror.id), withdrawn.record);

        const fresh = mirrorOf({ ...source, version: 4, name: `${source.name}（更新）` }, at(4));
        const revived = await store.registerMirror(fresh);
        const want = { ...fresh, version: 3, createdAt: mirror.createdAt };
        assert.deepEqual(revived, { ok: true, record: want, created: true });
        assert.deepEqual(await store.getEntry(mirror.id), want);
        const found = await store.slice({ kinds: ['MIRROR'], hideNotShared: false, limit: 10 });
        assert.deepEqual(keys(found.items), [{ name: want.name, id: want.id }]);
      });

      it('registerMirror over an original entry: NOT_A_MIRROR, nothing changed', async () => {
        const original = ALL[10]!;
        const r = await store.registerMirror({ ...original, name: 'x' });
        assert.equal(r.ok, false);
        assert.equal(!r.ok && r.code, 'NOT_A_MIRROR');
        assert.deepEqual(await store.getEntry(original.id), original);
      });

      it('withdrawMirror: stale expectedVersion is VERSION_CONFLICT and changes nothing', async () => {
        const before = (await store.getEntry(mirror.id))!;
        assert.equal(before.version, 3);
        const r = await store.withdrawMirror(mirror.id, 2, at(5));
        assert.equal(r.ok, false);
        assert.equal(!r.ok && r.code, 'VERSION_CONFLICT');
        assert.deepEqual(await store.getEntry(mirror.id), before);
      });

      it('withdrawMirror: NOT_FOUND, NOT_A_MIRROR, and a repeated withdrawal is a no-op', async () => {
        const missing = await store.withdrawMirror(mirrorEntryId('500000', '510000:301001/999999'), null, at(6));
        assert.equal(!missing.ok && missing.code, 'NOT_FOUND');
        const original = await store.withdrawMirror(ALL[10]!.id, null, at(6));
        assert.equal(!original.ok && original.code, 'NOT_A_MIRROR');
        assert.deepEqual(await store.getEntry(ALL[10]!.id), ALL[10]);

        const first = await store.withdrawMirror(mirror.id, null, at(7));
        assert.ok(first.ok && first.record.status === 'WITHDRAWN' && first.record.version === 4);
        const second = await store.withdrawMirror(mirror.id, null, at(8));
        assert.deepEqual(second, { ok: true, record: first.record, created: false });
        assert.deepEqual(await store.getEntry(mirror.id), first.record);
      });

      it('updateEntry bumps the version, applies the patch and is searchable at once', async () => {
        const target = ALL[20]!;
        const r = await store.updateEntry(target.id, 1, { name: '独特名称QZX资源', sharingType: 'CONDITIONAL', sharingCondition: '仅限测试' }, at(9));
        const want = { ...target, name: '独特名称QZX资源', sharingType: 'CONDITIONAL' as const, sharingCondition: '仅限测试', version: 2, updatedAt: at(9) };
        assert.deepEqual(r, { ok: true, record: want, created: false });
        assert.deepEqual(await store.getEntry(target.id), want);
        const found = await store.slice({ search: 'qzx', hideNotShared: false, limit: 10 });
        assert.deepEqual(keys(found.items), [{ name: want.name, id: want.id }]);

        const unconditional = await store.updateEntry(target.id, null, { abstract: '新的摘要' }, at(10));
        assert.ok(unconditional.ok && unconditional.record.version === 3 && unconditional.record.abstract === '新的摘要');
      });

      it('updateEntry: stale expectedVersion is VERSION_CONFLICT and changes nothing; unknown id NOT_FOUND', async () => {
        const target = ALL[20]!;
        const before = (await store.getEntry(target.id))!;
        const r = await store.updateEntry(target.id, 1, { name: '不应写入' }, at(11));
        assert.equal(!r.ok && r.code, 'VERSION_CONFLICT');
        assert.deepEqual(await store.getEntry(target.id), before);
        const missing = await store.updateEntry('500000:301001/999999', null, { name: 'x' }, at(11));
        assert.equal(!missing.ok && missing.code, 'NOT_FOUND');
      });

      it('concurrent registrations of one new mirror: exactly one creates it', async () => {
        const m = mirrorOf(SC[1]!, at(12));
        const n = await store.countEntries();
        const results = await Promise.all([store.registerMirror(m), store.registerMirror(m), store.registerMirror(m)]);
        assert.ok(results.every((r) => r.ok));
        assert.equal(results.filter((r) => r.ok && r.created).length, 1);
        assert.equal(await store.countEntries(), n + 1);
      });

      it('keeps the first answer to an idempotent write; a duplicate save does not overwrite it', async () => {
        assert.equal(await store.getIdempotencyRecord('k1'), null);
        await store.saveIdempotencyRecord('k1', { requestHash: 'h1', status: 200, body: '{"a":1}' }, '2026-01-01T00:00:00.000Z');
        await store.saveIdempotencyRecord('k1', { requestHash: 'h2', status: 409, body: '{}' }, '2026-01-01T00:00:01.000Z');
        assert.deepEqual(await store.getIdempotencyRecord('k1'), { requestHash: 'h1', status: 200, body: '{"a":1}' });
      });

      it('data survives close and reopen', async () => {
        const ids = [mirror.id, ALL[20]!.id, HANDMADE[3]!.id, mirrorOf(SC[1]!, at(12)).id];
        const before = await store.getEntries(ids);
        const n = await store.countEntries();
        const slice = await store.slice({ search: '资源', includeWithdrawn: true, hideNotShared: false, limit: 50 });
        await store.close();
        store = await harness.open();
        assert.equal(await store.countEntries(), n);
        assert.deepEqual(await store.getEntries(ids), before);
        assert.deepEqual(await store.slice({ search: '资源', includeWithdrawn: true, hideNotShared: false, limit: 50 }), slice);
      });
    });

    describe('change feed', () => {
      /** Every change after `after`, read in pages of `pageSize`. */
      const readAll = async (othersOnly: boolean, pageSize = 97, after: number | null = null) => {
        const out: Awaited<ReturnType<CatalogueStore['changes']>>['items'] = [];
        for (let position = after; ; ) {
          const page = await store.changes({ after: position, limit: pageSize, othersOnly });
          out.push(...page.items);
          if (!page.hasMore) return out;
          position = page.items.at(-1)!.position;
        }
      };

      it('every entry is in the feed once, in order, pages joining without a gap', async () => {
        const all = await readAll(false);
        const positions = all.map((c) => c.position);
        assert.deepEqual(
          positions,
          [...positions].sort((x, y) => x - y),
          'increasing',
        );
        assert.equal(new Set(positions).size, positions.length, 'each position once');
        const created = all.filter((c) => c.kind === 'CREATED').map((c) => c.entryId);
        for (const r of ALL) assert.ok(created.includes(r.id), r.id);
        assert.deepEqual(await readAll(false, 1000), all, 'the same whatever the page size');
      });

      it('other provinces never see a NOT_SHARED entry in it', async () => {
        const others = await readAll(true);
        const hidden = new Set(ALL.filter((r) => r.sharingType === 'NOT_SHARED').map((r) => r.id));
        assert.ok(hidden.size > 0);
        assert.ok(others.every((c) => !hidden.has(c.entryId) || c.kind === 'UNSHARED'));
        assert.ok(others.length < (await readAll(false)).length);
      });

      it('a write appends its change in the same transaction; a refused write appends nothing', async () => {
        const last = (await readAll(false)).at(-1)!.position;
        const original = ALL.find((r) => r.sharingType === 'UNCONDITIONAL' && r.status === 'ACTIVE' && r.kind === 'ORIGINAL')!;
        const current = (await store.getEntry(original.id))!;
        assert.ok((await store.updateEntry(original.id, current.version, { abstract: '更新摘要' }, at(20))).ok);
        assert.ok(!(await store.updateEntry(original.id, current.version, { abstract: 'x' }, at(21))).ok, 'stale version refused');
        assert.ok(
          (
            await store.updateEntry(
              original.id,
              null,
              { sharingType: 'NOT_SHARED', sharingCondition: '依据《中华人民共和国数据安全法》第二十一条，不予共享' },
              at(22),
            )
          ).ok,
        );
        assert.ok((await store.updateEntry(original.id, null, { status: 'WITHDRAWN' }, at(23))).ok);
        const since = await readAll(false, 2, last);
        assert.deepEqual(
          since.map((c) => [c.entryId, c.kind, c.version, c.at]),
          [
            [original.id, 'UPDATED', current.version + 1, at(20)],
            [original.id, 'UNSHARED', current.version + 2, at(22)],
            [original.id, 'WITHDRAWN', current.version + 3, at(23)],
          ],
        );
        // Others learn that it left (UNSHARED), and nothing after it while it is NOT_SHARED.
        assert.deepEqual(
          (await readAll(true, 10, last)).map((c) => c.kind),
          ['UPDATED', 'UNSHARED'],
        );
      });

      it('positions are the same after a restart', async () => {
        const before = await readAll(false, 500);
        await store.close();
        store = await harness.open();
        assert.deepEqual(await readAll(false, 500), before);
      });
    });

    describe('mount jobs, feed cursors and the worker lease', () => {
      const job = (id: string, createdAt: string): MountJobRecord =>
        queuedJob({ id, source: 'sichuan', filter: { sharingTypes: ['UNCONDITIONAL'] }, approvalRef: null, createdBy: 'chongqing:admin', createdAt });
      const J1 = '500000.mount.00000000-0000-4000-8000-000000000001';
      const J2 = '500000.mount.00000000-0000-4000-8000-000000000002';
      const mirrorsOf = (n: number) => SC_MOUNT.slice(0, n).map((r) => mirrorOf(r, at(30)));

      it('stores jobs and lists them newest first, by id or state', async () => {
        await store.createMountJob(job(J1, at(30)));
        await store.createMountJob(job(J2, at(31)));
        assert.deepEqual(
          (await store.mountJobs({ limit: 10 })).map((j) => j.id),
          [J2, J1],
        );
        assert.deepEqual(await store.mountJobs({ ids: [J1], limit: 10 }), [job(J1, at(30))]);
        assert.equal((await store.mountJobs({ states: ['DONE'], limit: 10 })).length, 0);
      });

      it('the lease: one holder at a time, renewable by it, free once it runs out or is released', async () => {
        assert.equal((await store.acquireWorkerLease('w1', at(30), at(40))).ok, true);
        const other = await store.acquireWorkerLease('w2', at(35), at(45));
        assert.deepEqual(other, { ok: false, lease: { owner: 'w1', until: at(40) } });
        assert.equal((await store.acquireWorkerLease('w1', at(35), at(50))).ok, true, 'renewed');
        assert.equal((await store.acquireWorkerLease('w2', at(51), at(59))).ok, true, 'taken over once it ran out');
        await store.releaseWorkerLease('w1'); // not the holder: no effect
        assert.equal((await store.acquireWorkerLease('w1', at(52), at(55))).ok, false);
        await store.releaseWorkerLease('w2');
        assert.equal((await store.acquireWorkerLease('w1', at(52), at(59))).ok, true);
      });

      it('a job page: its mirrors, counters and cursor in one transaction, only for the lease holder', async () => {
        const lost = await store.applyMirrorBatch({
          owner: 'w2',
          at: at(40),
          writes: mirrorsOf(2).map((mirror) => ({ op: 'register', mirror })),
          progress: { job: { id: J1, cursor: 'c1', total: 5, done: false, failed: 0, lastError: null } },
        });
        assert.equal(lost.ok, false);
        assert.equal(await store.getEntry(mirrorsOf(1)[0]!.id), null, 'nothing written without the lease');

        const page = await store.applyMirrorBatch({
          owner: 'w1',
          at: at(40),
          writes: mirrorsOf(3).map((mirror) => ({ op: 'register', mirror })),
          progress: { job: { id: J1, cursor: 'c1', total: 5, done: false, failed: 1, lastError: 'x: invalid' } },
        });
        assert.ok(page.ok);
        assert.equal(page.changed.length, 3);
        assert.deepEqual(
          {
            state: page.job!.state,
            mounted: page.job!.mounted,
            skipped: page.job!.skipped,
            failed: page.job!.failed,
            cursor: page.job!.cursor,
            total: page.job!.total,
          },
          { state: 'RUNNING', mounted: 3, skipped: 0, failed: 1, cursor: 'c1', total: 5 },
        );
        assert.deepEqual(await store.mountJobs({ ids: [J1], limit: 1 }), [page.job]);
        const last = await store.applyMirrorBatch({
          owner: 'w1',
          at: at(41),
          writes: mirrorsOf(5).map((mirror) => ({ op: 'register', mirror })),
          progress: { job: { id: J1, cursor: 'c2', total: 5, done: true, failed: 0, lastError: null } },
        });
        assert.ok(last.ok);
        assert.deepEqual([last.job!.state, last.job!.mounted, last.job!.skipped, last.job!.finishedAt], ['DONE', 5, 3, at(41)]);
        const again = await store.applyMirrorBatch({
          owner: 'w1',
          at: at(42),
          writes: [],
          progress: { job: { id: J1, cursor: 'c3', total: 5, done: true, failed: 0, lastError: null } },
        });
        assert.deepEqual(again, { ok: false, reason: 'mount job is DONE' });
      });

      it('cancelling: a queued job ends CANCELLED, once; a finished one is refused', async () => {
        const cancel = (id: string) => store.changeMountJob(id, (j) => decideCancelJob(j, id, at(45)));
        const c = await cancel(J2);
        assert.ok(c.write && c.job.state === 'CANCELLED' && c.job.finishedAt === at(45));
        assert.deepEqual(await cancel(J2), { write: false, job: c.job });
        const done = await cancel(J1);
        assert.equal(done.write, false);
        assert.equal(!done.write && done.refusal?.code, 'MOUNT_JOB_FINISHED');
        assert.equal((await store.mountJobs({ ids: [J1], limit: 1 }))[0]!.state, 'DONE');
      });

      it('a feed page applies source changes and advances the cursor; review, withdrawal and unsharing', async () => {
        const [m0, m1, m2] = mirrorsOf(3);
        const changed = { ...mirrorOf({ ...SC_MOUNT[0]!, version: SC_MOUNT[0]!.version + 1, name: '新名称' }, at(50)) };
        const r = await store.applyMirrorBatch({
          owner: 'w1',
          at: at(50),
          writes: [
            { op: 'source', mirrorId: m0!.id, seen: { state: 'ACTIVE', snapshot: changed }, policy: 'review' },
            { op: 'source', mirrorId: m1!.id, seen: { state: 'WITHDRAWN' }, policy: 'review' },
            { op: 'source', mirrorId: m2!.id, seen: { state: 'UNSHARED' }, policy: 'review' },
          ],
          progress: { source: { id: 'sichuan', cursor: 'f1', caughtUp: true, lastChangeAt: at(49), changes: 3 } },
        });
        assert.ok(r.ok);
        assert.deepEqual(r.cursor, { ...emptyCursor('sichuan'), cursor: 'f1', checkedAt: at(50), lastChangeAt: at(49), applied: 3 });
        assert.deepEqual(await store.syncCursors(), [r.cursor]);
        const e0 = (await store.getEntry(m0!.id))!;
        assert.deepEqual([e0.mirrorState, e0.mirrorPendingSourceVersion, e0.name, e0.version], ['CHANGED', SC_MOUNT[0]!.version + 1, m0!.name, 2]);
        assert.equal((await store.getEntry(m1!.id))!.mirrorState, 'WITHDRAWN');
        assert.equal((await store.getEntry(m2!.id))!.mirrorState, 'UNSHARED');
        const counts = await store.mirrorStateCounts();
        assert.deepEqual([counts.CHANGED, counts.WITHDRAWN, counts.UNSHARED], [1, 1, 1]);
        assert.ok(counts.CURRENT! >= 2);
        // Listings hide the mirrors whose source left; an administrator lists them by state.
        const listed = (await store.slice({ hideNotShared: false, kinds: ['MIRROR'], limit: 100 })).items.map((i) => i.id);
        assert.ok(listed.includes(m0!.id) && !listed.includes(m1!.id) && !listed.includes(m2!.id));
        const gone = await store.slice({ hideNotShared: false, kinds: ['MIRROR'], includeWithdrawn: true, mirrorStates: ['WITHDRAWN', 'UNSHARED'], limit: 10 });
        assert.deepEqual(gone.items.map((i) => i.id).sort(), [m1!.id, m2!.id].sort());
        // Another province never sees the UNSHARED copy, even asking for withdrawn entries.
        const others = await store.slice({ hideNotShared: true, kinds: ['MIRROR'], includeWithdrawn: true, limit: 10 });
        assert.ok(!others.items.some((i) => i.id === m2!.id));

        const accepted = await store.acceptMirrorChange(m0!.id, changed, at(51));
        assert.ok(accepted.ok);
        assert.deepEqual(
          [accepted.record.mirrorState, accepted.record.name, accepted.record.mirrorRegisteredSourceVersion, accepted.record.version],
          ['CURRENT', '新名称', SC_MOUNT[0]!.version + 1, 3],
        );
        const twice = await store.acceptMirrorChange(m0!.id, changed, at(52));
        assert.deepEqual(twice.ok ? null : twice.code, 'MIRROR_NOT_CHANGED');
      });

      it('jobs, cursors and mirror states are the same after a restart', async () => {
        const before = [await store.mountJobs({ limit: 10 }), await store.syncCursors(), await store.mirrorStateCounts()];
        await store.close();
        store = await harness.open();
        assert.deepEqual([await store.mountJobs({ limit: 10 }), await store.syncCursors(), await store.mirrorStateCounts()], before);
      });
    });
  });
}

contract('sqlite', sqliteHarness);
contract('postgres', postgresHarness);

// ---------------------------------------------------------------------------------------------
// Backends against each other, and PostgreSQL-only concerns.

describe('CatalogueStore: SQLite and PostgreSQL agree', () => {
  const harnesses: Harness[] = [];
  const stores: CatalogueStore[] = [];
  const data = generateDemoEntries({ divisionCode: '510000', provinceName: '四川省', seed: 510000, count: 700 });

  before(async () => {
    for (const make of [sqliteHarness, postgresHarness]) {
      const h = await make();
      harnesses.push(h);
      const s = await h.open();
      stores.push(s);
      await s.insertEntries(data);
    }
  });
  after(async () => {
    for (const s of stores) await s.close();
    for (const h of harnesses) await h.dispose();
  });

  const queries: [string, Omit<SliceQuery, 'limit' | 'after'>][] = [
    ['everything', { includeWithdrawn: true, hideNotShared: false }],
    ['another province is asking', { hideNotShared: true }],
    ['Chinese search', { search: '营业执照', hideNotShared: true }],
    ['short search with filters', { search: '成都', formats: ['DATABASE'], sharingTypes: ['UNCONDITIONAL', 'CONDITIONAL'], hideNotShared: false }],
    ['classification and cycles', { classificationPrefix: data[3]!.classification.slice(0, 3), updateCycles: ['DAILY', 'REALTIME'], hideNotShared: false }],
    ['provider', { providerCode: data[7]!.providerCode, search: '信息', hideNotShared: true }],
  ];
  for (const [label, q] of queries) {
    it(`same slices: ${label}`, async () => {
      const [a, b] = [await pageAll(stores[0]!, q, 17), await pageAll(stores[1]!, q, 17)];
      assert.ok(a.total > 0, 'the query matches something');
      assert.deepEqual(b, a);
      const [pa, pb] = [await stores[0]!.slice({ ...q, limit: 20 }), await stores[1]!.slice({ ...q, limit: 20 })];
      assert.deepEqual(pb, pa);
    });
  }
});

describe('SqliteCatalogueStore: frequent phrases (their matches kept on the connection)', () => {
  // More than FREQUENT_MATCHES (1,000) entries match 公共数据, and every entry matches each 标签NN: more
  // frequent phrases than the store keeps tables for (16).
  const TAGS = Array.from({ length: 20 }, (_, i) => `标签${String(i).padStart(2, '0')}`);
  const data = generateDemoEntries({ divisionCode: '510000', provinceName: '四川省', seed: 510000, count: 2400 }).map((r, i) => ({
    ...r,
    name: i % 2 === 0 ? `公共数据${r.name}` : r.name,
    abstract: `${r.abstract} ${TAGS.join(' ')}`,
  }));
  const harnesses: Harness[] = [];
  let sqlite: CatalogueStore;
  let postgres: CatalogueStore;
  const frequent = { search: '公共数据', hideNotShared: true } as const;

  before(async function () {
    this.timeout(120_000);
    const [h1, h2] = [await sqliteHarness(), await postgresHarness()];
    harnesses.push(h1, h2);
    [sqlite, postgres] = [await h1.open(), await h2.open()];
    await sqlite.insertEntries(data);
    await postgres.insertEntries(data);
  });
  after(async () => {
    await sqlite.close();
    await postgres.close();
    for (const h of harnesses) await h.dispose();
  });

  it('pages a frequent phrase exactly as PostgreSQL does, asked twice', async () => {
    const expected = await pageAll(postgres, frequent, 23);
    assert.ok(expected.total > 1000, `frequent: ${expected.total} matches`);
    assert.deepEqual(await pageAll(sqlite, frequent, 23), expected);
    assert.deepEqual(await pageAll(sqlite, frequent, 23), expected, 'the second time from the kept matches');
  });

  it('more frequent phrases than kept tables: each still answers in full, in any order', async () => {
    const everything = await sqlite.slice({ hideNotShared: false, limit: 30 });
    for (const tags of [TAGS, [...TAGS].reverse(), TAGS]) {
      for (const tag of tags) assert.deepEqual(await sqlite.slice({ search: tag, hideNotShared: false, limit: 30 }), everything, tag);
    }
    assert.deepEqual(await sqlite.slice({ search: `${TAGS[0]} ${TAGS[19]}`, hideNotShared: false, limit: 30 }), everything, 'two phrases');
  });

  it('a write through the store shows on the next page', async () => {
    const before = await sqlite.slice({ ...frequent, limit: 5 });
    const first = before.items[0]!;
    assert.ok((await sqlite.updateEntry(first.id, null, { name: '改名后的目录' }, at(30))).ok);
    const after = await sqlite.slice({ ...frequent, limit: 5 });
    assert.equal(after.total, before.total - 1);
    assert.ok(!after.items.some((r) => r.id === first.id));
    assert.ok((await sqlite.updateEntry(first.id, null, { name: first.name }, at(31))).ok);
    const names = (page: SliceResult) => page.items.map((r) => [r.id, r.name]);
    assert.deepEqual(names(await sqlite.slice({ ...frequent, limit: 5 })), names(before), 'back, under its old name');
  });

  it("another connection's commit (the sync worker's process) shows on the next page", async () => {
    const before = await sqlite.slice({ ...frequent, limit: 5 });
    const other = await harnesses[0]!.open();
    try {
      const first = before.items[0]!;
      assert.ok((await other.updateEntry(first.id, null, { status: 'WITHDRAWN' }, at(32))).ok);
      const after = await sqlite.slice({ ...frequent, limit: 5 });
      assert.equal(after.total, before.total - 1);
      assert.ok(!after.items.some((r) => r.id === first.id));
      const unmatched = data.find((r) => !r.name.startsWith('公共数据') && r.status === 'ACTIVE' && r.sharingType !== 'NOT_SHARED' && r.grade !== 'CORE')!;
      assert.ok((await other.updateEntry(unmatched.id, null, { name: `公共数据${unmatched.name}` }, at(33))).ok);
      const all = await pageAll(sqlite, frequent, 500);
      assert.equal(all.total, before.total);
      assert.ok(all.items.some((r) => r.id === unmatched.id));
    } finally {
      await other.close();
    }
  });
});

describe('PostgresCatalogueStore', () => {
  it('two processes starting at once migrate a new schema exactly once', async () => {
    const h = await postgresHarness();
    try {
      const opened = await Promise.all([h.open(), h.open(), h.open()]);
      for (const s of opened) assert.equal(await s.countEntries(), 0);
      await Promise.all(opened.map((s) => s.close()));
      const again = await h.open();
      await again.close();
      // Read the migration log through a plain client.
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      try {
        const schema = (again as PostgresCatalogueStore).schema;
        const { rows } = await c.query(`SELECT version FROM "${schema}".schema_migrations ORDER BY version`);
        assert.deepEqual(
          rows,
          Array.from({ length: POSTGRES_SCHEMA_VERSION }, (_, i) => ({ version: i + 1 })),
        );
      } finally {
        await c.end();
      }
    } finally {
      await h.dispose();
    }
  });

  it('rejects schema names that are not plain identifiers', async () => {
    for (const bad of ['Catalogue', 'x"; DROP TABLE y; --', '1abc', '', 'a'.repeat(64)]) {
      await assert.rejects(PostgresCatalogueStore.open(PG_URL, bad), /schema name/);
    }
  });

  it('fails with a clear message when the server is unreachable', async () => {
    await assert.rejects(PostgresCatalogueStore.open('postgres://postgres@127.0.0.1:1/test', 'catalogue_x'), (err: Error) => {
      assert.match(err.message, /^PostgreSQL store 127\.0\.0\.1:1\/test schema catalogue_x: .*ECONNREFUSED/);
      return true;
    });
  });
});
