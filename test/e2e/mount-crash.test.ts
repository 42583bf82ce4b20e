// A mount job survives its worker being killed: SIGKILL the Chongqing sync worker in the middle of
// mounting Sichuan's shared catalogue, start another, and find the job resumed where it stopped and
// DONE, with every mirror registered exactly once and the job's counters equal to what is stored.
// The second worker goes through another gateway replica: the job's cursor is good on any replica.
import { strict as assert } from 'node:assert';
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT_DIR } from '../../common/config.js';
import { verifyAuditFile } from '../../common/audit/audit-log.js';
import { syncAuditFile } from '../../subgraphs/catalogue/sync/create-worker.js';
import type { RunningGateway } from '../../gateway/server.js';
import { configDirWith, gql, startReplica, startStack, until, type TestStack } from '../support/stack.js';

const CQ_ADMIN = { province: 'chongqing', client: 'admin', scope: 'catalogue:read catalogue:admin' };

describe('crash mid-mount (SIGKILL the sync worker)', function () {
  this.timeout(180_000);
  let stack: TestStack;
  const children: ChildProcess[] = [];

  let replica: RunningGateway;

  const spawnWorker = (gatewayPort: number) => {
    const { cfg } = stack;
    const child = fork(
      path.join(ROOT_DIR, 'subgraphs/catalogue/sync/main.ts'),
      [
        '--province',
        'chongqing',
        '--gateway-url',
        `https://localhost:${gatewayPort}/graphql`,
        '--config-dir',
        cfg.configDir,
        '--certs-dir',
        cfg.certsDir,
        '--data-dir',
        cfg.dataDir,
      ],
      {
        execArgv: ['--import', 'tsx'],
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
        env: { ...process.env, LOG_LEVEL: 'silent', APOLLO_TELEMETRY_DISABLED: '1' },
      },
    );
    children.push(child);
    return child;
  };

  before(async () => {
    // Small pages make the job long enough to be killed in the middle; a short lease lets the next
    // worker take over soon after the killed one stops renewing it.
    const cq = JSON.parse(readFileSync(path.join(ROOT_DIR, 'config/provinces/chongqing.json'), 'utf8'));
    const configDir = configDirWith([{ ...cq, sync: { onSourceChange: 'review', pollMs: 100, leaseMs: 1000 } }], { maxPageSize: 20 });
    stack = await startStack({ configDir });
    replica = await startReplica(stack, 'gw-2');
  });
  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await replica?.close();
    await stack?.close();
  });

  it('resumes where it stopped: no mirror lost or written twice', async () => {
    const cq = stack.stores.get('chongqing')!;
    const created = await gql(stack, CQ_ADMIN, `mutation { mountCatalogue(source: SICHUAN) { id state } }`);
    assert.equal(created.body.errors, undefined, JSON.stringify(created.body.errors));
    const id: string = created.body.data.mountCatalogue.id;
    const jobNow = async () => (await cq.mountJobs({ ids: [id], limit: 1 }))[0]!;
    const mirrorsNow = async () => Object.values(await cq.mirrorStateCounts()).reduce((a, b) => a + b, 0);

    const first = spawnWorker(stack.gateway.port);
    const partly = await until(
      'the job has mounted some pages',
      async () => {
        const j = await jobNow();
        return j.mounted >= 60 ? j : undefined;
      },
      60_000,
    );
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    const atKill = await jobNow();
    assert.equal(atKill.state, 'RUNNING', 'killed in the middle');
    assert.ok(atKill.total! > atKill.mounted, `not finished when killed (${atKill.mounted} of ${atKill.total})`);
    assert.ok(atKill.mounted >= partly.mounted);
    // A page, its mirrors and the job's counters commit together: what the job says is what is stored.
    assert.equal(await mirrorsNow(), atKill.mounted);

    spawnWorker(replica.port);
    const done = await until(
      'the job is done after the restart',
      async () => {
        const j = await jobNow();
        return j.state === 'DONE' ? j : undefined;
      },
      90_000,
    );
    // A job without an approval reference mounts 一般数据 only (domain/grading.ts); the demo data grades some shared entries 重要数据.
    const shared = (await stack.stores.get('sichuan')!.slice({ hideNotShared: true, kinds: ['ORIGINAL'], grades: ['GENERAL'], limit: 1 })).total;
    assert.equal(done.total, shared);
    assert.equal(done.mounted, shared, 'every shared GENERAL entry mounted');
    assert.equal(done.skipped, 0, 'no page was read twice');
    assert.equal(done.failed, 0);
    assert.equal(await mirrorsNow(), shared);
    const mirrors = await cq.slice({ hideNotShared: false, kinds: ['MIRROR'], limit: 2000 });
    const records = await cq.getEntries(mirrors.items.map((m) => m.id));
    assert.ok(
      [...records.values()].every((m) => m.version === 1),
      'each mirror written once',
    );
    assert.equal(verifyAuditFile(syncAuditFile(stack.cfg, stack.province('chongqing'))).ok, true, 'the worker’s audit chain verifies');
  });
});
