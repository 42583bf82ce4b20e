// Journey and refusals: each province's dev IdP (idp/), over real HTTPS with real client
// certificates, and the gateway accepting what it issues. Services get tokens with the client
// credentials grant, authenticated by their certificate (RFC 8705 §2, tls_client_auth); people in a
// browser with the authorization code grant and PKCE (RFC 7636), the code bound to the certificate
// the browser presented and redeemed over mutual TLS with that same certificate (RFC 8705 §3). The
// browser is played by undici here (the console's own browser tests drive Chromium); every request
// is the one a browser would make, Origin header included.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { cpSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { Agent, request } from 'undici';
import { ROOT_DIR, type ProvinceConfig, type StackConfig } from '../../common/config.js';
import { mintDevToken } from '../../common/dev-token.js';
import { revokeDevClient } from '../../common/pki/dev-pki.js';
import { provincePaths } from '../../common/pki/paths.js';
import { certThumbprintS256 } from '../../common/pki/thumbprint.js';
import { startGateway } from '../../gateway/server.js';
import { startDevIdp, type RunningIdp } from '../../idp/server.js';
import { createSyncWorker } from '../../subgraphs/catalogue/sync/create-worker.js';
import { gql, sharedCertsDir, startStack, tmpDir, until, type TestStack } from '../support/stack.js';

type Answer = { status: number; headers: Record<string, string | string[] | undefined>; text: string; json: Record<string, unknown> };

const PROVINCES_QUERY = '{ provinces { name } }';

describe('the dev IdP of each province (OAuth 2.0: RFC 8414, 6749, 7636, 8705, 9068, 9207)', function () {
  this.timeout(60_000);
  let stack: TestStack;
  const agents: Agent[] = [];
  let consoleOrigin: string;

  before(async () => {
    stack = await startStack({ entries: 60 });
    consoleOrigin = new URL(stack.consoleRedirectUri).origin;
  });
  after(async () => {
    for (const a of agents) await a.close().catch(() => {});
    await stack?.close();
  });

  const idp = (province: string) => stack.idps.get(province)!;

  /** A TLS client trusting the IdP's province CA and presenting `client`'s certificate (of `certProvince`), or none. */
  function tls(province: string, client?: string, certProvince = province): Agent {
    const ca = readFileSync(provincePaths(stack.cfg.certsDir, province).ca);
    const c = client ? provincePaths(stack.cfg.certsDir, certProvince).client(client) : undefined;
    const agent = new Agent({ connect: { ca, ...(c ? { cert: readFileSync(c.cert), key: readFileSync(c.key) } : {}) } });
    agents.push(agent);
    return agent;
  }

  async function send(
    url: string,
    agent: Agent,
    init: { method?: 'GET' | 'POST' | 'OPTIONS'; form?: Record<string, string>; headers?: Record<string, string> } = {},
  ): Promise<Answer> {
    const res = await request(url, {
      method: init.method ?? (init.form ? 'POST' : 'GET'),
      dispatcher: agent,
      headers: { ...(init.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}), ...init.headers },
      body: init.form ? new URLSearchParams(init.form).toString() : undefined,
    });
    const text = await res.body.text();
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(text);
    } catch {
      // an HTML page or an empty answer
    }
    return { status: res.statusCode, headers: res.headers, text, json };
  }

  const token = (province: string, agent: Agent, form: Record<string, string>, headers: Record<string, string> = {}) =>
    send(idp(province).tokenEndpoint, agent, { form, headers });

  /** An RFC 6749 §5.2 refusal: status, error code, a description, nothing issued, not cacheable. */
  function refused(res: Answer, status: number, error: string, description?: RegExp) {
    assert.equal(res.status, status, res.text);
    assert.match(String(res.headers['content-type']), /^application\/json/);
    assert.equal(res.json.error, error, res.text);
    assert.equal(typeof res.json.error_description, 'string');
    if (description) assert.match(String(res.json.error_description), description);
    assert.equal(res.json.access_token, undefined);
    assert.equal(res.headers['cache-control'], 'no-store');
  }

  const thumbprintOf = (province: string, client: string) =>
    certThumbprintS256(readFileSync(provincePaths(stack.cfg.certsDir, province).client(client).cert, 'utf8'));

  describe('metadata (RFC 8414) and keys', () => {
    it('publishes its endpoints, grants, PKCE method, tls_client_auth and bound tokens; the issuer is its origin and the config’s', async () => {
      const i = idp('chongqing');
      assert.match(i.issuer, /^https:\/\/localhost:\d+$/);
      assert.equal(stack.province('chongqing').idp.issuer, i.issuer, 'the gateway checks iss against the IdP origin');
      const res = await send(`${i.issuer}/.well-known/oauth-authorization-server`, tls('chongqing'));
      assert.equal(res.status, 200, res.text);
      assert.match(String(res.headers['content-type']), /^application\/json/);
      const m = res.json;
      assert.equal(m.issuer, i.issuer);
      assert.equal(m.authorization_endpoint, `${i.issuer}/authorize`);
      assert.equal(m.token_endpoint, `${i.issuer}/token`);
      assert.equal(m.jwks_uri, `${i.issuer}/jwks.json`);
      assert.deepEqual(m.response_types_supported, ['code']);
      assert.deepEqual([...(m.grant_types_supported as string[])].sort(), ['authorization_code', 'client_credentials']);
      assert.deepEqual(m.code_challenge_methods_supported, ['S256']);
      assert.ok((m.token_endpoint_auth_methods_supported as string[]).includes('tls_client_auth'));
      assert.equal(m.tls_client_certificate_bound_access_tokens, true);
      assert.equal(m.authorization_response_iss_parameter_supported, true);
      assert.deepEqual(m.scopes_supported, ['catalogue:admin', 'catalogue:read', 'certificate:verify']);
    });

    it('serves the public keys of the dev PKI at jwks_uri, which is where the gateway fetches them (over HTTPS, trusting the province CA)', async () => {
      for (const id of ['chongqing', 'sichuan']) {
        const i = idp(id);
        assert.equal(stack.province(id).idp.jwks, i.jwksUri);
        const res = await send(i.jwksUri, tls(id));
        assert.equal(res.status, 200);
        assert.match(String(res.headers['content-type']), /^application\/jwk-set\+json/);
        const published = JSON.parse(readFileSync(provincePaths(stack.cfg.certsDir, id).idpJwks, 'utf8')) as JSONWebKeySet;
        assert.deepEqual(res.json, published);
        assert.ok((res.json.keys as object[]).every((k) => !('d' in k)));
      }
    });

    it('has its TLS server certificate from the province CA: another province’s CA does not trust it', async () => {
      const wrongCa = new Agent({ connect: { ca: readFileSync(provincePaths(stack.cfg.certsDir, 'sichuan').ca) } });
      agents.push(wrongCa);
      await assert.rejects(send(idp('chongqing').jwksUri, wrongCa), /certificate|self.signed|issuer/i);
    });
  });

  describe('client credentials for services (RFC 6749 §4.4, RFC 8705 §2 tls_client_auth)', () => {
    it('issues the token the gateway checks, bound to the certificate presented, and the gateway serves a real GraphQL call with it', async () => {
      const res = await token('chongqing', tls('chongqing', 'app'), { grant_type: 'client_credentials', client_id: 'app', scope: 'catalogue:read' });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.headers['cache-control'], 'no-store');
      assert.equal(res.json.token_type, 'Bearer');
      assert.equal(res.json.expires_in, 300);
      assert.equal(res.json.scope, 'catalogue:read');
      const jwt = String(res.json.access_token);
      const header = decodeProtectedHeader(jwt);
      const jwks = JSON.parse(readFileSync(provincePaths(stack.cfg.certsDir, 'chongqing').idpJwks, 'utf8')) as JSONWebKeySet;
      assert.deepEqual(header, { alg: 'ES256', typ: 'at+jwt', kid: jwks.keys[0]!.kid });
      const { payload } = await jwtVerify(jwt, createLocalJWKSet(jwks), {
        issuer: idp('chongqing').issuer,
        audience: stack.cfg.gateway.audience,
        typ: 'at+jwt',
      });
      assert.equal(payload.sub, 'chongqing:app');
      assert.equal(payload.client_id, 'app');
      assert.equal(payload.scope, 'catalogue:read');
      assert.equal(payload.exp! - payload.iat!, 300);
      assert.equal(payload.nbf, payload.iat);
      assert.equal(typeof payload.jti, 'string');
      assert.deepEqual(payload.cnf, { 'x5t#S256': thumbprintOf('chongqing', 'app') });

      const call = await gql(stack, { province: 'chongqing', client: 'app', token: jwt }, '{ directory(first: 2) { totalCount nodes { id } } }');
      assert.equal(call.status, 200, call.text);
      assert.equal(call.body.errors, undefined, call.text);
      assert.ok(call.body.data.directory.totalCount > 0);
      // Bound: the same token on another certificate's connection is refused by the gateway.
      const stolen = await gql(stack, { province: 'chongqing', client: 'counter', token: jwt }, PROVINCES_QUERY);
      assert.equal(stolen.status, 401);
      assert.equal(stolen.body.errors[0].extensions.reason, 'token_bound_to_other_certificate');
    });

    it('gives a client all its registered scopes when none is asked for, and caps the dev lifetime extension at 3600 s', async () => {
      const all = await token('sichuan', tls('sichuan', 'sync'), { grant_type: 'client_credentials', client_id: 'sync' });
      assert.equal(all.status, 200, all.text);
      assert.equal(all.json.scope, 'catalogue:read catalogue:admin');
      assert.equal(decodeJwt(String(all.json.access_token)).sub, 'sichuan:sync');
      const long = await token('sichuan', tls('sichuan', 'admin'), {
        grant_type: 'client_credentials',
        client_id: 'admin',
        scope: 'catalogue:read catalogue:admin',
        lifetime: '7200',
      });
      assert.equal(long.status, 200, long.text);
      assert.equal(long.json.expires_in, 3600);
      const claims = decodeJwt(String(long.json.access_token));
      assert.equal(claims.exp! - claims.iat!, 3600);
      const short = await token('sichuan', tls('sichuan', 'admin'), {
        grant_type: 'client_credentials',
        client_id: 'admin',
        scope: 'catalogue:admin',
        lifetime: '60',
      });
      assert.equal(short.json.expires_in, 60);
      const call = await gql(stack, { province: 'sichuan', client: 'admin', token: String(long.json.access_token) }, PROVINCES_QUERY);
      assert.equal(call.status, 200, call.text);
    });

    it('refuses an unknown client (invalid_client, 401)', async () => {
      refused(
        await token('chongqing', tls('chongqing', 'app'), { grant_type: 'client_credentials', client_id: 'root' }),
        401,
        'invalid_client',
        /unknown client/,
      );
      // Not a prototype member either.
      refused(await token('chongqing', tls('chongqing', 'app'), { grant_type: 'client_credentials', client_id: 'constructor' }), 401, 'invalid_client');
    });

    it('refuses a certificate that is not the client’s: another client’s, another province’s, none (invalid_client, 401)', async () => {
      refused(
        await token('chongqing', tls('chongqing', 'app'), { grant_type: 'client_credentials', client_id: 'admin', scope: 'catalogue:admin' }),
        401,
        'invalid_client',
        /not the one registered for client admin/,
      );
      refused(
        await token('chongqing', tls('chongqing', 'admin', 'sichuan'), { grant_type: 'client_credentials', client_id: 'admin' }),
        401,
        'invalid_client',
        /not issued by the province CA/,
      );
      refused(
        await token('chongqing', tls('chongqing'), { grant_type: 'client_credentials', client_id: 'admin' }),
        401,
        'invalid_client',
        /no client certificate/,
      );
    });

    it('refuses a scope the client may not have (invalid_scope, 400)', async () => {
      refused(
        await token('chongqing', tls('chongqing', 'app'), { grant_type: 'client_credentials', client_id: 'app', scope: 'catalogue:read catalogue:admin' }),
        400,
        'invalid_scope',
      );
      refused(
        await token('sichuan', tls('sichuan', 'sync'), { grant_type: 'client_credentials', client_id: 'sync', scope: 'certificate:verify' }),
        400,
        'invalid_scope',
      );
    });

    it('refuses a wrong grant type (unsupported_grant_type) and malformed requests (invalid_request)', async () => {
      const app = tls('chongqing', 'app');
      refused(await token('chongqing', app, { grant_type: 'password', client_id: 'app', username: 'u', password: 'p' }), 400, 'unsupported_grant_type');
      refused(await token('chongqing', app, { grant_type: 'implicit', client_id: 'app' }), 400, 'unsupported_grant_type');
      refused(await token('chongqing', app, { client_id: 'app' }), 400, 'invalid_request', /grant_type is required/);
      refused(await token('chongqing', app, { grant_type: 'client_credentials' }), 400, 'invalid_request', /client_id is required/);
      const dup = await request(idp('chongqing').tokenEndpoint, {
        method: 'POST',
        dispatcher: app,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials&client_id=app&client_id=admin',
      });
      const dupBody = (await dup.body.json()) as Record<string, unknown>;
      assert.equal(dup.statusCode, 400);
      assert.equal(dupBody.error, 'invalid_request');
      assert.match(String(dupBody.error_description), /client_id is given more than once/);
      const json = await request(idp('chongqing').tokenEndpoint, {
        method: 'POST',
        dispatcher: app,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ grant_type: 'client_credentials', client_id: 'app' }),
      });
      assert.equal(json.statusCode, 400);
      assert.equal(((await json.body.json()) as Record<string, unknown>).error, 'invalid_request');
      const get = await send(idp('chongqing').tokenEndpoint, app);
      refused(get, 405, 'invalid_request');
    });

    it('refuses a certificate its province CA revoked (a lost USB key)', async () => {
      // A PKI of its own, so the revocation does not reach the other tests.
      const certsDir = tmpDir('idp-revoked');
      cpSync(await sharedCertsDir(), certsDir, { recursive: true });
      const cfg: StackConfig = { ...stack.cfg, certsDir };
      const own: RunningIdp = await startDevIdp({ cfg, province: stack.province('chongqing'), port: 0 });
      try {
        const ca = readFileSync(provincePaths(certsDir, 'chongqing').ca);
        const counter = provincePaths(certsDir, 'chongqing').client('counter');
        const agent = new Agent({ connect: { ca, cert: readFileSync(counter.cert), key: readFileSync(counter.key) } });
        agents.push(agent);
        const form = { grant_type: 'client_credentials', client_id: 'counter' };
        assert.equal((await send(own.tokenEndpoint, agent, { form })).status, 200);
        await revokeDevClient({ certsDir, province: 'chongqing', client: 'counter' });
        refused(await send(own.tokenEndpoint, agent, { form }), 401, 'invalid_client', /revoked/);
      } finally {
        await own.close();
      }
    });
  });

  describe('authorization code with PKCE for people in a browser (RFC 6749 §4.1, RFC 7636, RFC 8705 §3, RFC 9207)', () => {
    const verifierNew = () => randomBytes(32).toString('base64url');
    const challengeOf = (v: string) => createHash('sha256').update(v).digest('base64url');

    function authorizeUrl(province: string, params: Record<string, string | undefined>): string {
      const u = new URL(idp(province).authorizationEndpoint);
      for (const [k, v] of Object.entries(params)) if (v !== undefined) u.searchParams.set(k, v);
      return u.href;
    }

    /** What the console's link asks for (the counter desk of Sichuan), with `over` changed. */
    function authorizeParams(verifier: string, over: Record<string, string | undefined> = {}) {
      return {
        response_type: 'code',
        client_id: 'counter',
        redirect_uri: stack.consoleRedirectUri,
        scope: 'certificate:verify catalogue:read',
        state: 'st-Zq81',
        code_challenge: challengeOf(verifier),
        code_challenge_method: 'S256',
        ...over,
      };
    }

    /** The browser following /authorize: the 302 and the parameters it carries back to the console. */
    async function authorize(province: string, agent: Agent, params: Record<string, string | undefined>) {
      const res = await send(authorizeUrl(province, params), agent);
      assert.equal(res.status, 302, res.text);
      const location = new URL(String(res.headers.location));
      assert.equal(`${location.origin}${location.pathname}`, stack.consoleRedirectUri, 'back to the registered redirect URI only');
      assert.equal(res.headers['cache-control'], 'no-store');
      assert.equal(res.headers['referrer-policy'], 'no-referrer');
      return Object.fromEntries(location.searchParams);
    }

    /** The console's fetch(token_endpoint, { method: 'POST', credentials: 'include' }) from its origin. */
    const redeem = (agent: Agent, form: Record<string, string>) =>
      token('sichuan', agent, { grant_type: 'authorization_code', client_id: 'counter', ...form }, { origin: consoleOrigin });

    it('end to end: authorize with the counter certificate → code (with state and iss) → token with the verifier and the same certificate → the gateway accepts it; the same code again is invalid_grant', async () => {
      const counter = tls('sichuan', 'counter');
      const verifier = verifierNew();
      const back = await authorize('sichuan', counter, authorizeParams(verifier));
      assert.equal(back.state, 'st-Zq81');
      assert.equal(back.iss, idp('sichuan').issuer, 'RFC 9207 iss');
      assert.equal(back.error, undefined);
      assert.match(back.code!, /^[A-Za-z0-9_-]{43}$/);

      const res = await redeem(counter, { code: back.code!, redirect_uri: stack.consoleRedirectUri, code_verifier: verifier });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.headers['access-control-allow-origin'], consoleOrigin);
      assert.equal(res.headers['access-control-allow-credentials'], 'true');
      assert.match(String(res.headers.vary), /Origin/);
      assert.equal(res.json.scope, 'certificate:verify catalogue:read');
      const claims = decodeJwt(String(res.json.access_token));
      assert.equal(claims.iss, idp('sichuan').issuer);
      assert.equal(claims.sub, 'sichuan:counter');
      assert.equal(claims.client_id, 'counter');
      assert.deepEqual(claims.cnf, { 'x5t#S256': thumbprintOf('sichuan', 'counter') });

      const call = await gql(stack, { province: 'sichuan', client: 'counter', token: String(res.json.access_token) }, PROVINCES_QUERY);
      assert.equal(call.status, 200, call.text);
      assert.equal(call.body.errors, undefined, call.text);

      const again = await redeem(counter, { code: back.code!, redirect_uri: stack.consoleRedirectUri, code_verifier: verifier });
      refused(again, 400, 'invalid_grant', /already used/);
      assert.equal(again.headers['access-control-allow-origin'], consoleOrigin, 'the page can read why');
    });

    it('a code redeemed with another certificate is invalid_grant, and spent', async () => {
      const counter = tls('sichuan', 'counter');
      const verifier = verifierNew();
      const { code } = await authorize('sichuan', counter, authorizeParams(verifier));
      const form = { code: code!, redirect_uri: stack.consoleRedirectUri, code_verifier: verifier };
      refused(await redeem(tls('sichuan', 'admin'), form), 400, 'invalid_grant', /bound to another client certificate/);
      refused(await redeem(counter, form), 400, 'invalid_grant', /already used/);
      const other = await authorize('sichuan', counter, authorizeParams(verifier));
      refused(await redeem(tls('sichuan'), { ...form, code: other.code! }), 400, 'invalid_grant', /no client certificate/);
    });

    it('a PKCE verifier that does not match the challenge is invalid_grant', async () => {
      const counter = tls('sichuan', 'counter');
      const verifier = verifierNew();
      const { code } = await authorize('sichuan', counter, authorizeParams(verifier));
      refused(
        await redeem(counter, { code: code!, redirect_uri: stack.consoleRedirectUri, code_verifier: verifierNew() }),
        400,
        'invalid_grant',
        /code_verifier does not match/,
      );
      refused(await redeem(counter, { code: code!, redirect_uri: stack.consoleRedirectUri, code_verifier: verifier }), 400, 'invalid_grant', /already used/);
    });

    it('the code is bound to its client and redirect URI; a missing or malformed verifier is invalid_request', async () => {
      const counter = tls('sichuan', 'counter');
      const verifier = verifierNew();
      const { code } = await authorize('sichuan', counter, authorizeParams(verifier));
      refused(await redeem(counter, { code: code!, redirect_uri: stack.consoleRedirectUri }), 400, 'invalid_request', /code_verifier is required/);
      refused(await redeem(counter, { code: code!, redirect_uri: stack.consoleRedirectUri, code_verifier: 'short' }), 400, 'invalid_request', /code_verifier/);
      refused(
        await token('sichuan', counter, {
          grant_type: 'authorization_code',
          client_id: 'admin',
          code: code!,
          redirect_uri: stack.consoleRedirectUri,
          code_verifier: verifier,
        }),
        400,
        'invalid_grant',
        /issued to another client/,
      );
      const second = await authorize('sichuan', counter, authorizeParams(verifier));
      refused(
        await redeem(counter, { code: second.code!, redirect_uri: 'https://localhost:4000/console/', code_verifier: verifier }),
        400,
        'invalid_grant',
        /redirect_uri differs/,
      );
      refused(await redeem(counter, { code: 'not-a-code', redirect_uri: stack.consoleRedirectUri, code_verifier: verifier }), 400, 'invalid_grant', /unknown/);
    });

    it('never redirects to an unregistered redirect URI, nor for an unknown client: a 400 page that says why', async () => {
      const counter = tls('sichuan', 'counter');
      const verifier = verifierNew();
      for (const [over, why] of [
        [{ redirect_uri: 'https://evil.example/cb' }, /is not registered for client/],
        [{ redirect_uri: `${stack.consoleRedirectUri}x` }, /is not registered for client/],
        [{ redirect_uri: undefined }, /redirect_uri is missing/],
        [{ client_id: 'mallory' }, /No client/],
        [{ client_id: undefined }, /client_id is missing/],
      ] as const) {
        const res = await send(authorizeUrl('sichuan', authorizeParams(verifier, over)), counter);
        assert.equal(res.status, 400, res.text);
        assert.equal(res.headers.location, undefined);
        assert.match(String(res.headers['content-type']), /^text\/html/);
        assert.match(res.text, why);
        assert.doesNotMatch(res.text, /<script/i);
      }
      // The page escapes what it repeats.
      const res = await send(authorizeUrl('sichuan', authorizeParams(verifier, { redirect_uri: 'https://x.example/"><script>alert(1)</script>' })), counter);
      assert.equal(res.status, 400);
      assert.doesNotMatch(res.text, /<script>/);
    });

    it('sends every other refusal back to the console with error, state and iss: wrong or no certificate (access_denied), scope, PKCE, response type', async () => {
      const verifier = verifierNew();
      const cases: [Agent, Record<string, string | undefined>, string, RegExp][] = [
        [tls('sichuan', 'admin'), {}, 'access_denied', /not the one registered for client counter/],
        [tls('sichuan'), {}, 'access_denied', /no client certificate/],
        [tls('sichuan', 'counter', 'chongqing'), {}, 'access_denied', /not issued by the province CA/],
        [tls('sichuan', 'counter'), { scope: 'catalogue:admin' }, 'invalid_scope', /not allowed/],
        [tls('sichuan', 'counter'), { code_challenge: undefined }, 'invalid_request', /code_challenge is required/],
        [tls('sichuan', 'counter'), { code_challenge_method: 'plain' }, 'invalid_request', /S256/],
        [tls('sichuan', 'counter'), { code_challenge_method: undefined }, 'invalid_request', /S256/],
        [tls('sichuan', 'counter'), { response_type: 'token' }, 'unsupported_response_type', /code/],
      ];
      for (const [agent, over, error, why] of cases) {
        const back = await authorize('sichuan', agent, authorizeParams(verifier, over));
        assert.equal(back.error, error, JSON.stringify(back));
        assert.match(back.error_description!, why);
        assert.equal(back.code, undefined);
        assert.equal(back.state, 'st-Zq81');
        assert.equal(back.iss, idp('sichuan').issuer);
      }
    });

    it('lets a person ask for fewer scopes than the client has; a token for certificate:verify alone cannot read the catalogue', async () => {
      const counter = tls('sichuan', 'counter');
      const verifier = verifierNew();
      const { code } = await authorize('sichuan', counter, authorizeParams(verifier, { scope: 'certificate:verify', state: undefined }));
      const res = await redeem(counter, { code: code!, redirect_uri: stack.consoleRedirectUri, code_verifier: verifier });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.json.scope, 'certificate:verify');
      const call = await gql(stack, { province: 'sichuan', client: 'counter', token: String(res.json.access_token) }, PROVINCES_QUERY);
      assert.equal(call.status, 403);
    });
  });

  describe('CORS for the console (Fetch standard; client certificates are credentials)', () => {
    it('answers the preflight of the console’s origin exactly, with credentials; refuses other origins', async () => {
      const pre = await send(idp('chongqing').tokenEndpoint, tls('chongqing', 'admin'), {
        method: 'OPTIONS',
        headers: { origin: consoleOrigin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      });
      assert.equal(pre.status, 204);
      assert.equal(pre.headers['access-control-allow-origin'], consoleOrigin);
      assert.equal(pre.headers['access-control-allow-credentials'], 'true');
      assert.match(String(pre.headers['access-control-allow-methods']), /POST/);
      assert.match(String(pre.headers['access-control-allow-headers']), /content-type/i);
      assert.match(String(pre.headers.vary), /Origin/);

      for (const origin of ['https://evil.example', 'null', `${consoleOrigin}.evil.example`, 'http://localhost:4000']) {
        const bad = await send(idp('chongqing').tokenEndpoint, tls('chongqing', 'admin'), {
          method: 'OPTIONS',
          headers: { origin, 'access-control-request-method': 'POST' },
        });
        assert.equal(bad.status, 403, origin);
        assert.equal(bad.headers['access-control-allow-origin'], undefined, origin);
      }
    });

    it('a POST from another origin is refused before anything is issued; one without Origin (a service) gets no CORS grant', async () => {
      const admin = tls('chongqing', 'admin');
      const form = { grant_type: 'client_credentials', client_id: 'admin' };
      const evil = await token('chongqing', admin, form, { origin: 'https://evil.example' });
      refused(evil, 400, 'invalid_request', /origin/);
      assert.equal(evil.headers['access-control-allow-origin'], undefined);
      const service = await token('chongqing', admin, form);
      assert.equal(service.status, 200);
      assert.equal(service.headers['access-control-allow-origin'], undefined);
      assert.match(String(service.headers.vary), /Origin/);
      const page = await token('chongqing', admin, form, { origin: consoleOrigin });
      assert.equal(page.status, 200);
      assert.equal(page.headers['access-control-allow-origin'], consoleOrigin);
      assert.equal(page.headers['access-control-allow-credentials'], 'true');
    });

    it('lets the console read the metadata from its origin', async () => {
      const res = await send(`${idp('sichuan').issuer}/.well-known/oauth-authorization-server`, tls('sichuan'), { headers: { origin: consoleOrigin } });
      assert.equal(res.status, 200);
      assert.equal(res.headers['access-control-allow-origin'], consoleOrigin);
    });
  });

  describe('its clients', () => {
    /** A command run as a child process (asynchronously: the IdP answers from this process). */
    function run(script: string, args: string[]): Promise<{ code: number | null; out: string; err: string }> {
      return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT_DIR, script), ...args], {
          cwd: ROOT_DIR,
          env: { ...process.env, LOG_LEVEL: 'silent' },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let out = '';
        let err = '';
        child.stdout.setEncoding('utf8').on('data', (d: string) => {
          out += d;
        });
        child.stderr.setEncoding('utf8').on('data', (d: string) => {
          err += d;
        });
        child.once('error', reject);
        child.once('close', (code) => resolve({ code, out, err }));
      });
    }
    const dirs = () => ['--config-dir', stack.cfg.configDir, '--certs-dir', stack.cfg.certsDir];

    it('npm run token asks the IdP (client credentials over mTLS): only the JWT on stdout, accepted by the gateway', async () => {
      const r = await run('scripts/token.ts', ['--province', 'chongqing', '--client', 'admin', '--scope', 'catalogue:read catalogue:admin', ...dirs()]);
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, /^[\w-]+\.[\w-]+\.[\w-]+\n$/);
      const claims = decodeJwt(r.out.trim());
      assert.equal(claims.iss, idp('chongqing').issuer);
      assert.equal(claims.client_id, 'admin');
      assert.deepEqual(claims.cnf, { 'x5t#S256': thumbprintOf('chongqing', 'admin') });
      const call = await gql(stack, { province: 'chongqing', client: 'admin', token: r.out.trim() }, PROVINCES_QUERY);
      assert.equal(call.status, 200, call.text);
    });

    it('npm run token: the IdP’s refusal is a failure naming it; --lifetime is capped and says so', async () => {
      const bad = await run('scripts/token.ts', ['--province', 'chongqing', '--client', 'app', '--scope', 'catalogue:admin', ...dirs()]);
      assert.equal(bad.code, 1);
      assert.equal(bad.out, '');
      assert.match(bad.err, /invalid_scope/);
      const long = await run('scripts/token.ts', ['--province', 'sichuan', '--client', 'app', '--lifetime', '7200', ...dirs()]);
      assert.equal(long.code, 0, long.err);
      const claims = decodeJwt(long.out.trim());
      assert.equal(claims.exp! - claims.iat!, 3600);
      assert.match(long.err, /granted 3600 s, not the 7200 s/);
    });

    it('the sync worker gets its token from the IdP (token_endpoint from the metadata, client sync) and reads the other province through the gateway', async () => {
      const worker = createSyncWorker({
        cfg: stack.cfg,
        province: stack.province('sichuan'),
        store: stack.stores.get('sichuan')!,
        gatewayUrl: `https://localhost:${stack.gateway.port}/graphql`,
      });
      try {
        const r = await worker.pass(true);
        assert.deepEqual(r.problems, []);
        assert.ok(r.changesRead > 0);
      } finally {
        await worker.stop();
      }
    });

    it('the gateway starts before its IdP and accepts tokens once the IdP answers', async () => {
      // A free port for an IdP that is not there yet.
      const port = await new Promise<number>((resolve) => {
        const s = createServer().listen(0, 'localhost', () => {
          const p = (s.address() as { port: number }).port;
          s.close(() => resolve(p));
        });
      });
      const issuer = `https://localhost:${port}`;
      const provinces: ProvinceConfig[] = stack.cfg.provinces.map((p) => JSON.parse(JSON.stringify(p)) as ProvinceConfig);
      const cq = provinces.find((p) => p.id === 'chongqing')!;
      cq.idp = { ...cq.idp, issuer, jwks: `${issuer}/jwks.json`, jwksRefreshMs: undefined, jwksCooldownMs: undefined };
      const cfg: StackConfig = { ...stack.cfg, provinces };
      const gateway = await startGateway({
        cfg,
        port: 0,
        host: 'localhost',
        instanceId: 'gw-before-idp',
        subgraphUrls: Object.fromEntries([...stack.subgraphs].map(([id, s]) => [id, s.url])),
      });
      let late: RunningIdp | undefined;
      try {
        const bearer = await mintDevToken({ certsDir: cfg.certsDir, province: cq, audience: cfg.gateway.audience, client: 'app', scope: 'catalogue:read' });
        const before = await gql(stack, { province: 'chongqing', token: bearer, port: gateway.port }, PROVINCES_QUERY);
        assert.equal(before.status, 401, 'no keys yet: refused, not accepted');
        late = await startDevIdp({ cfg, province: cq, port });
        await until(
          'the gateway has the late IdP’s keys',
          async () => ((await gql(stack, { province: 'chongqing', token: bearer, port: gateway.port }, PROVINCES_QUERY)).status === 200 ? true : undefined),
          5000,
        );
      } finally {
        await gateway.close();
        await late?.close();
      }
    });
  });
});
