// The operator's page in a real browser (Chongqing's administrator certificate): readiness per
// province with its breaker and CRL, the sync lag per source from the province's sync worker, the
// audit chain's commits, and charts of request rate and refusals by reason sampled from /metrics.
import { strict as assert } from 'node:assert';
import { createSyncWorker } from '../../subgraphs/catalogue/sync/create-worker.js';
import type { SyncWorker } from '../../subgraphs/catalogue/sync/worker.js';
import { gql, startStack, type TestStack } from '../support/stack.js';
import { assertKeyboardReachesEveryControl, buildConsoleOnce, consoleUrl, type Person, person, screenshot } from './support/browser.js';

describe('console: the operator’s page (运行状态)', function () {
  this.timeout(120_000);
  let stack: TestStack;
  let worker: SyncWorker;
  let operator: Person;

  before(async () => {
    await buildConsoleOnce();
    stack = await startStack({ entries: 20 });
    worker = createSyncWorker({
      cfg: stack.cfg,
      province: stack.province('chongqing'),
      store: stack.stores.get('chongqing')!,
      gatewayUrl: `https://localhost:${stack.gateway.port}/graphql`,
    });
    worker.start();
    operator = await person(stack, 'chongqing/admin');
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed')
      await operator?.page.screenshot({ path: `/tmp/console-failed-${Date.now()}.png`, fullPage: true }).catch(() => {});
  });
  after(async () => {
    await operator?.close();
    await worker?.stop();
    await stack?.close();
  });

  it('shows readiness per province, sync lag, the audit chain and charts sampled from the gateway’s metrics', async () => {
    const { page } = operator;
    await page.goto(consoleUrl(stack, 'operator'));
    await page.getByRole('heading', { level: 1, name: '运行状态' }).waitFor();
    await page.getByTestId('readiness').filter({ hasText: '就绪' }).waitFor();
    for (const id of ['chongqing', 'sichuan']) {
      const row = page.locator(`[data-testid=provinces] tr[data-province=${id}]`);
      assert.match(await row.innerText(), /可连接\s+闭合（正常）\s+有效/);
    }
    const lag = page.getByTestId('sync-lag');
    await lag.getByText('四川省').waitFor();
    await lag
      .locator('td', { hasText: /\d+(\.\d)? 秒/ })
      .first()
      .waitFor({ timeout: 20_000 });
    assert.match(await page.getByTestId('audit').innerText(), /本次启动以来写入 \d+ 条记录，分 \d+ 批提交/);
    // The chain's head and its last signed checkpoint, from the gateway's own metrics.
    assert.match(await page.getByTestId('audit-chain').innerText(), /审计链 \S+ 共 \d+ 条记录；(最近一次签名检查点覆盖到第 \d+ 条|尚未签名检查点)/);

    // Refusals while the page samples: a request with a forged token, twice.
    for (let i = 0; i < 2; i += 1) await gql(stack, { province: 'sichuan', token: 'not-a-token' }, '{ provinces { name } }');
    const refusals = page.getByRole('figure').filter({ hasText: '拒绝（次/秒，按原因）' });
    await refusals.locator('canvas').waitFor({ timeout: 15_000 });
    assert.match(await refusals.innerText(), /token_/);
    const requests = page.getByRole('figure').filter({ hasText: '请求速率（次/秒）' });
    assert.equal(await requests.locator('canvas').count(), 1);
    await page.waitForTimeout(2500);
    await screenshot(page, 'operator');
    await assertKeyboardReachesEveryControl(page);
    operator.assertClean();
  });

  it('a province down shows as unreachable; the gateway stays ready', async () => {
    const { page } = operator;
    await stack.stopSubgraph('sichuan');
    try {
      const row = page.locator('[data-testid=provinces] tr[data-province=sichuan]');
      await row.locator('td', { hasText: '不可连接' }).waitFor({ timeout: 15_000 });
      await page.getByTestId('readiness').filter({ hasText: '就绪' }).waitFor();
    } finally {
      await stack.restartSubgraph('sichuan');
    }
    operator.assertClean();
  });
});
