// Journey in a real browser: Chongqing's catalogue administrator opens 目录质量 from the navigation
// and reads the data-quality report of Chongqing's catalogue (catalogueQuality) over the real stack
// at demo size: it lists exactly the defects the demo seeds (domain/demo/quality-defects.ts), each
// entry linked to the directory's view of it; it is checked again on request; a province that cannot
// be reached is said plainly. A session without catalogue:admin (the app user) has no navigation
// entry, and opening the page's URL gets the gateway's refusal.
import { strict as assert } from 'node:assert';
import type { Page } from 'playwright-core';
import { type SeededDefect, seededQualityDefects } from '../../domain/demo/quality-defects.js';
import { startStack, type TestStack } from '../support/stack.js';
import { assertKeyboardReachesEveryControl, buildConsoleOnce, consoleUrl, type Person, person, screenshot } from './support/browser.js';

/** The rows of a section as `<issue> <ids…>`, sorted. */
async function rowsOf(page: Page, part: 'duplicates' | 'completeness' | 'timeliness'): Promise<string[]> {
  const rows = page.locator(`[data-testid=quality-${part}] tbody tr`);
  const keys = await rows.evaluateAll((trs) => trs.map((tr) => `${tr.getAttribute('data-issue')} ${tr.getAttribute('data-ids')}`));
  return keys.sort();
}

const keyOf = (d: SeededDefect) => `${d.issue} ${d.ids.join(' ')}`;
const REPORT_OP = /"operationName":"CatalogueQuality"/;

describe('console: an administrator reads the data-quality report (目录质量)', function () {
  this.timeout(180_000);
  let stack: TestStack;
  let admin: Person;
  let seeded: SeededDefect[];
  /** How many catalogueQuality requests the administrator's page sent. */
  let reportRequests = 0;

  before(async () => {
    await buildConsoleOnce();
    // Demo size (each province's demo.entries), as npm start seeds it: the defects are placed there.
    stack = await startStack();
    seeded = seededQualityDefects('chongqing');
    admin = await person(stack, 'chongqing/admin');
    // The report answers in well under a second at demo size; held back a little here, so that the
    // page's working state is seen for certain.
    await admin.page.route('**/graphql', async (route) => {
      if (REPORT_OP.test(route.request().postData() ?? '')) {
        reportRequests += 1;
        await new Promise((r) => setTimeout(r, 400));
      }
      await route.fallback();
    });
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await admin?.page.screenshot({ path: `/tmp/console-failed-${Date.now()}.png`, fullPage: true }).catch(() => {});
  });
  after(async () => {
    await admin?.close();
    await stack?.close();
  });

  it('opens from the navigation, says it is checking, then lists exactly the seeded defects per section', async () => {
    const { page } = admin;
    await page.goto(consoleUrl(stack));
    await page.waitForURL(/\/console\/admin$/);
    const started = Date.now();
    await page.getByRole('navigation').getByRole('link', { name: '目录质量' }).click();
    await page.getByRole('heading', { level: 1, name: '目录质量' }).waitFor();
    const checking = page.getByTestId('quality-checking');
    await checking.waitFor();
    assert.equal(await checking.innerText(), '正在检查…');
    assert.equal(await checking.getAttribute('aria-busy'), 'true');
    await checking.waitFor({ state: 'hidden', timeout: 60_000 });
    await page.getByTestId('quality-report').waitFor();
    process.stdout.write(`      (目录质量 shown at demo size: ${Date.now() - started} ms, 400 ms of it held back by the test)\n`);
    assert.equal(await page.getByTestId('quality-report').getAttribute('aria-busy'), 'false');
    assert.match(await page.getByTestId('as-of').innerText(), /^检查时间：\d{4}年/);
    assert.match(await page.getByTestId('entries-checked').innerText(), /^已检查本省 [\d,]+ 条有效目录/);
    assert.equal(await page.getByTestId('compared-with').innerText(), '跨省重复编目已与四川省共享的目录比较。');

    for (const part of ['duplicates', 'completeness', 'timeliness'] as const) {
      const kind = part === 'duplicates' ? 'duplicate' : part;
      const want = seeded
        .filter((d) => d.kind === kind)
        .map(keyOf)
        .sort();
      assert.ok(want.length > 0, `the demo seeds ${part} defects`);
      assert.deepEqual(await rowsOf(page, part), want, part);
      const unit = part === 'duplicates' ? '组' : '条';
      assert.match(await page.getByTestId(`quality-${part}`).getByTestId('section-count').innerText(), new RegExp(`^${want.length} ${unit}`));
    }
    // The bars: one per kind, its count the seeded number (MIRROR_NOT_REVIEWED: the demo has no mirrors).
    const bars = page.getByTestId('quality-bars');
    for (const kind of [
      'WITHIN_PROVINCE',
      'CROSS_PROVINCE',
      'MISSING_ABSTRACT',
      'NO_DATA_ITEMS',
      'CONDITION_MISSING',
      'PROVIDER_CODE_INVALID',
      'STALE',
      'MIRROR_NOT_REVIEWED',
    ]) {
      const n = seeded.filter((d) => d.issue === kind).length;
      assert.equal(await bars.locator(`tr[data-kind=${kind}]`).getByTestId('bar-count').innerText(), String(n), kind);
    }
    // Labels from domain/quality/report.ts and UPDATE_CYCLE_LABELS.
    assert.match(await bars.innerText(), /省内重复编目[\s\S]*跨省重复编目[\s\S]*摘要缺失[\s\S]*未按更新周期更新/);
    const stale = page.locator('[data-testid=quality-timeliness] tbody tr').first();
    assert.match(await stale.innerText(), /未按更新周期更新[\s\S]*(实时|每日|每周|每月|每季度|每年)[\s\S]*逾期 \d+ 天/);
    // A cross-province group names the other province's entry with its province.
    const cross = page.locator('[data-testid=quality-duplicates] tr[data-issue=CROSS_PROVINCE]').first();
    assert.match(await cross.innerText(), /跨省重复编目[\s\S]*500000:[\s\S]*510000:[\s\S]*四川省/);
    await assertKeyboardReachesEveryControl(page);
    await screenshot(page, 'quality');
    admin.assertClean();
  });

  it('filters by issue kind', async () => {
    const { page } = admin;
    await page.getByLabel('按问题类型筛选').selectOption('STALE');
    assert.equal(await page.getByTestId('quality-duplicates').count(), 0);
    assert.equal(await page.getByTestId('quality-completeness').count(), 0);
    const want = seeded
      .filter((d) => d.issue === 'STALE')
      .map(keyOf)
      .sort();
    assert.deepEqual(await rowsOf(page, 'timeliness'), want);
    await page.getByLabel('按问题类型筛选').selectOption('');
    await page.getByTestId('quality-completeness').waitFor();
    admin.assertClean();
  });

  it('an entry’s link opens the directory’s view of it', async () => {
    const { page } = admin;
    const finding = seeded.find((d) => d.kind === 'completeness')!;
    const id = finding.ids[0];
    const link = page.locator(`[data-testid=quality-completeness] a[data-entry="${id}"]`);
    const name = await link.innerText();
    await link.click();
    await page.waitForURL((u) => u.pathname === '/console/directory' && u.searchParams.get('entry') === id);
    const panel = page.getByTestId('entry-panel');
    await panel.getByRole('heading', { name }).waitFor();
    assert.ok((await panel.innerText()).includes(id));
    // Back: the page checks again.
    const before = reportRequests;
    await page.goBack();
    await page.getByTestId('quality-report').waitFor();
    await page.getByTestId('quality-checking').waitFor({ state: 'hidden', timeout: 60_000 });
    assert.equal(reportRequests, before + 1);
    admin.assertClean();
  });

  it('重新检查 runs the report again, showing that it is working meanwhile', async () => {
    const { page } = admin;
    const before = reportRequests;
    const answer = page.waitForResponse((r) => r.url().endsWith('/graphql') && REPORT_OP.test(r.request().postData() ?? ''));
    await page.getByRole('button', { name: '重新检查' }).click();
    await page.getByTestId('quality-checking').waitFor();
    assert.equal(await page.getByTestId('quality-report').getAttribute('aria-busy'), 'true');
    assert.equal(await page.getByRole('button', { name: '重新检查' }).isDisabled(), true);
    const body = (await (await answer).json()) as { data: { catalogueQuality: { asOf: string } } };
    await page.getByTestId('quality-checking').waitFor({ state: 'hidden', timeout: 60_000 });
    assert.equal(reportRequests, before + 1);
    const shown = await page.getByTestId('as-of').innerText();
    const asOf = new Intl.DateTimeFormat('zh-CN', { dateStyle: 'medium', timeStyle: 'medium', timeZone: 'Asia/Shanghai' }).format(
      new Date(body.data.catalogueQuality.asOf),
    );
    assert.equal(shown, `检查时间：${asOf}`);
    assert.deepEqual(
      await rowsOf(page, 'completeness'),
      seeded
        .filter((d) => d.kind === 'completeness')
        .map(keyOf)
        .sort(),
    );
    admin.assertClean();
  });

  it('Sichuan unreachable: the report is made without it, and says so', async () => {
    const { page } = admin;
    await stack.stopSubgraph('sichuan');
    try {
      await page.getByRole('button', { name: '重新检查' }).click();
      await page.getByText('四川省暂时无法连接，未与其比较跨省重复编目。').waitFor({ timeout: 60_000 });
      assert.equal(await page.getByTestId('compared-with').innerText(), '没有与外省目录比较跨省重复编目。');
      assert.equal(await page.locator('[data-testid=quality-duplicates] tr[data-issue=CROSS_PROVINCE]').count(), 0);
    } finally {
      await stack.restartSubgraph('sichuan');
    }
    admin.assertClean();
  });

  it('Chongqing itself unreachable: no report, the error said plainly', async () => {
    const { page } = admin;
    await stack.stopSubgraph('chongqing');
    try {
      await page.getByRole('button', { name: '重新检查' }).click();
      const notice = page.locator('.notice-error');
      await notice.waitFor({ timeout: 60_000 });
      assert.match(await notice.innerText(), /请求被拒绝（PROVINCE_UNAVAILABLE）。 CHONGQING \(渝快办 Yukuaiban\) is unavailable/);
      assert.equal(await page.getByTestId('quality-report').count(), 0);
    } finally {
      await stack.restartSubgraph('chongqing');
    }
    await page.getByRole('button', { name: '重新检查' }).click();
    await page.getByTestId('quality-report').waitFor({ timeout: 60_000 });
    admin.assertClean();
  });

  it('in English too', async () => {
    const { page } = admin;
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('heading', { level: 1, name: 'Data quality' }).waitFor();
    assert.match(await page.getByTestId('quality-bars').innerText(), /duplicate within the province[\s\S]*abstract missing/);
    await page.getByRole('button', { name: '中文' }).click();
    await page.getByRole('heading', { level: 1, name: '目录质量' }).waitFor();
    admin.assertClean();
  });

  it('a session without catalogue:admin: no navigation entry, and the page’s URL gets the gateway’s refusal', async () => {
    const user = await person(stack, 'chongqing/app');
    try {
      const { page } = user;
      await page.goto(consoleUrl(stack));
      await page.waitForURL(/\/console\/directory$/);
      const nav = page.getByRole('navigation');
      await nav.getByRole('link', { name: '目录检索' }).waitFor();
      assert.equal(await nav.getByRole('link', { name: '目录质量' }).count(), 0);
      await page.goto(consoleUrl(stack, 'quality'));
      await page.waitForURL(/\/console\/quality$/);
      const notice = page.locator('.notice-error');
      await notice.waitFor({ timeout: 30_000 });
      assert.match(await notice.innerText(), /^请求被拒绝（FORBIDDEN）。/);
      assert.equal(await page.getByTestId('quality-report').count(), 0);
      assert.equal(await page.getByTestId('quality-checking').count(), 0);
      // Chromium logs the 403 itself; nothing else may be logged.
      user.errors.splice(0, user.errors.length, ...user.errors.filter((e) => !/status of 403/.test(e)));
      user.assertClean();
    } finally {
      await user.close();
    }
  });
});
