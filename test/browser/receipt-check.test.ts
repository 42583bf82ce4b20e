// The console checks receipts in the browser with its own copy of the checks (console/src/receipt-check.ts:
// domain/receipt.ts needs node:crypto and Buffer). Both must give the same verdict on every receipt:
// genuine ones, and each way one can be wrong (signature, header, claims, issuer, encoding).
import { strict as assert } from 'node:assert';
import { generateKeyPairSync } from 'node:crypto';
import { CompactSign, exportJWK, calculateJwkThumbprint, type JSONWebKeySet } from 'jose';
import { formatCertificateId } from '../../domain/certificate-id.js';
import { signReceipt, verifyReceipt } from '../../domain/receipt.js';
import { checkReceipt, receiptIssuer } from '../../console/src/receipt-check.js';

async function keyPair() {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk);
  return { privateKey, jwks: { keys: [{ ...jwk, kid, alg: 'ES256', use: 'sig' }] } as JSONWebKeySet, kid };
}

describe('receipt checks in the browser agree with domain/receipt.ts', () => {
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

  it('gives the same verdict, and the same reason, on good and bad receipts', async () => {
    const cq = await keyPair();
    const other = await keyPair();
    const good = await signReceipt(input, cq.privateKey, cq.kid, 'chongqing');
    const [h, p, s] = good.split('.') as [string, string, string];
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    const signed = (header: Record<string, unknown>, payload: unknown, key = cq.privateKey) =>
      new CompactSign(new TextEncoder().encode(JSON.stringify(payload))).setProtectedHeader(header as { alg: string }).sign(key);
    const header = { alg: 'ES256', kid: cq.kid, typ: 'verification-receipt+jwt' };

    const cases: [string, string][] = [
      ['genuine', good],
      ['another result', await signReceipt({ ...input, result: 'HOLDER_MISMATCH' }, cq.privateKey, cq.kid, 'chongqing')],
      ['signature altered', `${h}.${p}.${s.slice(0, 20)}${s[20] === 'A' ? 'B' : 'A'}${s.slice(21)}`],
      ['payload altered', `${h}.${b64({ ...claims, result: 'VALID', purpose: 'x' })}.${s}`],
      ['signed by another key with the same kid', await signed(header, claims, other.privateKey)],
      ['unknown kid', await signed({ ...header, kid: 'nope' }, claims)],
      ['wrong typ', await signed({ ...header, typ: 'cert-seal+jws' }, claims)],
      ['jwk in header', await signed({ ...header, jwk: { kty: 'EC' } }, claims)],
      ['crit in header', await signed({ ...header, crit: ['b64'], b64: true }, claims)],
      ['no kid', await signed({ alg: 'ES256', typ: 'verification-receipt+jwt' }, claims)],
      ['alg none', `${b64({ alg: 'none', typ: 'verification-receipt+jwt', kid: cq.kid })}.${p}.`],
      ['HS256', `${b64({ ...header, alg: 'HS256' })}.${p}.${s}`],
      ['extra claim', await signed(header, { ...claims, extra: 1 })],
      ['bad certificate id', await signed(header, { ...claims, certificateId: `${certificateId.slice(0, -1)}0` })],
      ['iat not checkedAt', await signed(header, { ...claims, iat: Number(claims.iat) + 1 })],
      ['checkedAt with an offset', await signed(header, { ...claims, checkedAt: '2026-03-01T16:00:00+08:00' })],
      ['ISSUER_UNAVAILABLE is never a receipt', await signed(header, { ...claims, result: 'ISSUER_UNAVAILABLE' })],
      ['requester with an extra member', await signed(header, { ...claims, requester: { ...(claims.requester as object), x: 1 } })],
      ['empty purpose', await signed(header, { ...claims, purpose: '' })],
      ['iss of a province without keys', await signed(header, { ...claims, iss: 'province:guizhou' })],
      ['iss not a province', await signed(header, { ...claims, iss: 'gateway' })],
      ['not a JWS', 'not-a-jws'],
      ['padded segment', `${h}=.${p}.${s}`],
      ['empty', ''],
      ['too long', `${h}.${'A'.repeat(9000)}.${s}`],
    ];
    const keys = { chongqing: cq.jwks };
    for (const [name, receipt] of cases) {
      const node = await verifyReceipt(receipt, keys);
      const browser = await checkReceipt(receipt, (province) => (Object.hasOwn(keys, province) ? keys[province as 'chongqing'] : undefined));
      assert.equal(browser.ok, node.ok, `${name}: ${node.ok ? 'valid' : node.reason} / ${browser.ok ? 'valid' : browser.reason}`);
      if (!node.ok && !browser.ok && !node.reason.startsWith('claims malformed')) assert.equal(browser.reason, node.reason, name);
      if (node.ok && browser.ok) {
        assert.deepEqual(browser.claims, node.claims, name);
        assert.equal(browser.kid, node.kid);
        assert.equal(browser.province, 'chongqing');
      }
    }
    assert.equal(receiptIssuer(good), 'chongqing');
    assert.equal(receiptIssuer('x.y.z'), null);
  });
});
