import { strict as assert } from 'node:assert';
import { generateKeyPairSync } from 'node:crypto';
import { CompactSign, decodeProtectedHeader, exportJWK, generateKeyPair, type JSONWebKeySet } from 'jose';
import { createSigningKey, type SigningKey } from '../../common/pki/dev-pki.js';
import { holderIdHash, maskHolderId, type CertificateRecord } from '../../domain/certificate.js';
import { formatCertificateId } from '../../domain/certificate-id.js';
import { sealCertificate, verifySeal, type SealCheck } from '../../domain/certificate-seal.js';

const SALT = 'chuanyu-demo-salt-0001';
const TYPE = '11100000000015106N002';
const ISSUER = '11510100651348836Y';

function sampleRecord(): CertificateRecord {
  const holderId = '91510100MA7D1JYB5D';
  return {
    id: formatCertificateId({ typeCode: TYPE, issuerCode: ISSUER, serial: '2022000001', version: 1 }),
    typeCode: TYPE,
    typeName: '食品经营许可证',
    number: 'JY25101000000169',
    name: '食品经营许可证',
    issuerName: '成都市市场监督管理局',
    issuerCode: ISSUER,
    issuerDivisionCode: '510100',
    definingAuthority: '国家市场监督管理总局',
    issueDate: '2022-06-23',
    validFrom: '2022-06-23',
    validTo: '2027-06-22',
    holder: { name: '四川祥信食品有限公司', idType: 'USCC', idHash: holderIdHash(SALT, 'USCC', holderId), idMasked: maskHolderId('USCC', holderId) },
    status: 'VALID',
    revokedAt: null,
    revocationReason: null,
    seal: '',
  };
}

const b64 = (s: string) => Buffer.from(s).toString('base64url');

function reason(r: SealCheck): string {
  assert.equal(r.ok, false, 'expected the seal to be refused');
  return (r as { ok: false; reason: string }).reason;
}

describe('certificate seals', () => {
  let sichuan: SigningKey;
  let chongqing: SigningKey;
  let sealed: CertificateRecord;

  before(async () => {
    sichuan = await createSigningKey();
    chongqing = await createSigningKey();
    const { seal: _omit, ...unsealed } = sampleRecord();
    sealed = { ...unsealed, seal: await sealCertificate(unsealed, sichuan.privatePem, sichuan.kid) };
  });

  it('seals with ES256, the kid and typ cert-seal+jws, and verifies with the province JWKS', async () => {
    assert.deepEqual(decodeProtectedHeader(sealed.seal), { alg: 'ES256', kid: sichuan.kid, typ: 'cert-seal+jws' });
    assert.deepEqual(await verifySeal(sealed, sichuan.jwks as JSONWebKeySet), { ok: true });
  });

  it('still verifies after revocation: status is not part of the sealed metadata', async () => {
    const revoked: CertificateRecord = { ...sealed, status: 'REVOKED', revokedAt: '2025-03-01T02:00:00Z', revocationReason: '经营者申请注销食品经营许可' };
    assert.deepEqual(await verifySeal(revoked, sichuan.jwks as JSONWebKeySet), { ok: true });
  });

  it('fails when any certified stored field is altered', async () => {
    const r = sealed;
    const tampered: [string, CertificateRecord][] = [
      ['number', { ...r, number: 'JY25101000000170' }],
      ['typeName', { ...r, typeName: '药品经营许可证' }],
      ['name', { ...r, name: '食品经营许可证（副本）' }],
      ['issuerName', { ...r, issuerName: '四川省市场监督管理局' }],
      ['definingAuthority', { ...r, definingAuthority: '国家药品监督管理局' }],
      ['issueDate', { ...r, issueDate: '2022-06-24' }],
      ['validFrom', { ...r, validFrom: '2022-06-24' }],
      ['validTo extended', { ...r, validTo: '2032-06-22' }],
      ['validTo opened', { ...r, validTo: null }],
      ['holder.name', { ...r, holder: { ...r.holder, name: '四川祥信食品股份有限公司' } }],
      ['holder.idHash', { ...r, holder: { ...r.holder, idHash: 'f'.repeat(64) } }],
      ['holder.idMasked', { ...r, holder: { ...r.holder, idMasked: '9151************5E' } }],
      ['holder.idType', { ...r, holder: { ...r.holder, idType: 'PASSPORT' } }],
    ];
    for (const [what, rec] of tampered) {
      assert.equal(reason(await verifySeal(rec, sichuan.jwks as JSONWebKeySet)), 'sealed metadata does not match the record', what);
    }
    // Identifier, type code and issuer are also covered, and must agree with each other.
    const otherId = { ...r, id: formatCertificateId({ typeCode: TYPE, issuerCode: ISSUER, serial: '2022000002', version: 1 }) };
    const newVersion = { ...r, id: formatCertificateId({ typeCode: TYPE, issuerCode: ISSUER, serial: '2022000001', version: 2 }) };
    assert.equal(reason(await verifySeal(newVersion, sichuan.jwks as JSONWebKeySet)), 'sealed metadata does not match the record');
    assert.equal(reason(await verifySeal(otherId, sichuan.jwks as JSONWebKeySet)), 'sealed metadata does not match the record');
    assert.match(reason(await verifySeal({ ...r, typeCode: '11100000000015106N001' }, sichuan.jwks as JSONWebKeySet)), /typeCode/);
  });

  it("fails with the other province's key, or a key published under the same kid", async () => {
    assert.equal(reason(await verifySeal(sealed, chongqing.jwks as JSONWebKeySet)), 'seal no published key matches the kid');
    const impostor = { keys: [{ ...chongqing.jwks.keys[0]!, kid: sichuan.kid }] } as JSONWebKeySet;
    assert.equal(reason(await verifySeal(sealed, impostor)), 'seal signature invalid');
    assert.equal(reason(await verifySeal(sealed, { keys: [] })), 'seal no published key matches the kid');
  });

  it('fails when the seal itself is altered, swapped or missing', async () => {
    const [h, p, s] = sealed.seal.split('.') as [string, string, string];
    for (const i of [0, 10, 40, 85]) {
      const c = s[i] === 'A' ? 'B' : 'A';
      const alteredSig = `${s.slice(0, i)}${c}${s.slice(i + 1)}`;
      assert.equal((await verifySeal({ ...sealed, seal: `${h}.${p}.${alteredSig}` }, sichuan.jwks as JSONWebKeySet)).ok, false, `signature char ${i}`);
    }
    // A valid seal of another certificate does not transfer.
    const { seal: _omit, ...other } = { ...sealed, number: 'JY25101000000999' };
    const otherSeal = await sealCertificate(other, sichuan.privatePem, sichuan.kid);
    assert.equal(reason(await verifySeal({ ...sealed, seal: otherSeal }, sichuan.jwks as JSONWebKeySet)), 'sealed metadata does not match the record');
    assert.equal(reason(await verifySeal({ ...sealed, seal: '' }, sichuan.jwks as JSONWebKeySet)), 'record has no seal');
    assert.equal(reason(await verifySeal({ ...sealed, seal: `${h}.${p}` }, sichuan.jwks as JSONWebKeySet)), 'seal is not a compact JWS');
  });

  it('refuses alg none, HMAC keyed with the public key, and embedded keys', async () => {
    const [, p] = sealed.seal.split('.') as [string, string, string];
    const none = `${b64(JSON.stringify({ alg: 'none', kid: sichuan.kid, typ: 'cert-seal+jws' }))}.${p}.`;
    assert.equal(reason(await verifySeal({ ...sealed, seal: none }, sichuan.jwks as JSONWebKeySet)), 'seal is not a compact JWS');
    const noneWithSig = `${b64(JSON.stringify({ alg: 'none', kid: sichuan.kid, typ: 'cert-seal+jws' }))}.${p}.${b64('x')}`;
    assert.match(reason(await verifySeal({ ...sealed, seal: noneWithSig }, sichuan.jwks as JSONWebKeySet)), /algorithm not allowed/);

    const payload = Buffer.from(p, 'base64url');
    const hs = await new CompactSign(payload)
      .setProtectedHeader({ alg: 'HS256', kid: sichuan.kid, typ: 'cert-seal+jws' })
      .sign(Buffer.from(JSON.stringify(sichuan.jwks.keys[0])));
    assert.match(reason(await verifySeal({ ...sealed, seal: hs }, sichuan.jwks as JSONWebKeySet)), /algorithm not allowed/);

    const attacker = await generateKeyPair('ES256');
    const jwk = await exportJWK(attacker.publicKey);
    const embedded = await new CompactSign(payload).setProtectedHeader({ alg: 'ES256', kid: sichuan.kid, typ: 'cert-seal+jws', jwk }).sign(attacker.privateKey);
    assert.match(reason(await verifySeal({ ...sealed, seal: embedded }, sichuan.jwks as JSONWebKeySet)), /key-bearing header/);

    const wrongTyp = await new CompactSign(payload)
      .setProtectedHeader({ alg: 'ES256', kid: sichuan.kid, typ: 'verification-receipt+jwt' })
      .sign((await import('node:crypto')).createPrivateKey(sichuan.privatePem));
    assert.match(reason(await verifySeal({ ...sealed, seal: wrongTyp }, sichuan.jwks as JSONWebKeySet)), /wrong typ/);
  });

  it('refuses to seal a malformed record or with a key that is not EC P-256', async () => {
    const { seal: _omit, ...unsealed } = sampleRecord();
    await assert.rejects(
      sealCertificate({ ...unsealed, issuerDivisionCode: '500000' }, sichuan.privatePem, sichuan.kid),
      /cannot seal: record issuerDivisionCode/,
    );
    await assert.rejects(sealCertificate(unsealed, sichuan.privatePem, ''), /kid is required/);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    await assert.rejects(sealCertificate(unsealed, rsa, 'k'), /EC P-256/);
  });
});
