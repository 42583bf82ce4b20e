// The dev IdP's authorization codes and PKCE check on their own (idp/codes.ts, idp/pkce.ts), with a
// clock the test moves: a code lives 60 s and is presented once (RFC 6749 §4.1.2); the S256
// challenge is the one of RFC 7636 Appendix B. The HTTP side is in idp.test.ts.
import { strict as assert } from 'node:assert';
import { AuthorizationCodes, CODE_LIFETIME_MS, type CodeGrant } from '../../idp/codes.js';
import { isCodeVerifier, isS256Challenge, s256Challenge, verifierMatches } from '../../idp/pkce.js';

const GRANT: CodeGrant = {
  clientId: 'counter',
  redirectUri: 'https://localhost:4000/console/',
  codeChallenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
  thumbprint: 'x5t',
  scope: 'certificate:verify',
  subject: 'sichuan:counter',
};

describe('dev IdP authorization codes and PKCE', () => {
  it('a code is redeemed once; a second presentation is "used"; an unknown one "unknown"', () => {
    const codes = new AuthorizationCodes();
    const code = codes.issue(GRANT);
    assert.match(code, /^[A-Za-z0-9_-]{43}$/);
    assert.notEqual(codes.issue(GRANT), code);
    assert.deepEqual(codes.redeem(code), { ok: true, grant: GRANT });
    assert.deepEqual(codes.redeem(code), { ok: false, why: 'used' });
    assert.deepEqual(codes.redeem('nope'), { ok: false, why: 'unknown' });
  });

  it('a code expires after 60 s, and is spent by the late attempt too', () => {
    let now = 1_000_000;
    const codes = new AuthorizationCodes(CODE_LIFETIME_MS, () => now);
    assert.equal(CODE_LIFETIME_MS, 60_000);
    const inTime = codes.issue(GRANT);
    const late = codes.issue(GRANT);
    now += 59_999;
    assert.equal(codes.redeem(inTime).ok, true);
    now += 1;
    assert.deepEqual(codes.redeem(late), { ok: false, why: 'expired' });
    assert.deepEqual(codes.redeem(late), { ok: false, why: 'used' });
  });

  it('S256 as in RFC 7636 Appendix B; only well-formed verifiers and challenges', () => {
    const verifier = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
    assert.equal(s256Challenge(verifier), 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
    assert.equal(verifierMatches(verifier, GRANT.codeChallenge), true);
    assert.equal(verifierMatches(`${verifier.slice(0, -1)}l`, GRANT.codeChallenge), false);
    assert.equal(verifierMatches(verifier, 'short'), false);
    assert.equal(isCodeVerifier(verifier), true);
    assert.equal(isCodeVerifier('a'.repeat(42)), false);
    assert.equal(isCodeVerifier('a'.repeat(129)), false);
    assert.equal(isCodeVerifier(`${'a'.repeat(42)}+`), false);
    assert.equal(isS256Challenge(GRANT.codeChallenge), true);
    assert.equal(isS256Challenge(`${GRANT.codeChallenge}=`), false);
  });
});
