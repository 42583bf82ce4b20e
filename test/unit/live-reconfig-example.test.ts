// The province file of docs/OPERATIONS.md "Live reconfiguration" (`<!-- example: liveProvince -->`) is
// one the gateway takes: it loads beside the repository's provinces and composes into the schema.
import { strict as assert } from 'node:assert';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT_DIR, loadStackConfig } from '../../common/config.js';
import { composeApiSchema } from '../../gateway/federation/supergraph.js';

describe('docs/OPERATIONS.md live reconfiguration example', () => {
  it('the Guizhou province file loads and composes', () => {
    const doc = readFileSync(path.join(ROOT_DIR, 'docs', 'OPERATIONS.md'), 'utf8');
    const m = /<!-- example: liveProvince -->\n```json\n([\s\S]*?)\n```/.exec(doc);
    assert.ok(m, 'docs/OPERATIONS.md has the example liveProvince');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'chuanyu-live-'));
    try {
      cpSync(path.join(ROOT_DIR, 'config'), dir, { recursive: true });
      writeFileSync(path.join(dir, 'provinces', 'guizhou.json'), m[1]!);
      const cfg = loadStackConfig({ configDir: dir });
      assert.deepEqual(
        cfg.provinces.map((p) => p.id),
        ['chongqing', 'guizhou', 'sichuan'],
      );
      const province = composeApiSchema(cfg).getType('Province');
      assert.ok(province && 'getValue' in province && province.getValue('GUIZHOU'), 'GUIZHOU is a Province value');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
