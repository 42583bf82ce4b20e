import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, errors, type JSONWebKeySet } from 'jose';
import { ROOT_DIR, type ProvinceConfig } from '../../common/config.js';
import { mintDevToken, readDevIdpKey } from '../../common/dev-token.js';
import { createSigningKey, ensureDevPki } from '../../common/pki/dev-pki.js';
import { provincePaths } from '../../common/pki/paths.js';
import { certFingerprint256, certThumbprintS256, pemToDer, readPemChain } from '../../common/pki/thumbprint.js';

const AUDIENCE = 'https://gateway.test';

function fakeProvince(id: string, name: string, divisionCode: string, port: number): ProvinceConfig {
  const prefix = id[0]!.toUpperCase() + id.slice(1);
  return {
    id,
    divisionCode,
    name,
    shortName: name[0]!,
    platform: { name: `${name}平台`, romanized: prefix },
    typePrefix: prefix,
    enumValue: id.toUpperCase(),
    subgraph: { host: 'localhost', port },
    sync: { onSourceChange: 'follow', pollMs: 500, leaseMs: 15_000, feedPage: 500 },
    idp: { issuer: `https://idp.${id}.test` },
    demo: { entries: 1, seed: 1 },
    file: `${id}.json`,
  };
}

const alpha = fakeProvince('alpha', '甲省', '500000', 4201);
const beta = fakeProvince('beta', '乙省', '510000', 4202);

describe('dev token minting', function () {
  this.timeout(30_000);
  let root: string;
  let certsDir: string;
  let alphaJwks: ReturnType<typeof createLocalJWKSet>;
  let betaJwks: ReturnType<typeof createLocalJWKSet>;

  const readJwks = (id: string) => JSON.parse(readFileSync(provincePaths(certsDir, id).idpJwks, 'utf8')) as JSONWebKeySet;
  const verifyAlpha = (token: string) => jwtVerify(token, alphaJwks, { issuer: alpha.idp.issuer, audience: AUDIENCE, typ: 'at+jwt', algorithms: ['ES256'] });

  before(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'dev-token-test-'));
    certsDir = path.join(root, 'certs');
    await ensureDevPki({ certsDir, provinces: [alpha, beta] });
    alphaJwks = createLocalJWKSet(readJwks('alpha'));
    betaJwks = createLocalJWKSet(readJwks('beta'));
  });

  after(() => rmSync(root, { recursive: true, force: true }));

  it('mints an RFC 9068 access token that verifies against the province JWKS', async () => {
    const token = await mintDevToken({ certsDir, province: alpha, audience: AUDIENCE, client: 'app', scope: 'catalogue:read' });
    const { payload, protectedHeader } = await verifyAlpha(token);
    assert.equal(protectedHeader.alg, 'ES256');
    assert.equal(protectedHeader.typ, 'at+jwt');
    assert.equal(protectedHeader.kid, readJwks('alpha').keys[0]!.kid);
    assert.deepEqual(Object.keys(protectedHeader).sort(), ['alg', 'kid', 'typ']);
    assert.equal(payload.iss, 'https://idp.alpha.test');
    assert.equal(payload.sub, 'alpha:app');
    assert.equal(payload.aud, AUDIENCE);
    assert.equal(payload.client_id, 'app');
    assert.equal(payload.scope, 'catalogue:read');
    assert.equal(payload.nbf, payload.iat);
    assert.equal(payload.exp! - payload.iat!, 300);
    assert.ok(Math.abs(payload.iat! - Date.now() / 1000) < 5);
    assert.match(String(payload.jti), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('binds the token to the client certificate (RFC 8705 cnf x5t#S256)', async () => {
    for (const client of ['app', 'counter', 'admin']) {
      const token = await mintDevToken({ certsDir, province: beta, audience: AUDIENCE, client, scope: 'certificate:verify' });
      const certPem = readFileSync(provincePaths(certsDir, 'beta').client(client).cert, 'utf8');
      const cnf = decodeJwt(token).cnf as Record<string, unknown>;
      assert.deepEqual(Object.keys(cnf), ['x5t#S256']);
      assert.equal(cnf['x5t#S256'], certThumbprintS256(certPem));
      // Same value from the DER a TLS socket would give (getPeerCertificate().raw).
      assert.equal(cnf['x5t#S256'], certThumbprintS256(new X509Certificate(certPem).raw));
    }
  });

  it('keeps several scopes space-separated, honours lifetime, subject and now', async () => {
    const now = Math.floor(Date.now() / 1000) - 10;
    const token = await mintDevToken({
      certsDir,
      province: alpha,
      audience: AUDIENCE,
      client: 'admin',
      scope: '  catalogue:read   catalogue:admin ',
      lifetimeSeconds: 60,
      subject: 'alpha:admin:zhang',
      now,
    });
    const { payload } = await verifyAlpha(token);
    assert.equal(payload.scope, 'catalogue:read catalogue:admin');
    assert.equal(payload.iat, now);
    assert.equal(payload.exp! - payload.iat!, 60);
    assert.equal(payload.sub, 'alpha:admin:zhang');
    assert.equal(payload.client_id, 'admin');
    const again = await mintDevToken({ certsDir, province: alpha, audience: AUDIENCE, client: 'admin', scope: 'x', now });
    assert.notEqual(decodeJwt(again).jti, payload.jti);
  });

  it('signs under the kid of the published key that matches the signing key (a rotation lists new and old keys in any order)', async () => {
    const dir = path.join(root, 'rotated');
    cpSync(certsDir, dir, { recursive: true });
    const pp = provincePaths(dir, 'alpha');
    const old = readJwks('alpha');
    const fresh = await createSigningKey();
    writeFileSync(pp.idpKey, fresh.privatePem);
    writeFileSync(pp.idpJwks, JSON.stringify({ keys: [...old.keys, ...fresh.jwks.keys] }));
    assert.equal(readDevIdpKey(dir, 'alpha').kid, fresh.kid);
    const token = await mintDevToken({ certsDir: dir, province: alpha, audience: AUDIENCE, client: 'app', scope: 'catalogue:read' });
    assert.equal(decodeProtectedHeader(token).kid, fresh.kid);
    await jwtVerify(token, createLocalJWKSet(JSON.parse(readFileSync(pp.idpJwks, 'utf8'))), { issuer: alpha.idp.issuer, audience: AUDIENCE });
  });

  it("does not verify against the other province's JWKS", async () => {
    const token = await mintDevToken({ certsDir, province: alpha, audience: AUDIENCE, client: 'app', scope: 'catalogue:read' });
    await assert.rejects(jwtVerify(token, betaJwks), errors.JWKSNoMatchingKey);
  });

  it('applies header and claim overrides, so tests can craft bad tokens', async () => {
    const wrongTyp = await mintDevToken({
      certsDir,
      province: alpha,
      audience: AUDIENCE,
      client: 'app',
      scope: 'catalogue:read',
      overrides: { header: { typ: 'JWT' } },
    });
    assert.equal(decodeProtectedHeader(wrongTyp).typ, 'JWT');
    await assert.rejects(verifyAlpha(wrongTyp), errors.JWTClaimValidationFailed);

    const extra = await mintDevToken({
      certsDir,
      province: alpha,
      audience: AUDIENCE,
      client: 'app',
      scope: 'catalogue:read',
      overrides: { header: { jku: 'https://evil.test/jwks' }, claims: { iss: 'https://evil.test', roles: ['root'], exp: undefined } },
    });
    assert.equal(decodeProtectedHeader(extra).jku, 'https://evil.test/jwks');
    const claims = decodeJwt(extra);
    assert.equal(claims.iss, 'https://evil.test');
    assert.deepEqual(claims.roles, ['root']);
    assert.equal('exp' in claims, false, 'undefined removes a claim');

    const none = await mintDevToken({
      certsDir,
      province: alpha,
      audience: AUDIENCE,
      client: 'app',
      scope: 'catalogue:read',
      overrides: { header: { alg: 'none' } },
    });
    assert.match(none, /^[\w-]+\.[\w-]+\.$/);
    await assert.rejects(verifyAlpha(none));

    const hs = await mintDevToken({
      certsDir,
      province: alpha,
      audience: AUDIENCE,
      client: 'app',
      scope: 'catalogue:read',
      overrides: { header: { alg: 'HS256' } },
    });
    assert.equal(decodeProtectedHeader(hs).alg, 'HS256');
    await assert.rejects(verifyAlpha(hs));

    const expired = await mintDevToken({
      certsDir,
      province: alpha,
      audience: AUDIENCE,
      client: 'app',
      scope: 'catalogue:read',
      now: Math.floor(Date.now() / 1000) - 3600,
    });
    await assert.rejects(verifyAlpha(expired), errors.JWTExpired);
  });

  it('explains missing dev PKI files', async () => {
    await assert.rejects(
      mintDevToken({ certsDir: path.join(root, 'empty'), province: alpha, audience: AUDIENCE, client: 'app', scope: 'catalogue:read' }),
      /npm run pki/,
    );
  });

  describe('thumbprints', () => {
    it('x5t#S256 and fingerprint agree for PEM text, PEM bytes and DER', () => {
      const pem = readFileSync(provincePaths(certsDir, 'alpha').ca, 'utf8');
      const cert = new X509Certificate(pem);
      assert.deepEqual(pemToDer(pem), cert.raw);
      const expectedHex = cert.fingerprint256.replace(/:/g, '').toLowerCase();
      assert.equal(certFingerprint256(pem), expectedHex);
      assert.equal(certFingerprint256(cert.raw), expectedHex);
      assert.equal(certFingerprint256(Buffer.from(pem)), expectedHex);
      assert.equal(certThumbprintS256(pem), Buffer.from(expectedHex, 'hex').toString('base64url'));
      assert.doesNotMatch(certThumbprintS256(pem), /[=+/]/);
    });

    it('readPemChain returns every certificate of a bundle in order', () => {
      const pp = provincePaths(certsDir, 'beta');
      const leaf = readFileSync(pp.serverCert, 'utf8');
      const ca = readFileSync(pp.ca, 'utf8');
      const chain = readPemChain(`${leaf}\n# comment\n${ca}`);
      assert.equal(chain.length, 2);
      assert.deepEqual(chain[0], pemToDer(leaf));
      assert.deepEqual(chain[1], pemToDer(ca));
      assert.throws(() => pemToDer('not a cert'), /no PEM certificate/);
    });
  });

  describe('token CLI', () => {
    let configDir: string;
    const run = (...args: string[]) =>
      spawnSync(
        process.execPath,
        ['--import', 'tsx', path.join(ROOT_DIR, 'scripts', 'token.ts'), '--config-dir', configDir, '--certs-dir', certsDir, ...args],
        {
          cwd: ROOT_DIR,
          encoding: 'utf8',
        },
      );

    before(() => {
      configDir = path.join(root, 'config');
      mkdirSync(path.join(configDir, 'provinces'), { recursive: true });
      writeFileSync(path.join(configDir, 'gateway.json'), JSON.stringify({ audience: AUDIENCE }));
      for (const p of [alpha, beta]) {
        const { file: _file, ...json } = p;
        writeFileSync(path.join(configDir, 'provinces', `${p.id}.json`), JSON.stringify(json));
      }
    });

    it('--offline: prints only the JWT on stdout; accepts a division code or enum value', async () => {
      const out = run('--offline', '--province', '510000', '--client', 'counter', '--scope', 'certificate:verify', '--lifetime', '120');
      assert.equal(out.status, 0, out.stderr);
      assert.match(out.stdout, /^[\w-]+\.[\w-]+\.[\w-]+\n$/);
      const claims = decodeJwt(out.stdout.trim());
      assert.equal(claims.iss, beta.idp.issuer);
      assert.equal(claims.client_id, 'counter');
      assert.equal(claims.exp! - claims.iat!, 120);
      const byEnum = run('--offline', '--province', 'ALPHA', '--client', 'app');
      assert.equal(byEnum.status, 0, byEnum.stderr);
      assert.equal(decodeJwt(byEnum.stdout.trim()).scope, 'catalogue:read');
    });

    it('without --offline asks the IdP; one that cannot be reached is a clear failure (exit 1) naming npm start and --offline', () => {
      // alpha's issuer names a host that does not resolve; nothing is printed on stdout.
      const out = run('--province', 'alpha', '--client', 'app');
      assert.equal(out.status, 1, out.stderr);
      assert.equal(out.stdout, '');
      assert.match(
        out.stderr,
        /^token: the alpha dev IdP \(https:\/\/idp\.alpha\.test\) is not reachable \([^)]+\)\. Start the stack with `npm start`.*--offline/,
      );
    });

    it('exits 2 with a clear message for an unknown province or client, or a missing PKI', () => {
      const badProvince = run('--province', 'gamma', '--client', 'app');
      assert.equal(badProvince.status, 2);
      assert.equal(badProvince.stdout, '');
      assert.match(badProvince.stderr, /unknown province "gamma"/);
      const badClient = run('--province', 'alpha', '--client', 'root');
      assert.equal(badClient.status, 2);
      assert.match(badClient.stderr, /unknown client "root"/);
      const noPki = run('--offline', '--province', 'alpha', '--client', 'app', '--certs-dir', path.join(root, 'nothing'));
      assert.equal(noPki.status, 2);
      assert.match(noPki.stderr, /run `npm run pki` first/);
    });
  });
});
