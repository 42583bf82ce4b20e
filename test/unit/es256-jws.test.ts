import { strict as assert } from 'node:assert';
import { generateKeyPairSync } from 'node:crypto';
import { CompactSign, compactVerify, createLocalJWKSet, decodeProtectedHeader, exportJWK, type JSONWebKeySet, type JWK } from 'jose';
import { signCompactEs256, verifyCompactEs256 } from '../../domain/es256-jws.js';
import { compactJwsSegments } from '../../domain/jws.js';

describe('ES256 compact JWS with node:crypto (RFC 7515 §7.1, RFC 7518 §3.4)', () => {
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

  it('refuses any key but an EC P-256 private key, and takes one as PKCS#8 PEM too', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).privateKey;
    for (const key of [rsa, p384, publicKey, rsa.export({ type: 'pkcs8', format: 'pem' }).toString()]) {
      assert.throws(() => signCompactEs256({ kid: 'k1', typ: 't' }, 'x', key), /EC P-256 private key/);
    }
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    await compactVerify(signCompactEs256({ kid: 'k1', typ: 't' }, 'x', pem), await keySet(), { algorithms: ['ES256'] });
  });

  const segmentsOf = (jws: string) => {
    const segments = compactJwsSegments(jws);
    assert.ok(segments, jws);
    return segments;
  };
  const jwkOf = async (key = publicKey, extra: Partial<JWK> = {}): Promise<JWK> => ({ ...(await exportJWK(key)), kid: 'k1', ...extra });

  it('verifies what jose signs and answers the payload bytes', async () => {
    const jws = await new CompactSign(Buffer.from('{"x":"证照"}')).setProtectedHeader({ alg: 'ES256', kid: 'k1', typ: 't' }).sign(privateKey);
    const verified = verifyCompactEs256(segmentsOf(jws), 'k1', { keys: [await jwkOf()] });
    assert.ok(verified.ok);
    assert.equal(verified.payload.toString('utf8'), '{"x":"证照"}');
  });

  it('chooses the key as jose does: same kid, EC P-256, and use / alg / key_ops where given; none or several is a refusal', async () => {
    const jws = signCompactEs256({ kid: 'k1', typ: 't' }, '{}', privateKey);
    const seg = segmentsOf(jws);
    const mine = await jwkOf();
    const verdict = (keys: JWK[]) => {
      const v = verifyCompactEs256(seg, 'k1', { keys } as JSONWebKeySet);
      return v.ok ? 'ok' : v.reason;
    };
    assert.equal(verdict([mine]), 'ok');
    assert.equal(verdict([{ ...mine, use: 'sig', alg: 'ES256', key_ops: ['verify'] }]), 'ok');
    assert.equal(verdict([]), 'no published key matches the kid');
    assert.equal(verdict([{ ...mine, kid: 'k2' }]), 'no published key matches the kid');
    assert.equal(verdict([{ ...mine, use: 'enc' }]), 'no published key matches the kid');
    assert.equal(verdict([{ ...mine, alg: 'ES384' }]), 'no published key matches the kid');
    assert.equal(verdict([{ ...mine, key_ops: ['sign'] }]), 'no published key matches the kid');
    assert.equal(verdict([{ ...mine, crv: 'P-384' }]), 'no published key matches the kid');
    assert.equal(verdict([{ ...mine, x: 'AAAA' }]), 'no published key matches the kid');
    assert.equal(verdict([mine, await jwkOf(other.publicKey)]), 'several published keys match the kid');
    assert.equal(verdict([await jwkOf(other.publicKey)]), 'signature invalid');
  });

  it('refuses a DER-encoded or truncated signature', async () => {
    const { sign } = await import('node:crypto');
    const [h, p] = segmentsOf(signCompactEs256({ kid: 'k1', typ: 't' }, '{}', privateKey));
    const der = sign('sha256', Buffer.from(`${h}.${p}`), privateKey).toString('base64url');
    const keys = { keys: [await jwkOf()] };
    assert.deepEqual(verifyCompactEs256([h, p, der], 'k1', keys), { ok: false, reason: 'signature invalid' });
    assert.deepEqual(verifyCompactEs256([h, p, 'AAAA'], 'k1', keys), { ok: false, reason: 'signature invalid' });
  });

  it('agrees with jose on every single-character change of a signed JWS', async () => {
    const jws = signCompactEs256({ kid: 'k1', typ: 't' }, '{"certificateId":"1.2.156.3005.2"}', privateKey);
    const jwks = { keys: [await jwkOf()] };
    const joseSet = createLocalJWKSet(jwks);
    let checked = 0;
    for (let i = 0; i < jws.length; i += 3) {
      if (jws[i] === '.') continue;
      const altered = `${jws.slice(0, i)}${jws[i] === 'A' ? 'B' : 'A'}${jws.slice(i + 1)}`;
      const seg = compactJwsSegments(altered);
      if (!seg) continue; // not canonical base64url: refused before any signature check
      const ours = verifyCompactEs256(seg, 'k1', jwks).ok;
      const theirs = await compactVerify(altered, joseSet, { algorithms: ['ES256'] }).then(
        () => true,
        () => false,
      );
      assert.equal(ours, theirs, `position ${i}`);
      assert.equal(ours, false, `position ${i}`);
      checked += 1;
    }
    assert.ok(checked > 20, `${checked} alterations checked`);
  });
});
