// Two watchers of one file (a gateway generation being replaced by the next, both watching the same
// manifest or certificate): closing the first leaves the second watching.
import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { FileChangeWatcher } from '../../common/tls/file-change-watcher.js';
import { tmpDir, until } from '../support/stack.js';

describe('FileChangeWatcher', () => {
  it('closing one watcher of a file does not stop another', async () => {
    const file = path.join(tmpDir('watch'), 'manifest.json');
    writeFileSync(file, '1');
    let first = 0;
    let second = 0;
    const a = new FileChangeWatcher([file], () => (first += 1), 20);
    const b = new FileChangeWatcher([file], () => (second += 1), 20);
    try {
      a.close();
      // Past the one-second granularity of some file systems' mtimes: the size changes too.
      writeFileSync(file, '22');
      await until('the second watcher sees the change', async () => (second > 0 ? true : undefined), 5000);
      assert.equal(first, 0);
    } finally {
      b.close();
    }
  });
});
