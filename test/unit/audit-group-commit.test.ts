// The audit log's group commit (common/audit/audit-log.ts), with the real writer thread and a
// real SQLite file: an idle log sends a record at once; records that queue up while a batch
// commits wait for the commit window and go together; everything acknowledged is in a chain
// that verifies.
import { strict as assert } from 'node:assert';
import path from 'node:path';
import { AuditLog, verifyAuditFile } from '../../common/audit/audit-log.js';
import { tmpDir } from '../support/stack.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rec = (n: number) => ({ kind: 'test', n });

/** Record #1 sent to the writer (the log was idle), record #2 appended while #1 commits. */
async function oneInFlightOneQueued(log: AuditLog) {
  await log.append(rec(0)); // the writer thread has started
  const first = log.append(rec(1)); // idle: sent at once
  await new Promise((r) => setImmediate(r)); // …now with the writer
  const second = log.append(rec(2)); // queued behind it
  return { first, second };
}

describe('audit group commit', () => {
  it('an append to an idle log does not wait for the commit window', async () => {
    const file = path.join(tmpDir('audit-gc'), 'a.sqlite');
    const log = new AuditLog(file, { commitWindowMs: 5000 });
    try {
      await log.append(rec(0)); // the writer thread starting up
      const t0 = performance.now();
      await log.append(rec(1));
      assert.ok(performance.now() - t0 < 1000, `took ${(performance.now() - t0).toFixed(0)} ms`);
      assert.deepEqual([log.stats.batches, log.stats.records], [2, 2]);
    } finally {
      await log.close();
    }
  });

  it('records queued during a commit wait for the window and commit together', async () => {
    const file = path.join(tmpDir('audit-gc'), 'a.sqlite');
    const log = new AuditLog(file, { commitWindowMs: 400 });
    try {
      const { first, second } = await oneInFlightOneQueued(log); // #2 waits for the window
      await first;
      await sleep(100);
      const third = log.append(rec(3)); // still within the window: same batch as #2
      await Promise.all([second, third]);
      assert.deepEqual([log.stats.batches, log.stats.records], [3, 4]);
    } finally {
      await log.close();
    }
    const check = verifyAuditFile(file);
    assert.ok(check.ok && check.records === 4, JSON.stringify(check));
  });

  it('without a window, each commit takes what queued up meanwhile', async () => {
    const file = path.join(tmpDir('audit-gc'), 'a.sqlite');
    const log = new AuditLog(file, { commitWindowMs: 0 });
    try {
      const { first, second } = await oneInFlightOneQueued(log);
      await first;
      await second;
      await sleep(100);
      await log.append(rec(3));
      assert.deepEqual([log.stats.batches, log.stats.records], [4, 4]);
    } finally {
      await log.close();
    }
  });

  it('close() commits what waits for the window, at once', async () => {
    const file = path.join(tmpDir('audit-gc'), 'a.sqlite');
    const log = new AuditLog(file, { commitWindowMs: 60_000 });
    const { first, second: waiting } = await oneInFlightOneQueued(log);
    await first;
    const t0 = performance.now();
    await log.close();
    await waiting;
    assert.ok(performance.now() - t0 < 5000);
    assert.equal(verifyAuditFile(file).records, 3);
  });
});
