// Journey 1: an inter-provincial app searches both provinces' catalogues, pages through
// the merged result, and opens an entry whose details come live from its home province.
import { strict as assert } from 'node:assert';
import { gql, startStack, type TestStack } from '../support/stack.js';

const DIRECTORY = `query($search: String, $filter: DirectoryFilter, $first: Int, $after: String) {
  directory(search: $search, filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    facets { provinces { province count available } sharingTypes { sharingType count } }
    edges { cursor node { id name sharingType updateCycle region { divisionCode name platform } provider { creditCode } } }
  }
}`;

interface Node {
  id: string;
  name: string;
  sharingType: string;
  updateCycle: string;
  region: { divisionCode: string; name: string; platform: string };
  provider: { creditCode: string };
}

describe('journey: unified directory across Chongqing and Sichuan', function () {
  let stack: TestStack;
  const app = { province: 'sichuan' };

  before(async () => {
    stack = await startStack();
  });
  after(async () => {
    await stack?.close();
  });

  it('searches 营业执照 across both provinces, unconditional and daily only, with facets', async () => {
    const res = await gql(stack, app, DIRECTORY, {
      search: '营业执照',
      filter: { sharingTypes: ['UNCONDITIONAL'], updateCycles: ['DAILY'] },
      first: 50,
    });
    assert.equal(res.status, 200);
    assert.equal(res.body.errors, undefined);
    const d = res.body.data.directory;
    assert.ok(d.totalCount > 0);
    const perProvince = Object.fromEntries(d.facets.provinces.map((f: { province: string; count: number }) => [f.province, f.count]));
    assert.ok(perProvince.CHONGQING > 0 && perProvince.SICHUAN > 0, 'both provinces contribute');
    assert.equal(perProvince.CHONGQING + perProvince.SICHUAN, d.totalCount);
    assert.deepEqual(
      d.facets.sharingTypes.filter((f: { count: number }) => f.count > 0).map((f: { sharingType: string }) => f.sharingType),
      ['UNCONDITIONAL'],
    );
    for (const e of d.edges as { node: Node }[]) {
      assert.match(e.node.name, /营业执照/);
      assert.equal(e.node.sharingType, 'UNCONDITIONAL');
      assert.equal(e.node.updateCycle, 'DAILY');
      assert.equal(e.node.id.slice(0, 6), e.node.region.divisionCode, 'fields come from the owning province');
    }
  });

  it('pages through the merged result: every entry exactly once, in one stable order', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    let total = -1;
    let pages = 0;
    for (;;) {
      const res = await gql(stack, app, DIRECTORY, { search: '营业执照', first: 37, after });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const d = res.body.data.directory;
      if (total < 0) total = d.totalCount;
      assert.equal(d.totalCount, total, 'total is stable while paging');
      seen.push(...d.edges.map((e: { node: Node }) => e.node.id));
      pages++;
      if (!d.pageInfo.hasNextPage) break;
      after = d.pageInfo.endCursor;
      assert.ok(pages < 100);
    }
    assert.equal(seen.length, total);
    assert.equal(new Set(seen).size, total, 'no entry twice');
    const provinces = new Set(seen.map((id) => id.slice(0, 6)));
    assert.deepEqual([...provinces].sort(), ['500000', '510000']);
  });

  it('opens an entry by its global id, fetched from the owning province', async () => {
    const list = await gql(stack, app, DIRECTORY, { filter: { provinces: ['CHONGQING'] }, first: 1 });
    const id = list.body.data.directory.edges[0].node.id;
    const res = await gql(
      stack,
      app,
      `query($id: ID!) { entry(id: $id) { id resourceCode name kind status version abstract region { name platform platformRomanized }
         classification { code category categoryName item catalog } provider { name creditCode divisionCode }
         dataItems { name dataType } sharingType sharingCondition sharingMethod openType format publishDate } }`,
      { id },
    );
    assert.equal(res.status, 200);
    const e = res.body.data.entry;
    assert.equal(e.id, id);
    assert.equal(e.region.platform, '渝快办');
    assert.equal(e.region.platformRomanized, 'Yukuaiban');
    assert.equal(e.kind, 'ORIGINAL');
    assert.ok(e.dataItems.length > 0);
    assert.equal(e.provider.creditCode.length, 18);
    const stored = await stack.stores.get('chongqing')!.getEntry(id);
    assert.equal(e.name, stored!.name);
  });

  it('browses one province, and filters by provider code and classification', async () => {
    const res = await gql(
      stack,
      app,
      `{ provinceCatalogue(province: SICHUAN, first: 5) { totalCount edges { node { id provider { creditCode } classification { code } } } } }`,
    );
    assert.equal(res.status, 200);
    const c = res.body.data.provinceCatalogue;
    assert.ok(c.totalCount > 1000);
    for (const e of c.edges) assert.ok(e.node.id.startsWith('510000:'));
    const provider = c.edges[0].node.provider.creditCode;
    const cls = c.edges[0].node.classification.code.slice(0, 3);
    const filtered = await gql(stack, app, DIRECTORY, { filter: { providerCode: provider, classification: cls }, first: 100 });
    assert.equal(filtered.status, 200);
    assert.ok(filtered.body.data.directory.totalCount >= 1);
    for (const e of filtered.body.data.directory.edges as { node: Node }[]) assert.equal(e.node.provider.creditCode, provider);
  });

  it("hides another province's NOT_SHARED entries, shows one's own", async () => {
    const mine = await gql(stack, { province: 'chongqing' }, DIRECTORY, { filter: { provinces: ['CHONGQING'], sharingTypes: ['NOT_SHARED'] }, first: 1 });
    assert.ok(mine.body.data.directory.totalCount > 0, 'Chongqing sees its own NOT_SHARED entries');
    const hidden = mine.body.data.directory.edges[0].node.id;
    const theirs = await gql(stack, { province: 'sichuan' }, DIRECTORY, { filter: { provinces: ['CHONGQING'], sharingTypes: ['NOT_SHARED'] }, first: 1 });
    assert.equal(theirs.body.data.directory.totalCount, 0);
    const direct = await gql(stack, { province: 'sichuan' }, `query($id: ID!) { entry(id: $id) { id name } }`, { id: hidden });
    assert.equal(direct.body.data.entry, null);
  });

  it('lists the federated provinces', async () => {
    const res = await gql(stack, app, `{ provinces { province divisionCode name platform platformRomanized } }`);
    assert.deepEqual(
      res.body.data.provinces.map((p: { province: string; platform: string }) => [p.province, p.platform]),
      [
        ['CHONGQING', '渝快办'],
        ['SICHUAN', '天府通办'],
      ],
    );
  });

  describe('bad input gets BAD_USER_INPUT and changes nothing', () => {
    const expectBadInput = async (query: string, variables: Record<string, unknown>, pattern: RegExp) => {
      const res = await gql(stack, app, query, variables);
      const err = res.body.errors?.[0];
      assert.ok(err, `expected an error, got ${JSON.stringify(res.body)}`);
      assert.match(err.message, pattern);
      assert.ok(['BAD_USER_INPUT', 'GRAPHQL_VALIDATION_FAILED'].includes(err.extensions.code), err.extensions.code);
      assert.doesNotMatch(JSON.stringify(res.body), /at .*\.ts:\d+|\/work\/|node_modules/);
    };
    const ENTRY = `query($id: ID!) { entry(id: $id) { id } }`;

    it('a malformed entry id', () => expectBadInput(ENTRY, { id: '500000:30100X/000001' }, /id:/));
    it('an id of a province that is not federated', () => expectBadInput(ENTRY, { id: '440000:301001/000001' }, /no federated province/));
    it('an over-long id', () => expectBadInput(ENTRY, { id: '5'.repeat(5000) }, /id:/));
    it('a tampered cursor', async () => {
      const first = await gql(stack, app, DIRECTORY, { search: '营业执照', first: 2 });
      const cursor: string = first.body.data.directory.pageInfo.endCursor;
      const [body, mac] = cursor.split('.');
      const decoded = JSON.parse(Buffer.from(body!, 'base64url').toString());
      decoded.i = '500000:101001/000001';
      const forged = `${Buffer.from(JSON.stringify(decoded)).toString('base64url')}.${mac}`;
      await expectBadInput(DIRECTORY, { search: '营业执照', first: 2, after: forged }, /cursor was altered/);
      await expectBadInput(DIRECTORY, { search: '营业执照', first: 2, after: 'garbage' }, /cursor is malformed/);
    });
    it('a cursor reused with another search', async () => {
      const first = await gql(stack, app, DIRECTORY, { search: '营业执照', first: 2 });
      await expectBadInput(DIRECTORY, { search: '不动产', first: 2, after: first.body.data.directory.pageInfo.endCursor }, /different search/);
    });
    it('first out of range', async () => {
      await expectBadInput(DIRECTORY, { first: 0 }, /first must be between 1 and 100/);
      await expectBadInput(DIRECTORY, { first: 101 }, /first must be between/);
      await expectBadInput(DIRECTORY, { first: -5 }, /first must be between/);
    });
    it('an over-long search string', () => expectBadInput(DIRECTORY, { search: '营'.repeat(101), first: 5 }, /longer than 100/));
    it('a NUL byte in the search', () => expectBadInput(DIRECTORY, { search: '营业\u0000执照', first: 5 }, /control characters/));
    it('a provider code with a wrong check character', () =>
      expectBadInput(DIRECTORY, { filter: { providerCode: '91350100M000100Y44' }, first: 5 }, /providerCode/));
    it('an invalid classification prefix', () => expectBadInput(DIRECTORY, { filter: { classification: '4' }, first: 5 }, /classification/));
    it('an unknown province enum value', () => expectBadInput(DIRECTORY, { filter: { provinces: ['GUANGDONG'] }, first: 5 }, /GUANGDONG/));
    it('an unknown sharing type', () => expectBadInput(DIRECTORY, { filter: { sharingTypes: ['SOMETIMES'] }, first: 5 }, /SOMETIMES/));
  });
});
