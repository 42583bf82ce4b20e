// Journey 2: a clerk at a counter of one province verifies an e-certificate issued in the
// other, and gets an answer signed by the issuing province that holds up offline.
import { strict as assert } from 'node:assert';
import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { ROOT_DIR } from '../../common/config.js';
import { provincePaths } from '../../common/pki/paths.js';
import { CERTIFICATE_TYPES, certificateCheckChar, formatCertificateId, parseCertificateId } from '../../domain/certificate-id.js';
import { isValidResidentId } from '../../domain/certificate.js';
import { generateDemoCertificates, type DemoCertificate } from '../../domain/demo/certificates.js';
import { verifyReceipt } from '../../domain/receipt.js';
import { makeUscc } from '../../domain/uscc.js';
import { loadSealKeys } from '../../subgraphs/catalogue/certificates/seal-keys.js';
import { certificateStoreFile } from '../../subgraphs/catalogue/certificates/certificate-store.js';
import { clientIdentity, gql, startStack, type TestStack } from '../support/stack.js';

const VERIFY = `mutation($input: VerifyCertificateInput!) { verifyCertificate(input: $input) {
  result identifier issuingProvince checkedAt receipt receiptKeyId requestId } }`;

describe('journey: cross-province e-certificate verification', function () {
  let stack: TestStack;
  const today = new Date().toISOString().slice(0, 10);
  const demo = new Map<string, DemoCertificate[]>();
  const counter = (province: string) => ({ province, client: 'counter', scope: 'certificate:verify' });

  const pick = (province: string, pred: (c: DemoCertificate) => boolean) => {
    const found = demo.get(province)!.find(pred);
    assert.ok(found, `a demo certificate for ${province}`);
    return found;
  };
  const validOne = (p: string) =>
    pick(p, (c) => c.record.status === 'VALID' && (c.record.validTo === null || c.record.validTo > today) && c.record.validFrom <= today);
  const expiredOne = (p: string) => pick(p, (c) => c.record.status === 'VALID' && c.record.validTo !== null && c.record.validTo < today);
  const revokedOne = (p: string) => pick(p, (c) => c.record.status === 'REVOKED');
  const verify = (as: string, cert: { id: string; idType: string; holderId: string }, purpose = '跨省办理企业变更登记') =>
    gql(stack, counter(as), VERIFY, { input: { identifier: cert.id, purpose, holderIdType: cert.idType, holderId: cert.holderId } });
  const presented = (c: DemoCertificate) => ({ id: c.record.id, idType: c.record.holder.idType, holderId: c.holderId });

  before(async () => {
    stack = await startStack();
    for (const p of stack.cfg.provinces) {
      demo.set(
        p.id,
        generateDemoCertificates({
          divisionCode: p.divisionCode,
          provinceName: p.name,
          count: 300,
          seed: p.demo.seed,
          salt: loadSealKeys(stack.cfg, p).holderSalt,
        }),
      );
    }
  });
  after(async () => stack?.close());

  for (const [counterProvince, issuer] of [
    ['sichuan', 'chongqing'],
    ['chongqing', 'sichuan'],
  ] as const) {
    describe(`a ${counterProvince} counter verifying a ${issuer} certificate`, () => {
      it('VALID, with a receipt signed by the issuing province', async () => {
        const c = validOne(issuer);
        const res = await verify(counterProvince, presented(c));
        assert.equal(res.status, 200, res.text);
        const v = res.body.data.verifyCertificate;
        assert.equal(v.result, 'VALID');
        assert.equal(v.issuingProvince, issuer.toUpperCase());
        const jwks = JSON.parse(readFileSync(provincePaths(stack.cfg.certsDir, issuer).sealJwks, 'utf8'));
        const check = await verifyReceipt(v.receipt, { [issuer]: jwks });
        assert.ok(check.ok, JSON.stringify(check));
        assert.equal(check.ok && check.claims.result, 'VALID');
        assert.equal(check.ok && check.claims.certificateId, c.record.id);
        assert.equal(check.ok && check.claims.requester.province, counterProvince);
        assert.equal(check.ok && check.claims.purpose, '跨省办理企业变更登记');
        assert.ok(!res.text.includes(c.holderId), 'the holder ID never comes back');
      });
      it('EXPIRED', async () => {
        const res = await verify(counterProvince, presented(expiredOne(issuer)));
        assert.equal(res.body.data.verifyCertificate.result, 'EXPIRED');
      });
      it('REVOKED', async () => {
        const res = await verify(counterProvince, presented(revokedOne(issuer)));
        assert.equal(res.body.data.verifyCertificate.result, 'REVOKED');
      });
      it("HOLDER_MISMATCH for someone else's ID", async () => {
        const c = validOne(issuer);
        const other = demo.get(issuer)!.find((d) => d.record.holder.idType === c.record.holder.idType && d.holderId !== c.holderId)!;
        const res = await verify(counterProvince, { ...presented(c), holderId: other.holderId });
        assert.equal(res.body.data.verifyCertificate.result, 'HOLDER_MISMATCH');
        assert.ok(res.body.data.verifyCertificate.receipt);
      });
      it('NOT_FOUND for a well-formed identifier the issuer never issued', async () => {
        const c = validOne(issuer);
        const parts = parseCertificateId(c.record.id);
        assert.ok(parts.ok);
        const id = formatCertificateId({ typeCode: parts.value.typeCode, issuerCode: parts.value.issuerCode, serial: 'ZZ99999999', version: 1 });
        const res = await verify(counterProvince, { ...presented(c), id });
        assert.equal(res.body.data.verifyCertificate.result, 'NOT_FOUND');
      });
    });
  }

  it('SEAL_INVALID when the stored record was tampered with', async () => {
    // The last valid certificate, so the other tests keep an untouched one.
    const c = [...demo.get('chongqing')!].reverse().find((d) => d.record.status === 'VALID' && (d.record.validTo === null || d.record.validTo > today))!;
    assert.notEqual(c.record.id, validOne('chongqing').record.id);
    const db = new Database(certificateStoreFile(stack.cfg.dataDir, 'chongqing'));
    const row = db.prepare('SELECT record FROM certificates WHERE id = ?').get(c.record.id) as { record: string };
    const rec = JSON.parse(row.record);
    rec.validTo = '2099-12-31';
    db.prepare('UPDATE certificates SET record = ? WHERE id = ?').run(JSON.stringify(rec), c.record.id);
    db.close();
    const res = await verify('sichuan', presented(c));
    assert.equal(res.body.data.verifyCertificate.result, 'SEAL_INVALID');
  });

  it('returns certificate metadata to entitled callers, holder masked', async () => {
    const c = pick('sichuan', (d) => d.record.holder.idType === 'RESIDENT_ID');
    const res = await gql(
      stack,
      counter('chongqing'),
      `query($id: String!) { certificate(identifier: $id) {
      id typeName number issuer { name creditCode divisionCode } validFrom validTo status holder { name idType idMasked } region { platform } sealKeyId } }`,
      { id: c.record.id },
    );
    assert.equal(res.status, 200, res.text);
    const m = res.body.data.certificate;
    assert.equal(m.id, c.record.id);
    assert.equal(m.region.platform, '天府通办');
    assert.equal(m.holder.idMasked, c.record.holder.idMasked);
    assert.ok(m.holder.name.includes('*'), "a person's name is masked");
    assert.ok(!res.text.includes(c.holderId));
    const denied = await gql(stack, { province: 'chongqing' }, `query($id: String!) { certificate(identifier: $id) { id } }`, { id: c.record.id });
    assert.equal(denied.status, 403);
  });

  it('a counter checks a receipt offline: the CLI with the published JWKS; one altered byte fails', async () => {
    const res = await verify('sichuan', presented(validOne('chongqing')));
    const receipt: string = res.body.data.verifyCertificate.receipt;
    const id = clientIdentity(stack, 'sichuan', 'counter');
    const published = await request(`https://localhost:${stack.gateway.port}`).get('/keys/chongqing/seal.jwks.json').ca(id.ca);
    assert.equal(published.status, 200);
    assert.ok(
      published.body.keys.every((k: Record<string, unknown>) => !('d' in k)),
      'public keys only',
    );
    const cli = (r: string) => {
      try {
        return {
          code: 0,
          out: execFileSync(process.execPath, ['--import', 'tsx', path.join(ROOT_DIR, 'scripts/receipt-verify.ts'), r, '--certs-dir', stack.cfg.certsDir], {
            encoding: 'utf8',
          }),
        };
      } catch (err) {
        return { code: (err as { status: number }).status, out: String((err as { stdout: string }).stdout) };
      }
    };
    const ok = cli(receipt);
    assert.equal(ok.code, 0, ok.out);
    assert.match(ok.out, /VALID receipt: VALID/);
    const i = Math.floor(receipt.length / 2);
    const altered = receipt.slice(0, i) + (receipt[i] === 'A' ? 'B' : 'A') + receipt.slice(i + 1);
    const bad = cli(altered);
    assert.equal(bad.code, 1);
    assert.match(bad.out, /INVALID receipt/);
  });

  it('records each verification at the gateway and in the issuing province', async () => {
    const res = await verify('sichuan', presented(revokedOne('chongqing')));
    const rid = String(res.headers['x-request-id']);
    const read = (file: string) => {
      const db = new Database(file, { readonly: true });
      const rows = (db.prepare('SELECT body FROM audit').all() as { body: string }[]).map((r) => JSON.parse(r.body));
      db.close();
      return rows.filter((r) => r.requestId === rid);
    };
    const [gw] = read(stack.gateway.auditFile);
    assert.equal(gw.verificationResult, 'REVOKED');
    assert.deepEqual(gw.provincesTouched, ['chongqing']);
    const [prov] = read(stack.subgraphs.get('chongqing')!.auditFile);
    assert.equal(prov.kind, 'verification');
    assert.equal(prov.result, 'REVOKED');
    assert.equal(prov.province, 'sichuan');
    const c = revokedOne('chongqing');
    assert.ok(!JSON.stringify([gw, prov]).includes(c.holderId), 'no holder ID in clear in any audit record');
  });

  describe('refusals before any call onwards (BAD_USER_INPUT) and by scope', () => {
    const c = () => validOne('chongqing');
    const expectBad = async (id: string, pattern: RegExp, extra: Record<string, string> = {}) => {
      const touched = stack.subgraphs.get('chongqing')!;
      void touched;
      const res = await gql(stack, counter('sichuan'), VERIFY, {
        input: { identifier: id, purpose: '企业变更', holderIdType: c().record.holder.idType, holderId: c().holderId, ...extra },
      });
      assert.equal(res.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', res.text);
      assert.match(res.body.errors[0].message, pattern);
      const rec = readAuditFor(String(res.headers['x-request-id']));
      assert.deepEqual(rec.provincesTouched, [], 'nothing was sent to any province');
    };
    const readAuditFor = (rid: string) => {
      const db = new Database(stack.gateway.auditFile, { readonly: true });
      const rows = (db.prepare('SELECT body FROM audit').all() as { body: string }[]).map((r) => JSON.parse(r.body));
      db.close();
      return rows.find((r) => r.requestId === rid);
    };

    it('a bad check character', async () => {
      const id = c().record.id;
      const last = id.at(-1)!;
      await expectBad(id.slice(0, -1) + (last === '0' ? '1' : '0'), /check character/);
    });
    it('a wrong OID root', () => expectBad(c().record.id.replace('1.2.156.3005.2.', '1.2.156.3005.3.'), /root/i));
    it('wrong segment lengths', async () => {
      const p = parseCertificateId(c().record.id);
      assert.ok(p.ok);
      await expectBad(
        `1.2.156.3005.2.${p.value.typeCode.slice(1)}.${p.value.issuerCode}.${p.value.serial}.${p.value.version}.${p.value.check}`,
        /characters|length|segment/i,
      );
    });
    const idIssuedIn = (division: string) => {
      const issuer = makeUscc(`11${division}MB0000001`);
      const typeCode = CERTIFICATE_TYPES[0]!.code;
      const payload = `${typeCode}${issuer}A1B2C3001`;
      return `1.2.156.3005.2.${typeCode}.${issuer}.A1B2C3.001.${certificateCheckChar(payload)}`;
    };
    it('a division code that is no GB/T 2260 division (malformed)', () => expectBad(idIssuedIn('990000'), /not a GB\/T 2260 division code/));
    it('a well-formed identifier issued outside the federation → ISSUER_NOT_FEDERATED naming the division, no call onwards, audited', async () => {
      const res = await gql(stack, counter('sichuan'), VERIFY, {
        input: { identifier: idIssuedIn('440000'), purpose: '企业变更', holderIdType: c().record.holder.idType, holderId: c().holderId },
      });
      assert.equal(res.status, 200);
      const err = res.body.errors?.[0];
      assert.equal(err?.extensions?.code, 'ISSUER_NOT_FEDERATED', res.text);
      assert.equal(err.extensions.division, '440000');
      assert.match(err.message, /division 440000, where no federated province issues certificates/);
      assert.equal(res.body.data, null);
      const rec = readAuditFor(String(res.headers['x-request-id']));
      assert.deepEqual(rec.provincesTouched, [], 'nothing was sent to any province');
      assert.deepEqual(rec.errorCodes, ['ISSUER_NOT_FEDERATED']);
      // The masked metadata look-up answers the same way.
      const meta = await gql(stack, counter('sichuan'), `query($id: String!) { certificate(identifier: $id) { id } }`, { id: idIssuedIn('440000') });
      assert.equal(meta.body.errors?.[0]?.extensions?.code, 'ISSUER_NOT_FEDERATED', meta.text);
    });
    it('a missing purpose', () => expectBad(c().record.id, /purpose/, { purpose: '   ' }));
    it('an invalid holder ID, without echoing it', async () => {
      const res = await gql(stack, counter('sichuan'), VERIFY, {
        input: { identifier: c().record.id, purpose: '企业变更', holderIdType: 'RESIDENT_ID', holderId: '51010419900101123X9' },
      });
      assert.equal(res.body.errors[0].extensions.code, 'BAD_USER_INPUT');
      assert.ok(!res.text.includes('51010419900101123X9'));
      assert.ok(!isValidResidentId('51010419900101123X9'));
    });
    it('a caller without certificate:verify', async () => {
      const res = await gql(stack, { province: 'sichuan', client: 'counter', scope: 'catalogue:read' }, VERIFY, {
        input: { identifier: c().record.id, purpose: '企业变更', holderIdType: c().record.holder.idType, holderId: c().holderId },
      });
      assert.equal(res.status, 403);
      assert.match(String(res.headers['www-authenticate']), /insufficient_scope.*certificate:verify/);
    });
  });

  it('ISSUER_UNAVAILABLE when the issuing province is stopped, never an invalid verdict', async () => {
    await stack.stopSubgraph('chongqing');
    try {
      const res = await verify('sichuan', presented(validOne('chongqing')));
      assert.equal(res.status, 200);
      const v = res.body.data.verifyCertificate;
      assert.equal(v.result, 'ISSUER_UNAVAILABLE');
      assert.equal(v.receipt, null);
      assert.equal(v.issuingProvince, 'CHONGQING');
    } finally {
      await stack.restartSubgraph('chongqing');
    }
  });
});
