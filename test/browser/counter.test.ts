// Journey in a real browser: a clerk at a Sichuan 天府通办 counter verifies a certificate issued in
// Chongqing. The page signs in with the counter's client certificate at Sichuan's IdP, checks the
// identifier as it is typed, asks the gateway, states the result plainly, checks the issuing
// province's signed receipt in the browser (and again offline, from the cached keys), downloads and
// prints it; a Chongqing that cannot be reached is "cannot be checked now", never "invalid". The
// gateway enforces trusted documents (the console's manifest only): every request the page sends is one.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { verifyReceipt } from '../../domain/receipt.js';
import { demoCertificatesOf } from '../../subgraphs/catalogue/seed.js';
import { loadSealKeys } from '../../subgraphs/catalogue/certificates/seal-keys.js';
import { provincePaths } from '../../common/pki/paths.js';
import request from 'supertest';
import { gatewayPaths } from '../../common/pki/paths.js';
import { configDirWith, startStack, tmpDir, type TestStack } from '../support/stack.js';
import { assertKeyboardReachesEveryControl, buildConsoleOnce, consoleUrl, type Person, person, screenshot } from './support/browser.js';

describe('console: a Sichuan counter verifies a Chongqing certificate (证照核验)', function () {
  this.timeout(120_000);
  let stack: TestStack;
  let clerk: Person;
  let valid: { id: string; holderIdType: string; holderId: string };
  /** Someone else's ID of the same type: well-formed, not this certificate's holder. */
  let otherHolderId: string;

  before(async () => {
    await buildConsoleOnce();
    // The manifest the console build just wrote (config/documents/console.json), copied with config/.
    const configDir = configDirWith([], { trustedDocuments: { mode: 'enforce', manifests: ['documents/console.json'] } });
    stack = await startStack({ entries: 30, configDir });
    const cq = stack.province('chongqing');
    const today = new Date().toISOString().slice(0, 10);
    const usable = demoCertificatesOf(cq, loadSealKeys(stack.cfg, cq).holderSalt).filter(
      ({ record: r }) => r.status === 'VALID' && (r.validTo === null || r.validTo >= today) && r.validFrom <= today && r.holder.idType === 'RESIDENT_ID',
    );
    const [demo, other] = [usable[0]!, usable.find((d) => d.holderId !== usable[0]!.holderId)!];
    valid = { id: demo.record.id, holderIdType: demo.record.holder.idType, holderId: demo.holderId };
    otherHolderId = other.holderId;
    clerk = await person(stack, 'sichuan/counter');
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await clerk?.page.screenshot({ path: `/tmp/console-failed-${Date.now()}.png`, fullPage: true }).catch(() => {});
  });
  after(async () => {
    await clerk?.close();
    await stack?.close();
  });

  it('signs in with the counter certificate at Sichuan’s IdP and lands on the counter desk', async () => {
    const { page } = clerk;
    await page.goto(consoleUrl(stack));
    await page.waitForURL(/\/console\/counter$/);
    await page.getByRole('heading', { level: 1, name: '证照核验' }).waitFor();
    assert.match(await page.getByTestId('who').innerText(), /四川省 · 天府通办 · 服务窗口/);
    // The IdP was visited (the code came back from there) and nothing but localhost was asked.
    assert.ok(clerk.requests.some((u) => u.startsWith(`${stack.idps.get('sichuan')!.issuer}/authorize?`)));
    assert.ok(!clerk.requests.some((u) => u.startsWith(stack.idps.get('chongqing')!.issuer)));
    assert.equal(
      await page.evaluate(() => Object.keys(localStorage).filter((k) => !k.startsWith('chuanyu.console.lang'))).then((k) => k.length),
      0,
      'no token in localStorage',
    );
    assert.equal(await page.evaluate(() => sessionStorage.getItem('chuanyu.console.login')), null, 'the PKCE verifier is gone');
    await assertKeyboardReachesEveryControl(page);
    clerk.assertClean();
  });

  it('checks the identifier as it is typed (GB/T 36904 check character)', async () => {
    const { page } = clerk;
    const check = page.getByTestId('identifier-check');
    const input = page.getByLabel('电子证照标识');
    await input.pressSequentially('1.2.156.3005.2.');
    assert.match(await check.innerText(), /五段/);
    const last = valid.id.at(-1)!;
    const wrong = valid.id.slice(0, -1) + (last === '0' ? '1' : '0');
    await input.fill(wrong);
    assert.match(await check.innerText(), /校验位不对/);
    assert.equal(await input.getAttribute('aria-invalid'), 'true');
    await input.fill(valid.id);
    assert.match(await check.innerText(), /标识格式与校验位正确 · 签发地：重庆市（500\d{3}）/);
    assert.equal(await input.getAttribute('aria-invalid'), 'false');
  });

  let receipt: string;

  it('verifies the certificate with Chongqing and checks its signed receipt in the browser', async () => {
    const { page } = clerk;
    await page.getByLabel('用证事由').fill('跨省办理执业注册');
    await page.getByLabel('持证人证件类型').selectOption(valid.holderIdType);
    await page.getByLabel('持证人证件号码').fill(valid.holderId);
    await page.getByRole('button', { name: '核验', exact: true }).click();
    const verdict = page.getByTestId('verdict');
    await verdict.waitFor();
    assert.match(await verdict.innerText(), /有效\s*VALID/);
    assert.match(await verdict.innerText(), /出示的证件与持证人一致/);
    assert.match(await verdict.innerText(), /由重庆市于 .* 核验/);
    await page.getByText('回执签章有效：由重庆市的签章密钥').waitFor();
    await page.getByText('回执内容与本次核验一致。').waitFor();
    assert.match(await page.getByTestId('certificate-details').innerText(), /持证人证件/);
    assert.ok(
      clerk.requests.some((u) => u.endsWith('/keys/chongqing/seal.jwks.json')),
      'the seal keys came from the gateway',
    );
    await screenshot(page, 'counter');

    // The receipt as downloaded is the issuing province's compact JWS, valid offline by the CLI's check too.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: '下载回执' }).click()]);
    const file = path.join(tmpDir('download'), download.suggestedFilename());
    await download.saveAs(file);
    receipt = readFileSync(file, 'utf8').trim();
    assert.match(download.suggestedFilename(), /^receipt-.+\.jws$/);
    const jwks = JSON.parse(readFileSync(provincePaths(stack.cfg.certsDir, 'chongqing').sealJwks, 'utf8'));
    const cli = await verifyReceipt(receipt, { chongqing: jwks });
    assert.ok(cli.ok, cli.ok ? '' : cli.reason);
    assert.equal(cli.claims.result, 'VALID');
    assert.equal(cli.claims.certificateId, valid.id);
    assert.equal(cli.claims.requester.province, 'sichuan');

    // Print view: the result and its receipt, none of the page around it.
    await page.emulateMedia({ media: 'print' });
    assert.equal(await page.getByRole('navigation').first().isVisible(), false);
    await page.getByRole('heading', { name: '跨省电子证照核验单' }).waitFor();
    await screenshot(page, 'counter-print');
    await page.emulateMedia({ media: 'screen' });
    await assertKeyboardReachesEveryControl(page);
    clerk.assertClean();
  });

  it('checks a receipt offline with the cached seal keys, and refuses an altered one', async () => {
    const { page, context } = clerk;
    await context.setOffline(true);
    try {
      const check = page.locator('section', { has: page.getByRole('heading', { name: '核验已有回执' }) });
      await check.getByLabel('或粘贴回执').fill(receipt);
      await check.getByRole('button', { name: '核验此回执' }).click();
      await check.getByText('回执签章有效：由重庆市的签章密钥').waitFor();
      await check.getByText(/网关无法连接：使用本机缓存的公钥/).waitFor();
      // One character of the signature changed: it no longer verifies.
      const [h, p, s] = receipt.split('.') as [string, string, string];
      const altered = `${h}.${p}.${s.slice(0, 10)}${s[10] === 'A' ? 'B' : 'A'}${s.slice(11)}`;
      await check.getByLabel('或粘贴回执').fill(altered);
      await check.getByRole('button', { name: '核验此回执' }).click();
      await check.getByText('回执签章无效：signature invalid').waitFor();
    } finally {
      await context.setOffline(false);
    }
    // setOffline makes the failed key fetch a console error; nothing else may be.
    clerk.errors.splice(0, clerk.errors.length, ...clerk.errors.filter((e) => !/ERR_INTERNET_DISCONNECTED/.test(e)));
    clerk.assertClean();
  });

  it('says HOLDER_MISMATCH plainly when the ID presented is not the holder’s', async () => {
    const { page } = clerk;
    await page.getByRole('button', { name: '核验另一本证照' }).click();
    await page.getByLabel('电子证照标识').fill(valid.id);
    await page.getByLabel('用证事由').fill('跨省办理执业注册');
    await page.getByLabel('持证人证件类型').selectOption(valid.holderIdType);
    await page.getByLabel('持证人证件号码').fill(otherHolderId);
    await page.getByRole('button', { name: '核验', exact: true }).click();
    const verdict = page.getByTestId('verdict');
    await verdict.waitFor();
    assert.match(await verdict.innerText(), /持证人不符\s*HOLDER_MISMATCH/);
    clerk.assertClean();
  });

  it('with Chongqing down: "cannot be checked now", never "invalid", and no receipt', async () => {
    const { page } = clerk;
    await stack.stopSubgraph('chongqing');
    try {
      await page.getByRole('button', { name: '核验另一本证照' }).click();
      await page.getByLabel('电子证照标识').fill(valid.id);
      await page.getByLabel('用证事由').fill('跨省办理执业注册');
      await page.getByLabel('持证人证件类型').selectOption(valid.holderIdType);
      await page.getByLabel('持证人证件号码').fill(valid.holderId);
      await page.getByRole('button', { name: '核验', exact: true }).click();
      const verdict = page.getByTestId('verdict');
      await verdict.waitFor();
      const text = await verdict.innerText();
      assert.match(text, /暂时无法核验\s*ISSUER_UNAVAILABLE/);
      assert.match(text, /这不表示证照无效/);
      assert.doesNotMatch(text, /无效。|invalid/i);
      assert.equal(await page.getByRole('link', { name: '下载回执' }).count(), 0);
      await screenshot(page, 'counter-unavailable');
    } finally {
      await stack.restartSubgraph('chongqing');
    }
    clerk.assertClean();
  });

  it('sent trusted documents only: the gateway (enforce) refused none', async () => {
    const res = await request(`https://localhost:${stack.gateway.port}`)
      .get('/metrics')
      .ca(readFileSync(gatewayPaths(stack.cfg.certsDir).ca));
    const trusted = /^chuanyu_trusted_documents_total\{mode="enforce",outcome="trusted"\} (\d+)$/m.exec(res.text);
    assert.ok(trusted && Number(trusted[1]) >= 3, res.text);
    assert.doesNotMatch(res.text, /^chuanyu_trusted_documents_total\{mode="enforce",outcome="(unlisted|unknown_id)"\}/m);
  });
});
