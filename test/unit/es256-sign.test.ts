import { strict as assert } from 'node:assert';
import { generateKeyPairSync } from 'node:crypto';
import { compactVerify, createLocalJWKSet, decodeProtectedHeader, exportJWK } from 'jose';
import { signCompactEs256 } from '../../domain/es256-sign.js';

describe('signCompactEs256 (RFC 7515 §7.1, RFC 7518 §3.4)', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const keySet = async (key = publicKey) => createLocalJWKSet({ keys: [{ ...(await exportJWK(key)), kid: 'k1', alg: 'ES256' }] });

  it('is a compact JWS that jose verifies, with exactly the header asked for and the payload as given', async () => {
    const payload = JSON.stringify({ iss: 'urn:example', name: '营业执照', n: 1 });
    const jws = signCompactEs256({ kid: 'k1', typ: 'verification-receipt+jwt' }, payload, privateKey);
    assert.deepEqual(decodeProtectedHeader(jws), { alg: 'ES256', kid: 'k1', typ: 'verification-receipt+jwt' });
    const verified = await compactVerify(jws, await keySet(), { algorithms: ['ES256'] });
    assert.equal(Buffer.from(verified.payload).toString('utf8'), payload);
  });

  it('signs bytes as given (a Uint8Array view into a larger buffer signs only its own bytes)', async () => {
    const backing = Buffer.from('xx{"a":1}yy', 'utf8');
    const view = new Uint8Array(backing.buffer, backing.byteOffset + 2, 7);
    const jws = signCompactEs256({ kid: 'k1', typ: 't' }, view, privateKey);
    const verified = await compactVerify(jws, await keySet(), { algorithms: ['ES256'] });
    assert.equal(Buffer.from(verified.payload).toString('utf8'), '{"a":1}');
  });

  it('carries the 64-byte r‖s signature JWS requires, not DER', () => {
    const jws = signCompactEs256({ kid: 'k1', typ: 't' }, 'x', privateKey);
    assert.equal(Buffer.from(jws.split('.')[2] ?? '', 'base64url').length, 64);
  });

  it('fails verification with another key, and when any segment is altered', async () => {
    const jws = signCompactEs256({ kid: 'k1', typ: 't' }, '{"a":1}', privateKey);
    await assert.rejects(compactVerify(jws, await keySet(other.publicKey), { algorithms: ['ES256'] }));
    const [h, p, s] = jws.split('.') as [string, string, string];
    const altered = `${h}.${Buffer.from('{"a":2}').toString('base64url')}.${s}`;
    await assert.rejects(compactVerify(altered, await keySet(), { algorithms: ['ES256'] }));
    await assert.rejects(compactVerify(`${h}.${p}.${s[0] === 'A' ? 'B' : 'A'}${s.slice(1)}`, await keySet(), { algorithms: ['ES256'] }));
  });

  it('refuses any key but an EC P-256 private key', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).privateKey;
    for (const key of [rsa, p384, publicKey]) assert.throws(() => signCompactEs256({ kid: 'k1', typ: 't' }, 'x', key), /EC P-256 private key/);
  });
});
