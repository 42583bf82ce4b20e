// Revoked client certificates are refused (RFC 5280 §5, §6.3): each province's CRL, from a file
// or an HTTPS endpoint with its own CA, reloaded without a restart. A revocation applies from the
// next request, also on a keep-alive connection opened before it; a CRL past nextUpdate by more
// than its grace refuses that province only (fail closed); a CRL not signed by the province CA is
// refused at load (and at start-up). Every stack here has its own certificates directory: the
// revocations must not reach the other suites' shared dev PKI.
import { strict as assert } from 'node:assert';
import { X509Certificate } from 'node:crypto';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { loadStackConfig, ROOT_DIR } from '../../common/config.js';
import { crlDer, issueCrl, verifyCrl } from '../../common/pki/crl.js';
import { createCa, issueCertificate, revokeDevClient, selfSignedLike, type CertAndKey } from '../../common/pki/dev-pki.js';
import { gatewayPaths, provincePaths } from '../../common/pki/paths.js';
import { certThumbprintS256 } from '../../common/pki/thumbprint.js';
import { TLS_SERVER_HARDENING } from '../../common/tls/server-options.js';
import { startGateway } from '../../gateway/server.js';
import { until, auditRecordFor, configDirWith, sharedCertsDir, startStack, tmpDir, token, type TestStack } from '../support/stack.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const QUERY = JSON.stringify({ query: '{ provinces { name } }' });

async function ownCerts(name: string): Promise<string> {
  const dir = tmpDir(name);
  cpSync(await sharedCertsDir(), dir, { recursive: true });
  return dir;
}

interface Answer {
  status: number;
  body: { data?: unknown; errors?: Array<{ extensions?: { code?: string; reason?: string } }> };
  headers: Record<string, string | string[] | undefined>;
  /** The request went over a connection that an earlier request had opened. */
  reused: boolean;
}

/** A caller with its own keep-alive connection (one socket), so a test can tell a reused connection from a new one. */
class Caller {
  readonly agent: https.Agent;
  constructor(
    private readonly stack: TestStack,
    readonly province: string,
    readonly client: string,
  ) {
    const c = provincePaths(stack.cfg.certsDir, province).client(client);
    this.agent = new https.Agent({
      keepAlive: true,
      maxSockets: 1,
      cert: readFileSync(c.cert),
      key: readFileSync(c.key),
      ca: readFileSync(gatewayPaths(stack.cfg.certsDir).ca),
    });
  }

  get thumbprint(): string {
    return certThumbprintS256(readFileSync(provincePaths(this.stack.cfg.certsDir, this.province).client(this.client).cert));
  }

  async post(opts: { fresh?: boolean } = {}): Promise<Answer> {
    if (opts.fresh) this.agent.destroy();
    const bearer = await token(this.stack, this.province, this.client, 'catalogue:read');
    return new Promise((resolve, reject) => {
      const req = https.request(
        {
          host: 'localhost',
          port: this.stack.gateway.port,
          path: '/graphql',
          method: 'POST',
          agent: this.agent,
          headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')), headers: res.headers, reused: req.reusedSocket }),
          );
        },
      );
      req.on('error', reject);
      req.end(QUERY);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

function refusedAs(res: Answer, reason: string): void {
  assert.equal(res.status, 401, JSON.stringify(res.body));
  assert.equal(res.body.data, undefined);
  assert.equal(res.body.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
  assert.equal(res.body.errors?.[0]?.extensions?.reason, reason);
  assert.match(String(res.headers['www-authenticate']), /^Bearer realm="chuanyu-gateway"/);
}

function ops(stack: TestStack, route: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    https
      .get({ host: 'localhost', port: stack.gateway.port, path: route, ca: readFileSync(gatewayPaths(stack.cfg.certsDir).ca) }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString('utf8')));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      })
      .on('error', reject);
  });
}

function provinceCa(certsDir: string, province: string): CertAndKey {
  const pp = provincePaths(certsDir, province);
  return { certPem: readFileSync(pp.ca, 'utf8'), keyPem: readFileSync(pp.caKey, 'utf8') };
}

function crlOf(ca: CertAndKey, crlNumber: bigint, serials: string[], nextUpdate: number): Promise<string> {
  return issueCrl({
    ca,
    crlNumber,
    entries: serials.map((serial) => ({ serial, revokedAt: new Date() })),
    thisUpdate: new Date(Date.now() - 60_000),
    nextUpdate: new Date(nextUpdate),
  });
}

/** The serial as OpenSSL reads it (node:crypto); CRL entries are compared normalised. */
const readSerial = (file: string) => new X509Certificate(readFileSync(file)).serialNumber;

describe('revoked client certificates (e2e)', function () {
  describe('a CRL file, revoked as `npm run pki -- --revoke` does', () => {
    let stack: TestStack;
    let certsDir: string;
    const callers: Caller[] = [];
    const caller = (province: string, client: string) => {
      const c = new Caller(stack, province, client);
      callers.push(c);
      return c;
    };

    before(async () => {
      certsDir = await ownCerts('certs-crl');
      stack = await startStack({ certsDir });
    });
    after(async () => {
      for (const c of callers) c.close();
      await stack?.close();
    });

    it('refuses a revoked counter from its next request, on a fresh and on an already open keep-alive connection; audited; other clients are served', async () => {
      const counter = caller('chongqing', 'counter');
      const open = caller('chongqing', 'counter');
      assert.equal((await counter.post()).status, 200);
      const first = await open.post();
      assert.equal(first.status, 200);
      assert.equal((await open.post()).reused, true, 'the keep-alive connection is identified and in use');
      const others = [caller('chongqing', 'app'), caller('chongqing', 'admin'), caller('sichuan', 'counter')];
      for (const c of others) assert.equal((await c.post()).status, 200);

      const r = await revokeDevClient({ certsDir, province: 'chongqing', client: 'counter' });
      assert.equal(r.crlNumber, 2n);
      // The gateway watches the CRL file (no restart, no reload call).
      const fresh = await until('the fresh connection to be refused', async () => {
        const res = await counter.post({ fresh: true });
        return res.status === 401 ? res : undefined;
      });
      assert.equal(fresh.reused, false);
      refusedAs(fresh, 'client_certificate_revoked');

      const onOpen = await open.post();
      assert.equal(onOpen.reused, true, 'same connection as before the revocation');
      refusedAs(onOpen, 'client_certificate_revoked');

      for (const res of [fresh, onOpen]) {
        const rec = auditRecordFor(stack.gateway.auditFile, String(res.headers['x-request-id']));
        assert.ok(rec, 'refusal recorded');
        assert.equal(rec.kind, 'refusal');
        assert.equal(rec.reason, 'client_certificate_revoked');
        assert.equal(rec.httpStatus, 401);
        assert.equal(rec.province, 'chongqing');
        assert.equal(rec.certThumbprint, counter.thumbprint);
      }

      // The province's other clients and the other province's counter, on their open connections.
      for (const c of others) {
        const res = await c.post();
        assert.equal(res.status, 200, `${c.province}/${c.client}`);
        assert.equal(res.reused, true);
      }
    });

    it("/readyz and /metrics show each province's CRL", async () => {
      const ready = JSON.parse((await ops(stack, '/readyz')).text);
      assert.equal(ready.provinces.chongqing.revocation.state, 'current');
      assert.equal(ready.provinces.chongqing.revocation.crlNumber, '2');
      assert.equal(ready.provinces.chongqing.revocation.revoked, 1);
      assert.equal(ready.provinces.sichuan.revocation.revoked, 0);
      const metrics = (await ops(stack, '/metrics')).text;
      assert.match(metrics, /chuanyu_crl_revoked_certificates\{province="chongqing"\} 1/);
      const next = Number(/chuanyu_crl_next_update_timestamp_seconds\{province="chongqing"\} (\d+)/.exec(metrics)?.[1]);
      assert.ok(next > Date.now() / 1000 + 29 * 86_400, String(next));
      assert.match(metrics, /chuanyu_gateway_refusals_total\{reason="client_certificate_revoked"\} [1-9]/);
    });

    it('refuses a CRL not signed by the province CA and keeps the last good one', async () => {
      const pp = provincePaths(certsDir, 'chongqing');
      const forger = selfSignedLike(readFileSync(pp.ca, 'utf8'));
      // Same issuer name, higher number, nothing revoked: it would un-revoke the counter.
      writeFileSync(pp.crl, await crlOf({ certPem: forger.certPem, keyPem: forger.keyPem }, 9n, [], Date.now() + 86_400_000));
      await until('the forged CRL to be refused', async () => {
        const m = /chuanyu_crl_refused_total\{province="chongqing"\} (\d+)/.exec((await ops(stack, '/metrics')).text);
        return m && Number(m[1]) >= 1 ? true : undefined;
      });
      refusedAs(await caller('chongqing', 'counter').post(), 'client_certificate_revoked');
      assert.equal((await caller('chongqing', 'app').post()).status, 200);
      assert.equal(JSON.parse((await ops(stack, '/readyz')).text).provinces.chongqing.revocation.crlNumber, '2');
    });
  });

  describe('a stale CRL (file) and an HTTPS CRL endpoint with its own CA', () => {
    let stack: TestStack;
    let certsDir: string;
    let crlServer: https.Server;
    let crlPort = 0;
    let served: Buffer;
    let fetches = 0;
    const callers: Caller[] = [];
    const caller = (province: string, client: string) => {
      const c = new Caller(stack, province, client);
      callers.push(c);
      return c;
    };
    const listen = () =>
      new Promise<void>((resolve) => {
        crlServer.listen(crlPort, 'localhost', () => {
          crlPort = (crlServer.address() as AddressInfo).port;
          resolve();
        });
      });

    before(async () => {
      certsDir = await ownCerts('certs-crl-https');
      const endpointCa = createCa({ commonName: 'Sichuan CRL endpoint test CA' });
      const endpoint = issueCertificate({ ca: endpointCa, kind: 'server', commonName: 'localhost' });
      writeFileSync(path.join(certsDir, 'crl-endpoint-ca.crt'), endpointCa.certPem);
      served = crlDer(await crlOf(provinceCa(certsDir, 'sichuan'), 1n, [], Date.now() + 3_600_000));
      crlServer = https.createServer({ key: endpoint.keyPem, cert: endpoint.certPem, ...TLS_SERVER_HARDENING }, (_req, res) => {
        fetches += 1;
        res.setHeader('content-type', 'application/pkix-crl');
        res.end(served);
      });
      await listen();
      const province = (id: string) => JSON.parse(readFileSync(path.join(ROOT_DIR, 'config/provinces', `${id}.json`), 'utf8'));
      const chongqing = { ...province('chongqing'), crl: { graceMs: 3000 } };
      const sichuan = {
        ...province('sichuan'),
        crl: { source: `https://localhost:${crlPort}/sichuan-root.crl`, ca: path.join(certsDir, 'crl-endpoint-ca.crt'), refreshMs: 300, graceMs: 1500 },
      };
      stack = await startStack({ certsDir, configDir: configDirWith([chongqing, sichuan]) });
    });
    after(async () => {
      for (const c of callers) c.close();
      await stack?.close();
      crlServer?.closeAllConnections();
      crlServer?.close();
    });

    it('a CRL past nextUpdate is used within the grace, then that province alone is refused (fail closed) until a current one arrives', async () => {
      const pp = provincePaths(certsDir, 'chongqing');
      const nextUpdate = Date.now() + 1000;
      writeFileSync(pp.crl, await crlOf(provinceCa(certsDir, 'chongqing'), 2n, [], nextUpdate));
      await stack.gateway.reloadCrls();
      const app = caller('chongqing', 'app');
      assert.equal((await app.post()).status, 200);
      await sleep(nextUpdate - Date.now() + 500);
      assert.equal((await app.post()).status, 200, 'past nextUpdate, within the 3 s grace');
      await sleep(nextUpdate + 3000 - Date.now() + 200);
      const stale = await app.post();
      assert.equal(stale.reused, true);
      refusedAs(stale, 'client_certificate_revocation_unknown');
      refusedAs(await caller('chongqing', 'admin').post(), 'client_certificate_revocation_unknown');
      const rec = auditRecordFor(stack.gateway.auditFile, String(stale.headers['x-request-id']));
      assert.equal(rec?.reason, 'client_certificate_revocation_unknown');
      assert.equal(rec?.province, 'chongqing');
      assert.equal(JSON.parse((await ops(stack, '/readyz')).text).provinces.chongqing.revocation.state, 'stale');
      assert.equal((await caller('sichuan', 'app').post()).status, 200, 'the other province is not affected');

      writeFileSync(pp.crl, await crlOf(provinceCa(certsDir, 'chongqing'), 3n, [], Date.now() + 3_600_000));
      const back = await until('a current CRL to be taken', async () => {
        const res = await app.post();
        return res.status === 200 ? res : undefined;
      });
      assert.equal(back.reused, true);
    });

    it('fetches the HTTPS CRL through its own CA, refreshes it, keeps the last good one through an outage, then fails closed', async () => {
      const counter = caller('sichuan', 'counter');
      const app = caller('sichuan', 'app');
      assert.ok(fetches >= 1);
      assert.equal((await counter.post()).status, 200);
      assert.equal((await verifyCrl(served, readFileSync(provincePaths(certsDir, 'sichuan').ca))).crlNumber, 1n);

      // The province revokes its counter; the endpoint serves the new CRL.
      const nextUpdate = Date.now() + 5000;
      served = crlDer(await crlOf(provinceCa(certsDir, 'sichuan'), 2n, [readSerial(provincePaths(certsDir, 'sichuan').client('counter').cert)], nextUpdate));
      const refused = await until('the refreshed CRL to apply', async () => {
        const res = await counter.post();
        return res.status === 401 ? res : undefined;
      });
      assert.equal(refused.reused, true);
      refusedAs(refused, 'client_certificate_revoked');
      assert.equal((await app.post()).status, 200);

      // Outage: the last good CRL stays in force (the counter stays revoked, the app is served).
      await new Promise<void>((resolve) => {
        crlServer.close(() => resolve());
        crlServer.closeAllConnections();
      });
      const fetchesAtOutage = fetches;
      await sleep(700);
      assert.equal(fetches, fetchesAtOutage);
      refusedAs(await counter.post(), 'client_certificate_revoked');
      assert.equal((await app.post()).status, 200, 'the endpoint is down; the CRL is current');
      // Past nextUpdate + 1.5 s grace with the endpoint still down: every Sichuan client is refused.
      await sleep(nextUpdate + 1500 - Date.now() + 300);
      refusedAs(await app.post(), 'client_certificate_revocation_unknown');
      refusedAs(await counter.post(), 'client_certificate_revoked');
      assert.equal((await caller('chongqing', 'app').post()).status, 200, 'Chongqing is not affected');

      // The endpoint is back with a current CRL: Sichuan is served again, the counter stays revoked.
      served = crlDer(
        await crlOf(provinceCa(certsDir, 'sichuan'), 3n, [readSerial(provincePaths(certsDir, 'sichuan').client('counter').cert)], Date.now() + 3_600_000),
      );
      await listen();
      await until('the endpoint to be fetched again', async () => ((await app.post()).status === 200 ? true : undefined));
      refusedAs(await counter.post(), 'client_certificate_revoked');
    });
  });

  it('a CRL not signed by its province CA is a start-up error naming the file', async () => {
    const certsDir = await ownCerts('certs-crl-bad');
    const pp = provincePaths(certsDir, 'sichuan');
    const forger = selfSignedLike(readFileSync(pp.ca, 'utf8'));
    writeFileSync(pp.crl, await crlOf({ certPem: forger.certPem, keyPem: forger.keyPem }, 2n, [], Date.now() + 3_600_000));
    const cfg = loadStackConfig({ certsDir, dataDir: tmpDir('data-crl-bad') });
    await assert.rejects(startGateway({ cfg, port: 0, host: 'localhost' }), (err: Error) => {
      assert.ok(err.message.includes(`CRL ${pp.crl}: signature does not verify`), err.message);
      assert.ok(!err.message.includes('chongqing'), 'only the bad one is named');
      return true;
    });
  });
});
