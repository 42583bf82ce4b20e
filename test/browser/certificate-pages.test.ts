// A browser without a client certificate, or with one from a CA no province runs, gets a page that
// says what is missing (from what the gateway's TLS layer saw), in Chinese or English, and nothing
// else: no sign-in is attempted and no GraphQL request is made.
import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { createCa, issueCertificate } from '../../common/pki/dev-pki.js';
import { startStack, type TestStack, tmpDir } from '../support/stack.js';
import { assertKeyboardReachesEveryControl, buildConsoleOnce, consoleUrl, type Person, person, screenshot } from './support/browser.js';

describe('console: the pages for a missing or unknown client certificate', function () {
  this.timeout(120_000);
  let stack: TestStack;
  const people: Person[] = [];

  before(async () => {
    await buildConsoleOnce();
    stack = await startStack({ entries: 10 });
  });
  after(async () => {
    for (const p of people) await p.close();
    await stack?.close();
  });

  const open = async (who: Parameters<typeof person>[1], opts: Parameters<typeof person>[2] = {}) => {
    const p = await person(stack, who, opts);
    people.push(p);
    await p.page.goto(consoleUrl(stack, 'counter'));
    await p.page.getByTestId('certificate-problem').waitFor();
    return p;
  };

  it('no client certificate: says so, and what to do', async () => {
    const p = await open(null);
    const text = await p.page.getByTestId('certificate-problem').innerText();
    assert.match(text, /需要有效的客户端证书/);
    assert.match(text, /浏览器没有出示客户端证书/);
    assert.match(text, /client_certificate_missing/);
    assert.ok(!p.requests.some((u) => u.includes('/graphql') || u.includes('/authorize')), 'no sign-in, no GraphQL');
    await screenshot(p.page, 'no-certificate');
    await assertKeyboardReachesEveryControl(p.page);
    p.assertClean();
  });

  it('a certificate from an unknown CA: says it is not trusted', async () => {
    const dir = tmpDir('rogue');
    const rogueCa = createCa({ commonName: 'Rogue Root CA', organization: 'Nobody' });
    const leaf = issueCertificate({ ca: rogueCa, kind: 'client', commonName: 'sichuan-counter', organization: '四川省' });
    const files = { cert: path.join(dir, 'rogue.crt'), key: path.join(dir, 'rogue.key') };
    writeFileSync(files.cert, leaf.certPem);
    writeFileSync(files.key, leaf.keyPem);
    const p = await open(files);
    const text = await p.page.getByTestId('certificate-problem').innerText();
    assert.match(text, /证书不受信任/);
    assert.match(text, /未知的签发机构/);
    assert.equal(await p.page.getByTestId('certificate-problem').getAttribute('data-status'), 'client_certificate_untrusted');
    assert.ok(!p.requests.some((u) => u.includes('/graphql') || u.includes('/authorize')), 'no sign-in, no GraphQL');
    await screenshot(p.page, 'unknown-ca');
    p.assertClean();
  });

  it('in English when the reader chose it', async () => {
    const p = await open(null, { lang: 'en' });
    assert.match(await p.page.getByTestId('certificate-problem').innerText(), /The browser presented no client certificate/);
    assert.equal(await p.page.evaluate(() => document.documentElement.lang), 'en');
    p.assertClean();
  });
});
