// The browser side of the console tests: the console built once, Chromium started once per test run
// (browser-server.ts, trusting the stack's dev CAs), and a browser context per person, presenting
// their client certificate to the gateway and to their province's IdP. Every request the pages make
// is watched: one to anywhere but localhost is aborted and fails the test, as does any console error.
import { strict as assert } from 'node:assert';
import { type ChildProcess, fork } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { ROOT_DIR } from '../../../common/config.js';
import { gatewayPaths, provincePaths } from '../../../common/pki/paths.js';
import { ensureConsoleBuilt } from '../../../console/ensure-built.js';
import { tmpDir, type TestStack } from '../../support/stack.js';

let built: Promise<boolean> | null = null;
/** Builds the console from its sources once per test run (before any gateway starts: it reads console/dist when it starts). */
export function buildConsoleOnce(): Promise<boolean> {
  built ??= ensureConsoleBuilt({ force: true });
  return built;
}

/** base64(SHA-256(SubjectPublicKeyInfo DER)) of a certificate: what Chromium's SPKI list names. */
function spkiHash(certFile: string): string {
  const spki = new X509Certificate(readFileSync(certFile)).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('base64');
}

let browser: { child: ChildProcess; browser: Browser } | null = null;
let browserCerts: string | null = null;

/** Chromium, started once per run with the dev PKI of `certsDir` trusted (every test stack shares one PKI). */
export async function startBrowser(stack: TestStack): Promise<Browser> {
  if (browser) {
    assert.equal(browserCerts, stack.cfg.certsDir, 'every browser test stack uses the shared dev PKI');
    return browser.browser;
  }
  // The gateway's server certificate chains to the gateway CA; each IdP's to its province CA.
  const bundle = path.join(tmpDir('browser-ca'), 'ca-bundle.pem');
  writeFileSync(
    bundle,
    [gatewayPaths(stack.cfg.certsDir).ca, ...stack.cfg.provinces.map((p) => provincePaths(stack.cfg.certsDir, p.id).ca)]
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n'),
  );
  const child = fork(path.join(import.meta.dirname, 'browser-server.ts'), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, NODE_EXTRA_CA_CERTS: bundle, TRUSTED_SPKI: spkiHash(gatewayPaths(stack.cfg.certsDir).serverCert) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const wsEndpoint = await new Promise<string>((resolve, reject) => {
    child.once('message', (m: { wsEndpoint?: string }) => (m.wsEndpoint ? resolve(m.wsEndpoint) : reject(new Error('no browser'))));
    child.once('exit', (code) => reject(new Error(`the browser server exited (${code})`)));
  });
  const b = await chromium.connect(wsEndpoint);
  browser = { child, browser: b };
  browserCerts = stack.cfg.certsDir;
  // Ending the IPC channel takes the browser down (browser-server.ts), also when mocha exits hard.
  process.once('exit', () => child.kill());
  return b;
}

export interface Person {
  context: BrowserContext;
  page: Page;
  /** Every URL the page asked for. */
  requests: string[];
  /** Requests to anywhere but localhost (aborted). */
  outside: string[];
  /** Console errors and uncaught page errors. */
  errors: string[];
  /** Fails if any console error was logged or any request left localhost. */
  assertClean(): void;
  close(): Promise<void>;
}

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * A person at a browser: `certificate` is `<province>/<client>` of the dev PKI (presented to the
 * gateway and to that province's IdP), `{ cert, key }` files of some other certificate, or null for
 * a browser without one.
 */
export async function person(stack: TestStack, certificate: string | { cert: string; key: string } | null, opts: { lang?: 'zh' | 'en' } = {}): Promise<Person> {
  const b = await startBrowser(stack);
  const gatewayOrigin = `https://localhost:${stack.gateway.port}`;
  let clientCertificates: { origin: string; certPath: string; keyPath: string }[] = [];
  if (typeof certificate === 'string') {
    const [province, client] = certificate.split('/') as [string, string];
    const files = provincePaths(stack.cfg.certsDir, province).client(client);
    const idp = stack.idps.get(province)!;
    clientCertificates = [gatewayOrigin, new URL(idp.issuer).origin].map((origin) => ({ origin, certPath: files.cert, keyPath: files.key }));
  } else if (certificate) {
    clientCertificates = [gatewayOrigin, ...[...stack.idps.values()].map((i) => new URL(i.issuer).origin)].map((origin) => ({
      origin,
      certPath: certificate.cert,
      keyPath: certificate.key,
    }));
  }
  const context = await b.newContext({
    // With a client certificate, Playwright's own TLS client (browser-server.ts) checks the servers'
    // certificates against the dev CAs. Without one Chromium checks the gateway's certificate itself,
    // accepting the gateway's own server key only (--ignore-certificate-errors-spki-list). No
    // context ignores certificate errors.
    ignoreHTTPSErrors: false,
    clientCertificates,
    acceptDownloads: true,
    viewport: { width: 1280, height: 860 },
    locale: opts.lang === 'en' ? 'en-GB' : 'zh-CN',
    timezoneId: 'Asia/Shanghai',
  });
  context.setDefaultTimeout(15_000);
  const requests: string[] = [];
  const outside: string[] = [];
  const errors: string[] = [];
  await context.route('**/*', async (route) => {
    const url = new URL(route.request().url());
    requests.push(url.href);
    if ((url.protocol === 'https:' || url.protocol === 'http:') && !LOCAL_HOSTS.has(url.hostname)) {
      outside.push(url.href);
      await route.abort('blockedbyclient');
      return;
    }
    await route.continue();
  });
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`page: ${e.message}`));
  if (opts.lang === 'en') await context.addInitScript(() => localStorage.setItem('chuanyu.console.lang', 'en'));
  return {
    context,
    page,
    requests,
    outside,
    errors,
    assertClean() {
      assert.deepEqual(outside, [], 'no request may leave localhost');
      assert.deepEqual(errors, [], 'no console errors');
    },
    close: () => context.close(),
  };
}

/** The console's URL on the stack's gateway. */
export const consoleUrl = (stack: TestStack, page = '') => `https://localhost:${stack.gateway.port}/console/${page}`;

const SCREENSHOTS = path.join(ROOT_DIR, 'docs', 'screenshots');

/**
 * A screenshot of the page. Written to docs/screenshots/<name>.png (the README shows them) when
 * CONSOLE_SCREENSHOTS=1, else to a temporary folder, so that a test run does not rewrite the files
 * that are committed.
 */
export async function screenshot(page: Page, name: string, opts: { fullPage?: boolean } = {}): Promise<string> {
  const dir = process.env.CONSOLE_SCREENSHOTS === '1' ? SCREENSHOTS : tmpDir('screenshots');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: opts.fullPage ?? true, animations: 'disabled' });
  return file;
}

/**
 * Tabs through the page from its start and checks that every enabled, visible control (links,
 * buttons, inputs, selects, text areas) is reached by the keyboard. Returns how many there were.
 */
export async function assertKeyboardReachesEveryControl(page: Page): Promise<number> {
  const count = await page.evaluate(() => {
    const controls = [...document.querySelectorAll<HTMLElement>('a[href], button, input, select, textarea, [tabindex]:not([tabindex="-1"])')].filter((el) => {
      if ((el as HTMLButtonElement).disabled) return false;
      const style = getComputedStyle(el);
      // The skip link is off-screen until focused; it counts like any other control.
      return style.visibility !== 'hidden' && style.display !== 'none' && (el.getClientRects().length > 0 || el.classList.contains('skip'));
    });
    for (const [i, el] of controls.entries()) el.setAttribute('data-kb', String(i));
    (document.activeElement as HTMLElement | null)?.blur();
    return controls.length;
  });
  assert.ok(count > 0, 'the page has controls');
  const reached = new Set<string>();
  for (let i = 0; i < count * 2 + 5 && reached.size < count; i += 1) {
    await page.keyboard.press('Tab');
    const id = await page.evaluate(() => document.activeElement?.getAttribute('data-kb') ?? null);
    if (id !== null) reached.add(id);
  }
  const missed = await page.evaluate(
    (seen) =>
      [...document.querySelectorAll<HTMLElement>('[data-kb]')]
        .filter((el) => !seen.includes(el.getAttribute('data-kb')!))
        .map((el) => `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''} "${(el.textContent ?? (el as HTMLInputElement).name ?? '').trim().slice(0, 40)}"`),
    [...reached],
  );
  assert.deepEqual(missed, [], 'every control is reached with Tab');
  await page.evaluate(() => {
    for (const el of document.querySelectorAll('[data-kb]')) el.removeAttribute('data-kb');
  });
  return count;
}
