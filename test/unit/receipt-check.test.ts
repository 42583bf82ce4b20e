// domain/receipt-check.ts, the browser-safe receipt check that the gateway, receipt:verify and the
// console all use (domain/receipt.ts re-exports it next to signing): every way a receipt can be wrong
// gives its one reason, and receiptIssuer reads the unverified issuer only to choose keys.
import { strict as assert } from 'node:assert';
import { generateKeyPairSync } from 'node:crypto';
import { CompactSign, calculateJwkThumbprint, exportJWK, type JSONWebKeySet } from 'jose';
import { formatCertificateId } from '../../domain/certificate-id.js';
import { RECEIPT_RESULTS, receiptIssuer, verifyReceipt } from '../../domain/receipt-check.js';
import * as receipt from '../../domain/receipt.js';

async function keyPair() {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk);
  return { privateKey, jwks: { keys: [{ ...jwk, kid, alg: 'ES256', use: 'sig' }] } as JSONWebKeySet, kid };
}

describe('receipt checks (domain/receipt-check.ts)', () => {
  const certificateId = formatCertificateId({ typeCode: '11100000000015501X002', issuerCode: '11500106573463010J', serial: '2019000001', version: 1 });
  const input = {
    requestId: '9f0c1c2e-1111-4222-8333-944455556666',
    requester: { province: 'sichuan', subject: 'sichuan:counter', certThumbprint: 'A'.repeat(43) },
    purpose: '跨省办理执业注册',
    certificateId,
    result: 'VALID' as const,
    checkedAt: '2026-03-01T08:00:00.000Z',
    holderIdHash: 'ab'.repeat(32),
  };

  it('is what domain/receipt.ts exports', () => {
    assert.equal(receipt.verifyReceipt, verifyReceipt);
    assert.equal(receipt.RECEIPT_RESULTS, RECEIPT_RESULTS);
  });

  it('gives one reason for each way a receipt is wrong', async () => {
    const cq = await keyPair();
    const other = await keyPair();
    const good = await receipt.signReceipt(input, cq.privateKey, cq.kid, 'chongqing');
    const [h, p, s] = good.split('.') as [string, string, string];
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    const signedBytes = (header: Record<string, unknown>, payload: Uint8Array, key = cq.privateKey) =>
      new CompactSign(payload).setProtectedHeader(header as { alg: string }).sign(key);
    const signed = (header: Record<string, unknown>, payload: unknown, key = cq.privateKey) =>
      signedBytes(header, new TextEncoder().encode(JSON.stringify(payload)), key);
    const header = { alg: 'ES256', kid: cq.kid, typ: 'verification-receipt+jwt' };
    const bom = (json: unknown) => new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(JSON.stringify(json))]);

    const cases: [string, string, string | RegExp][] = [
      ['signature altered', `${h}.${p}.${s.slice(0, 20)}${s[20] === 'A' ? 'B' : 'A'}${s.slice(21)}`, 'signature invalid'],
      ['payload altered', `${h}.${b64({ ...claims, purpose: 'x' })}.${s}`, 'signature invalid'],
      ['signed by another key with the same kid', await signed(header, claims, other.privateKey), 'signature invalid'],
      ['unknown kid', await signed({ ...header, kid: 'nope' }, claims), 'no published key matches the kid'],
      ['wrong typ', await signed({ ...header, typ: 'cert-seal+jws' }, claims), 'wrong typ (expected verification-receipt+jwt)'],
      ['jwk in header', await signed({ ...header, jwk: { kty: 'EC' } }, claims), 'key-bearing header (jku/jwk/x5u/x5c) refused'],
      ['crit in header', await signed({ ...header, crit: ['b64'], b64: true }, claims), 'critical header extensions not supported'],
      ['no kid', await signed({ alg: 'ES256', typ: 'verification-receipt+jwt' }, claims), 'missing kid'],
      ['alg none', `${b64({ alg: 'none', typ: 'verification-receipt+jwt', kid: cq.kid })}.${p}.`, 'not a compact JWS (three canonical base64url segments)'],
      ['HS256', `${b64({ ...header, alg: 'HS256' })}.${p}.${s}`, 'algorithm not allowed (ES256 only)'],
      ['header not an object', `${b64([header])}.${p}.${s}`, 'header is not a JSON object'],
      ['header behind a byte-order mark', `${Buffer.from(bom(header)).toString('base64url')}.${p}.${s}`, 'header is not JSON'],
      ['payload behind a byte-order mark', await signedBytes(header, bom(claims)), 'payload is not JSON'],
      ['extra claim', await signed(header, { ...claims, extra: 1 }), /^claims malformed: \(root\): /],
      [
        'bad certificate id',
        await signed(header, { ...claims, certificateId: `${certificateId.slice(0, -1)}0` }),
        'claims malformed: certificateId: not a valid GB/T 36904 identifier',
      ],
      ['iat not checkedAt', await signed(header, { ...claims, iat: Number(claims.iat) + 1 }), 'iat does not match checkedAt'],
      ['checkedAt with an offset', await signed(header, { ...claims, checkedAt: '2026-03-01T16:00:00+08:00' }), /^claims malformed: checkedAt: /],
      ['ISSUER_UNAVAILABLE is never a receipt', await signed(header, { ...claims, result: 'ISSUER_UNAVAILABLE' }), /^claims malformed: result: /],
      [
        'requester with an extra member',
        await signed(header, { ...claims, requester: { ...(claims.requester as object), x: 1 } }),
        /^claims malformed: requester: /,
      ],
      ['empty purpose', await signed(header, { ...claims, purpose: '' }), /^claims malformed: purpose: /],
      ['iss of a province without keys', await signed(header, { ...claims, iss: 'province:guizhou' }), 'no published seal keys for the issuing province'],
      ['iss not a province', await signed(header, { ...claims, iss: 'gateway' }), 'iss does not name a province'],
      ['not a JWS', 'not-a-jws', 'not a compact JWS (three canonical base64url segments)'],
      ['padded segment', `${h}=.${p}.${s}`, 'not a compact JWS (three canonical base64url segments)'],
      ['empty', '', 'receipt is empty'],
      ['too long', `${h}.${'A'.repeat(9000)}.${s}`, 'receipt longer than 8192 characters'],
    ];
    const keys = { chongqing: cq.jwks };
    for (const [name, r, reason] of cases) {
      for (const keyArg of [keys, (province: string) => (province === 'chongqing' ? cq.jwks : undefined)]) {
        const check = await verifyReceipt(r, keyArg);
        assert.equal(check.ok, false, name);
        if (!check.ok) typeof reason === 'string' ? assert.equal(check.reason, reason, name) : assert.match(check.reason, reason, name);
      }
    }
    const ok = await verifyReceipt(good, (province) => (province === 'chongqing' ? cq.jwks : undefined));
    assert.ok(ok.ok);
    assert.equal(ok.province, 'chongqing');
    assert.equal(ok.kid, cq.kid);
    assert.equal(ok.claims.jti, input.requestId);
  });

  it('receiptIssuer names the province a receipt claims, unverified, or null', async () => {
    const cq = await keyPair();
    const good = await receipt.signReceipt(input, cq.privateKey, cq.kid, 'chongqing');
    const [h, , s] = good.split('.') as [string, string, string];
    const withIss = (iss: unknown) => `${h}.${Buffer.from(JSON.stringify({ iss })).toString('base64url')}.${s}`;
    assert.equal(receiptIssuer(good), 'chongqing');
    assert.equal(receiptIssuer(withIss('province:sichuan')), 'sichuan', 'the signature is not checked');
    for (const bad of ['gateway', 'province:', 'province:X', 'province:a', 42, null]) assert.equal(receiptIssuer(withIss(bad)), null, String(bad));
    assert.equal(receiptIssuer(`${h}.bm90IGpzb24.${s}`), null, 'payload not JSON');
    assert.equal(receiptIssuer('x.y.z'), null);
    assert.equal(receiptIssuer(''), null);
    assert.equal(receiptIssuer(42 as unknown as string), null);
  });
});
