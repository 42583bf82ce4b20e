// With the gateway enforcing trusted documents (only the listed manifests), the federation's own
// clients still work: the sync worker mounts and follows, the administrators' command line mounts and
// reports; an ad hoc query is refused.
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import { ROOT_DIR } from '../../common/config.js';
import { createSyncWorker } from '../../subgraphs/catalogue/sync/create-worker.js';
import { configDirWith, gql, startStack, type TestStack } from '../support/stack.js';

/** Async: the gateway runs in this process, so a synchronous child would starve it. */
const run = (args: string[], env: NodeJS.ProcessEnv) =>
  promisify(execFile)(process.execPath, ['--import', 'tsx', ...args], { encoding: 'utf8', env }).then(
    (r) => ({ status: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code?: number; stdout?: string; stderr?: string }) => ({ status: e.code ?? 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' }),
  );

const CQ_ADMIN = { province: 'chongqing', client: 'admin', scope: 'catalogue:read catalogue:admin' };

describe('the sync worker and the admin command line under enforced trusted documents', function () {
  this.timeout(120_000);
  let stack: TestStack;
  before(async () => {
    stack = await startStack({
      entries: 80,
      configDir: configDirWith([], { trustedDocuments: { mode: 'enforce', manifests: ['documents/sync.json', 'documents/admin-cli.json'] } }),
    });
  });
  after(async () => stack?.close());

  it('an ad hoc query is refused, the command line mounts, the worker runs the job and follows', async () => {
    const adHoc = await gql(stack, CQ_ADMIN, `{ mountJobs(first: 1) { id } }`);
    assert.equal(adHoc.body.errors?.[0]?.extensions?.code, 'PERSISTED_QUERY_NOT_ALLOWED', adHoc.text);

    const dirs = ['--config-dir', stack.cfg.configDir, '--certs-dir', stack.cfg.certsDir, '--data-dir', stack.cfg.dataDir];
    const url = ['--gateway-url', `https://localhost:${stack.gateway.port}/graphql`];
    const env = { ...process.env, APOLLO_TELEMETRY_DISABLED: '1', LOG_LEVEL: 'silent' };
    const started = await run(
      [path.join(ROOT_DIR, 'scripts/mirror-mount.ts'), '--province', 'chongqing', '--source', 'sichuan', '--no-wait', ...url, ...dirs],
      env,
    );
    assert.equal(started.status, 0, started.stderr);

    const worker = createSyncWorker({
      cfg: stack.cfg,
      province: stack.province('chongqing'),
      store: stack.stores.get('chongqing')!,
      gatewayUrl: `https://localhost:${stack.gateway.port}/graphql`,
    });
    try {
      const r = await worker.pass(true);
      assert.deepEqual(r.problems, []);
      assert.ok(r.changesRead > 0 && r.jobPages > 0);
    } finally {
      await worker.stop();
    }
    const status = await run([path.join(ROOT_DIR, 'scripts/mirror-status.ts'), '--province', 'chongqing', '--json', ...url, ...dirs], env);
    assert.equal(status.status, 0, status.stderr);
    const json = JSON.parse(status.stdout);
    assert.equal(json.mountJobs[0].state, 'DONE');
    assert.ok(json.mountJobs[0].mounted > 0);
  });
});
