// The production image runs the compiled JavaScript (`npm run build` → dist/, see Dockerfile), not
// the TypeScript sources under tsx as the tests do. This builds it the same way (into a scratch
// directory inside the project) and runs the compiled gateway as its own process over the test
// stack's province subgraphs: a cross-province query answers, and its audit writer thread (the
// compiled worker file) records it in a chain that verifies.
import { strict as assert } from 'node:assert';
import Database from 'better-sqlite3';
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { verifyAuditFile } from '../../common/audit/audit-log.js';
import { ROOT_DIR } from '../../common/config.js';
import { gql, startStack, tmpDir, type TestStack } from '../support/stack.js';

describe('the compiled build (what the image runs)', function () {
  this.timeout(120_000);
  const outDir = path.join(ROOT_DIR, '.tmp', `dist-test-${process.pid}`);
  let stack: TestStack;
  let child: ChildProcess | undefined;
  let port = 0;
  const dataDir = tmpDir('compiled');

  before(async () => {
    execFileSync(
      process.execPath,
      [path.join(ROOT_DIR, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(ROOT_DIR, 'tsconfig.build.json'), '--outDir', outDir],
      {
        cwd: ROOT_DIR,
        stdio: 'pipe',
      },
    );
    assert.ok(existsSync(path.join(outDir, 'common', 'audit', 'audit-worker.js')), 'the audit writer is compiled');
    stack = await startStack();
    // The test stack's config dir names its subgraphs' and IdPs' ports.
    const configDir = stack.cfg.configDir;
    // Plain node: no tsx, no TypeScript.
    child = fork(
      path.join(outDir, 'gateway', 'main.js'),
      ['--port', '0', '--config-dir', configDir, '--certs-dir', stack.cfg.certsDir, '--data-dir', dataDir],
      {
        execArgv: [],
        // NODE_ENV=production as in the image: Apollo then installs its own signal handlers unless told
        // not to, which ended the process before the drain and the closing audit checkpoint.
        env: { ...process.env, NODE_ENV: 'production', NODE_OPTIONS: '', LOG_LEVEL: 'warn', APOLLO_TELEMETRY_DISABLED: '1' },
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      },
    );
    port = await new Promise<number>((resolve, reject) => {
      child!.once('exit', (code) => reject(new Error(`compiled gateway exited (${code})`)));
      child!.on('message', (m: { ready?: boolean; url?: string }) => {
        if (m.ready && m.url) resolve(Number(new URL(m.url).port));
      });
    });
  });

  after(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child!.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    await stack?.close();
    rmSync(outDir, { recursive: true, force: true });
  });

  it('answers a cross-province query and audits it in a chain that verifies', async () => {
    const res = await gql(stack, { province: 'chongqing', port }, '{ directory(search: "营业执照", first: 5) { totalCount nodes { id region { name } } } }');
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.errors, undefined, res.text);
    assert.ok(res.body.data.directory.totalCount > 0);
    // SIGTERM drains and closes the audit writer; then the chain is read back.
    const exited = new Promise((r) => child!.once('exit', r));
    child!.kill('SIGTERM');
    await exited;
    const file = path.join(dataDir, 'audit', 'gateway.sqlite');
    const check = verifyAuditFile(file);
    assert.ok(check.ok, JSON.stringify(check));
    assert.ok(check.records >= 1);
    // The drain ran to its end: the chain's head was signed as a closing checkpoint.
    const db = new Database(file, { readonly: true });
    const checkpoints = db.prepare('SELECT seq FROM checkpoints ORDER BY seq DESC LIMIT 1').get() as { seq: number } | undefined;
    db.close();
    assert.equal(checkpoints?.seq, check.records, 'a closing checkpoint of the head');
  });
});
