// Every command follows one convention (common/cli.ts): --help prints the usage and exits 0; an
// unknown option is a usage error, exit 2, with the usage on stderr.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ROOT_DIR } from '../../common/config.js';

const COMMANDS = [
  'scripts/start.ts',
  'scripts/pki.ts',
  'scripts/token.ts',
  'scripts/seed.ts',
  'scripts/audit-verify.ts',
  'scripts/receipt-verify.ts',
  'scripts/demo-certificates.ts',
  'scripts/documents-manifest.ts',
  'deploy/render.ts',
  'scripts/mirror-mount.ts',
  'scripts/mirror-status.ts',
  'scripts/quality-report.ts',
  'subgraphs/catalogue/sync/main.ts',
  'idp/main.ts',
];

function run(script: string, ...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT_DIR, script), ...args], {
    cwd: ROOT_DIR,
    encoding: 'utf8',
    env: { ...process.env, LOG_LEVEL: 'silent' },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('command-line convention', function () {
  this.timeout(120_000);
  for (const script of COMMANDS) {
    it(`${script}: --help exits 0 with the usage, an unknown option exits 2`, () => {
      const help = run(script, '--help');
      assert.equal(help.code, 0, help.err);
      assert.match(help.out, /^usage: /);
      const bad = run(script, '--no-such-option');
      assert.equal(bad.code, 2, bad.err);
      assert.match(bad.err, /Unknown option '--no-such-option'[^\n]*\nusage: /);
    });
  }
});
