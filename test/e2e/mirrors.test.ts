// Journey 3: a catalogue administrator mounts another province's entry into their own
// catalogue (目录互挂), sees when its source changes or is withdrawn, and withdraws it.
// An administrator can never write into the other province's catalogue.
import { strict as assert } from 'node:assert';
import { gql, startStack, type TestStack } from '../support/stack.js';

const CQ_ADMIN = { province: 'chongqing', client: 'admin', scope: 'catalogue:read catalogue:admin' };
const SC_ADMIN = { province: 'sichuan', client: 'admin', scope: 'catalogue:read catalogue:admin' };

const REGISTER = `mutation($s: ID!, $p: Province) { registerMirror(sourceId: $s, province: $p) {
  created entry { id kind name version status mirrorSourceId mirrorRegisteredSourceVersion mirrorRegisteredBy mirrorSourceState
    mirrorSource { id name version status abstract region { name platform } } } } }`;

describe('journey: mirrored catalogue entries (目录互挂)', function () {
  let stack: TestStack;
  let sourceId: string;
  let notSharedId: string;
  let ownId: string;

  const countRows = async (province: string) => stack.stores.get(province)!.countEntries();

  before(async () => {
    stack = await startStack();
    const sc = stack.stores.get('sichuan')!;
    sourceId = (await sc.slice({ hideNotShared: true, sharingTypes: ['UNCONDITIONAL'], limit: 1 })).items[0]!.id;
    notSharedId = (await sc.slice({ hideNotShared: false, sharingTypes: ['NOT_SHARED'], limit: 1 })).items[0]!.id;
    ownId = (await stack.stores.get('chongqing')!.slice({ hideNotShared: false, sharingTypes: ['UNCONDITIONAL'], limit: 1 })).items[0]!.id;
  });
  after(async () => {
    await stack?.close();
  });

  it('registers a mirror of a Sichuan entry in Chongqing; reading it joins the source live from Sichuan', async () => {
    const before = await countRows('chongqing');
    const res = await gql(stack, CQ_ADMIN, REGISTER, { s: sourceId });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
    const m = res.body.data.registerMirror;
    assert.equal(m.created, true);
    assert.equal(m.entry.id, `500000:mirror:${sourceId}`);
    assert.equal(m.entry.kind, 'MIRROR');
    assert.equal(m.entry.mirrorSourceId, sourceId);
    assert.equal(m.entry.mirrorRegisteredBy, 'chongqing:admin');
    assert.equal(m.entry.mirrorSourceState, 'CURRENT');
    assert.equal(m.entry.mirrorSource.id, sourceId);
    assert.equal(m.entry.mirrorSource.region.platform, '天府通办');
    assert.equal(await countRows('chongqing'), before + 1, 'stored in Chongqing');
    assert.ok(await stack.stores.get('chongqing')!.getEntry(m.entry.id));
  });

  it('registering the same mirror again is idempotent', async () => {
    const before = await countRows('chongqing');
    const res = await gql(stack, CQ_ADMIN, REGISTER, { s: sourceId });
    assert.equal(res.body.data.registerMirror.created, false);
    assert.equal(res.body.data.registerMirror.entry.id, `500000:mirror:${sourceId}`);
    assert.equal(await countRows('chongqing'), before);
  });

  it("is listed in Chongqing's catalogue, flagged as a mirror, and in the admin's mirror list", async () => {
    const res = await gql(
      stack,
      CQ_ADMIN,
      `{ provinceCatalogue(province: CHONGQING, filter: { kinds: [MIRROR] }, first: 10) { totalCount nodes { id kind mirrorSourceId } }
         mirrors { totalCount nodes { id mirrorSourceState } } }`,
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.data.provinceCatalogue.nodes, [{ id: `500000:mirror:${sourceId}`, kind: 'MIRROR', mirrorSourceId: sourceId }]);
    assert.equal(res.body.data.mirrors.totalCount, 1);
    // The unified directory lists each resource once, as its original: asking it for mirrors is refused.
    const dir = await gql(stack, CQ_ADMIN, `{ directory(filter: { kinds: [ORIGINAL] }, first: 1) { totalCount } }`);
    assert.equal(dir.body.errors, undefined, dir.text);
    const copies = await gql(stack, CQ_ADMIN, `{ directory(filter: { kinds: [ORIGINAL, MIRROR] }, first: 1) { totalCount } }`);
    assert.equal(copies.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    assert.equal(copies.body.errors[0].extensions.field, 'filter.kinds');
  });

  it('shows when the source changed since registration, with the new details from Sichuan', async () => {
    const upd = await gql(
      stack,
      SC_ADMIN,
      `mutation($id: ID!) { updateEntry(id: $id, expectedVersion: 1, input: { abstract: "口径调整：新增字段" }) { entry { id version } } }`,
      { id: sourceId },
    );
    assert.equal(upd.status, 200, JSON.stringify(upd.body));
    assert.equal(upd.body.data.updateEntry.entry.version, 2);
    const res = await gql(
      stack,
      CQ_ADMIN,
      `query($id: ID!) { entry(id: $id) { mirrorRegisteredSourceVersion mirrorSourceState abstract mirrorSource { version abstract } } }`,
      {
        id: `500000:mirror:${sourceId}`,
      },
    );
    const e = res.body.data.entry;
    assert.equal(e.mirrorSourceState, 'CHANGED');
    assert.equal(e.mirrorRegisteredSourceVersion, 1);
    assert.equal(e.mirrorSource.version, 2);
    assert.equal(e.mirrorSource.abstract, '口径调整：新增字段', 'source read live from Sichuan');
    assert.notEqual(e.abstract, '口径调整：新增字段', "the mirror's own snapshot is unchanged");
  });

  it('refuses a stale expectedVersion (optimistic concurrency) and changes nothing', async () => {
    const res = await gql(stack, SC_ADMIN, `mutation($id: ID!) { updateEntry(id: $id, expectedVersion: 1, input: { name: "x" }) { entry { id } } }`, {
      id: sourceId,
    });
    assert.equal(res.body.errors[0].extensions.code, 'VERSION_CONFLICT');
    assert.equal((await stack.stores.get('sichuan')!.getEntry(sourceId))!.version, 2);
  });

  it('shows when the source was withdrawn', async () => {
    await gql(stack, SC_ADMIN, `mutation($id: ID!) { updateEntry(id: $id, input: { status: WITHDRAWN }) { entry { id } } }`, { id: sourceId });
    const res = await gql(stack, CQ_ADMIN, `{ mirrors { nodes { id mirrorSourceState mirrorSource { status } } } }`);
    assert.deepEqual(res.body.data.mirrors.nodes[0].mirrorSourceState, 'WITHDRAWN');
    assert.equal(res.body.data.mirrors.nodes[0].mirrorSource.status, 'WITHDRAWN');
  });

  it('withdraws a mirror; it leaves the active list and stays readable as WITHDRAWN', async () => {
    const id = `500000:mirror:${sourceId}`;
    const res = await gql(stack, CQ_ADMIN, `mutation($id: ID!) { withdrawMirror(id: $id, expectedVersion: 1) { entry { id status version } } }`, { id });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.data.withdrawMirror.entry, { id, status: 'WITHDRAWN', version: 2 });
    const list = await gql(stack, CQ_ADMIN, `{ active: mirrors { totalCount } all: mirrors(includeWithdrawn: true) { totalCount } }`);
    assert.equal(list.body.data.active.totalCount, 0);
    assert.equal(list.body.data.all.totalCount, 1);
  });

  it('mountedIn: a source lists the provinces that mount it, in the directory and by id; a withdrawn mirror leaves it', async () => {
    // An entry of its own (not the one the other cases use), so their states do not interfere.
    const sc = stack.stores.get('sichuan')!;
    const [, other] = (await sc.slice({ hideNotShared: true, sharingTypes: ['UNCONDITIONAL'], limit: 2 })).items;
    const id = other!.id;
    const MOUNTED = 'query($id: ID!) { entry(id: $id) { id mountedIn } }';
    const app = { province: 'chongqing', client: 'app', scope: 'catalogue:read' };
    assert.deepEqual((await gql(stack, app, MOUNTED, { id })).body.data.entry.mountedIn, []);
    const reg = await gql(stack, CQ_ADMIN, REGISTER, { s: id });
    assert.equal(reg.body.errors, undefined, reg.text);
    const mirrorId = reg.body.data.registerMirror.entry.id;
    assert.deepEqual((await gql(stack, app, MOUNTED, { id })).body.data.entry.mountedIn, ['CHONGQING']);
    assert.deepEqual((await gql(stack, app, MOUNTED, { id: mirrorId })).body.data.entry.mountedIn, ['CHONGQING'], 'a mirror stands for its source');
    // In a directory page every row gets its answer (the look-ups are batched per province).
    const page = await gql(stack, app, '{ directory(filter: { provinces: [SICHUAN], sharingTypes: [UNCONDITIONAL] }, first: 50) { nodes { id mountedIn } } }');
    assert.equal(page.body.errors, undefined, page.text);
    const row = page.body.data.directory.nodes.find((n: { id: string }) => n.id === id);
    assert.deepEqual(row?.mountedIn, ['CHONGQING']);
    assert.ok(
      page.body.data.directory.nodes
        .filter((n: { id: string }) => n.id !== id && n.id !== sourceId)
        .every((n: { mountedIn: string[] }) => n.mountedIn.length === 0),
    );
    await gql(stack, CQ_ADMIN, 'mutation($id: ID!) { withdrawMirror(id: $id) { entry { id } } }', { id: mirrorId });
    assert.deepEqual((await gql(stack, app, MOUNTED, { id })).body.data.entry.mountedIn, []);
  });

  describe('refusals: clear error, nothing written', () => {
    let cqRows: number;
    let scRows: number;
    beforeEach(async () => {
      cqRows = await countRows('chongqing');
      scRows = await countRows('sichuan');
    });
    afterEach(async () => {
      assert.equal(await countRows('chongqing'), cqRows, 'nothing written in Chongqing');
      assert.equal(await countRows('sichuan'), scRows, 'nothing written in Sichuan');
    });

    it('mirroring a NOT_SHARED entry', async () => {
      const res = await gql(stack, CQ_ADMIN, REGISTER, { s: notSharedId });
      assert.equal(res.body.errors[0].extensions.code, 'MIRROR_SOURCE_UNAVAILABLE');
      assert.match(res.body.errors[0].message, /not an active entry that SICHUAN shares/);
    });

    it("mirroring an entry of one's own province", async () => {
      const res = await gql(stack, CQ_ADMIN, REGISTER, { s: ownId });
      assert.equal(res.body.errors[0].extensions.code, 'BAD_USER_INPUT');
      assert.match(res.body.errors[0].message, /own catalogue/);
    });

    it('mirroring a mirror', async () => {
      const res = await gql(stack, SC_ADMIN, REGISTER, { s: `500000:mirror:${sourceId}` });
      assert.equal(res.body.errors[0].extensions.code, 'BAD_USER_INPUT');
    });

    it("writing into the other province's catalogue", async () => {
      const res = await gql(stack, CQ_ADMIN, REGISTER, { s: ownId, p: 'SICHUAN' });
      assert.equal(res.body.errors[0].extensions.code, 'FORBIDDEN');
      assert.match(res.body.errors[0].message, /CHONGQING cannot write into SICHUAN/);
      const w = await gql(stack, SC_ADMIN, `mutation($id: ID!) { withdrawMirror(id: $id) { entry { id } } }`, { id: `500000:mirror:${sourceId}` });
      assert.equal(w.body.errors[0].extensions.code, 'FORBIDDEN');
      const u = await gql(stack, SC_ADMIN, `mutation($id: ID!) { updateEntry(id: $id, input: { name: "篡改" }) { entry { id } } }`, { id: ownId });
      assert.equal(u.body.errors[0].extensions.code, 'FORBIDDEN');
      assert.notEqual((await stack.stores.get('chongqing')!.getEntry(ownId))!.name, '篡改');
    });

    it('a caller without catalogue:admin', async () => {
      const res = await gql(stack, { province: 'chongqing', client: 'app', scope: 'catalogue:read' }, REGISTER, { s: sourceId });
      assert.equal(res.status, 403);
      assert.match(String(res.headers['www-authenticate']), /insufficient_scope/);
      assert.equal(res.body.errors[0].extensions.code, 'FORBIDDEN');
    });

    it('a malformed source id', async () => {
      const res = await gql(stack, CQ_ADMIN, REGISTER, { s: '510000:999999/000001' });
      assert.equal(res.body.errors[0].extensions.code, 'BAD_USER_INPUT');
    });
  });
});
