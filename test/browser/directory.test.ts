// Journey in a real browser: an inter-provincial app user (Chongqing's app certificate) searches
// the federated directory, narrows it by province and sharing type with the facet checkboxes, pages
// through every result by cursor and back, and opens entries: one read live from Sichuan, and a
// Chongqing mirror of it, marked as such, with its source read live from Sichuan.
import { strict as assert } from 'node:assert';
import { gql, startStack, type TestStack } from '../support/stack.js';
import { assertKeyboardReachesEveryControl, buildConsoleOnce, consoleUrl, type Person, person, screenshot } from './support/browser.js';

const TOTAL = `query($s: String, $f: DirectoryFilter) { directory(search: $s, filter: $f, first: 1) { totalCount } }`;

describe('console: an app user pages through a search (目录检索)', function () {
  this.timeout(120_000);
  let stack: TestStack;
  let user: Person;
  let source: { id: string; name: string };

  before(async () => {
    await buildConsoleOnce();
    stack = await startStack({ entries: 60 });
    // A Sichuan entry mounted into Chongqing, so the directory has a mirror to mark.
    const first = await gql(
      stack,
      { province: 'chongqing' },
      `{ directory(search: "信息", filter: { provinces: [SICHUAN], sharingTypes: [UNCONDITIONAL] }, first: 1) { nodes { id name } } }`,
    );
    source = first.body.data.directory.nodes[0];
    const reg = await gql(
      stack,
      { province: 'chongqing', client: 'admin', scope: 'catalogue:read catalogue:admin' },
      `mutation($id: ID!) { registerMirror(sourceId: $id) { created } }`,
      {
        id: source.id,
      },
    );
    assert.equal(reg.body.data?.registerMirror.created, true, JSON.stringify(reg.body.errors));
    user = await person(stack, 'chongqing/app');
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await user?.page.screenshot({ path: `/tmp/console-failed-${Date.now()}.png`, fullPage: true }).catch(() => {});
  });
  after(async () => {
    await user?.close();
    await stack?.close();
  });

  const total = async (s: string, f: Record<string, unknown> = {}) =>
    (await gql(stack, { province: 'chongqing' }, TOTAL, { s, f })).body.data.directory.totalCount as number;
  const rowIds = () => user.page.locator('[data-testid=results] tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-id')!));
  const totalShown = async () => Number((await user.page.getByTestId('total').innerText()).replace(/\D/g, ''));

  it('searches every province, with counts per province and sharing type', async () => {
    const { page } = user;
    await page.goto(consoleUrl(stack));
    await page.waitForURL(/\/console\/directory$/);
    assert.match(await page.getByTestId('who').innerText(), /重庆市 · 渝快办 · 跨省应用/);
    await page.getByLabel('检索词').fill('信息');
    await page.getByRole('button', { name: '检索', exact: true }).click();
    await page
      .getByTestId('total')
      .filter({ hasText: `共 ${await total('信息')} 条` })
      .waitFor();
    const facets = page.getByRole('group', { name: '省份' });
    assert.match(await facets.innerText(), /重庆市\s*\d+/);
    assert.match(await facets.innerText(), /四川省\s*\d+/);
    assert.equal((await rowIds()).length, 10);
    await assertKeyboardReachesEveryControl(page);
    user.assertClean();
  });

  it('narrows by the facet checkboxes; a facet keeps the counts of its other boxes', async () => {
    const { page } = user;
    const provinces = page.getByRole('group', { name: '省份' });
    await provinces.getByLabel(/四川省/).check();
    const expected = await total('信息', { provinces: ['SICHUAN'] });
    await page
      .getByTestId('total')
      .filter({ hasText: `共 ${expected} 条` })
      .waitFor();
    // Chongqing can still be added: its box and count stay.
    await provinces.getByLabel(/重庆市/).waitFor();
    assert.match(await provinces.innerText(), new RegExp(`四川省\\s*${expected}`));
    await page
      .getByRole('group', { name: '共享类型' })
      .getByLabel(/无条件共享/)
      .check();
    await page
      .getByTestId('total')
      .filter({ hasText: `共 ${await total('信息', { provinces: ['SICHUAN'], sharingTypes: ['UNCONDITIONAL'] })} 条` })
      .waitFor();
    user.assertClean();
  });

  it('pages through every result once by cursor, and back to exactly the page seen', async () => {
    const { page } = user;
    const n = await totalShown();
    const pages = Math.ceil(n / 10);
    const seen: string[][] = [await rowIds()];
    assert.equal(await page.getByTestId('page').innerText(), `第 1 页，共 ${pages} 页`);
    await screenshot(page, 'directory');
    // The rows of the page asked for, not those still on screen: wait on the first row's id.
    const firstRow = (test: 'is' | 'isNot', id: string) =>
      page.waitForFunction(([want, same]) => (document.querySelector('[data-testid=results] tbody tr')?.getAttribute('data-id') === want) === same, [
        id,
        test === 'is',
      ] as const);
    for (let i = 2; i <= pages; i += 1) {
      await page.getByRole('button', { name: '下一页' }).click();
      await page
        .getByTestId('page')
        .filter({ hasText: `第 ${i} 页` })
        .waitFor();
      await firstRow('isNot', seen.at(-1)![0]!);
      await page.locator('[aria-busy=false].results').waitFor();
      seen.push(await rowIds());
    }
    const all = seen.flat();
    assert.equal(all.length, n, 'every result once');
    assert.equal(new Set(all).size, n, 'no result twice');
    assert.ok(
      all.every((id) => id.startsWith('510000:')),
      'only Sichuan, as filtered',
    );
    assert.equal(await page.getByRole('button', { name: '下一页' }).isDisabled(), true);
    await page.getByRole('button', { name: '上一页' }).click();
    await page
      .getByTestId('page')
      .filter({ hasText: `第 ${pages - 1} 页` })
      .waitFor();
    await firstRow('is', seen[pages - 2]![0]!);
    await page.locator('[aria-busy=false].results').waitFor();
    assert.deepEqual(await rowIds(), seen[pages - 2]);
    user.assertClean();
  });

  it('opens an entry read live from its province, marked as mounted in Chongqing', async () => {
    const { page } = user;
    await page.getByLabel('检索词').fill(source.name);
    await page.getByRole('button', { name: '检索', exact: true }).click();
    const row = page.locator(`tr[data-id="${source.id}"]`);
    await row.waitFor();
    assert.match(await row.innerText(), /已挂接于重庆市/);
    await row.getByRole('link', { name: source.name }).click();
    const panel = page.getByTestId('entry-panel');
    await panel.getByRole('heading', { name: source.name }).waitFor();
    assert.match(await panel.innerText(), /实时读取自四川省（天府通办）/);
    assert.match(await panel.innerText(), new RegExp(source.id.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')));
    assert.match(page.url(), /\?entry=/);
    user.assertClean();
  });

  it('marks mirrors in a province’s catalogue and shows a mirror’s source, read live', async () => {
    const { page } = user;
    await page.getByRole('button', { name: '关闭详情' }).click();
    await page.getByLabel('范围').selectOption('CHONGQING');
    const mirrorId = `500000:mirror:${source.id}`;
    const row = page.locator(`tr[data-id="${mirrorId}"]`);
    await row.waitFor();
    assert.match(await row.innerText(), /互挂 · 互挂自四川省/);
    await row.getByRole('link', { name: source.name }).click();
    const live = page.getByTestId('live-source');
    await live.waitFor();
    assert.match(await live.innerText(), /与来源的比较: 与来源一致/);
    assert.match(await live.innerText(), /四川省 · 天府通办/);
    assert.match(await page.getByTestId('entry-panel').innerText(), /实时读取自重庆市（渝快办）/);
    await screenshot(page, 'directory-mirror');
    await assertKeyboardReachesEveryControl(page);
    user.assertClean();
  });

  it('in English too', async () => {
    const { page } = user;
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('heading', { level: 1, name: 'Directory' }).waitFor();
    assert.match(await page.getByTestId('live-source').innerText(), /Against its source: same as its source/);
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
    await page.getByRole('button', { name: '中文' }).click();
    await page.getByRole('heading', { level: 1, name: '目录检索' }).waitFor();
    user.assertClean();
  });
});
