// Debian's Chromium behind Playwright's browser server, in a child process of the test run, so that
// this process can be started trusting the stack's dev CAs (NODE_EXTRA_CA_CERTS is read only when a
// Node process starts). Playwright's clientCertificates option terminates the TLS connections to the
// listed origins in this process, presenting the client certificate and verifying the server's
// certificate against Node's trust store: with the dev CAs in it, the gateway's and the IdPs'
// certificates are really checked (no ignoreHTTPSErrors).
import { chromium } from 'playwright-core';

const server = await chromium.launchServer({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  headless: true,
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--lang=zh-CN',
    // Chromium's own TLS (a context without a client certificate) accepts exactly these keys: the
    // gateway's server key (SHA-256 of its SubjectPublicKeyInfo), not any certificate.
    ...(process.env.TRUSTED_SPKI ? [`--ignore-certificate-errors-spki-list=${process.env.TRUSTED_SPKI}`] : []),
  ],
});
process.send?.({ wsEndpoint: server.wsEndpoint() });
// The test run ended (or died): take the browser down with it.
process.on('disconnect', () => {
  void server.close().finally(() => process.exit(0));
});
