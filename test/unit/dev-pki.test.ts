import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import forge from 'node-forge';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { createCa, createSigningKey, ensureDevPki, issueCertificate, revokeDevClient, selfSignedLike } from '../../common/pki/dev-pki.js';
import { ROOT_DIR } from '../../common/config.js';
import { issueCrl, normalizeSerial, verifyCrl } from '../../common/pki/crl.js';
import { DEV_CLIENTS, gatewayPaths, provincePaths } from '../../common/pki/paths.js';
import { certFingerprint256 } from '../../common/pki/thumbprint.js';

const PROVINCES = [
  { id: 'alpha', name: '甲省', divisionCode: '500000' },
  { id: 'beta', name: '乙省', divisionCode: '510000' },
];
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const LOCAL_SANS = 'DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1';

function expectedFiles(certsDir: string): string[] {
  const g = gatewayPaths(certsDir);
  const files = [path.join(certsDir, 'README.txt'), ...Object.values(g)];
  for (const p of PROVINCES) {
    const pp = provincePaths(certsDir, p.id);
    files.push(pp.ca, pp.caKey, pp.crl, pp.serverCert, pp.serverKey, pp.idpKey, pp.idpJwks, pp.sealKey, pp.sealJwks);
    for (const c of DEV_CLIENTS) files.push(pp.client(c).cert, pp.client(c).key);
  }
  return files.sort();
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

function snapshot(dir: string): Map<string, string> {
  return new Map(listFiles(dir).map((f) => [f, readFileSync(f, 'latin1')]));
}

const x509 = (file: string) => new X509Certificate(readFileSync(file));

function assertIssuedBy(leaf: X509Certificate, ca: X509Certificate, what: string): void {
  assert.ok(leaf.checkIssued(ca), `${what}: issuer name/AKI should match the CA`);
  assert.ok(leaf.verify(ca.publicKey), `${what}: signature should verify with the CA key`);
}

describe('dev PKI generator', function () {
  this.timeout(30_000);
  let root: string;
  let base: string; // generated once, never modified; mutation tests work on copies
  let firstRun: { created: string[]; kept: string[] };
  let logs: string[];

  before(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'dev-pki-test-'));
    base = path.join(root, 'base');
    logs = [];
    firstRun = await ensureDevPki({ certsDir: base, provinces: PROVINCES, log: (m) => logs.push(m) });
  });

  after(() => rmSync(root, { recursive: true, force: true }));

  function copyOfBase(name: string): string {
    const dir = path.join(root, name);
    cpSync(base, dir, { recursive: true });
    return dir;
  }

  it('creates every file of the layout and nothing else', () => {
    const expected = expectedFiles(base);
    assert.deepEqual([...firstRun.created].sort(), expected);
    assert.deepEqual(firstRun.kept, []);
    assert.deepEqual(listFiles(base), expected);
    assert.ok(logs.length >= expected.length);
    assert.match(readFileSync(path.join(base, 'README.txt'), 'utf8'), /development-only/i);
  });

  it('writes private keys as PKCS#8 PEM with mode 0600', () => {
    const keys = listFiles(base).filter((f) => f.endsWith('.key'));
    // gateway: CA, server, client, assertion; per province: CA, server, clients, IdP, seal.
    assert.equal(keys.length, 4 + PROVINCES.length * (2 + DEV_CLIENTS.length + 2));
    for (const f of keys) {
      assert.equal(statSync(f).mode & 0o777, 0o600, `${f} mode`);
      assert.match(readFileSync(f, 'utf8'), /^-----BEGIN PRIVATE KEY-----\n/, `${f} is PKCS#8`);
    }
    for (const f of listFiles(base).filter((f) => f.endsWith('.crt') || f.endsWith('.json') || f.endsWith('.pem'))) {
      assert.equal(statSync(f).mode & 0o077, 0o044, `${f} is world-readable, not writable`);
    }
  });

  it('a second run keeps every file byte-identical', async () => {
    const dir = copyOfBase('rerun');
    const before = snapshot(dir);
    const result = await ensureDevPki({ certsDir: dir, provinces: PROVINCES });
    assert.deepEqual(result.created, []);
    assert.deepEqual([...result.kept].sort(), expectedFiles(dir));
    assert.deepEqual(snapshot(dir), before);
  });

  it('makes self-signed CAs with CA:true, keyCertSign, SKI/AKI and 10-year validity', () => {
    for (const file of [gatewayPaths(base).ca, ...PROVINCES.map((p) => provincePaths(base, p.id).ca)]) {
      const ca = x509(file);
      assert.equal(ca.ca, true, file);
      assert.equal(ca.subject, ca.issuer);
      assert.ok(ca.verify(ca.publicKey));
      const f = forge.pki.certificateFromPem(readFileSync(file, 'utf8'));
      const ku = f.getExtension('keyUsage') as { keyCertSign?: boolean; critical?: boolean };
      assert.equal(ku.keyCertSign, true);
      assert.equal(ku.critical, true);
      const ski = f.getExtension('subjectKeyIdentifier') as { subjectKeyIdentifier: string };
      assert.ok(ski.subjectKeyIdentifier);
      const years = (Date.parse(ca.validTo) - Date.parse(ca.validFrom)) / (365.25 * 86_400_000);
      assert.ok(years > 9.9 && years < 10.1, `validity ${years} years`);
      assert.equal(f.siginfo.algorithmOid, forge.pki.oids.sha256WithRSAEncryption);
      // Positive serial of 16 bytes (RFC 5280 §4.1.2.2).
      assert.equal(ca.serialNumber.length, 32);
      assert.ok(parseInt(ca.serialNumber.slice(0, 2), 16) < 0x80);
    }
    const alphaCa = x509(provincePaths(base, 'alpha').ca);
    assert.equal(alphaCa.subject, 'O=甲省\nCN=甲省 政务服务根CA (dev)');
  });

  it('issues every leaf from its own CA, with the right SANs and extended key usages', () => {
    const g = gatewayPaths(base);
    const gwCa = x509(g.ca);
    const gwServer = x509(g.serverCert);
    assertIssuedBy(gwServer, gwCa, 'gateway server');
    assert.equal(gwServer.subjectAltName, LOCAL_SANS);
    assert.deepEqual(gwServer.keyUsage, [SERVER_AUTH]);
    const gwClient = x509(g.clientCert);
    assertIssuedBy(gwClient, gwCa, 'gateway client');
    assert.match(gwClient.subject, /CN=chuanyu-gateway$/);
    assert.deepEqual(gwClient.keyUsage, [CLIENT_AUTH]);

    for (const p of PROVINCES) {
      const pp = provincePaths(base, p.id);
      const ca = x509(pp.ca);
      const server = x509(pp.serverCert);
      assertIssuedBy(server, ca, `${p.id} server`);
      assert.equal(server.ca, false);
      assert.equal(server.subjectAltName, LOCAL_SANS);
      assert.deepEqual(server.keyUsage, [SERVER_AUTH]);
      assert.ok(server.checkPrivateKey(createPrivateKey(readFileSync(pp.serverKey))));
      const days = (Date.parse(server.validTo) - Date.now()) / 86_400_000;
      assert.ok(days > 824 && days <= 825, `leaf validity ${days} days`);
      assert.ok(Date.parse(server.validFrom) <= Date.now() - 59 * 60_000, 'back-dated by an hour');
      for (const c of DEV_CLIENTS) {
        const cert = x509(pp.client(c).cert);
        assertIssuedBy(cert, ca, `${p.id} ${c}`);
        assert.equal(cert.subject, `O=${p.name}\nCN=${p.id}-${c}`);
        assert.deepEqual(cert.keyUsage, [CLIENT_AUTH]);
        assert.equal(cert.subjectAltName, undefined);
        assert.ok(cert.checkPrivateKey(createPrivateKey(readFileSync(pp.client(c).key))));
      }
    }
  });

  it("a client certificate of one province does not verify against the other province's CA", () => {
    const alphaApp = x509(provincePaths(base, 'alpha').client('app').cert);
    const betaCa = x509(provincePaths(base, 'beta').ca);
    assert.equal(alphaApp.checkIssued(betaCa), false);
    assert.equal(alphaApp.verify(betaCa.publicKey), false);
    assert.notEqual(certFingerprint256(readFileSync(provincePaths(base, 'alpha').ca)), certFingerprint256(readFileSync(provincePaths(base, 'beta').ca)));
  });

  it('selfSignedLike copies subject and issuer exactly but is not signed by the real CA', () => {
    const realPem = readFileSync(provincePaths(base, 'alpha').ca, 'utf8');
    const real = new X509Certificate(realPem);
    const forged = selfSignedLike(realPem);
    const fake = new X509Certificate(forged.certPem);
    assert.equal(fake.subject, real.subject);
    assert.equal(fake.issuer, real.issuer);
    assert.equal(fake.ca, true);
    assert.ok(fake.verify(fake.publicKey), 'self-signed');
    assert.equal(fake.verify(real.publicKey), false);
    assert.notEqual(certFingerprint256(forged.certPem), certFingerprint256(realPem));
    // A leaf from the forged CA carries the real CA's name as issuer, yet fails the signature check.
    const leaf = new X509Certificate(issueCertificate({ ca: forged, commonName: 'alpha-app', organization: '甲省', kind: 'client' }).certPem);
    assert.equal(leaf.issuer, real.subject);
    assert.equal(leaf.verify(real.publicKey), false);
    assert.ok(leaf.verify(fake.publicKey));
    // Copying a leaf keeps its (different) issuer name.
    const leafPem = readFileSync(provincePaths(base, 'alpha').client('admin').cert, 'utf8');
    const copied = new X509Certificate(selfSignedLike(leafPem).certPem);
    assert.equal(copied.subject, new X509Certificate(leafPem).subject);
    assert.equal(copied.issuer, real.subject);
  });

  it('publishes JWKS whose kid is the RFC 7638 thumbprint of the signing key', async () => {
    const files: Array<[string, string]> = [[gatewayPaths(base).assertionKey, gatewayPaths(base).assertionJwks]];
    for (const p of PROVINCES) {
      const pp = provincePaths(base, p.id);
      files.push([pp.idpKey, pp.idpJwks], [pp.sealKey, pp.sealJwks]);
    }
    const kids = new Set<string>();
    for (const [keyFile, jwksFile] of files) {
      const jwks = JSON.parse(readFileSync(jwksFile, 'utf8')) as { keys: JWK[] };
      assert.equal(jwks.keys.length, 1);
      const jwk = jwks.keys[0]!;
      assert.deepEqual(Object.keys(jwk), ['kty', 'crv', 'x', 'y', 'kid', 'alg', 'use']);
      assert.equal(jwk.kty, 'EC');
      assert.equal(jwk.crv, 'P-256');
      assert.equal(jwk.alg, 'ES256');
      assert.equal(jwk.use, 'sig');
      assert.equal(jwk.kid, await calculateJwkThumbprint({ kty: 'EC', crv: 'P-256', x: jwk.x!, y: jwk.y! }, 'sha256'));
      const pub = createPublicKey(createPrivateKey(readFileSync(keyFile))).export({ format: 'jwk' });
      assert.equal(pub.x, jwk.x, `${jwksFile} publishes the key in ${keyFile}`);
      assert.equal(pub.y, jwk.y);
      kids.add(jwk.kid!);
    }
    assert.equal(kids.size, files.length, 'every signing key is distinct');
  });

  it('derives a missing JWKS from the existing key and issues a missing certificate for the existing key', async () => {
    const dir = copyOfBase('partial');
    const pp = provincePaths(dir, 'beta');
    const jwksBefore = readFileSync(pp.idpJwks, 'utf8');
    const keyBefore = readFileSync(pp.idpKey, 'utf8');
    const clientKeyBefore = readFileSync(pp.client('counter').key, 'utf8');
    unlinkSync(pp.idpJwks);
    unlinkSync(pp.client('counter').cert);
    const result = await ensureDevPki({ certsDir: dir, provinces: PROVINCES });
    assert.deepEqual([...result.created].sort(), [pp.client('counter').cert, pp.idpJwks].sort());
    assert.equal(readFileSync(pp.idpJwks, 'utf8'), jwksBefore);
    assert.equal(readFileSync(pp.idpKey, 'utf8'), keyBefore);
    assert.equal(readFileSync(pp.client('counter').key, 'utf8'), clientKeyBefore);
    const cert = x509(pp.client('counter').cert);
    assert.ok(cert.checkPrivateKey(createPrivateKey(clientKeyBefore)));
    assertIssuedBy(cert, x509(pp.ca), 'reissued counter');
  });

  it('reissues the leaves (keeping their keys) when their CA was regenerated', async () => {
    const dir = copyOfBase('new-ca');
    const pp = provincePaths(dir, 'alpha');
    const leafKeys = [pp.serverKey, ...DEV_CLIENTS.map((c) => pp.client(c).key)];
    const keysBefore = leafKeys.map((f) => readFileSync(f, 'utf8'));
    const betaBefore = snapshot(path.join(dir, 'beta'));
    unlinkSync(pp.ca);
    unlinkSync(pp.caKey);
    const logs: string[] = [];
    const result = await ensureDevPki({ certsDir: dir, provinces: PROVINCES, log: (m) => logs.push(m) });
    const leafCerts = [pp.serverCert, ...DEV_CLIENTS.map((c) => pp.client(c).cert)];
    assert.deepEqual([...result.created].sort(), [pp.ca, pp.caKey, pp.crl, ...leafCerts].sort());
    assert.ok(logs.some((l) => /reissued: not issued by the current CA/.test(l)));
    assert.ok(
      logs.some((l) => /crl\.pem \(reissued: signature does not verify/.test(l)),
      "the old CA's CRL is replaced",
    );
    assert.equal((await verifyCrl(readFileSync(pp.crl), readFileSync(pp.ca))).crlNumber, 1n);
    assert.deepEqual(
      leafKeys.map((f) => readFileSync(f, 'utf8')),
      keysBefore,
    );
    const ca = x509(pp.ca);
    for (const f of leafCerts) assertIssuedBy(x509(f), ca, f);
    assert.deepEqual(snapshot(path.join(dir, 'beta')), betaBefore);
  });

  it('reissues an expired certificate', async () => {
    const dir = copyOfBase('expired');
    const pp = provincePaths(dir, 'alpha');
    const ca = { certPem: readFileSync(pp.ca, 'utf8'), keyPem: readFileSync(pp.caKey, 'utf8') };
    const old = issueCertificate({
      ca,
      commonName: 'alpha-app',
      organization: '甲省',
      kind: 'client',
      keyPem: readFileSync(pp.client('app').key, 'utf8'),
      notBefore: new Date(Date.now() - 10 * 86_400_000),
      notAfter: new Date(Date.now() - 86_400_000),
    });
    writeFileSync(pp.client('app').cert, old.certPem);
    const result = await ensureDevPki({ certsDir: dir, provinces: PROVINCES });
    assert.deepEqual(result.created, [pp.client('app').cert]);
    assert.ok(Date.parse(x509(pp.client('app').cert).validTo) > Date.now());
  });

  it('--force regenerates every key and certificate', async () => {
    const dir = copyOfBase('force');
    const before = snapshot(dir);
    const result = await ensureDevPki({ certsDir: dir, provinces: PROVINCES, force: true });
    assert.deepEqual([...result.created].sort(), expectedFiles(dir));
    assert.deepEqual(result.kept, []);
    const after = snapshot(dir);
    for (const [file, content] of after) {
      if (file.endsWith('README.txt')) continue;
      assert.notEqual(content, before.get(file), `${file} should be new`);
    }
    const pp = provincePaths(dir, 'beta');
    assertIssuedBy(x509(pp.client('admin').cert), x509(pp.ca), 'forced admin');
    assert.equal(statSync(pp.caKey).mode & 0o777, 0o600);
  });

  it('issues each province CA a CRL that verifies against it: v2, CRL number 1, no entries, next update in 30 days', async () => {
    for (const p of PROVINCES) {
      const pp = provincePaths(base, p.id);
      assert.match(readFileSync(pp.crl, 'utf8'), /^-----BEGIN X509 CRL-----\n/);
      const crl = await verifyCrl(readFileSync(pp.crl), readFileSync(pp.ca));
      assert.equal(crl.crlNumber, 1n);
      assert.equal(crl.revoked.size, 0);
      const days = (crl.nextUpdate - Date.now()) / 86_400_000;
      assert.ok(days > 29.9 && days <= 30, `next update in ${days} days`);
      await assert.rejects(verifyCrl(readFileSync(pp.crl), readFileSync(provincePaths(base, p.id === 'alpha' ? 'beta' : 'alpha').ca)));
    }
  });

  it('renews a CRL past half its validity with the next CRL number, keeping its entries', async () => {
    const dir = copyOfBase('crl-renew');
    const pp = provincePaths(dir, 'alpha');
    const ca = { certPem: readFileSync(pp.ca, 'utf8'), keyPem: readFileSync(pp.caKey, 'utf8') };
    const serial = normalizeSerial(x509(pp.client('counter').cert).serialNumber);
    const day = 86_400_000;
    writeFileSync(
      pp.crl,
      await issueCrl({
        ca,
        crlNumber: 7n,
        entries: [{ serial, revokedAt: new Date(Date.now() - 20 * day) }],
        thisUpdate: new Date(Date.now() - 16 * day),
        nextUpdate: new Date(Date.now() + 14 * day),
      }),
    );
    const logs: string[] = [];
    const result = await ensureDevPki({ certsDir: dir, provinces: PROVINCES, log: (m) => logs.push(m) });
    assert.deepEqual(result.created, [pp.crl]);
    assert.ok(
      logs.some((l) => /renewed: past half its validity, CRL number 8/.test(l)),
      logs.join('\n'),
    );
    const crl = await verifyCrl(readFileSync(pp.crl), ca.certPem);
    assert.equal(crl.crlNumber, 8n);
    assert.deepEqual([...crl.revoked], [serial]);
    assert.ok(crl.nextUpdate > Date.now() + 29 * day);
    // Not yet past half: kept as it is.
    const again = await ensureDevPki({ certsDir: dir, provinces: PROVINCES });
    assert.deepEqual(again.created, []);
  });

  describe('revoking a dev client (npm run pki -- --revoke)', () => {
    let dir: string;
    let configDir: string;
    const pki = (...args: string[]) => {
      const r = spawnSync(
        process.execPath,
        ['--import', 'tsx', path.join(ROOT_DIR, 'scripts/pki.ts'), ...args, '--certs-dir', dir, '--config-dir', configDir],
        {
          cwd: ROOT_DIR,
          encoding: 'utf8',
          env: { ...process.env, LOG_LEVEL: 'silent' },
        },
      );
      return { code: r.status, err: r.stderr };
    };

    before(() => {
      dir = copyOfBase('revoke');
      // A config naming the two test provinces, so the CLI works on this PKI.
      configDir = path.join(root, 'revoke-config');
      mkdirSync(path.join(configDir, 'provinces'), { recursive: true });
      writeFileSync(path.join(configDir, 'gateway.json'), JSON.stringify({ audience: 'test' }));
      PROVINCES.forEach((p, i) => {
        writeFileSync(
          path.join(configDir, 'provinces', `${p.id}.json`),
          JSON.stringify({
            id: p.id,
            divisionCode: p.divisionCode,
            name: p.name,
            shortName: p.name.slice(0, 1),
            platform: { name: p.name, romanized: p.id },
            typePrefix: p.id === 'alpha' ? 'Alpha' : 'Beta',
            enumValue: p.id.toUpperCase(),
            subgraph: { port: 4200 + i },
            idp: { issuer: `https://idp.${p.id}.test` },
            demo: { entries: 0, seed: 1 },
          }),
        );
      });
    });

    it("adds the client's serial and re-issues its province's CRL with the next number; nothing else changes", async () => {
      const before = snapshot(dir);
      const pp = provincePaths(dir, 'alpha');
      const serial = normalizeSerial(x509(pp.client('counter').cert).serialNumber);
      const r = pki('--revoke', 'alpha/counter');
      assert.equal(r.code, 0, r.err);
      assert.match(r.err, new RegExp(`revoked alpha/counter \\(serial ${serial}\\).*CRL number 2 with 1 revoked`));
      const crl = await verifyCrl(readFileSync(pp.crl), readFileSync(pp.ca));
      assert.equal(crl.crlNumber, 2n);
      assert.deepEqual([...crl.revoked], [serial]);
      const after = snapshot(dir);
      for (const [file, content] of after) if (file !== pp.crl) assert.equal(content, before.get(file), `${file} unchanged`);
      // Once more: already revoked, the CRL is left as it is.
      const crlBefore = readFileSync(pp.crl, 'utf8');
      const again = pki('--revoke', 'alpha/counter');
      assert.equal(again.code, 0, again.err);
      assert.match(again.err, /already revoked .*CRL number 2\); nothing changed/);
      assert.equal(readFileSync(pp.crl, 'utf8'), crlBefore);
      // A later `npm run pki` keeps the revocation.
      const ensured = await ensureDevPki({ certsDir: dir, provinces: PROVINCES });
      assert.deepEqual(ensured.created, []);
      assert.equal(readFileSync(pp.crl, 'utf8'), crlBefore);
    });

    it('refuses an unknown province or client, or a malformed target, with exit code 2 and changes nothing', () => {
      const before = snapshot(dir);
      const province = pki('--revoke', 'gamma/counter');
      assert.equal(province.code, 2);
      assert.match(province.err, /unknown province "gamma" \(configured: alpha, beta\)/);
      const client = pki('--revoke', 'beta/clerk');
      assert.equal(client.code, 2);
      assert.match(client.err, /unknown client "clerk" of beta/);
      for (const target of ['beta', 'beta/../x', 'beta/App']) assert.equal(pki('--revoke', target).code, 2, target);
      assert.deepEqual(snapshot(dir), before);
    });

    it('revokeDevClient refuses a certificate its province CA did not issue', async () => {
      const d = copyOfBase('revoke-foreign');
      cpSync(provincePaths(d, 'beta').client('app').cert, provincePaths(d, 'alpha').client('app').cert);
      await assert.rejects(revokeDevClient({ certsDir: d, province: 'alpha', client: 'app' }), /not issued by the current alpha CA/);
    });
  });

  it('is safe when two runs bootstrap the same folder at once', async () => {
    const dir = path.join(root, 'parallel');
    const [a, b] = await Promise.all([ensureDevPki({ certsDir: dir, provinces: [] }), ensureDevPki({ certsDir: dir, provinces: [] })]);
    assert.equal(a.created.length + b.created.length, 9);
    assert.ok(a.created.length === 0 || b.created.length === 0, 'one run created, the other kept');
    const g = gatewayPaths(dir);
    assertIssuedBy(x509(g.serverCert), x509(g.ca), 'gateway server');
    assert.ok(x509(g.ca).checkPrivateKey(createPrivateKey(readFileSync(g.caKey))));
    assert.equal(existsSync(path.join(dir, '.dev-pki.lock')), false);
  });

  it('refuses a province id that would escape or collide with the layout', async () => {
    await assert.rejects(ensureDevPki({ certsDir: path.join(root, 'bad'), provinces: [{ id: '../x', name: 'x', divisionCode: '1' }] }), /invalid province id/);
    await assert.rejects(ensureDevPki({ certsDir: path.join(root, 'bad'), provinces: [{ id: 'gateway', name: 'x', divisionCode: '1' }] }), /reserved/);
  });

  describe('helpers', () => {
    it('createCa / issueCertificate honour names, SANs and validity', () => {
      const notBefore = new Date('2030-01-01T00:00:00Z');
      const notAfter = new Date('2031-01-01T00:00:00Z');
      const ca = createCa({ commonName: 'Test Root', organization: '测试', notBefore, notAfter });
      const caCert = new X509Certificate(ca.certPem);
      assert.equal(caCert.subject, 'O=测试\nCN=Test Root');
      assert.equal(new Date(caCert.validFrom).toISOString(), notBefore.toISOString());
      assert.equal(new Date(caCert.validTo).toISOString(), notAfter.toISOString());
      const leaf = issueCertificate({ ca, commonName: 'svc', kind: 'server', sans: ['svc.internal', 'IP:10.0.0.1', 'DNS:alt'] });
      const leafCert = new X509Certificate(leaf.certPem);
      assert.equal(leafCert.subjectAltName, 'DNS:svc.internal, IP Address:10.0.0.1, DNS:alt');
      assertIssuedBy(leafCert, caCert, 'helper leaf');
      assert.ok(leafCert.checkPrivateKey(createPrivateKey(leaf.keyPem)));
      assert.equal(createPrivateKey(leaf.keyPem).asymmetricKeyDetails?.modulusLength, 2048);
    });

    it('createSigningKey returns a P-256 key, its JWKS and kid', async () => {
      const k = await createSigningKey();
      const key = createPrivateKey(k.privatePem);
      assert.equal(key.asymmetricKeyType, 'ec');
      assert.equal(key.asymmetricKeyDetails?.namedCurve, 'prime256v1');
      assert.equal(k.jwks.keys[0]?.kid, k.kid);
      assert.equal('d' in k.jwks.keys[0]!, false, 'no private member in the public JWKS');
    });
  });
});
