import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { createHash, createPrivateKey } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CompactSign, decodeProtectedHeader, exportJWK, generateKeyPair, type JSONWebKeySet } from 'jose';
import { ensureDevPki } from '../../common/pki/dev-pki.js';
import { provincePaths } from '../../common/pki/paths.js';
import { holderIdHash, maskHolderId } from '../../domain/certificate.js';
import { formatCertificateId } from '../../domain/certificate-id.js';
import { sealCertificate } from '../../domain/certificate-seal.js';
import { RECEIPT_RESULTS, receiptRequestHash, signReceipt, verifyReceipt, type ReceiptCheck, type ReceiptInput } from '../../domain/receipt.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const PROVINCES = [
  { id: 'alpha', name: '甲市', divisionCode: '500000' },
  { id: 'beta', name: '乙省', divisionCode: '510000' },
];
const SALT = 'alpha-holder-salt-000000000001';
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

interface ProvinceKey {
  pem: string;
  kid: string;
  jwks: JSONWebKeySet;
  jwksFile: string;
}

const b64 = (s: string) => Buffer.from(s).toString('base64url');

function reason(r: ReceiptCheck): string {
  assert.equal(r.ok, false, 'expected the receipt to be refused');
  return (r as { ok: false; reason: string }).reason;
}

describe('verification receipts', function () {
  this.timeout(120_000);
  let tmp: string;
  let certsDir: string;
  let configDir: string;
  let alpha: ProvinceKey;
  let beta: ProvinceKey;
  let input: ReceiptInput;
  let receipt: string;
  let keys: Record<string, JSONWebKeySet>;

  before(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'chuanyu-receipt-'));
    certsDir = path.join(tmp, 'certs');
    await ensureDevPki({ certsDir, provinces: PROVINCES });
    const load = (id: string): ProvinceKey => {
      const pp = provincePaths(certsDir, id);
      const jwks = JSON.parse(readFileSync(pp.sealJwks, 'utf8')) as JSONWebKeySet;
      return { pem: readFileSync(pp.sealKey, 'utf8'), kid: jwks.keys[0]!.kid!, jwks, jwksFile: pp.sealJwks };
    };
    alpha = load('alpha');
    beta = load('beta');
    keys = { alpha: alpha.jwks, beta: beta.jwks };

    // A config directory naming the two fake provinces, for the CLI's default key loading.
    configDir = path.join(tmp, 'config');
    mkdirSync(path.join(configDir, 'provinces'), { recursive: true });
    writeFileSync(path.join(configDir, 'gateway.json'), JSON.stringify({ audience: 'https://gateway.test' }));
    PROVINCES.forEach((p, i) => {
      writeFileSync(
        path.join(configDir, 'provinces', `${p.id}.json`),
        JSON.stringify({
          ...p,
          shortName: p.name.charAt(0),
          platform: { name: `${p.name}通办`, romanized: p.id },
          typePrefix: p.id === 'alpha' ? 'Alpha' : 'Beta',
          enumValue: p.id.toUpperCase(),
          subgraph: { host: 'localhost', port: 4900 + i },
          idp: { issuer: `https://idp.${p.id}.test` },
          demo: { entries: 0, seed: 1 },
        }),
      );
    });

    input = {
      requestId: 'req-7f3c2a10-0001',
      requester: { province: 'beta', subject: 'counter-0042', certThumbprint: createHash('sha256').update('client cert DER').digest('base64url') },
      purpose: '办理跨省食品经营许可变更',
      certificateId: formatCertificateId({ typeCode: '11100000000015106N002', issuerCode: '11500112088982714R', serial: '2024000123', version: 1 }),
      result: 'VALID',
      checkedAt: new Date('2025-11-03T06:15:42.123Z'),
      holderIdHash: holderIdHash(SALT, 'USCC', '91500112MAKLC5YWX5'),
    };
    receipt = await signReceipt(input, alpha.pem, alpha.kid, 'alpha');
  });

  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('hashes the request as base64url SHA-256 of its sorted-key JSON', () => {
    const req = {
      certificateId: '1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U',
      purpose: '用证事由',
      holderIdHash: 'a'.repeat(64),
      requesterProvince: 'beta',
      requesterSubject: 'counter-1',
      requestId: 'r1',
    };
    const canonical =
      '{"certificateId":"1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U",' +
      `"holderIdHash":"${'a'.repeat(64)}","purpose":"用证事由","requestId":"r1","requesterProvince":"beta","requesterSubject":"counter-1"}`;
    assert.equal(receiptRequestHash(req), createHash('sha256').update(canonical, 'utf8').digest('base64url'));
    assert.notEqual(receiptRequestHash({ ...req, purpose: '其他事由' }), receiptRequestHash(req));
    assert.notEqual(receiptRequestHash({ ...req, holderIdHash: 'b'.repeat(64) }), receiptRequestHash(req));
  });

  it('signs with ES256, kid and typ verification-receipt+jwt, and verifies with the issuer’s keys', async () => {
    assert.deepEqual(decodeProtectedHeader(receipt), { alg: 'ES256', kid: alpha.kid, typ: 'verification-receipt+jwt' });
    const r = await verifyReceipt(receipt, keys);
    assert.ok(r.ok, JSON.stringify(r));
    assert.equal(r.province, 'alpha');
    assert.equal(r.kid, alpha.kid);
    assert.deepEqual(r.claims, {
      iss: 'province:alpha',
      jti: 'req-7f3c2a10-0001',
      iat: Math.floor(Date.parse('2025-11-03T06:15:42.123Z') / 1000),
      requester: input.requester,
      purpose: '办理跨省食品经营许可变更',
      certificateId: input.certificateId,
      result: 'VALID',
      checkedAt: '2025-11-03T06:15:42.123Z',
      requestHash: receiptRequestHash({
        certificateId: input.certificateId,
        purpose: input.purpose,
        holderIdHash: input.holderIdHash,
        requesterProvince: 'beta',
        requesterSubject: 'counter-0042',
        requestId: 'req-7f3c2a10-0001',
      }),
    });
    // The key set may also come from a lookup function.
    assert.ok((await verifyReceipt(receipt, (p) => (p === 'alpha' ? alpha.jwks : undefined))).ok);
    for (const result of RECEIPT_RESULTS) {
      const r2 = await verifyReceipt(await signReceipt({ ...input, result }, alpha.pem, alpha.kid, 'alpha'), keys);
      assert.ok(r2.ok && r2.claims.result === result);
    }
  });

  it('fails when any single character is altered (header, payload, signature, separators)', async () => {
    const dots = [receipt.indexOf('.'), receipt.lastIndexOf('.')];
    const ends = [0, dots[0]! - 1, dots[0]! + 1, dots[1]! - 1, dots[1]! + 1, receipt.length - 1];
    const positions = new Set<number>([...dots, ...ends]);
    for (let k = 0; positions.size < 56; k += 1) positions.add(Math.floor(((k + 0.5) * receipt.length) / 50) % receipt.length);
    let tried = 0;
    for (const i of positions) {
      const original = receipt[i]!;
      // The next character of the alphabet flips only the lowest bit(s); at a segment's last
      // character that may change only unused bits, which a lax decoder would ignore.
      const alternatives = ends.includes(i) ? [...B64URL].filter((c) => c !== original) : [];
      if (original === '.') alternatives.push('A', '-');
      else {
        const j = B64URL.indexOf(original);
        alternatives.push(B64URL[(j + 1) % 64]!, B64URL[(j + 32) % 64]!, '.', '=');
      }
      for (const c of alternatives) {
        const altered = receipt.slice(0, i) + c + receipt.slice(i + 1);
        const r = await verifyReceipt(altered, keys);
        assert.equal(r.ok, false, `alteration at ${i} (${original} → ${c}) accepted`);
        assert.ok(!reason(r).includes(receipt.slice(0, 20)));
        tried += 1;
      }
    }
    assert.ok(positions.size >= 50 && tried > 400, `${positions.size} positions, ${tried} alterations`);
    assert.equal((await verifyReceipt(`${receipt}A`, keys)).ok, false);
    assert.match(reason(await verifyReceipt(`${receipt}=`, keys)), /canonical base64url/);
    assert.match(reason(await verifyReceipt(` ${receipt}`, keys)), /compact JWS/);
  });

  it("fails with the wrong province's keys, and a receipt cannot claim another issuer", async () => {
    assert.equal(reason(await verifyReceipt(receipt, { alpha: beta.jwks })), 'no published key matches the kid');
    assert.equal(reason(await verifyReceipt(receipt, { beta: beta.jwks })), 'no published seal keys for the issuing province');
    // Signed by beta but claiming to be alpha: checked against alpha's keys, so it fails.
    const forged = await signReceipt(input, beta.pem, alpha.kid, 'alpha');
    assert.equal(reason(await verifyReceipt(forged, keys)), 'signature invalid');
    const honestBeta = await signReceipt(input, beta.pem, beta.kid, 'beta');
    assert.ok((await verifyReceipt(honestBeta, keys)).ok);
    assert.equal(reason(await verifyReceipt(honestBeta, { alpha: alpha.jwks })), 'no published seal keys for the issuing province');
  });

  it('looks up only own properties of the key map', async () => {
    const payload = JSON.parse(Buffer.from(receipt.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
    for (const p of ['constructor', 'hasownproperty', 'tostring']) {
      const jws = await new CompactSign(Buffer.from(JSON.stringify({ ...payload, iss: `province:${p}` })))
        .setProtectedHeader({ alg: 'ES256', kid: alpha.kid, typ: 'verification-receipt+jwt' })
        .sign(createPrivateKey(alpha.pem));
      assert.equal(reason(await verifyReceipt(jws, keys)), 'no published seal keys for the issuing province');
    }
  });

  it('refuses alg none, HS256 keyed with the public key, and key-bearing headers', async () => {
    const [, payload] = receipt.split('.') as [string, string, string];
    const header = (h: object) => b64(JSON.stringify(h));
    const typ = 'verification-receipt+jwt';

    const none = `${header({ alg: 'none', typ })}.${payload}.`;
    assert.match(reason(await verifyReceipt(none, keys)), /compact JWS/);
    const noneSigned = `${header({ alg: 'none', typ, kid: alpha.kid })}.${payload}.${b64('sig')}`;
    assert.equal(reason(await verifyReceipt(noneSigned, keys)), 'algorithm not allowed (ES256 only)');

    const bytes = Buffer.from(payload, 'base64url');
    for (const secret of [readFileSync(alpha.jwksFile), Buffer.from(JSON.stringify(alpha.jwks.keys[0]))]) {
      const hs = await new CompactSign(bytes).setProtectedHeader({ alg: 'HS256', typ, kid: alpha.kid }).sign(secret);
      assert.equal(reason(await verifyReceipt(hs, keys)), 'algorithm not allowed (ES256 only)');
    }

    const attacker = await generateKeyPair('ES256');
    const jwk = await exportJWK(attacker.publicKey);
    for (const extra of [{ jwk }, { jku: 'https://attacker.example/jwks.json' }, { x5u: 'https://attacker.example/cert.pem' }, { x5c: ['MIIB'] }]) {
      const jws = await new CompactSign(bytes).setProtectedHeader({ alg: 'ES256', typ, kid: alpha.kid, ...extra }).sign(attacker.privateKey);
      assert.equal(reason(await verifyReceipt(jws, keys)), 'key-bearing header (jku/jwk/x5u/x5c) refused');
    }
    const noKid = await new CompactSign(bytes).setProtectedHeader({ alg: 'ES256', typ }).sign(createPrivateKey(alpha.pem));
    assert.equal(reason(await verifyReceipt(noKid, keys)), 'missing kid');
    const ps = await new CompactSign(bytes).setProtectedHeader({ alg: 'ES384', typ, kid: alpha.kid }).sign((await generateKeyPair('ES384')).privateKey);
    assert.equal(reason(await verifyReceipt(ps, keys)), 'algorithm not allowed (ES256 only)');
  });

  it('refuses a certificate seal made with the same key, and signed but malformed claims', async () => {
    const id = input.certificateId;
    const seal = await sealCertificate(
      {
        id,
        typeCode: '11100000000015106N002',
        typeName: '食品经营许可证',
        number: 'JY25001120000001',
        name: '食品经营许可证',
        issuerName: '甲市渝北区市场监督管理局',
        issuerCode: '11500112088982714R',
        issuerDivisionCode: '500112',
        definingAuthority: '国家市场监督管理总局',
        issueDate: '2024-01-02',
        validFrom: '2024-01-02',
        validTo: '2029-01-01',
        holder: { name: '甲市鑫泰餐饮管理有限公司', idType: 'USCC', idHash: input.holderIdHash, idMasked: maskHolderId('USCC', '91500112MAKLC5YWX5') },
        status: 'VALID',
        revokedAt: null,
        revocationReason: null,
      },
      alpha.pem,
      alpha.kid,
    );
    assert.equal(reason(await verifyReceipt(seal, keys)), 'wrong typ (expected verification-receipt+jwt)');

    const payload = JSON.parse(Buffer.from(receipt.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
    const signed = (claims: unknown) =>
      new CompactSign(Buffer.from(typeof claims === 'string' ? claims : JSON.stringify(claims)))
        .setProtectedHeader({ alg: 'ES256', kid: alpha.kid, typ: 'verification-receipt+jwt' })
        .sign(createPrivateKey(alpha.pem));
    const cases: [unknown, RegExp][] = [
      [{ ...payload, result: 'ISSUER_UNAVAILABLE' }, /claims malformed: result/],
      [{ ...payload, extra: 1 }, /claims malformed/],
      [{ ...payload, certificateId: `${id.slice(0, -1)}${id.endsWith('A') ? 'B' : 'A'}` }, /claims malformed: certificateId/],
      [{ ...payload, requestHash: 'short' }, /claims malformed: requestHash/],
      [{ ...payload, iat: Number(payload.iat) + 60 }, /iat does not match checkedAt/],
      [{ ...payload, requester: { ...(payload.requester as object), certThumbprint: undefined } }, /claims malformed: requester\.certThumbprint/],
      [{ ...payload, iss: 'alpha' }, /iss does not name a province/],
      ['not json', /payload is not JSON/],
    ];
    for (const [claims, re] of cases) assert.match(reason(await verifyReceipt(await signed(claims), keys)), re);
    assert.match(reason(await verifyReceipt('', keys)), /empty/);
    assert.match(reason(await verifyReceipt('a'.repeat(9000), keys)), /longer than 8192/);
    assert.match(reason(await verifyReceipt(42 as unknown as string, keys)), /must be a string/);
  });

  it('refuses to sign malformed receipts', async () => {
    await assert.rejects(signReceipt({ ...input, certificateId: 'x' }, alpha.pem, alpha.kid, 'alpha'), /certificateId/);
    await assert.rejects(signReceipt({ ...input, result: 'ISSUER_UNAVAILABLE' as 'VALID' }, alpha.pem, alpha.kid, 'alpha'), /result/);
    await assert.rejects(signReceipt({ ...input, holderIdHash: '91500112MAKLC5YWX5' }, alpha.pem, alpha.kid, 'alpha'), /holderIdHash/);
    await assert.rejects(signReceipt({ ...input, checkedAt: 'yesterday' }, alpha.pem, alpha.kid, 'alpha'), /checkedAt/);
    await assert.rejects(signReceipt({ ...input, requester: { ...input.requester, certThumbprint: 'AA' } }, alpha.pem, alpha.kid, 'alpha'), /certThumbprint/);
    await assert.rejects(signReceipt(input, alpha.pem, alpha.kid, 'Alpha!'), /province id/);
    await assert.rejects(signReceipt(input, alpha.pem, '', 'alpha'), /kid/);
  });

  describe('receipt:verify CLI', () => {
    const run = (...args: string[]) => {
      const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/receipt-verify.ts', ...args], {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 60_000,
      });
      return { code: r.status, out: r.stdout, err: r.stderr };
    };

    it('verifies with explicit --jwks files and reads a receipt from @file', () => {
      const ok = run(receipt, '--jwks', `alpha=${alpha.jwksFile}`, '--jwks', `beta=${beta.jwksFile}`);
      assert.equal(ok.out, `VALID receipt: VALID for ${input.certificateId}, issued by alpha at 2025-11-03T06:15:42.123Z\n`, ok.err);
      assert.equal(ok.code, 0);
      const file = path.join(tmp, 'receipt.jws');
      writeFileSync(file, `${receipt}\n`);
      const fromFile = run('--', `@${file}`, `--jwks=alpha=${alpha.jwksFile}`);
      assert.equal(fromFile.code, 0, fromFile.out + fromFile.err);
      assert.match(fromFile.out, /^VALID receipt: VALID for /);
    });

    it('loads every configured province’s seal JWKS by default', () => {
      const ok = run(receipt, '--certs-dir', certsDir, '--config-dir', configDir);
      assert.equal(ok.code, 0, ok.out + ok.err);
      assert.match(ok.out, /issued by alpha at 2025-11-03T06:15:42\.123Z/);
    });

    it('reports an invalid receipt with exit 1 and usage errors with exit 2', async () => {
      const i = receipt.length - 30;
      const tampered = receipt.slice(0, i) + (receipt[i] === 'A' ? 'B' : 'A') + receipt.slice(i + 1);
      const bad = run(tampered, '--certs-dir', certsDir, '--config-dir', configDir);
      assert.equal(bad.code, 1);
      assert.equal(bad.out, 'INVALID receipt: signature invalid\n');
      const wrongKeys = run(receipt, '--jwks', `alpha=${beta.jwksFile}`);
      assert.equal(wrongKeys.code, 1);
      assert.equal(wrongKeys.out, 'INVALID receipt: no published key matches the kid\n');
      assert.equal(run().code, 2);
      assert.equal(run(receipt, '--jwks', 'alpha').code, 2);
      assert.equal(run(receipt, '--bogus').code, 2);
      const missing = run(receipt, '--jwks', `alpha=${path.join(tmp, 'missing.json')}`);
      assert.equal(missing.code, 2);
      assert.match(missing.err, /cannot read JWKS for alpha/);
      const privateFile = path.join(tmp, 'private-jwks.json');
      writeFileSync(privateFile, JSON.stringify({ keys: [await exportJWK((await generateKeyPair('ES256', { extractable: true })).privateKey)] }));
      const privateKeys = run(receipt, '--jwks', `alpha=${privateFile}`);
      assert.equal(privateKeys.code, 2);
      assert.match(privateKeys.err, /private key material/);
    });
  });
});
