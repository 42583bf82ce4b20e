// Journey: grades (GB/T 43697-2024) decide what the shared catalogue may do with an entry, over the
// real stack. A province's administrator grades its entry (with the sharing the grade allows); the
// directory filters and counts by grade; mounting 重要数据 needs an approval reference recorded on the
// mirror; a source raised beyond its mirror's approval turns the mirror UNSHARED until an
// administrator mounts it again with one; 核心数据 never leaves its province.
import { strict as assert } from 'node:assert';
import { createSyncWorker } from '../../subgraphs/catalogue/sync/create-worker.js';
import type { SyncWorker } from '../../subgraphs/catalogue/sync/worker.js';
import { gql, startStack, type TestStack } from '../support/stack.js';

const CQ_ADMIN = { province: 'chongqing', client: 'admin', scope: 'catalogue:read catalogue:admin' };
const SC_ADMIN = { province: 'sichuan', client: 'admin', scope: 'catalogue:read catalogue:admin' };
const CQ_APP = { province: 'chongqing', client: 'app', scope: 'catalogue:read' };
const APPROVAL = '渝数审〔2026〕12号';

const UPDATE = `mutation($id: ID!, $input: EntryUpdateInput!) { updateEntry(id: $id, input: $input) { entry { id version grade sharingType sharingCondition openType } } }`;
const REGISTER = `mutation($s: ID!, $a: String) { registerMirror(sourceId: $s, approvalRef: $a) { created entry { id grade ... on ChongqingCatalogueEntry { mirrorState mirrorApprovalRef } } } }`;
const MOUNT = `mutation($f: DirectoryFilter, $a: String) { mountCatalogue(source: SICHUAN, filter: $f, approvalRef: $a) { id state approvalRef } }`;
const DIRECTORY = `query($f: DirectoryFilter) { directory(filter: $f, first: 100) { totalCount facets { grades { grade count } } nodes { id grade } } }`;
const ENTRY = `query($id: ID!) { entry(id: $id) { id grade dataItems { name personalInfo } } }`;

const TO_IMPORTANT = { grade: 'IMPORTANT', sharingType: 'CONDITIONAL', sharingCondition: '经数据主管部门审批后共享', openType: 'NOT_OPEN' };

describe('journey: data grades (GB/T 43697-2024) at write, at mount and in sync', function () {
  this.timeout(120_000);
  let stack: TestStack;
  let cqWorker: SyncWorker;
  const mirrorOf = (id: string) => `500000:mirror:${id}`;
  /** Sichuan originals, shared unconditionally and 一般数据, not touched by another test here. */
  let general: string[];

  before(async () => {
    stack = await startStack({ entries: 240 });
    cqWorker = createSyncWorker({
      cfg: stack.cfg,
      province: stack.province('chongqing'),
      store: stack.stores.get('chongqing')!,
      gatewayUrl: `https://localhost:${stack.gateway.port}/graphql`,
    });
    const slice = await stack.stores
      .get('sichuan')!
      .slice({ hideNotShared: true, sharingTypes: ['UNCONDITIONAL'], grades: ['GENERAL'], kinds: ['ORIGINAL'], limit: 20 });
    general = slice.items.map((i) => i.id);
    assert.ok(general.length >= 6);
  });
  after(async () => {
    await cqWorker?.stop();
    await stack?.close();
  });

  describe('at write', () => {
    it('raising the grade without the sharing it needs is refused and changes nothing', async () => {
      const id = general[0]!;
      const before = await stack.stores.get('sichuan')!.getEntry(id);
      const res = await gql(stack, SC_ADMIN, UPDATE, { id, input: { grade: 'IMPORTANT' } });
      assert.equal(res.body.errors[0].extensions.code, 'BAD_USER_INPUT');
      assert.match(res.body.errors[0].message, /sharingType: IMPORTANT \(重要数据\) entries may be at most CONDITIONAL, not UNCONDITIONAL/);
      assert.deepEqual(await stack.stores.get('sichuan')!.getEntry(id), before);
    });

    it('CORE with anything but NOT_SHARED is refused; with NOT_SHARED and its basis it is stored', async () => {
      const id = general[1]!;
      const bad = await gql(stack, SC_ADMIN, UPDATE, {
        id,
        input: { grade: 'CORE', sharingType: 'CONDITIONAL', sharingCondition: '限内部使用', openType: 'NOT_OPEN' },
      });
      assert.equal(bad.body.errors[0].extensions.code, 'BAD_USER_INPUT');
      assert.match(bad.body.errors[0].message, /CORE \(核心数据\) entries may be at most NOT_SHARED/);
      const ok = await gql(stack, SC_ADMIN, UPDATE, {
        id,
        input: {
          grade: 'CORE',
          sharingType: 'NOT_SHARED',
          sharingCondition: '依据《中华人民共和国数据安全法》第二十一条，属于核心数据，不予共享',
          openType: 'NOT_OPEN',
        },
      });
      assert.equal(ok.body.errors, undefined, JSON.stringify(ok.body.errors));
      assert.deepEqual([ok.body.data.updateEntry.entry.grade, ok.body.data.updateEntry.entry.sharingType], ['CORE', 'NOT_SHARED']);
    });

    it('another province never sees a CORE entry: not in the directory, not by id, not mountable', async () => {
      const id = general[1]!;
      const byId = await gql(stack, CQ_APP, ENTRY, { id });
      assert.equal(byId.body.data.entry, null);
      const listed = await gql(stack, CQ_APP, DIRECTORY, { f: { provinces: ['SICHUAN'], grades: ['CORE'] } });
      assert.equal(listed.body.data.directory.totalCount, 0);
      const core = listed.body.data.directory.facets.grades.find((g: { grade: string }) => g.grade === 'CORE');
      assert.equal(core.count, 0);
      const reg = await gql(stack, CQ_ADMIN, REGISTER, { s: id, a: APPROVAL });
      assert.equal(reg.body.errors[0].extensions.code, 'MIRROR_SOURCE_UNAVAILABLE');
      // Its own province sees it.
      const own = await gql(stack, SC_ADMIN, ENTRY, { id });
      assert.equal(own.body.data.entry.grade, 'CORE');
    });

    it('the directory filters by grade and counts every grade', async () => {
      const id = general[2]!;
      const up = await gql(stack, SC_ADMIN, UPDATE, { id, input: TO_IMPORTANT });
      assert.equal(up.body.errors, undefined, JSON.stringify(up.body.errors));
      const all = (await gql(stack, CQ_APP, DIRECTORY, { f: { provinces: ['SICHUAN'] } })).body.data.directory;
      const counts = Object.fromEntries(all.facets.grades.map((g: { grade: string; count: number }) => [g.grade, g.count]));
      assert.deepEqual(Object.keys(counts), ['GENERAL', 'IMPORTANT', 'CORE']);
      assert.equal(counts.GENERAL + counts.IMPORTANT + counts.CORE, all.totalCount);
      const important = (await gql(stack, CQ_APP, DIRECTORY, { f: { provinces: ['SICHUAN'], grades: ['IMPORTANT'] } })).body.data.directory;
      assert.equal(important.totalCount, counts.IMPORTANT);
      assert.ok(important.nodes.some((n: { id: string }) => n.id === id));
      assert.ok(important.nodes.every((n: { grade: string }) => n.grade === 'IMPORTANT'));
    });

    it('every data item says whether it holds personal information', async () => {
      const e = (await gql(stack, CQ_APP, ENTRY, { id: general[3]! })).body.data.entry;
      assert.ok(e.dataItems.length > 0);
      for (const i of e.dataItems) assert.ok(['NONE', 'PERSONAL', 'SENSITIVE'].includes(i.personalInfo), JSON.stringify(i));
    });
  });

  describe('at mount', () => {
    it('an IMPORTANT entry is mounted only with an approval reference, which the mirror records', async () => {
      const id = general[2]!; // IMPORTANT since the test above
      const without = await gql(stack, CQ_ADMIN, REGISTER, { s: id });
      assert.equal(without.body.errors[0].extensions.code, 'APPROVAL_REQUIRED');
      assert.match(without.body.errors[0].message, /审批文号/);
      assert.equal(await stack.stores.get('chongqing')!.getEntry(mirrorOf(id)), null, 'nothing written');

      const malformed = await gql(stack, CQ_ADMIN, REGISTER, { s: id, a: '渝数审[2026]12号' });
      assert.equal(malformed.body.errors[0].extensions.code, 'BAD_USER_INPUT');
      assert.match(malformed.body.errors[0].message, /^approvalRef: must be an approval reference/);

      const ok = await gql(stack, CQ_ADMIN, REGISTER, { s: id, a: APPROVAL });
      assert.equal(ok.body.errors, undefined, JSON.stringify(ok.body.errors));
      const m = ok.body.data.registerMirror.entry;
      assert.deepEqual([m.grade, m.mirrorState, m.mirrorApprovalRef], ['IMPORTANT', 'CURRENT', APPROVAL]);
    });

    it('a mount job without an approval mounts GENERAL entries only; asking for IMPORTANT or CORE is refused', async () => {
      const onlyImportant = await gql(stack, CQ_ADMIN, MOUNT, { f: { grades: ['IMPORTANT'] } });
      assert.equal(onlyImportant.body.errors[0].extensions.code, 'APPROVAL_REQUIRED');
      const core = await gql(stack, CQ_ADMIN, MOUNT, { f: { grades: ['CORE'] }, a: APPROVAL });
      assert.equal(core.body.errors[0].extensions.code, 'BAD_USER_INPUT');
      assert.match(core.body.errors[0].message, /CORE entries are never mounted/);

      // One more IMPORTANT entry among those the job would list, whatever grades the demo data has.
      const sc = stack.stores.get('sichuan')!;
      const conditional = (await sc.slice({ hideNotShared: true, sharingTypes: ['CONDITIONAL'], grades: ['GENERAL'], kinds: ['ORIGINAL'], limit: 1 })).items[0]!
        .id;
      const raised = await gql(stack, SC_ADMIN, UPDATE, { id: conditional, input: { grade: 'IMPORTANT', openType: 'NOT_OPEN' } });
      assert.equal(raised.body.errors, undefined, JSON.stringify(raised.body.errors));

      const job = (await gql(stack, CQ_ADMIN, MOUNT, { f: { sharingTypes: ['CONDITIONAL'] } })).body.data.mountCatalogue;
      assert.equal(job.approvalRef, null);
      await cqWorker.pass(true);
      const cq = stack.stores.get('chongqing')!;
      const mirrors = await cq.slice({ hideNotShared: false, kinds: ['MIRROR'], sharingTypes: ['CONDITIONAL'], limit: 1000 });
      const records = await cq.getEntries(mirrors.items.map((i) => i.id));
      const byJob = [...records.values()].filter((r) => r.mirrorRegisteredBy === 'chongqing:sync');
      assert.ok(byJob.length > 0);
      assert.ok(
        byJob.every((r) => r.grade === 'GENERAL' && r.mirrorApprovalRef === null),
        'no IMPORTANT entry mounted without an approval',
      );
      const importantConditional = await sc.slice({
        hideNotShared: true,
        sharingTypes: ['CONDITIONAL'],
        grades: ['IMPORTANT'],
        kinds: ['ORIGINAL'],
        limit: 1000,
      });
      let checked = 0;
      for (const { id } of importantConditional.items) {
        if (id === general[2]) continue; // mounted by hand above, with an approval
        checked += 1;
        assert.equal(await cq.getEntry(mirrorOf(id)), null, `${id} is IMPORTANT`);
      }
      assert.ok(checked > 0);
    });
  });

  describe('in sync', () => {
    it('a source raised to IMPORTANT turns a mirror mounted without an approval UNSHARED; mounting again with one brings it back', async () => {
      const id = general[4]!;
      const reg = await gql(stack, CQ_ADMIN, REGISTER, { s: id });
      assert.equal(reg.body.data.registerMirror.entry.mirrorState, 'CURRENT');
      await cqWorker.pass(true);

      const up = await gql(stack, SC_ADMIN, UPDATE, { id, input: TO_IMPORTANT });
      assert.equal(up.body.errors, undefined, JSON.stringify(up.body.errors));
      await cqWorker.pass(true);
      const cq = stack.stores.get('chongqing')!;
      const unshared = (await cq.getEntry(mirrorOf(id)))!;
      assert.deepEqual([unshared.mirrorState, unshared.grade], ['UNSHARED', 'GENERAL'], 'kept, unlisted, with the content it had');
      const listed = await gql(stack, CQ_ADMIN, `{ provinceCatalogue(province: CHONGQING, filter: { kinds: [MIRROR] }, first: 100) { nodes { id } } }`);
      assert.ok(!listed.body.data.provinceCatalogue.nodes.some((n: { id: string }) => n.id === mirrorOf(id)));
      // Sichuan's other provinces do not see the unshared copy either.
      const asApp = await gql(stack, { province: 'sichuan', client: 'app', scope: 'catalogue:read' }, ENTRY, { id: mirrorOf(id) });
      assert.equal(asApp.body.data.entry, null);

      const again = await gql(stack, CQ_ADMIN, REGISTER, { s: id, a: APPROVAL });
      assert.equal(again.body.errors, undefined, JSON.stringify(again.body.errors));
      const m = again.body.data.registerMirror;
      assert.equal(m.created, true);
      assert.deepEqual([m.entry.mirrorState, m.entry.grade, m.entry.mirrorApprovalRef], ['CURRENT', 'IMPORTANT', APPROVAL]);
      // In step now: the next pass changes nothing.
      await cqWorker.pass(true);
      assert.equal((await cq.getEntry(mirrorOf(id)))!.mirrorState, 'CURRENT');
    });

    it('a mirror with an approval follows its source to IMPORTANT (review: the change waits, then is accepted)', async () => {
      const id = general[5]!;
      const reg = await gql(stack, CQ_ADMIN, REGISTER, { s: id, a: APPROVAL });
      assert.equal(reg.body.data.registerMirror.entry.mirrorApprovalRef, APPROVAL);
      await cqWorker.pass(true);
      await gql(stack, SC_ADMIN, UPDATE, { id, input: TO_IMPORTANT });
      await cqWorker.pass(true);
      const cq = stack.stores.get('chongqing')!;
      assert.equal((await cq.getEntry(mirrorOf(id)))!.mirrorState, 'CHANGED');
      const accepted = await gql(stack, CQ_ADMIN, `mutation($id: ID!) { acceptMirrorChange(id: $id) { entry { id grade } } }`, { id: mirrorOf(id) });
      assert.equal(accepted.body.errors, undefined, JSON.stringify(accepted.body.errors));
      assert.equal(accepted.body.data.acceptMirrorChange.entry.grade, 'IMPORTANT');
      assert.equal((await cq.getEntry(mirrorOf(id)))!.mirrorApprovalRef, APPROVAL);
    });
  });
});
