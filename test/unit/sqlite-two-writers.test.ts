// Two processes write one SQLite store (the province subgraph and its sync worker): a write that
// reads its row first must take the write lock before reading, or SQLite refuses it at once with
// SQLITE_BUSY when the other process commits in between (busy_timeout does not cover that case).
import { strict as assert } from 'node:assert';
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT_DIR } from '../../common/config.js';
import { generateDemoEntries } from '../../domain/demo/catalogue.js';
import { SqliteCatalogueStore } from '../../subgraphs/catalogue/store/sqlite-store.js';

describe('SQLite store with a second writing process', function () {
  this.timeout(60_000);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'two-writers-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('every read-then-write transaction commits while another process commits in a loop', async () => {
    const file = path.join(dir, 'catalogue.sqlite');
    const store = new SqliteCatalogueStore(file);
    const [entry] = generateDemoEntries({ divisionCode: '500000', provinceName: '重庆市', seed: 500000, count: 1 });
    await store.insertEntries([entry!]);
    const child = fork(path.join(ROOT_DIR, 'test/support/sqlite-writer-loop.ts'), [file], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    await new Promise<void>((resolve) => child.once('message', () => resolve()));
    const failures: string[] = [];
    const deadline = Date.now() + 3000;
    let writes = 0;
    while (Date.now() < deadline) {
      try {
        const r = await store.updateEntry(entry!.id, null, { abstract: `第 ${writes} 次更新的摘要` }, new Date().toISOString());
        assert.ok(r.ok);
      } catch (err) {
        failures.push((err as Error).message);
      }
      writes += 1;
      // A pause between writes, as between two requests (test/support/sqlite-writer-loop.ts says why).
      await new Promise((r) => setTimeout(r, 1));
    }
    const done = new Promise<{ commits: number }>((resolve) =>
      child.on('message', (m: { commits?: number }) => m.commits !== undefined && resolve(m as { commits: number })),
    );
    child.send('stop');
    const { commits } = await done;
    await store.close();
    assert.ok(commits > 20 && writes > 20, `both processes wrote (${commits} / ${writes})`);
    assert.deepEqual(failures.slice(0, 3), [], `${failures.length} of ${writes} writes failed`);
  });
});
