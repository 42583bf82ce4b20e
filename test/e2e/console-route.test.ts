// The gateway serves the console's files at /console/ and tells the page what the TLS layer saw of
// the browser's certificate: a page without a certificate, or with one from an unknown CA, can say
// what is missing instead of failing blank.
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import request from 'supertest';
import { consoleRoutes } from '../../gateway/ingress/console.js';
import { clientIdentity, startStack, type TestStack } from '../support/stack.js';

describe('the console route (/console/)', function () {
  let stack: TestStack;
  before(async () => {
    stack = await startStack({ entries: 20 });
  });
  after(async () => stack?.close());

  const at = () => request(`https://localhost:${stack.gateway.port}`);

  it('session.json names the province and subject of a trusted certificate, and every province IdP', async () => {
    const id = clientIdentity(stack, 'sichuan', 'counter');
    const res = await at().get('/console/session.json').ca(id.ca).cert(id.cert).key(id.key);
    assert.equal(res.status, 200);
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.equal(res.body.certificate.status, 'ok');
    assert.equal(res.body.certificate.province, 'SICHUAN');
    assert.match(res.body.certificate.subject, /sichuan-counter/);
    assert.deepEqual(
      res.body.provinces.map((p: { id: string }) => p.id),
      ['chongqing', 'sichuan'],
    );
    for (const p of res.body.provinces) assert.equal(p.tokenEndpoint, `${p.issuer}/token`);
    assert.match(String(res.headers['content-security-policy']), /default-src 'self'/);
    assert.match(String(res.headers['content-security-policy']), /frame-ancestors 'none'/);
  });

  it('says what is missing without a certificate', async () => {
    const id = clientIdentity(stack, 'sichuan', 'counter');
    const res = await at().get('/console/session.json').ca(id.ca);
    assert.equal(res.status, 200);
    assert.equal(res.body.certificate.status, 'client_certificate_missing');
  });

  it('/console redirects to /console/', async () => {
    const id = clientIdentity(stack, 'sichuan', 'counter');
    const res = await at().get('/console').ca(id.ca);
    assert.equal(res.status, 301);
    assert.equal(res.headers.location, '/console/');
  });

  it('serves index.html for the pages and hashed assets as immutable; says how to build it when it is not built', async () => {
    const dist = mkdtempSync(path.join(os.tmpdir(), 'console-dist-'));
    mkdirSync(path.join(dist, 'assets'));
    writeFileSync(path.join(dist, 'index.html'), '<!doctype html><title>川渝</title>');
    writeFileSync(path.join(dist, 'assets', 'app-1234.js'), 'export {};');
    const app = express();
    app.use('/console', consoleRoutes(stack.cfg, { identify: () => ({ ok: false, reason: 'client_certificate_missing' }) } as never, dist));
    const page = await request(app).get('/console/directory');
    assert.equal(page.status, 200);
    assert.match(page.text, /川渝/);
    assert.equal(page.headers['cache-control'], 'no-cache');
    const asset = await request(app).get('/console/assets/app-1234.js');
    assert.equal(asset.status, 200);
    assert.match(String(asset.headers['cache-control']), /immutable/);
    assert.equal((await request(app).get('/console/assets/missing.js')).status, 404);

    const empty = express();
    empty.use(
      '/console',
      consoleRoutes(
        stack.cfg,
        { identify: () => ({ ok: false, reason: 'client_certificate_missing' }) } as never,
        mkdtempSync(path.join(os.tmpdir(), 'no-console-')),
      ),
    );
    const res = await request(empty).get('/console/');
    assert.equal(res.status, 503);
    assert.match(res.text, /npm run console:build/);
  });
});
