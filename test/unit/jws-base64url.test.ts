import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { isCanonicalBase64url } from '../../domain/jws.js';

// The character-level check against its definition: a string is canonical exactly when it
// decodes and re-encodes to itself (RFC 4648 §3.5, §5, without padding as RFC 7515 §2 asks).
const roundTrips = (s: string) => /^[A-Za-z0-9_-]*$/.test(s) && Buffer.from(s, 'base64url').toString('base64url') === s;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

describe('canonical base64url (RFC 4648 §5, RFC 7515 §2)', () => {
  it('accepts every encoding of 0 to 40 random bytes', () => {
    for (let n = 0; n <= 40; n++) {
      for (let i = 0; i < 20; i++) assert.ok(isCanonicalBase64url(randomBytes(n).toString('base64url')), `length ${n}`);
    }
  });

  it('agrees with a decode and re-encode for every last character at every length class', () => {
    for (const prefix of ['', 'A', 'AB', 'ABC', 'ABCD', 'eyJhbGciOiJFUzI1NiJ9x', 'eyJhbGciOiJFUzI1NiJ9xy']) {
      for (const c of ALPHABET) {
        const s = prefix + c;
        assert.equal(isCanonicalBase64url(s), roundTrips(s), JSON.stringify(s));
      }
    }
  });

  it('refuses padding, the standard alphabet, spaces and a length of 4n+1', () => {
    for (const s of ['QQ==', 'QQ=', 'a+b/', 'ab cd', 'A', 'ABCDE', '\u00e9', 'QR']) assert.equal(isCanonicalBase64url(s), false, s);
  });
});
