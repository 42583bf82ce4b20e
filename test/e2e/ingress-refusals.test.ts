// End-to-end refusal corpus for the gateway's ingress (docs/DESIGN.md §4): every way a caller can
// fail mTLS, the certificate-bound JWT or the scope policy is refused with the right status,
// challenge, code and reason, and the refusal leaks nothing. A second block checks that the
// province subgraphs only talk to the gateway (pinned client certificate + caller assertion).
import { strict as assert } from 'node:assert';
import { createHmac, createPublicKey, randomUUID, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import request from 'supertest';
import { Agent, request as undiciRequest } from 'undici';
import { CallerAssertionSigner } from '../../common/identity/caller-assertion.js';
import type { Caller } from '../../common/identity/caller.js';
import { createCa, createSigningKey, issueCertificate, selfSignedLike } from '../../common/pki/dev-pki.js';
import { gatewayPaths, provincePaths } from '../../common/pki/paths.js';
import { certThumbprintS256 } from '../../common/pki/thumbprint.js';
import { clientIdentity, gql, startStack, token, type TestStack } from '../support/stack.js';

process.env.NODE_ENV = 'test';

const DIRECTORY_QUERY = '{ directory(first: 1) { totalCount edges { node { id } } } }';

type Res = request.Response;

interface TlsIdentity {
  cert: string | Buffer;
  key: string | Buffer;
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

function jwksKid(file: string): string {
  const kid = (JSON.parse(readFileSync(file, 'utf8')) as { keys: Array<{ kid: string }> }).keys[0]?.kid;
  assert.ok(kid, `${file} has a kid`);
  return kid;
}

describe('ingress refusals (e2e, one stack)', function () {
  let stack: TestStack;

  before(async function () {
    stack = await startStack();
  });

  after(async function () {
    await stack?.close();
  });

  describe('gateway ingress', function () {
    let gatewayCa: Buffer;
    let cqApp: TlsIdentity;
    let cqCounter: TlsIdentity;

    before(function () {
      const id = clientIdentity(stack, 'chongqing', 'app');
      gatewayCa = id.ca;
      cqApp = { cert: id.cert, key: id.key };
      const counter = clientIdentity(stack, 'chongqing', 'counter');
      cqCounter = { cert: counter.cert, key: counter.key };
    });

    /** POST /graphql to the gateway with any (or no) client certificate and any (or no) bearer. */
    function post(opts: { tls?: TlsIdentity; bearer?: string; path?: string; query?: string }) {
      let req = request(`https://localhost:${stack.gateway.port}`)
        .post(opts.path ?? '/graphql')
        .ca(gatewayCa);
      if (opts.tls) req = req.cert(opts.tls.cert).key(opts.tls.key);
      if (opts.bearer !== undefined) req = req.set('Authorization', `Bearer ${opts.bearer}`);
      return req.set('Content-Type', 'application/json').send({ query: opts.query ?? DIRECTORY_QUERY });
    }

    /** A Chongqing app token (bound to the Chongqing app certificate) with overrides. */
    function cqToken(overrides?: Parameters<typeof token>[4], scope = 'catalogue:read'): Promise<string> {
      return token(stack, 'chongqing', 'app', scope, overrides);
    }

    /** Nothing in the refusal (body or challenge) echoes a secret or internal detail. */
    function assertNoLeak(res: Res, secrets: string[] = []) {
      const body = res.text ?? '';
      const challenge = String(res.headers['www-authenticate'] ?? '');
      for (const where of [body, challenge]) {
        for (const s of secrets) {
          assert.ok(!where.includes(s), 'refusal echoes the token');
          // A JWT's signed parts on their own are just as telling as the whole token.
          for (const part of s.split('.')) if (part.length >= 16) assert.ok(!where.includes(part), 'refusal echoes part of the token');
        }
        assert.doesNotMatch(where, /\n\s+at\s|\bat\s+\S+\s+\(.*:\d+:\d+\)|\bat\s+(file|node):/, 'stack trace in refusal');
        assert.doesNotMatch(where, /stacktrace/i, 'stacktrace extension in refusal');
        assert.doesNotMatch(where, /(?:[A-Za-z]:)?(?:[\\/][\w.@-]+){2,}\.(?:ts|js|mjs|cjs|json|pem|crt|key)\b/, 'file path in refusal');
        assert.doesNotMatch(where, /node_modules|\/work\/|\/tmp\/|file:\/\//, 'file path in refusal');
        assert.ok(!where.includes(stack.cfg.certsDir), 'certs directory in refusal');
        assert.doesNotMatch(where, /-----BEGIN [A-Z ]*-----|PRIVATE KEY/, 'key material in refusal');
        assert.doesNotMatch(where, /"d"\s*:\s*"/, 'private JWK member in refusal');
      }
    }

    interface Expect401 {
      reason: string;
      /** true: a token problem (`error="invalid_token"`); false: a certificate problem (no token error); undefined: not pinned. */
      invalidToken?: boolean;
      secrets?: string[];
    }

    function expect401(res: Res, exp: Expect401) {
      assert.equal(res.status, 401, `status (body: ${res.text})`);
      const challenge = res.headers['www-authenticate'];
      assert.equal(typeof challenge, 'string', 'WWW-Authenticate present on 401');
      assert.match(challenge as string, /^Bearer\s/, 'Bearer challenge');
      assert.match(challenge as string, /realm="chuanyu-gateway"/);
      if (exp.invalidToken === true) assert.match(challenge as string, /error="invalid_token"/);
      if (exp.invalidToken === false) assert.doesNotMatch(challenge as string, /error=/);
      assert.match(String(res.headers['content-type']), /application\/json/);
      const body = res.body as { errors?: Array<{ message?: unknown; extensions?: Record<string, unknown> }>; data?: unknown };
      assert.ok(Array.isArray(body.errors) && body.errors.length === 1, `one error (body: ${res.text})`);
      assert.equal(body.data, undefined, 'no data on a refusal');
      const err = body.errors[0]!;
      assert.equal(typeof err.message, 'string');
      assert.ok((err.message as string).length > 0);
      assert.equal(err.extensions?.code, 'UNAUTHENTICATED');
      assert.equal(err.extensions?.reason, exp.reason);
      assertNoLeak(res, exp.secrets);
    }

    function expect403(res: Res, secrets: string[], scope?: string) {
      assert.equal(res.status, 403, `status (body: ${res.text})`);
      const challenge = String(res.headers['www-authenticate'] ?? '');
      assert.match(challenge, /^Bearer\s/);
      assert.match(challenge, /error="insufficient_scope"/);
      if (scope) assert.match(challenge, new RegExp(`scope="${scope}"`));
      const body = res.body as { errors?: Array<{ extensions?: Record<string, unknown> }>; data?: unknown };
      assert.ok(Array.isArray(body.errors) && body.errors.length >= 1, `errors (body: ${res.text})`);
      assert.equal(body.data ?? null, null, 'no data on a refusal');
      const err = body.errors[0]!;
      assert.equal(err.extensions?.code, 'FORBIDDEN');
      assert.equal(err.extensions?.reason, 'insufficient_scope');
      assert.equal(err.extensions?.http, undefined, 'internal http extension not sent');
      assertNoLeak(res, secrets);
    }

    it('positive control: a valid bound token on the matching certificate gets 200 with data', async function () {
      const res = await gql(stack, { province: 'chongqing', client: 'app', scope: 'catalogue:read' }, DIRECTORY_QUERY);
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.errors, undefined, res.text);
      assert.ok(res.body.data.directory.totalCount > 0);
      assert.equal(res.body.data.directory.edges.length, 1);
    });

    describe('client certificate', function () {
      it('a province root CA certificate presented as a client certificate → 401 client_certificate_untrusted', async function () {
        const pp = provincePaths(stack.cfg.certsDir, 'chongqing');
        const res = await post({ tls: { cert: readFileSync(pp.ca), key: readFileSync(pp.caKey) }, bearer: await cqToken() });
        expect401(res, { reason: 'client_certificate_untrusted', invalidToken: false });
      });

      it('no client certificate → 401 client_certificate_missing', async function () {
        const bearer = await cqToken();
        const res = await post({ bearer });
        expect401(res, { reason: 'client_certificate_missing', invalidToken: false, secrets: [bearer] });
      });

      it('certificate from an unknown CA → 401 client_certificate_untrusted', async function () {
        const rogueCa = createCa({ commonName: 'Rogue Root CA', organization: 'Nobody' });
        const leaf = issueCertificate({ ca: rogueCa, kind: 'client', commonName: 'chongqing-app', organization: '重庆市' });
        const bearer = await cqToken({ claims: { cnf: { 'x5t#S256': certThumbprintS256(leaf.certPem) } } });
        const res = await post({ tls: { cert: leaf.certPem, key: leaf.keyPem }, bearer });
        expect401(res, { reason: 'client_certificate_untrusted', invalidToken: false, secrets: [bearer] });
      });

      it('self-signed CA copying the Chongqing CA subject, and a leaf signed by it → 401 client_certificate_untrusted', async function () {
        const realCaPem = readFileSync(provincePaths(stack.cfg.certsDir, 'chongqing').ca, 'utf8');
        const fakeCa = selfSignedLike(realCaPem);
        const leaf = issueCertificate({ ca: fakeCa, kind: 'client', commonName: 'chongqing-app', organization: '重庆市' });
        const bearer = await cqToken({ claims: { cnf: { 'x5t#S256': certThumbprintS256(leaf.certPem) } } });
        // Send the forged CA along, as an attacker would, so the server sees the whole chain.
        const res = await post({ tls: { cert: leaf.certPem + fakeCa.certPem, key: leaf.keyPem }, bearer });
        expect401(res, { reason: 'client_certificate_untrusted', invalidToken: false, secrets: [bearer] });
      });

      it('expired client certificate issued by the real Chongqing CA → 401 client_certificate_expired', async function () {
        const pp = provincePaths(stack.cfg.certsDir, 'chongqing');
        const ca = { certPem: readFileSync(pp.ca, 'utf8'), keyPem: readFileSync(pp.caKey, 'utf8') };
        const day = 86_400_000;
        const leaf = issueCertificate({
          ca,
          kind: 'client',
          commonName: 'chongqing-app',
          organization: '重庆市',
          notBefore: new Date(Date.now() - 30 * day),
          notAfter: new Date(Date.now() - day),
        });
        // The token is bound to this very certificate, so only its expiry is wrong.
        const bearer = await cqToken({ claims: { cnf: { 'x5t#S256': certThumbprintS256(leaf.certPem) } } });
        const res = await post({ tls: { cert: leaf.certPem, key: leaf.keyPem }, bearer });
        expect401(res, { reason: 'client_certificate_expired', invalidToken: false, secrets: [bearer] });
      });
    });

    describe('token binding and province', function () {
      it('Chongqing certificate with a Sichuan token → 401 token_unknown_kid', async function () {
        // A genuine Sichuan token, even bound to the Chongqing certificate, is checked only
        // against Chongqing's keys, where its kid does not exist.
        const bearer = await token(stack, 'sichuan', 'app', 'catalogue:read', {
          claims: { cnf: { 'x5t#S256': certThumbprintS256(cqApp.cert) } },
        });
        const res = await post({ tls: cqApp, bearer });
        expect401(res, { reason: 'token_unknown_kid', invalidToken: true, secrets: [bearer] });
      });

      it('token bound to another certificate (Chongqing app token on the counter cert) → 401 token_bound_to_other_certificate', async function () {
        const bearer = await cqToken();
        const res = await post({ tls: cqCounter, bearer });
        expect401(res, { reason: 'token_bound_to_other_certificate', invalidToken: true, secrets: [bearer] });
      });

      it('token without cnf → 401 token_not_bound', async function () {
        const bearer = await cqToken({ claims: { cnf: undefined } });
        const res = await post({ tls: cqApp, bearer });
        expect401(res, { reason: 'token_not_bound', invalidToken: true, secrets: [bearer] });
      });
    });

    describe('token algorithm and key', function () {
      it('alg: none → 401 token_alg_not_allowed', async function () {
        const bearer = await cqToken({ header: { alg: 'none' } });
        assert.ok(bearer.endsWith('.'), 'unsigned token');
        const res = await post({ tls: cqApp, bearer });
        expect401(res, { reason: 'token_alg_not_allowed', invalidToken: true, secrets: [bearer] });
      });

      it('HS256 signed with the province public key as HMAC secret → 401 token_alg_not_allowed', async function () {
        const jwksFile = provincePaths(stack.cfg.certsDir, 'chongqing').idpJwks;
        const jwksText = readFileSync(jwksFile, 'utf8');
        const jwk = (JSON.parse(jwksText) as { keys: Array<Record<string, unknown>> }).keys[0]!;
        const spkiPem = createPublicKey({ key: jwk as never, format: 'jwk' })
          .export({ type: 'spki', format: 'pem' })
          .toString();
        const spkiDer = createPublicKey({ key: jwk as never, format: 'jwk' }).export({ type: 'spki', format: 'der' });
        // Every form an attacker might guess the verifier would feed to HMAC.
        const secrets: Array<[string, Buffer | string]> = [
          ['JWKS file bytes', jwksText],
          ['JWK JSON', JSON.stringify(jwk)],
          ['SPKI PEM', spkiPem],
          ['SPKI DER', spkiDer],
        ];
        const valid = await cqToken();
        const [, payload] = valid.split('.');
        const header = { alg: 'HS256', typ: 'at+jwt', kid: jwk.kid };
        for (const [what, secret] of secrets) {
          const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${payload}`;
          const bearer = `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
          const res = await post({ tls: cqApp, bearer });
          try {
            expect401(res, { reason: 'token_alg_not_allowed', invalidToken: true, secrets: [bearer] });
          } catch (err) {
            (err as Error).message = `HMAC secret = ${what}: ${(err as Error).message}`;
            throw err;
          }
        }
      });

      it('unknown kid → 401 token_unknown_kid', async function () {
        const bearer = await cqToken({ header: { kid: `no-such-key-${randomUUID()}` } });
        const res = await post({ tls: cqApp, bearer });
        expect401(res, { reason: 'token_unknown_kid', invalidToken: true, secrets: [bearer] });
      });

      it("the other province's kid (Chongqing-signed token naming Sichuan's kid) → 401 token_unknown_kid", async function () {
        const sichuanKid = jwksKid(provincePaths(stack.cfg.certsDir, 'sichuan').idpJwks);
        const bearer = await cqToken({ header: { kid: sichuanKid } });
        const res = await post({ tls: cqApp, bearer });
        expect401(res, { reason: 'token_unknown_kid', invalidToken: true, secrets: [bearer] });
      });

      it('jku header → 401 token_header_forbidden', async function () {
        const bearer = await cqToken({ header: { jku: 'https://attacker.example/jwks.json' } });
        const res = await post({ tls: cqApp, bearer });
        expect401(res, { reason: 'token_header_forbidden', invalidToken: true, secrets: [bearer] });
      });

      it('x5u header → 401 token_header_forbidden', async function () {
        const bearer = await cqToken({ header: { x5u: 'https://attacker.example/cert.pem' } });
        const res = await post({ tls: cqApp, bearer });
        expect401(res, { reason: 'token_header_forbidden', invalidToken: true, secrets: [bearer] });
      });

      it('jwk header (embedding the signing key) → 401 token_header_forbidden', async function () {
        // The attacker embeds a public key of their own and signs with its private half.
        const attacker = await createSigningKey();
        const { kid: _kid, alg: _alg, use: _use, ...publicJwk } = attacker.jwks.keys[0]!;
        const valid = await cqToken();
        const [, payload] = valid.split('.');
        const header = { alg: 'ES256', typ: 'at+jwt', jwk: publicJwk };
        const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${payload}`;
        const sig = sign('sha256', Buffer.from(input), { key: attacker.privatePem, dsaEncoding: 'ieee-p1363' }).toString('base64url');
        const bearer = `${input}.${sig}`;
        const res = await post({ tls: cqApp, bearer });
        expect401(res, { reason: 'token_header_forbidden', invalidToken: true, secrets: [bearer] });
      });
    });

    describe('token claims', function () {
      it('wrong iss → 401 token_issuer_invalid', async function () {
        const bearer = await cqToken({ claims: { iss: 'https://idp.attacker.example' } });
        const res = await post({ tls: cqApp, bearer });
        expect401(res, { reason: 'token_issuer_invalid', invalidToken: true, secrets: [bearer] });
      });

      it('wrong aud → 401 token_audience_invalid', async function () {
        const bearer = await cqToken({ claims: { aud: 'https://some-other-api.example' } });
        const res = await post({ tls: cqApp, bearer });
        expect401(res, { reason: 'token_audience_invalid', invalidToken: true, secrets: [bearer] });
      });

      it('expired (beyond the 30 s skew) → 401 token_expired', async function () {
        const now = nowSeconds();
        const bearer = await cqToken({ claims: { iat: now - 900, nbf: now - 900, exp: now - 300 } });
        const res = await post({ tls: cqApp, bearer });
        expect401(res, { reason: 'token_expired', invalidToken: true, secrets: [bearer] });
      });

      it('nbf in the future (beyond the 30 s skew) → 401 token_not_yet_valid', async function () {
        const now = nowSeconds();
        const bearer = await cqToken({ claims: { iat: now, nbf: now + 600, exp: now + 900 } });
        const res = await post({ tls: cqApp, bearer });
        expect401(res, { reason: 'token_not_yet_valid', invalidToken: true, secrets: [bearer] });
      });

      it('lifetime over the 3600 s bound → 401 token_lifetime_too_long', async function () {
        const now = nowSeconds();
        const bearer = await cqToken({ claims: { iat: now, nbf: now, exp: now + 3600 + 120 } });
        const res = await post({ tls: cqApp, bearer });
        expect401(res, { reason: 'token_lifetime_too_long', invalidToken: true, secrets: [bearer] });
      });

      it('wrong typ (JWT instead of at+jwt) → 401 token_typ_invalid', async function () {
        const bearer = await cqToken({ header: { typ: 'JWT' } });
        const res = await post({ tls: cqApp, bearer });
        expect401(res, { reason: 'token_typ_invalid', invalidToken: true, secrets: [bearer] });
      });
    });

    describe('token transport and shape', function () {
      it('token in the query string → 401 token_in_query', async function () {
        const bearer = await cqToken();
        const path = `/graphql?access_token=${encodeURIComponent(bearer)}`;
        // Alone it is refused as a token in the URL; alongside an Authorization header as two
        // credentials (400 invalid_request, test/e2e/ambiguous-credentials.test.ts).
        expect401(await post({ tls: cqApp, path }), { reason: 'token_in_query', invalidToken: true, secrets: [bearer] });
        const both = await post({ tls: cqApp, path, bearer });
        assert.equal(both.status, 400);
        assert.equal(both.body.errors[0].extensions.reason, 'credentials_ambiguous');
        assertNoLeak(both, [bearer]);
      });

      // Regression: the check once matched the raw URL, so a percent-encoded name slipped through.
      it('token in the query string under a percent-encoded name (%61ccess_token) → 401 token_in_query', async function () {
        const bearer = await cqToken();
        const path = `/graphql?%61ccess_token=${encodeURIComponent(bearer)}`;
        expect401(await post({ tls: cqApp, path }), { reason: 'token_in_query', invalidToken: true, secrets: [bearer] });
        assert.equal((await post({ tls: cqApp, path, bearer })).status, 400);
      });

      it('oversized token (> 8 KB) → 401 token_too_large', async function () {
        const bearer = await cqToken({ claims: { padding: 'x'.repeat(9000) } });
        assert.ok(bearer.length > 8192);
        const res = await post({ tls: cqApp, bearer });
        expect401(res, { reason: 'token_too_large', invalidToken: true, secrets: [bearer] });
      });

      it('malformed token (abc.def) → 401 token_malformed', async function () {
        const res = await post({ tls: cqApp, bearer: 'abc.def' });
        expect401(res, { reason: 'token_malformed', invalidToken: true });
        assert.ok(!res.text.includes('abc.def'), 'refusal echoes the malformed token');
      });

      it('no Authorization header → 401 token_missing', async function () {
        // RFC 6750 §3.1: a request without any credentials gets a challenge without an error code.
        const res = await post({ tls: cqApp });
        expect401(res, { reason: 'token_missing' });
        assert.doesNotMatch(String(res.headers['www-authenticate']), /error=/);
      });
    });

    describe('scopes', function () {
      it('app with only certificate:verify querying directory → 403 insufficient_scope', async function () {
        const bearer = await cqToken(undefined, 'certificate:verify');
        const res = await post({ tls: cqApp, bearer });
        expect403(res, [bearer], 'catalogue:read');
      });

      it('app with catalogue:read calling registerMirror → 403 insufficient_scope', async function () {
        const bearer = await cqToken(undefined, 'catalogue:read');
        const res = await post({
          tls: cqApp,
          bearer,
          query: 'mutation { registerMirror(sourceId: "sichuan:does-not-matter") { created entry { id } } }',
        });
        expect403(res, [bearer], 'catalogue:admin');
      });
    });
  });

  describe('subgraph pinning', function () {
    let chongqingCa: Buffer;
    let gatewayClient: TlsIdentity;
    let realSigner: CallerAssertionSigner;
    let caller: Caller;
    const agents: Agent[] = [];

    before(async function () {
      const gp = gatewayPaths(stack.cfg.certsDir);
      chongqingCa = readFileSync(provincePaths(stack.cfg.certsDir, 'chongqing').ca);
      gatewayClient = { cert: readFileSync(gp.clientCert), key: readFileSync(gp.clientKey) };
      realSigner = await CallerAssertionSigner.fromPem(readFileSync(gp.assertionKey, 'utf8'), JSON.parse(readFileSync(gp.assertionJwks, 'utf8')));
      const app = clientIdentity(stack, 'chongqing', 'app');
      caller = {
        province: 'chongqing',
        divisionCode: stack.province('chongqing').divisionCode,
        subject: 'chongqing:app',
        clientId: 'chongqing-app',
        scopes: ['catalogue:read', 'catalogue:admin'],
        certThumbprint: certThumbprintS256(app.cert),
        requestId: randomUUID(),
      };
    });

    after(async function () {
      for (const a of agents) await a.close().catch(() => {});
    });

    async function callChongqing(tls: TlsIdentity, assertion?: string) {
      const agent = new Agent({ connect: { ca: chongqingCa, cert: tls.cert, key: tls.key } });
      agents.push(agent);
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (assertion !== undefined) headers['x-chuanyu-caller'] = assertion;
      const res = await undiciRequest(stack.subgraphs.get('chongqing')!.url, {
        method: 'POST',
        dispatcher: agent,
        headers,
        body: JSON.stringify({ query: '{ _service { sdl } }' }),
      });
      const text = await res.body.text();
      return { status: res.statusCode, text };
    }

    function expectUnauthenticated(res: { status: number; text: string }) {
      assert.equal(res.status, 401, res.text);
      const body = JSON.parse(res.text) as { errors?: Array<{ extensions?: { code?: string } }>; data?: unknown };
      assert.equal(body.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
      assert.equal(body.data, undefined);
      assert.doesNotMatch(res.text, /_service|sdl|type Query/, 'no schema in a refusal');
      assert.doesNotMatch(res.text, /\n\s+at\s|node_modules|\/work\/|-----BEGIN/);
    }

    it('positive control: gateway certificate + valid assertion for this subgraph → 200', async function () {
      const res = await callChongqing(gatewayClient, await realSigner.sign(caller, 'chongqing'));
      assert.equal(res.status, 200, res.text);
      const body = JSON.parse(res.text) as { data?: { _service?: { sdl?: string } } };
      assert.equal(typeof body.data?._service?.sdl, 'string');
    });

    it('a province client certificate calling the subgraph directly is refused (TLS or 401/403)', async function () {
      const app = clientIdentity(stack, 'chongqing', 'app');
      // Even with a genuine assertion: the certificate alone must keep it out.
      const assertion = await realSigner.sign(caller, 'chongqing');
      let outcome: string;
      try {
        const res = await callChongqing({ cert: app.cert, key: app.key }, assertion);
        assert.ok(res.status === 401 || res.status === 403, `expected a refusal, got ${res.status}: ${res.text}`);
        assert.doesNotMatch(res.text, /"sdl"/);
        outcome = `HTTP ${res.status}`;
      } catch (err) {
        if (err instanceof assert.AssertionError) throw err;
        // TLS 1.3: the server's alert may arrive during or right after the handshake.
        outcome = `connection error ${(err as NodeJS.ErrnoException).code ?? (err as Error).name}`;
      }
      assert.ok(outcome);
    });

    it('gateway certificate without a caller assertion → 401', async function () {
      expectUnauthenticated(await callChongqing(gatewayClient));
    });

    it('gateway certificate with a forged assertion (signed by another key) → 401', async function () {
      const forgedKey = await createSigningKey();
      const realJwks = JSON.parse(readFileSync(gatewayPaths(stack.cfg.certsDir).assertionJwks, 'utf8'));
      // Under its own kid, and under the gateway's real kid (so only the signature gives it away).
      for (const jwks of [forgedKey.jwks, realJwks]) {
        const forger = await CallerAssertionSigner.fromPem(forgedKey.privatePem, jwks);
        expectUnauthenticated(await callChongqing(gatewayClient, await forger.sign(caller, 'chongqing')));
      }
    });

    it('gateway certificate with an expired assertion (real key, issued 120 s ago) → 401', async function () {
      const assertion = await realSigner.sign(caller, 'chongqing', nowSeconds() - 120);
      expectUnauthenticated(await callChongqing(gatewayClient, assertion));
    });

    it("gateway certificate with a valid assertion for the other subgraph's audience → 401", async function () {
      const assertion = await realSigner.sign(caller, 'sichuan');
      expectUnauthenticated(await callChongqing(gatewayClient, assertion));
    });
  });
});
