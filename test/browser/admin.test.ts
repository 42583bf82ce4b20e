// Journey in a real browser: Chongqing's catalogue administrator mounts Sichuan's shared catalogue
// (目录互挂) and watches the job to the end; Sichuan's administrator changes a mounted entry, and
// Chongqing's sync worker (running in-process, as npm start runs it; Chongqing reviews source
// changes) marks the mirror CHANGED; the administrator accepts the change and withdraws a mirror,
// and sees mirrors whose source province is down as UNAVAILABLE.
import { strict as assert } from 'node:assert';
import { createSyncWorker } from '../../subgraphs/catalogue/sync/create-worker.js';
import type { SyncWorker } from '../../subgraphs/catalogue/sync/worker.js';
import { gql, startStack, type TestStack, until } from '../support/stack.js';
import { assertKeyboardReachesEveryControl, buildConsoleOnce, consoleUrl, type Person, person, screenshot } from './support/browser.js';

const CQ_ADMIN = { province: 'chongqing', client: 'admin', scope: 'catalogue:read catalogue:admin' };
const SC_ADMIN = { province: 'sichuan', client: 'admin', scope: 'catalogue:read catalogue:admin' };

describe('console: an administrator mounts the Sichuan catalogue and accepts a change (目录互挂)', function () {
  this.timeout(120_000);
  let stack: TestStack;
  let worker: SyncWorker;
  let admin: Person;
  let shared: string[];

  before(async () => {
    await buildConsoleOnce();
    stack = await startStack({ entries: 60 });
    worker = createSyncWorker({
      cfg: stack.cfg,
      province: stack.province('chongqing'),
      store: stack.stores.get('chongqing')!,
      gatewayUrl: `https://localhost:${stack.gateway.port}/graphql`,
    });
    worker.start();
    // What a job without an approval reference mounts: the shared 一般数据 (domain/grading.ts).
    const slice = await stack.stores
      .get('sichuan')!
      .slice({ hideNotShared: true, sharingTypes: ['UNCONDITIONAL', 'CONDITIONAL'], grades: ['GENERAL'], kinds: ['ORIGINAL'], limit: 1000 });
    shared = slice.items.map((i) => i.id);
    admin = await person(stack, 'chongqing/admin');
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await admin?.page.screenshot({ path: `/tmp/console-failed-${Date.now()}.png`, fullPage: true }).catch(() => {});
  });
  after(async () => {
    await admin?.close();
    await worker?.stop();
    await stack?.close();
  });

  const tab = (state: string) => admin.page.locator(`.state-tabs button[data-state=${state}]`);

  it('mounts Sichuan’s shared catalogue as one job and shows its progress to the end', async () => {
    const { page } = admin;
    await page.goto(consoleUrl(stack));
    await page.waitForURL(/\/console\/admin$/);
    assert.match(await page.getByTestId('who').innerText(), /重庆市 · 渝快办 · 目录管理员/);
    await page.getByText('还没有挂接任务。').waitFor();
    assert.equal(await page.getByLabel('来源省份').inputValue(), 'SICHUAN');
    assert.equal(await page.getByLabel('无条件共享').isChecked(), true);
    assert.equal(await page.getByLabel('有条件共享').isChecked(), true);
    await page.getByRole('button', { name: '开始挂接' }).click();
    await page.getByText(/已创建挂接任务 500000\.mount\./).waitFor();
    const job = page.locator('[data-testid=jobs] tbody tr').first();
    // The mutation's answer first (the job queued for Chongqing's sync worker), then each poll's.
    assert.equal(await job.getByTestId('job-state').innerText(), '排队中');
    await job.and(page.locator('[data-state=DONE]')).waitFor({ timeout: 30_000 });
    assert.match(await job.getByTestId('job-state').innerText(), /已完成/);
    assert.equal(await job.getByTestId('job-counts').innerText(), `已挂接 ${shared.length} · 已存在 0 · 失败 0 / 共 ${shared.length}`);
    assert.equal(await job.locator('progress').getAttribute('value'), String(shared.length));
    // The job's end reads the mirrors again: every one is CURRENT.
    await tab('CURRENT')
      .filter({ hasText: String(shared.length) })
      .waitFor();
    await page.getByText(`显示 20 条，共 ${shared.length} 条`).waitFor();
    await screenshot(page, 'admin');
    await assertKeyboardReachesEveryControl(page);
    admin.assertClean();
  });

  let changed: string;

  it('a source changed in Sichuan waits for review as CHANGED, and is accepted', async () => {
    const { page } = admin;
    changed = shared[0]!;
    const before = await gql(stack, SC_ADMIN, `query($id: ID!) { entry(id: $id) { name version } }`, { id: changed });
    const newName = `${before.body.data.entry.name}（2026年修订）`;
    const upd = await gql(stack, SC_ADMIN, `mutation($id: ID!, $name: String) { updateEntry(id: $id, input: { name: $name }) { entry { version } } }`, {
      id: changed,
      name: newName,
    });
    const version = upd.body.data.updateEntry.entry.version as number;
    // Chongqing's worker reads Sichuan's feed and marks the mirror for review.
    await until(
      'the mirror to be CHANGED',
      async () => {
        const m = await gql(stack, CQ_ADMIN, `{ mirrors(states: [CHANGED]) { totalCount } }`);
        return m.body.data.mirrors.totalCount === 1 ? true : undefined;
      },
      20_000,
    );
    await tab('CHANGED').click();
    await tab('CHANGED').filter({ hasText: '1' }).waitFor();
    const row = page.locator(`[data-testid=mirrors-CHANGED] tr[data-id="500000:mirror:${changed}"]`);
    await row.waitFor();
    assert.match(await row.innerText(), new RegExp(`待接受的来源版本 v${version}`));
    assert.match(await row.innerText(), /来源已更新/);
    assert.ok((await row.innerText()).includes(newName), 'the source as it is now, read live');
    await screenshot(page, 'admin-changed');
    await row.getByRole('button', { name: '接受变更' }).click();
    await page.getByText(`已接受：${before.body.data.entry.name} 已更新到来源版本 v${version}。`).waitFor();
    await page.locator('[data-testid=mirrors-CHANGED]').getByText('没有处于此状态的互挂目录。').waitFor();
    const m = await gql(stack, CQ_ADMIN, `query($id: ID!) { entry(id: $id) { name mirrorState mirrorRegisteredSourceVersion } }`, {
      id: `500000:mirror:${changed}`,
    });
    assert.deepEqual(m.body.data.entry, { name: newName, mirrorState: 'CURRENT', mirrorRegisteredSourceVersion: version });
    admin.assertClean();
  });

  it('withdraws a mirror after confirming', async () => {
    const { page } = admin;
    await tab('CURRENT').click();
    const id = `500000:mirror:${shared[1]}`;
    const row = page.locator(`[data-testid=mirrors-CURRENT] tr[data-id="${id}"]`);
    await row.waitFor();
    await row.getByRole('button', { name: '撤销互挂' }).click();
    await row.getByRole('button', { name: '确认撤销' }).click();
    await page.getByText(/^已撤销互挂：/).waitFor();
    const m = await gql(stack, CQ_ADMIN, `query($id: ID!) { entry(id: $id) { status } }`, { id });
    assert.equal(m.body.data.entry.status, 'WITHDRAWN');
    admin.assertClean();
  });

  it('lists mirrors whose source province cannot be reached as UNAVAILABLE', async () => {
    const { page } = admin;
    await stack.stopSubgraph('sichuan');
    try {
      await tab('UNAVAILABLE').click();
      const list = page.getByTestId('mirrors-UNAVAILABLE');
      await list.locator('tbody tr').first().waitFor();
      assert.match(await list.innerText(), /来源省份暂不可达/);
      assert.match(await list.innerText(), /四川省暂时无法连接，结果不完整/);
    } finally {
      await stack.restartSubgraph('sichuan');
    }
    admin.assertClean();
  });
});
