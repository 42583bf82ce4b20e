// Keys and certificates rotate without a restart: a new IdP key (new kid) is accepted from
// a JWKS file or an HTTPS JWKS endpoint, the last good keys survive an IdP outage, and
// replaced TLS certificate files are used for new handshakes.
import { strict as assert } from 'node:assert';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { createCa, createSigningKey, issueCertificate, type SigningKey } from '../../common/pki/dev-pki.js';
import { gatewayPaths, provincePaths } from '../../common/pki/paths.js';
import { certFingerprint256 } from '../../common/pki/thumbprint.js';
import { TLS_SERVER_HARDENING } from '../../common/tls/server-options.js';
import { until, configDirWith, gql, sharedCertsDir, startStack, tmpDir, token, type TestStack } from '../support/stack.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Make `key` the province IdP's current signing key, publishing `published` as its JWKS. */
function useIdpKey(certsDir: string, province: string, key: SigningKey, published: SigningKey[]) {
  const pp = provincePaths(certsDir, province);
  writeFileSync(pp.idpKey, key.privatePem, { mode: 0o600 });
  writeFileSync(pp.idpJwks, JSON.stringify({ keys: published.flatMap((k) => k.jwks.keys) }));
}

async function copyCerts(): Promise<string> {
  const dir = tmpDir('certs-rot');
  cpSync(await sharedCertsDir(), dir, { recursive: true });
  return dir;
}

describe('rotation without restart', function () {
  describe('IdP keys from a JWKS file', () => {
    let stack: TestStack;
    let certsDir: string;
    before(async () => {
      certsDir = await copyCerts();
      stack = await startStack({ certsDir });
    });
    after(async () => stack?.close());

    it('accepts a token signed with a newly published key (new kid), and still the old one', async () => {
      const pp = provincePaths(certsDir, 'chongqing');
      const oldKeyPem = readFileSync(pp.idpKey, 'utf8');
      const oldJwks = JSON.parse(readFileSync(pp.idpJwks, 'utf8'));
      const oldToken = await token(stack, 'chongqing', 'app', 'catalogue:read');
      const fresh = await createSigningKey();
      const before = await gql(stack, { province: 'chongqing' }, '{ provinces { name } }');
      assert.equal(before.status, 200);
      useIdpKey(certsDir, 'chongqing', fresh, [fresh, { privatePem: oldKeyPem, jwks: oldJwks, kid: oldJwks.keys[0].kid }]);
      await sleep(1100); // the file source re-checks at most once a second
      const res = await gql(stack, { province: 'chongqing' }, '{ provinces { name } }');
      assert.equal(res.status, 200, res.text);
      const old = await gql(stack, { province: 'chongqing', token: oldToken }, '{ provinces { name } }');
      assert.equal(old.status, 200, 'the previous key stays valid while it is published');
      // A cached verification never outlives the certificate binding …
      const other = await gql(stack, { province: 'chongqing', client: 'counter', token: oldToken }, '{ provinces { name } }');
      assert.equal(other.status, 401);
      assert.equal(other.body.errors[0].extensions.reason, 'token_bound_to_other_certificate');
      // … nor the key: once the old key is no longer published, its tokens are refused at once.
      useIdpKey(certsDir, 'chongqing', fresh, [fresh]);
      await sleep(1100);
      const revoked = await gql(stack, { province: 'chongqing', token: oldToken }, '{ provinces { name } }');
      assert.equal(revoked.status, 401);
      assert.equal(revoked.body.errors[0].extensions.reason, 'token_unknown_kid');
    });
  });

  describe('IdP keys from an HTTPS JWKS endpoint with its own CA', () => {
    let stack: TestStack;
    let certsDir: string;
    let idp: https.Server;
    let published: SigningKey[];
    let k1: SigningKey;
    let port: number;

    const startIdp = (p?: number) =>
      new Promise<void>((resolve) => {
        idp.listen(p ?? 0, 'localhost', () => {
          port = (idp.address() as AddressInfo).port;
          resolve();
        });
      });

    before(async () => {
      certsDir = await copyCerts();
      const ca = createCa({ commonName: 'Sichuan IdP test CA' });
      const server = issueCertificate({ ca, kind: 'server', commonName: 'localhost' });
      writeFileSync(path.join(certsDir, 'idp-ca.crt'), ca.certPem);
      k1 = await createSigningKey();
      published = [k1];
      useIdpKey(certsDir, 'sichuan', k1, [k1]);
      idp = https.createServer({ key: server.keyPem, cert: server.certPem, ...TLS_SERVER_HARDENING }, (_req, res) => {
        res.setHeader('content-type', 'application/jwk-set+json');
        res.end(JSON.stringify({ keys: published.flatMap((k) => k.jwks.keys) }));
      });
      await startIdp();
      const sichuan = JSON.parse(readFileSync(path.join(process.cwd(), 'config/provinces/sichuan.json'), 'utf8'));
      sichuan.idp = { ...sichuan.idp, jwks: `https://localhost:${port}/jwks.json`, jwksCa: path.join(certsDir, 'idp-ca.crt'), jwksCooldownMs: 300 };
      stack = await startStack({ certsDir, configDir: configDirWith([sichuan]) });
    });
    after(async () => {
      await stack?.close();
      idp?.close();
    });

    it('verifies a token against the fetched keys', async () => {
      const res = await gql(stack, { province: 'sichuan' }, '{ provinces { name } }');
      assert.equal(res.status, 200, res.text);
    });

    it('refetches on an unknown kid and accepts the rotated key', async () => {
      const k2 = await createSigningKey();
      published = [k2, k1];
      useIdpKey(certsDir, 'sichuan', k2, [k2, k1]);
      await sleep(350); // past the cooldown since the last fetch
      const res = await gql(stack, { province: 'sichuan' }, '{ provinces { name } }');
      assert.equal(res.status, 200, res.text);
    });

    it('keeps the last good keys while the IdP is down, and refuses keys it never saw', async () => {
      await new Promise<void>((resolve) => idp.close(() => resolve()));
      idp.closeAllConnections();
      const res = await gql(stack, { province: 'sichuan' }, '{ provinces { name } }');
      assert.equal(res.status, 200, res.text);
      const k3 = await createSigningKey();
      useIdpKey(certsDir, 'sichuan', k3, [k3]);
      await sleep(350);
      const refused = await gql(stack, { province: 'sichuan' }, '{ provinces { name } }');
      assert.equal(refused.status, 401);
      assert.equal(refused.body.errors[0].extensions.reason, 'token_unknown_kid');
    });
  });

  describe('TLS certificates', () => {
    let stack: TestStack;
    let certsDir: string;
    before(async () => {
      certsDir = await copyCerts();
      stack = await startStack({ certsDir });
    });
    after(async () => stack?.close());

    const servedFingerprint = (port: number, ca: Buffer) =>
      new Promise<string>((resolve, reject) => {
        const s = tls.connect({ host: 'localhost', port, ca, servername: 'localhost' }, () => {
          const fp = certFingerprint256(s.getPeerCertificate().raw);
          s.end();
          resolve(fp);
        });
        s.on('error', reject);
      });

    it('uses a replaced gateway server certificate for new handshakes; requests keep working', async () => {
      const gp = gatewayPaths(certsDir);
      const ca = readFileSync(gp.ca);
      const before = await servedFingerprint(stack.gateway.port, ca);
      assert.equal(before, certFingerprint256(readFileSync(gp.serverCert)));
      const next = issueCertificate({
        ca: { certPem: readFileSync(gp.ca, 'utf8'), keyPem: readFileSync(gp.caKey, 'utf8') },
        kind: 'server',
        commonName: 'chuanyu-gateway-server',
      });
      writeFileSync(gp.serverKey, next.keyPem, { mode: 0o600 });
      writeFileSync(gp.serverCert, next.certPem);
      const expected = certFingerprint256(next.certPem);
      await until('the new certificate to be served', async () => ((await servedFingerprint(stack.gateway.port, ca)) === expected ? true : undefined));
      const res = await gql(stack, { province: 'chongqing' }, '{ provinces { name } }');
      assert.equal(res.status, 200);
    });

    it('uses a replaced province subgraph certificate; the gateway keeps reaching it', async () => {
      const pp = provincePaths(certsDir, 'sichuan');
      const next = issueCertificate({
        ca: { certPem: readFileSync(pp.ca, 'utf8'), keyPem: readFileSync(pp.caKey, 'utf8') },
        kind: 'server',
        commonName: 'sichuan-subgraph',
      });
      writeFileSync(pp.serverKey, next.keyPem, { mode: 0o600 });
      writeFileSync(pp.serverCert, next.certPem);
      stack.subgraphs.get('sichuan')!.reloadTls();
      const res = await gql(stack, { province: 'chongqing' }, '{ directory(first: 1, filter: { provinces: [SICHUAN] }) { nodes { id name } } }');
      assert.equal(res.status, 200);
      assert.equal(res.body.errors, undefined, res.text);
      assert.ok(res.body.data.directory.nodes[0].name);
    });
  });
});
