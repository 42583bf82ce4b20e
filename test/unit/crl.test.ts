// CRLs (RFC 5280 §5): issued and verified with @peculiar/x509 against the dev PKI's RSA CAs;
// serial matching; the revocation rule with its grace; the file source keeps the last good CRL.
import 'reflect-metadata';
import { strict as assert } from 'node:assert';
import { X509Certificate, createPrivateKey, webcrypto } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Extension, X509Certificate as PkiCertificate, X509CrlGenerator } from '@peculiar/x509';
import * as asn1js from 'asn1js';
import { CrlError, crlDer, issueCrl, normalizeSerial, verifyCrl, type VerifiedCrl } from '../../common/pki/crl.js';
import { createCa, issueCertificate, selfSignedLike, type CertAndKey } from '../../common/pki/dev-pki.js';
import { certFingerprint256 } from '../../common/pki/thumbprint.js';
import { FileCrlSource, crlFreshness, crlSourceFor, revocationVerdict } from '../../gateway/identity/revocation.js';

const HOUR = 3_600_000;

function crlFor(ca: CertAndKey, crlNumber: bigint, serials: string[], nextUpdateInMs = 24 * HOUR): Promise<string> {
  const now = Date.now();
  return issueCrl({
    ca,
    crlNumber,
    entries: serials.map((serial) => ({ serial, revokedAt: new Date(now - 1000) })),
    thisUpdate: new Date(now - HOUR),
    nextUpdate: new Date(now + nextUpdateInMs),
  });
}

/** A CRL built directly with @peculiar/x509, to get shapes issueCrl never makes. */
async function rawCrl(ca: CertAndKey, opts: { nextUpdate?: Date; extensions?: Extension[] }): Promise<Buffer> {
  const alg = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  const key = await webcrypto.subtle.importKey('pkcs8', createPrivateKey(ca.keyPem).export({ type: 'pkcs8', format: 'der' }), alg, false, ['sign']);
  const crl = await X509CrlGenerator.create({
    issuer: new PkiCertificate(ca.certPem).subjectName,
    thisUpdate: new Date(Date.now() - HOUR),
    ...(opts.nextUpdate ? { nextUpdate: opts.nextUpdate } : {}),
    signingAlgorithm: alg,
    signingKey: key as CryptoKey,
    extensions: opts.extensions ?? [],
  });
  return Buffer.from(crl.rawData);
}

const crlNumberExt = (n: number, critical = false) => new Extension('2.5.29.20', critical, new asn1js.Integer({ value: n }).toBER());

describe('CRLs', function () {
  this.timeout(30_000);
  let ca: CertAndKey;
  let otherCa: CertAndKey;
  let leaf: X509Certificate;
  let dir: string;

  before(() => {
    ca = createCa({ commonName: '甲省 政务服务根CA (test)', organization: '甲省' });
    otherCa = createCa({ commonName: '乙省 政务服务根CA (test)', organization: '乙省' });
    leaf = new X509Certificate(issueCertificate({ ca, kind: 'client', commonName: 'alpha-counter' }).certPem);
    dir = mkdtempSync(path.join(os.tmpdir(), 'crl-test-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  describe('serial numbers', () => {
    it('have one spelling: lower case, no separators or leading zeros', () => {
      assert.equal(normalizeSerial('00FF01'), 'ff01');
      assert.equal(normalizeSerial('0a:1B'), 'a1b');
      assert.equal(normalizeSerial('0000'), '0');
      assert.throws(() => normalizeSerial('xyz'), CrlError);
    });

    it("a revoked certificate's serial as Node reads it is in the verified CRL's set", async () => {
      // A serial whose first byte is ≥ 0x80 is encoded with a leading 00 (positive INTEGER).
      const crl = await verifyCrl(await crlFor(ca, 1n, [leaf.serialNumber, '80aa']), ca.certPem);
      assert.ok(crl.revoked.has(normalizeSerial(leaf.serialNumber)));
      assert.ok(crl.revoked.has(normalizeSerial('0080AA')));
      assert.equal(crl.revoked.size, 2);
      assert.ok(!crl.revoked.has(normalizeSerial(new X509Certificate(ca.certPem).serialNumber)));
    });
  });

  describe('issue and verify', () => {
    it('issues a v2 CRL (PEM "X509 CRL") that verifies against its CA, with number, dates and issuer', async () => {
      const pem = await crlFor(ca, 41n, [leaf.serialNumber]);
      assert.match(pem, /^-----BEGIN X509 CRL-----\n/);
      const crl = await verifyCrl(pem, ca.certPem);
      assert.equal(crl.crlNumber, 41n);
      assert.equal(crl.caFingerprint256, certFingerprint256(ca.certPem));
      assert.ok(crl.nextUpdate > Date.now() && crl.thisUpdate < Date.now());
      assert.match(crl.issuer, /甲省 政务服务根CA \(test\)/);
      assert.deepEqual(
        crl.entries.map((e) => e.serial),
        [normalizeSerial(leaf.serialNumber)],
      );
      // DER is accepted as well (what an HTTPS endpoint serves, RFC 2585 §4).
      assert.equal((await verifyCrl(crlDer(pem), ca.certPem)).crlNumber, 41n);
    });

    it('refuses a CRL signed by another key under the same issuer name', async () => {
      const forger = selfSignedLike(ca.certPem);
      const forged = await crlFor({ certPem: forger.certPem, keyPem: forger.keyPem }, 99n, []);
      await assert.rejects(verifyCrl(forged, ca.certPem), (err: Error) => err instanceof CrlError && /signature does not verify/.test(err.message));
    });

    it("refuses another CA's CRL (issuer name is not the CA's subject)", async () => {
      await assert.rejects(verifyCrl(await crlFor(otherCa, 1n, []), ca.certPem), /issued by .*乙省.*not by the CA/);
    });

    it('refuses what is not a CRL, one without nextUpdate or CRL number, and one with a critical extension', async () => {
      await assert.rejects(verifyCrl(Buffer.from('not a crl'), ca.certPem), /not a readable X\.509 CRL/);
      await assert.rejects(verifyCrl('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n', ca.certPem), /no PEM CRL/);
      await assert.rejects(verifyCrl(await rawCrl(ca, { extensions: [crlNumberExt(1)] }), ca.certPem), /no nextUpdate/);
      const nextUpdate = new Date(Date.now() + HOUR);
      await assert.rejects(verifyCrl(await rawCrl(ca, { nextUpdate }), ca.certPem), /no CRL number/);
      // A delta CRL indicator (RFC 5280 §5.2.4) is critical: we only read complete CRLs.
      const delta = new Extension('2.5.29.27', true, new asn1js.Integer({ value: 1 }).toBER());
      await assert.rejects(
        verifyCrl(await rawCrl(ca, { nextUpdate, extensions: [crlNumberExt(2), delta] }), ca.certPem),
        /critical CRL extension 2\.5\.29\.27/,
      );
      // The same CRL without it verifies: the refusals above are about those fields only.
      assert.equal((await verifyCrl(await rawCrl(ca, { nextUpdate, extensions: [crlNumberExt(2)] }), ca.certPem)).crlNumber, 2n);
    });
  });

  describe('the revocation rule', () => {
    const fp = 'issuer-fp';
    const crl = (nextUpdate: number, serials: string[] = []): VerifiedCrl => ({
      caFingerprint256: fp,
      issuer: 'CN=test',
      thisUpdate: nextUpdate - 10 * HOUR,
      nextUpdate,
      crlNumber: 1n,
      entries: [],
      revoked: new Set(serials),
      der: Buffer.alloc(0),
    });
    const cert = { serial: 'ab12', issuerFingerprint256: fp };
    const now = 1_800_000_000_000;

    it('good while the CRL is current, revoked when listed', () => {
      assert.equal(revocationVerdict(crl(now + HOUR), cert, now, HOUR), 'good');
      assert.equal(revocationVerdict(crl(now + HOUR, ['ab12']), cert, now, HOUR), 'revoked');
    });

    it('past nextUpdate: good within the grace (inclusive), unknown after it; a listed serial stays revoked', () => {
      const c = crl(now - HOUR);
      assert.equal(revocationVerdict(c, cert, now, HOUR), 'good');
      assert.equal(revocationVerdict(c, cert, now + 1, HOUR), 'unknown');
      assert.equal(revocationVerdict(c, cert, now, 0), 'unknown');
      assert.equal(revocationVerdict(crl(now - 10 * HOUR, ['ab12']), cert, now, HOUR), 'revoked');
      assert.deepEqual(
        [now - 2 * HOUR, now - HOUR + 1, now, now + 1].map((t) => crlFreshness(c, t, HOUR)),
        ['current', 'grace', 'grace', 'stale'],
      );
    });

    it('unknown without a CRL, or for a certificate the CRL issuer did not issue (e.g. an intermediate)', () => {
      assert.equal(revocationVerdict(null, cert, now, HOUR), 'unknown');
      assert.equal(crlFreshness(null, now, HOUR), 'missing');
      assert.equal(revocationVerdict(crl(now + HOUR), { ...cert, issuerFingerprint256: 'intermediate-fp' }, now, HOUR), 'unknown');
    });
  });

  describe('file source', () => {
    it('a bad CRL at start is an error naming the file; later it is refused and the last good CRL stays', async () => {
      const caFile = path.join(dir, 'ca.crt');
      const crlFile = path.join(dir, 'crl.pem');
      writeFileSync(caFile, ca.certPem);
      writeFileSync(crlFile, await crlFor(otherCa, 1n, []));
      const refused: string[] = [];
      const source = new FileCrlSource(crlFile, caFile, { refused: (m) => refused.push(m) });
      await assert.rejects(source.start(), (err: Error) => err.message.includes(crlFile) && /not by the CA/.test(err.message));

      writeFileSync(crlFile, await crlFor(ca, 5n, [leaf.serialNumber]));
      await source.start();
      assert.equal(source.current()?.crlNumber, 5n);

      const forger = selfSignedLike(ca.certPem);
      writeFileSync(crlFile, await crlFor({ certPem: forger.certPem, keyPem: forger.keyPem }, 6n, []));
      await source.reload();
      assert.equal(source.current()?.crlNumber, 5n, 'a CRL not signed by the CA is not taken');
      writeFileSync(crlFile, await crlFor(ca, 4n, []));
      await source.reload();
      assert.equal(source.current()?.crlNumber, 5n, 'an older CRL (lower number) is not taken: it would undo the revocation');
      rmSync(crlFile);
      await source.reload();
      assert.equal(source.current()?.crlNumber, 5n, 'a missing file keeps the CRL in force');
      assert.equal(refused.length, 3);
      assert.match(refused[0]!, /signature does not verify/);
      assert.match(refused[1]!, /CRL number 4 is lower than the 5 in force/);

      writeFileSync(crlFile, await crlFor(ca, 6n, []));
      await source.reload();
      assert.equal(source.current()?.crlNumber, 6n);
      assert.equal(source.current()?.revoked.size, 0);
    });

    it('config: the dev PKI file by default, a path relative to the config dir, https only with its own CA', () => {
      const defaults = { crlFile: '/pki/alpha/crl.pem', caFile: '/pki/alpha/ca.crt' };
      assert.equal((crlSourceFor({ id: 'alpha' }, '/cfg', defaults) as FileCrlSource).file, '/pki/alpha/crl.pem');
      assert.equal((crlSourceFor({ id: 'alpha', crl: { source: 'crl/alpha.pem' } }, '/cfg', defaults) as FileCrlSource).file, '/cfg/crl/alpha.pem');
      assert.throws(() => crlSourceFor({ id: 'alpha', crl: { source: 'https://pki.example/alpha.crl' } }, '/cfg', defaults), /crl\.ca .* is required/);
      assert.throws(() => crlSourceFor({ id: 'alpha', crl: { source: 'http://pki.example/alpha.crl' } }, '/cfg', defaults), /file path or an https:\/\/ URL/);
      assert.throws(() => crlSourceFor({ id: 'alpha', crl: { ca: 'x.crt' } }, '/cfg', defaults), /only to an https/);
    });
  });
});
