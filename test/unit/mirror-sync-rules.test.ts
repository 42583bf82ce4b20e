// The decisions of mounting and sync (store/mirror-sync.ts), as pure functions: what a source change
// does to its mirror under follow and review, accepting a change, cancelling, backoff and tallies.
import { strict as assert } from 'node:assert';
import type { CatalogueEntryRecord } from '../../domain/catalogue.js';
import { generateDemoEntries } from '../../domain/demo/catalogue.js';
import { mirrorFromSource } from '../../subgraphs/catalogue/mirror-snapshot.js';
import {
  backoffMs,
  decideAcceptChange,
  decideCancelJob,
  decideSourceChange,
  deferJob,
  leaseFreeFor,
  queuedJob,
  tallyJob,
  type MountJobRecord,
} from '../../subgraphs/catalogue/store/mirror-sync.js';

const T0 = '2026-01-01T00:00:00.000Z';
const T1 = '2026-01-01T00:00:01.000Z';
// 一般数据, so the mirror needs no approval whatever grade the demo gives it (grading.test.ts covers grades).
const source: CatalogueEntryRecord | undefined = {
  ...generateDemoEntries({ divisionCode: '510000', provinceName: '四川省', seed: 510000, count: 1 })[0]!,
  grade: 'GENERAL',
};
const CQ = { divisionCode: '500000' };
const mirror = mirrorFromSource(source!, CQ, 'chongqing:admin', T0, null);
const v2 = mirrorFromSource({ ...source!, version: source!.version + 1, name: '改名后的数据资源' }, CQ, 'chongqing:sync', T1, null);
const written = (d: ReturnType<typeof decideSourceChange>): CatalogueEntryRecord => {
  assert.ok(d.write, 'a write');
  return d.record;
};

describe('mirror sync rules', () => {
  describe('a source change', () => {
    it('follow: the mirror takes the new version, keeps its identity, and is CURRENT', () => {
      const r = written(decideSourceChange(mirror, { state: 'ACTIVE', snapshot: v2 }, 'follow', T1));
      assert.equal(r.name, '改名后的数据资源');
      assert.equal(r.mirrorRegisteredSourceVersion, source!.version + 1);
      assert.deepEqual([r.id, r.version, r.createdAt, r.updatedAt, r.mirrorRegisteredBy, r.mirrorRegisteredAt], [mirror.id, 2, T0, T1, 'chongqing:admin', T0]);
      assert.equal(r.mirrorState, 'CURRENT');
    });

    it('review: the content stays, the mirror is CHANGED with the pending version', () => {
      const r = written(decideSourceChange(mirror, { state: 'ACTIVE', snapshot: v2 }, 'review', T1));
      assert.equal(r.name, mirror.name);
      assert.deepEqual([r.mirrorState, r.mirrorPendingSourceVersion, r.version], ['CHANGED', source!.version + 1, 2]);
      // Seen again (the same change read twice): nothing to write.
      assert.equal(decideSourceChange(r, { state: 'ACTIVE', snapshot: v2 }, 'review', T1).write, false);
    });

    it('the version it already holds changes nothing', () => {
      const same = mirrorFromSource(source!, CQ, 'x', T1, null);
      assert.equal(decideSourceChange(mirror, { state: 'ACTIVE', snapshot: same }, 'follow', T1).write, false);
      assert.equal(decideSourceChange(mirror, { state: 'ACTIVE', snapshot: same }, 'review', T1).write, false);
    });

    it('a source withdrawn or made NOT_SHARED turns the mirror WITHDRAWN or UNSHARED, once', () => {
      const w = written(decideSourceChange(mirror, { state: 'WITHDRAWN' }, 'follow', T1));
      assert.equal(w.mirrorState, 'WITHDRAWN');
      assert.equal(decideSourceChange(w, { state: 'WITHDRAWN' }, 'follow', T1).write, false);
      const u = written(decideSourceChange(mirror, { state: 'UNSHARED' }, 'review', T1));
      assert.equal(u.mirrorState, 'UNSHARED');
      // Shared again: follow takes it back; review asks first.
      assert.equal(written(decideSourceChange(u, { state: 'ACTIVE', snapshot: v2 }, 'follow', T1)).mirrorState, 'CURRENT');
      assert.equal(written(decideSourceChange(u, { state: 'ACTIVE', snapshot: v2 }, 'review', T1)).mirrorState, 'CHANGED');
    });

    it('a mirror its province withdrew is left as it is', () => {
      const withdrawn = { ...mirror, status: 'WITHDRAWN' as const };
      assert.equal(decideSourceChange(withdrawn, { state: 'ACTIVE', snapshot: v2 }, 'follow', T1).write, false);
      assert.equal(decideSourceChange(withdrawn, { state: 'UNSHARED' }, 'follow', T1).write, false);
    });
  });

  it('accepting: only a CHANGED mirror, which then takes the source as it is now', () => {
    const changed = written(decideSourceChange(mirror, { state: 'ACTIVE', snapshot: v2 }, 'review', T1));
    const a = decideAcceptChange(changed, changed.id, v2, T1);
    assert.ok(a.write);
    assert.deepEqual([a.record.mirrorState, a.record.name, a.record.mirrorPendingSourceVersion, a.record.version], ['CURRENT', '改名后的数据资源', null, 3]);
    const refused = decideAcceptChange(mirror, mirror.id, v2, T1);
    assert.ok(!refused.write && !refused.result.ok && refused.result.code === 'MIRROR_NOT_CHANGED');
    const original = decideAcceptChange(source!, source!.id, v2, T1);
    assert.ok(!original.write && !original.result.ok && original.result.code === 'NOT_A_MIRROR');
  });

  const job: MountJobRecord = queuedJob({
    id: '500000.mount.00000000-0000-4000-8000-000000000001',
    source: 'sichuan',
    filter: {},
    approvalRef: null,
    createdBy: 'chongqing:admin',
    createdAt: T0,
  });

  it('cancelling: open jobs end CANCELLED; cancelled is idempotent; DONE and FAILED are refused', () => {
    const c = decideCancelJob(job, job.id, T1);
    assert.ok(c.write && c.job.state === 'CANCELLED' && c.job.finishedAt === T1);
    assert.deepEqual(decideCancelJob({ ...job, state: 'CANCELLED' }, job.id, T1), { write: false, job: { ...job, state: 'CANCELLED' } });
    for (const state of ['DONE', 'FAILED'] as const) {
      const r = decideCancelJob({ ...job, state }, job.id, T1);
      assert.equal(!r.write && r.refusal?.code, 'MOUNT_JOB_FINISHED');
    }
    assert.equal(decideCancelJob(null, job.id, T1).write, false);
  });

  it('backoff doubles from 1 s to at most 30 s; a deferred job stays open and says why', () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6, 10].map((n) => backoffMs(n)),
      [1000, 2000, 4000, 8000, 16000, 30000, 30000],
    );
    const d = deferJob(job, 'PROVINCE_UNAVAILABLE: SICHUAN', new Date(T0));
    assert.deepEqual([d.state, d.attempts, d.lastError, d.nextAttemptAt], ['RUNNING', 1, 'PROVINCE_UNAVAILABLE: SICHUAN', T1]);
  });

  it('a page tallies created as mounted, unchanged as skipped, refused as failed; a good page clears the backoff', () => {
    const deferred = deferJob(job, 'down', new Date(T0));
    const next = tallyJob(
      deferred,
      [
        { ok: true, record: mirror, created: true },
        { ok: true, record: mirror, created: false },
        { ok: false, code: 'NOT_A_MIRROR', message: 'id names an original entry' },
      ],
      { id: job.id, cursor: 'c', total: 10, done: false, failed: 1, lastError: 'bad record' },
      T1,
    );
    assert.deepEqual(
      [next.mounted, next.skipped, next.failed, next.total, next.cursor, next.attempts, next.nextAttemptAt, next.lastError],
      [1, 1, 2, 10, 'c', 0, null, 'NOT_A_MIRROR: id names an original entry'],
    );
  });

  it('the lease is free when unheld, one’s own, or run out', () => {
    assert.equal(leaseFreeFor(null, 'a', T0), true);
    assert.equal(leaseFreeFor({ owner: 'a', until: T1 }, 'a', T0), true);
    assert.equal(leaseFreeFor({ owner: 'b', until: T1 }, 'a', T0), false);
    assert.equal(leaseFreeFor({ owner: 'b', until: T0 }, 'a', T1), true);
  });
});
