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
      // Written again every 400 ms until seen: a watcher's first stat may already see the first write,
      // and a change waits 250 ms for the files to settle. The size changes each time (mtimes can be
      // as coarse as a second).
      let content = '1';
      let polls = 0;
      await until(
        'the second watcher sees a change',
        async () => {
          if (polls++ % 4 === 0) {
            content += '2';
            writeFileSync(file, content);
          }
          return second > 0 ? true : undefined;
        },
        5000,
      );
      assert.equal(first, 0);
    } finally {
      b.close();
    }
  });
});
