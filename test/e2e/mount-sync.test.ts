// Journey: an administrator mounts another province's whole shared catalogue as one job (目录互挂),
// and the province's sync worker keeps every mirror in step with its source (增量同步) through the
// gateway, as a client of the federation with its own service certificate and token. Chongqing's
// dev config reviews source changes; Sichuan's follows them.
import { strict as assert } from 'node:assert';
import { createSyncWorker, syncAuditFile } from '../../subgraphs/catalogue/sync/create-worker.js';
import type { SyncWorker } from '../../subgraphs/catalogue/sync/worker.js';
import { mirrorFromSource } from '../../subgraphs/catalogue/mirror-snapshot.js';
import { verifyAuditFile } from '../../common/audit/audit-log.js';
import { gql, startStack, type TestStack } from '../support/stack.js';

const CQ_ADMIN = { province: 'chongqing', client: 'admin', scope: 'catalogue:read catalogue:admin' };
const SC_ADMIN = { province: 'sichuan', client: 'admin', scope: 'catalogue:read catalogue:admin' };

const JOB_FIELDS = 'id source province state total mounted skipped failed startedAt finishedAt lastError nextAttemptAt createdBy';
const MOUNT = `mutation($s: Province!, $f: DirectoryFilter, $p: Province) { mountCatalogue(source: $s, filter: $f, province: $p) { ${JOB_FIELDS} } }`;
const JOB = `query($id: ID!) { mountJob(id: $id) { ${JOB_FIELDS} } }`;
const CANCEL = `mutation($id: ID!) { cancelMountJob(id: $id) { ${JOB_FIELDS} } }`;
const ACCEPT = `mutation($id: ID!) { acceptMirrorChange(id: $id) { entry { id name version ... on ChongqingCatalogueEntry { mirrorState mirrorPendingSourceVersion mirrorRegisteredSourceVersion } } } }`;
const MIRRORS = `query($st: [MirrorState!]) { mirrors(states: $st, first: 100) { totalCount nodes { id ... on ChongqingCatalogueEntry { mirrorState mirrorSourceId } } } }`;
const STATUS = `{ mirrorSyncStatus { province states { state count } sources { source checkedAt lagSeconds lastError changesRead } } }`;
const UPDATE = `mutation($id: ID!, $name: String) { updateEntry(id: $id, input: { name: $name }) { entry { id version } } }`;

describe('journey: mounting a whole catalogue and keeping it in step (目录互挂, 增量同步)', function () {
  this.timeout(120_000);
  let stack: TestStack;
  let cqWorker: SyncWorker;
  let scWorker: SyncWorker;
  const gatewayUrl = () => `https://localhost:${stack.gateway.port}/graphql`;
  const mirrorOf = (id: string) => `500000:mirror:${id}`;

  before(async () => {
    stack = await startStack({ entries: 240 });
    cqWorker = createSyncWorker({ cfg: stack.cfg, province: stack.province('chongqing'), store: stack.stores.get('chongqing')!, gatewayUrl: gatewayUrl() });
    scWorker = createSyncWorker({ cfg: stack.cfg, province: stack.province('sichuan'), store: stack.stores.get('sichuan')!, gatewayUrl: gatewayUrl() });
  });
  after(async () => {
    await cqWorker?.stop();
    await scWorker?.stop();
    await stack?.close();
  });

  const mount = async (filter: Record<string, unknown> | null, as = CQ_ADMIN, source = 'SICHUAN', province?: string) =>
    gql(stack, as, MOUNT, { s: source, f: filter, ...(province ? { p: province } : {}) });
  const job = async (id: string) => (await gql(stack, CQ_ADMIN, JOB, { id })).body.data.mountJob;
  const sharedUnconditional = async () =>
    (await stack.stores.get('sichuan')!.slice({ hideNotShared: true, sharingTypes: ['UNCONDITIONAL'], kinds: ['ORIGINAL'], limit: 1000 })).items.map(
      (i) => i.id,
    );

  let jobId: string;
  let mounted: string[];

  it('mounts every UNCONDITIONAL entry Sichuan shares as one job; the job is queued, then done', async () => {
    const res = await mount({ sharingTypes: ['UNCONDITIONAL'] });
    assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
    const created = res.body.data.mountCatalogue;
    assert.match(created.id, /^500000\.mount\.[0-9a-f-]{36}$/);
    assert.equal(created.state, 'QUEUED');
    assert.equal(created.source, 'SICHUAN');
    assert.equal(created.province, 'CHONGQING');
    assert.equal(created.createdBy, 'chongqing:admin');
    jobId = created.id;

    const report = await cqWorker.pass(true);
    assert.deepEqual(report.problems, []);
    const done = await job(jobId);
    mounted = await sharedUnconditional();
    assert.equal(done.state, 'DONE');
    assert.equal(done.total, mounted.length);
    assert.equal(done.mounted, mounted.length);
    assert.equal(done.skipped + done.failed, 0);
    assert.ok(done.startedAt && done.finishedAt && done.lastError === null);
    // The same mirrors registerMirror makes: the source's content under Chongqing's id, CURRENT.
    const cq = stack.stores.get('chongqing')!;
    for (const id of mounted) {
      const m = await cq.getEntry(mirrorOf(id));
      assert.ok(m, `mirror of ${id}`);
      assert.equal(m.kind, 'MIRROR');
      assert.equal(m.mirrorState, 'CURRENT');
      assert.equal(m.mirrorRegisteredBy, 'chongqing:sync');
      assert.equal(m.version, 1);
    }
  });

  it('running the same mount again is idempotent: everything already mounted is skipped', async () => {
    const again = (await mount({ sharingTypes: ['UNCONDITIONAL'] })).body.data.mountCatalogue;
    const before = await stack.stores.get('chongqing')!.countEntries();
    await cqWorker.pass(true);
    const done = await job(again.id);
    assert.equal(done.state, 'DONE');
    assert.equal(done.mounted, 0);
    assert.equal(done.skipped, mounted.length);
    assert.equal(await stack.stores.get('chongqing')!.countEntries(), before);
  });

  it('lists jobs newest first, and the sync status per state and source', async () => {
    const list = await gql(stack, CQ_ADMIN, `{ mountJobs(first: 5) { id state } }`);
    assert.equal(list.body.data.mountJobs[1].id, jobId);
    const status = (await gql(stack, CQ_ADMIN, STATUS)).body.data.mirrorSyncStatus;
    assert.equal(status.province, 'CHONGQING');
    assert.equal(status.states.find((s: { state: string }) => s.state === 'CURRENT').count, mounted.length);
    const sc = status.sources.find((s: { source: string }) => s.source === 'SICHUAN');
    assert.ok(sc.checkedAt, 'the Sichuan feed was read to its end');
    assert.ok(sc.lagSeconds >= 0 && sc.lagSeconds < 60);
    assert.equal(sc.lastError, null);
  });

  it('review mode (Chongqing): a source change turns the mirror CHANGED until an administrator accepts it', async () => {
    const id = mounted[0]!;
    const upd = await gql(stack, SC_ADMIN, UPDATE, { id, name: '四川省测试数据资源（已更新）' });
    assert.equal(upd.body.errors, undefined, JSON.stringify(upd.body.errors));
    const newVersion = upd.body.data.updateEntry.entry.version;
    await cqWorker.pass(true);
    const m = await stack.stores.get('chongqing')!.getEntry(mirrorOf(id));
    assert.equal(m!.mirrorState, 'CHANGED');
    assert.equal(m!.mirrorPendingSourceVersion, newVersion);
    assert.notEqual(m!.name, '四川省测试数据资源（已更新）', 'content waits for review');
    const changed = (await gql(stack, CQ_ADMIN, MIRRORS, { st: ['CHANGED'] })).body.data.mirrors;
    assert.deepEqual(
      changed.nodes.map((n: { id: string }) => n.id),
      [mirrorOf(id)],
    );

    const accepted = await gql(stack, CQ_ADMIN, ACCEPT, { id: mirrorOf(id) });
    assert.equal(accepted.body.errors, undefined, JSON.stringify(accepted.body.errors));
    const e = accepted.body.data.acceptMirrorChange.entry;
    assert.equal(e.name, '四川省测试数据资源（已更新）');
    assert.equal(e.mirrorState, 'CURRENT');
    assert.equal(e.mirrorPendingSourceVersion, null);
    assert.equal(e.mirrorRegisteredSourceVersion, newVersion);
  });

  it('refuses acceptMirrorChange on a mirror that is not CHANGED, and changes nothing', async () => {
    const id = mirrorOf(mounted[0]!);
    const before = await stack.stores.get('chongqing')!.getEntry(id);
    const res = await gql(stack, CQ_ADMIN, ACCEPT, { id });
    assert.equal(res.body.errors[0].extensions.code, 'MIRROR_NOT_CHANGED');
    assert.deepEqual(await stack.stores.get('chongqing')!.getEntry(id), before);
  });

  it('a withdrawn source turns its mirror WITHDRAWN; a source made NOT_SHARED turns it UNSHARED; both leave the listings', async () => {
    const [, withdrawn, unshared] = mounted;
    const w = await gql(stack, SC_ADMIN, `mutation($id: ID!) { updateEntry(id: $id, input: { status: WITHDRAWN }) { entry { id } } }`, { id: withdrawn });
    assert.equal(w.body.errors, undefined, JSON.stringify(w.body.errors));
    // Sharing type is changed by the province's own administration (not a GraphQL field).
    const u = await stack.stores
      .get('sichuan')!
      .updateEntry(unshared!, null, { sharingType: 'NOT_SHARED', sharingCondition: '依据《数据安全法》暂停共享' }, new Date().toISOString());
    assert.equal(u.ok, true);
    await cqWorker.pass(true);
    const cq = stack.stores.get('chongqing')!;
    assert.equal((await cq.getEntry(mirrorOf(withdrawn!)))!.mirrorState, 'WITHDRAWN');
    assert.equal((await cq.getEntry(mirrorOf(unshared!)))!.mirrorState, 'UNSHARED');
    const listed = await gql(
      stack,
      CQ_ADMIN,
      `{ provinceCatalogue(province: CHONGQING, filter: { kinds: [MIRROR] }, first: 100) { totalCount nodes { id } } }`,
    );
    const ids = listed.body.data.provinceCatalogue.nodes.map((n: { id: string }) => n.id);
    assert.ok(!ids.includes(mirrorOf(withdrawn!)) && !ids.includes(mirrorOf(unshared!)));
    assert.equal(listed.body.data.provinceCatalogue.totalCount, mounted.length - 2);
    const gone = (await gql(stack, CQ_ADMIN, MIRRORS, { st: ['WITHDRAWN', 'UNSHARED'] })).body.data.mirrors;
    assert.deepEqual(gone.nodes.map((n: { id: string }) => n.id).sort(), [mirrorOf(withdrawn!), mirrorOf(unshared!)].sort());
    // No longer mounted anywhere, as far as the source's mountedIn is concerned.
    const src = await gql(stack, SC_ADMIN, `query($id: ID!) { entry(id: $id) { mountedIn } }`, { id: withdrawn });
    assert.deepEqual(src.body.data.entry.mountedIn, []);
  });

  it('follow mode (Sichuan): a Chongqing source change is taken into its Sichuan mirror, CURRENT', async () => {
    const cqSource = (await stack.stores.get('chongqing')!.slice({ hideNotShared: true, sharingTypes: ['UNCONDITIONAL'], kinds: ['ORIGINAL'], limit: 1 }))
      .items[0]!.id;
    const reg = await gql(stack, SC_ADMIN, `mutation($s: ID!) { registerMirror(sourceId: $s) { entry { id } } }`, { s: cqSource });
    const mirrorId = reg.body.data.registerMirror.entry.id;
    await scWorker.pass(true);
    await gql(stack, CQ_ADMIN, UPDATE, { id: cqSource, name: '重庆市测试数据资源（已更新）' });
    await scWorker.pass(true);
    const m = await stack.stores.get('sichuan')!.getEntry(mirrorId);
    assert.equal(m!.name, '重庆市测试数据资源（已更新）');
    assert.equal(m!.mirrorState, 'CURRENT');
    assert.equal(m!.mirrorRegisteredSourceVersion, (await stack.stores.get('chongqing')!.getEntry(cqSource))!.version);
  });

  it('a mirror registered by hand just after its source changed is checked once against its source', async () => {
    // The race: registerMirror read the source at version v, the source moved to v+1, the worker read
    // that change while there was no mirror yet, then the registration committed at v.
    const sc = stack.stores.get('sichuan')!;
    const cq = stack.stores.get('chongqing')!;
    const id = (await sc.slice({ hideNotShared: true, sharingTypes: ['CONDITIONAL'], kinds: ['ORIGINAL'], limit: 1 })).items[0]!.id;
    const old = (await sc.getEntry(id))!;
    await cqWorker.pass(true);
    const upd = await gql(stack, SC_ADMIN, UPDATE, { id, name: `${old.name}（新版）` });
    assert.equal(upd.body.errors, undefined, JSON.stringify(upd.body.errors));
    await cqWorker.pass(true); // reads the change; Chongqing has no mirror of it yet
    const registered = await cq.registerMirror(mirrorFromSource(old, stack.province('chongqing'), 'chongqing:admin', new Date().toISOString(), null));
    assert.ok(registered.ok && registered.record.mirrorRegisteredSourceVersion === old.version);
    await cqWorker.pass(true);
    const m = (await cq.getEntry(mirrorOf(id)))!;
    assert.equal(m.mirrorState, 'CHANGED', 'review mode: the newer source waits for an administrator');
    assert.equal(m.mirrorPendingSourceVersion, old.version + 1);
  });

  it('with the source province down, a job waits and retries with backoff (lastError), and no mirror is marked gone', async () => {
    const cq = stack.stores.get('chongqing')!;
    const statesBefore = await cq.mirrorStateCounts();
    const created = (await mount({ sharingTypes: ['CONDITIONAL'] })).body.data.mountCatalogue;
    await stack.stopSubgraph('sichuan');
    try {
      const r = await cqWorker.pass(true);
      assert.ok(r.problems.length >= 1, 'the pass reports what it waits for');
      const waiting = await job(created.id);
      assert.equal(waiting.state, 'RUNNING');
      assert.match(waiting.lastError, /PROVINCE_UNAVAILABLE/);
      assert.ok(Date.parse(waiting.nextAttemptAt) > Date.now() - 1000);
      assert.equal(waiting.mounted, 0);
      assert.deepEqual(await cq.mirrorStateCounts(), statesBefore, 'an outage changes no mirror');
      const status = (await gql(stack, CQ_ADMIN, STATUS)).body.data.mirrorSyncStatus;
      assert.match(status.sources.find((s: { source: string }) => s.source === 'SICHUAN').lastError, /PROVINCE_UNAVAILABLE/);
    } finally {
      await stack.restartSubgraph('sichuan');
    }
    await new Promise((r) => setTimeout(r, 1100)); // the first backoff
    await cqWorker.pass(true);
    const done = await job(created.id);
    assert.equal(done.state, 'DONE');
    assert.ok(done.mounted > 0);
    assert.equal(done.lastError, null);
  });

  it('cancels a queued job (idempotently); the worker leaves it; a finished job cannot be cancelled', async () => {
    const created = (await mount({ updateCycles: ['DAILY'] })).body.data.mountCatalogue;
    const c1 = await gql(stack, CQ_ADMIN, CANCEL, { id: created.id });
    assert.equal(c1.body.data.cancelMountJob.state, 'CANCELLED');
    const c2 = await gql(stack, CQ_ADMIN, CANCEL, { id: created.id });
    assert.equal(c2.body.data.cancelMountJob.state, 'CANCELLED');
    await cqWorker.pass(true);
    assert.equal((await job(created.id)).mounted, 0);
    const finished = await gql(stack, CQ_ADMIN, CANCEL, { id: jobId });
    assert.equal(finished.body.errors[0].extensions.code, 'MOUNT_JOB_FINISHED');
    assert.equal((await job(jobId)).state, 'DONE');
  });

  it('every write the worker made is in its own audit chain, which verifies', () => {
    const r = verifyAuditFile(syncAuditFile(stack.cfg, stack.province('chongqing')));
    assert.equal(r.ok, true);
    assert.ok(r.records > 10);
  });

  describe('refusals: a clear error, nothing written', () => {
    const jobsNow = async () => (await stack.stores.get('chongqing')!.mountJobs({ limit: 100 })).length;
    const refused = async (res: { body: { errors?: { extensions: { code: string } }[] } }, code: string) => {
      assert.equal(res.body.errors?.[0]?.extensions.code, code, JSON.stringify(res.body));
    };

    it('mounting one’s own province', async () => {
      const n = await jobsNow();
      await refused(await mount(null, CQ_ADMIN, 'CHONGQING'), 'BAD_USER_INPUT');
      assert.equal(await jobsNow(), n);
    });

    it('mounting into another province', async () => {
      const n = await jobsNow();
      const scJobs = (await stack.stores.get('sichuan')!.mountJobs({ limit: 100 })).length;
      await refused(await mount(null, CQ_ADMIN, 'SICHUAN', 'SICHUAN'), 'FORBIDDEN');
      assert.equal(await jobsNow(), n);
      assert.equal((await stack.stores.get('sichuan')!.mountJobs({ limit: 100 })).length, scJobs);
    });

    it('a filter naming mirrors, other provinces or withdrawn entries', async () => {
      const n = await jobsNow();
      await refused(await mount({ kinds: ['MIRROR'] }), 'BAD_USER_INPUT');
      await refused(await mount({ provinces: ['SICHUAN'] }), 'BAD_USER_INPUT');
      await refused(await mount({ includeWithdrawn: true }), 'BAD_USER_INPUT');
      await refused(await mount({ providerCode: 'not-a-code' }), 'BAD_USER_INPUT');
      await refused(await mount({ sharingTypes: ['NOT_SHARED'] }), 'BAD_USER_INPUT');
      assert.equal(await jobsNow(), n);
    });

    it('cancelling or reading another province’s job', async () => {
      const res = await gql(stack, SC_ADMIN, CANCEL, { id: jobId });
      await refused(res, 'FORBIDDEN');
      await refused(await gql(stack, SC_ADMIN, JOB, { id: jobId }), 'FORBIDDEN');
      assert.equal((await job(jobId)).state, 'DONE');
      await refused(await gql(stack, CQ_ADMIN, CANCEL, { id: 'not-a-job' }), 'BAD_USER_INPUT');
    });

    it('first out of range for mountJobs, too many ids for entries', async () => {
      await refused(await gql(stack, CQ_ADMIN, `{ mountJobs(first: 0) { id } }`), 'BAD_USER_INPUT');
      await refused(await gql(stack, CQ_ADMIN, `{ mountJobs(first: 101) { id } }`), 'BAD_USER_INPUT');
      const ids = Array.from({ length: 101 }, (_, i) => `510000:302004/${String(i + 1).padStart(6, '0')}`);
      await refused(await gql(stack, CQ_ADMIN, `query($ids: [ID!]!) { entries(ids: $ids) { id } }`, { ids }), 'BAD_USER_INPUT');
    });

    it('without catalogue:admin', async () => {
      const n = await jobsNow();
      await refused(await gql(stack, { province: 'chongqing', client: 'app', scope: 'catalogue:read' }, MOUNT, { s: 'SICHUAN' }), 'FORBIDDEN');
      await refused(await gql(stack, { province: 'chongqing', client: 'app', scope: 'catalogue:read' }, STATUS), 'FORBIDDEN');
      assert.equal(await jobsNow(), n);
    });
  });
});
