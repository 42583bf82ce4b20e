// The write decisions both store backends share (subgraphs/catalogue/store/write-rules.ts).
import { strict as assert } from 'node:assert';
import type { CatalogueEntryRecord } from '../../domain/catalogue.js';
import { generateDemoEntries } from '../../domain/demo/catalogue.js';
import { decideRegisterMirror, decideUpdate, decideWithdrawMirror } from '../../subgraphs/catalogue/store/write-rules.js';

const AT = '2026-12-01T00:00:00.000Z';
// Only the fields the rules read; the rest of a record does not matter to them.
const entry = (): CatalogueEntryRecord =>
  ({
    id: '500000:mirror:510000:102002/000040',
    kind: 'MIRROR',
    status: 'ACTIVE',
    version: 1,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    name: 'n',
    mirrorState: 'CURRENT',
  }) as unknown as CatalogueEntryRecord;
// updateEntry validates the whole record it would store, so it needs a real one.
const original = (): CatalogueEntryRecord => ({
  ...generateDemoEntries({ divisionCode: '500000', provinceName: '重庆市', seed: 500000, count: 1 })[0]!,
  status: 'ACTIVE',
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
});

describe('store write rules', () => {
  it('registerMirror: inserts a new mirror, returns an active one unchanged, refuses an original', () => {
    const mirror = { ...entry(), name: 'fresh' };
    assert.deepEqual(decideRegisterMirror(null, mirror), { write: true, record: mirror, insert: true, created: true });
    const active = entry();
    assert.deepEqual(decideRegisterMirror(active, mirror), { write: false, result: { ok: true, record: active, created: false } });
    const anOriginal = { ...entry(), kind: 'ORIGINAL' as const };
    const refused = decideRegisterMirror(anOriginal, mirror);
    assert.ok(!refused.write && !refused.result.ok && refused.result.code === 'NOT_A_MIRROR');
  });

  it('registerMirror: revives a withdrawn mirror with the fresh snapshot, next version, first creation time', () => {
    const withdrawn = { ...entry(), status: 'WITHDRAWN' as const, version: 3 };
    const mirror = { ...entry(), name: 'fresh', createdAt: AT };
    const d = decideRegisterMirror(withdrawn, mirror);
    assert.ok(d.write && !d.insert && d.created);
    assert.equal(d.record.name, 'fresh');
    assert.equal(d.record.version, 4);
    assert.equal(d.record.createdAt, withdrawn.createdAt);
  });

  it('withdrawMirror: not found, not a mirror, version conflict, already withdrawn, withdrawn', () => {
    const code = (d: ReturnType<typeof decideWithdrawMirror>) => (!d.write && !d.result.ok ? d.result.code : null);
    assert.equal(code(decideWithdrawMirror(null, 'x', null, AT)), 'NOT_FOUND');
    assert.equal(code(decideWithdrawMirror({ ...entry(), kind: 'ORIGINAL' }, 'x', null, AT)), 'NOT_A_MIRROR');
    assert.equal(code(decideWithdrawMirror(entry(), 'x', 2, AT)), 'VERSION_CONFLICT');
    const twice = decideWithdrawMirror({ ...entry(), status: 'WITHDRAWN' }, 'x', null, AT);
    assert.ok(!twice.write && twice.result.ok);
    const d = decideWithdrawMirror(entry(), 'x', 1, AT);
    assert.ok(d.write && !d.insert && !d.created);
    assert.deepEqual([d.record.status, d.record.version, d.record.updatedAt], ['WITHDRAWN', 2, AT]);
  });

  it('updateEntry: a patch that makes the record invalid is refused with the rule', () => {
    const d = decideUpdate(original(), 'x', null, { name: '' }, AT);
    assert.ok(!d.write && !d.result.ok && d.result.code === 'BAD_USER_INPUT');
    assert.match(d.result.ok ? '' : d.result.message, /^name: must not be empty/);
  });

  it('updateEntry: not found, version conflict, patched with the next version', () => {
    assert.ok(!decideUpdate(null, 'x', null, {}, AT).write);
    const conflict = decideUpdate(original(), 'x', 5, { name: 'm' }, AT);
    assert.ok(!conflict.write && !conflict.result.ok && conflict.result.code === 'VERSION_CONFLICT');
    const d = decideUpdate(original(), 'x', null, { name: 'm' }, AT);
    assert.ok(d.write);
    assert.deepEqual([d.record.name, d.record.version, d.record.updatedAt], ['m', 2, AT]);
  });
});
