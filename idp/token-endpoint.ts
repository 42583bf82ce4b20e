// The token endpoint (RFC 6749 §3.2), over mutual TLS: every token is bound to the certificate on
// the connection it was asked for (RFC 8705 §3, `cnf.x5t#S256`).
//
// - client_credentials (RFC 6749 §4.4), for services: the client authenticates with its registered
//   certificate (RFC 8705 §2.1, tls_client_auth); anything else is `invalid_client` (401).
// - authorization_code (RFC 6749 §4.1.3) with PKCE (RFC 7636 §4.5), for people in a browser: the code
//   is redeemed once, by the client it was issued to, with the same redirect URI, the verifier of its
//   challenge and the certificate it is bound to (the one /authorize checked was the client's). Any
//   mismatch is `invalid_grant` (RFC 6749 §5.2) and spends the code.
//
// Errors are RFC 6749 §5.2 JSON. Browsers may call this from a registered redirect URI's origin
// (CORS, cors.ts); a request from any other origin is refused before anything is issued, so a page
// elsewhere cannot make a browser spend its certificate here.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import type { AccessTokenIssuer } from './access-tokens.js';
import { presentedCertificate, type ProvinceCrl } from './client-certificate.js';
import { grantableScope, type ClientRegistry, type RegisteredClient } from './clients.js';
import type { AuthorizationCodes } from './codes.js';
import { corsHeaders, preflight } from './cors.js';
import { OAuthError, invalidRequest, readForm, sendJson, sendOAuthError } from './http.js';
import { isCodeVerifier, verifierMatches } from './pkce.js';

export interface TokenEndpointDeps {
  provinceId: string;
  clients: ClientRegistry;
  codes: AuthorizationCodes;
  crl: ProvinceCrl;
  tokens: AccessTokenIssuer;
  log: Logger;
}

const invalidClient = (description: string) => new OAuthError(401, 'invalid_client', description);
const invalidGrant = (description: string) => new OAuthError(400, 'invalid_grant', description);

/** The dev extension `lifetime` (seconds) that `npm run token -- --lifetime` sends; capped by the issuer. */
function lifetimeParam(form: Map<string, string>): number | undefined {
  const v = form.get('lifetime');
  if (v === undefined) return undefined;
  if (!/^[1-9]\d{0,6}$/.test(v)) throw invalidRequest('lifetime must be a positive whole number of seconds');
  return Number(v);
}

function required(form: Map<string, string>, name: string): string {
  const v = form.get(name);
  if (v === undefined) throw invalidRequest(`${name} is required`);
  return v;
}

async function clientCredentials(req: IncomingMessage, form: Map<string, string>, client: RegisteredClient, deps: TokenEndpointDeps) {
  const cert = await presentedCertificate(req.socket as TLSSocket, deps.crl);
  if (!cert.ok) throw invalidClient(cert.description);
  if (cert.thumbprint !== deps.clients.thumbprint(client)) throw invalidClient(`the client certificate is not the one registered for client ${client.id}`);
  const scope = grantableScope(client, form.get('scope'));
  if (scope === null) throw new OAuthError(400, 'invalid_scope', `the requested scope is not allowed for client ${client.id}`);
  return deps.tokens.issue({
    clientId: client.id,
    subject: `${deps.provinceId}:${client.id}`,
    scope,
    thumbprint: cert.thumbprint,
    lifetimeSeconds: lifetimeParam(form),
  });
}

async function authorizationCode(req: IncomingMessage, form: Map<string, string>, client: RegisteredClient, deps: TokenEndpointDeps) {
  const code = required(form, 'code');
  const redirectUri = required(form, 'redirect_uri');
  const verifier = required(form, 'code_verifier');
  if (!isCodeVerifier(verifier)) throw invalidRequest('code_verifier must be 43 to 128 unreserved characters (RFC 7636)');
  const lifetime = lifetimeParam(form);
  const redeemed = deps.codes.redeem(code);
  if (!redeemed.ok) {
    throw invalidGrant(
      redeemed.why === 'used'
        ? 'the authorization code was already used'
        : redeemed.why === 'expired'
          ? 'the authorization code has expired'
          : 'unknown authorization code',
    );
  }
  const { grant } = redeemed;
  if (grant.clientId !== client.id) throw invalidGrant('the authorization code was issued to another client');
  if (grant.redirectUri !== redirectUri) throw invalidGrant('redirect_uri differs from the one of the authorization request');
  const cert = await presentedCertificate(req.socket as TLSSocket, deps.crl);
  if (!cert.ok) throw invalidGrant(`the authorization code is bound to a client certificate: ${cert.description}`);
  if (cert.thumbprint !== grant.thumbprint) throw invalidGrant('the authorization code is bound to another client certificate');
  if (!verifierMatches(verifier, grant.codeChallenge)) throw invalidGrant('code_verifier does not match the code_challenge');
  // The client's registration may have changed in the 60 s since: grant only what it still may have.
  if (grantableScope(client, grant.scope) === null) throw invalidGrant('the scope of the authorization code is no longer allowed for this client');
  return deps.tokens.issue({ clientId: client.id, subject: grant.subject, scope: grant.scope, thumbprint: cert.thumbprint, lifetimeSeconds: lifetime });
}

export async function tokenEndpoint(req: IncomingMessage, res: ServerResponse, deps: TokenEndpointDeps): Promise<void> {
  const origins = deps.clients.origins();
  if (req.method === 'OPTIONS') return preflight(req, res, origins, ['POST']);
  const origin = corsHeaders(req, res, origins);
  let clientId: string | undefined;
  let grantType: string | undefined;
  try {
    if (origin === 'refused') throw invalidRequest('requests from this origin are not accepted (not a registered redirect URI origin)');
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST, OPTIONS');
      throw new OAuthError(405, 'invalid_request', 'the token endpoint takes POST');
    }
    const form = await readForm(req);
    grantType = required(form, 'grant_type');
    if (grantType !== 'client_credentials' && grantType !== 'authorization_code') {
      throw new OAuthError(400, 'unsupported_grant_type', 'grant_type must be client_credentials or authorization_code');
    }
    // RFC 8705 §2: with tls_client_auth the client names itself; its certificate proves it.
    clientId = required(form, 'client_id');
    const client = deps.clients.get(clientId);
    if (!client) throw invalidClient('unknown client');
    const issued = grantType === 'client_credentials' ? await clientCredentials(req, form, client, deps) : await authorizationCode(req, form, client, deps);
    deps.log.info({ grant: grantType, client: clientId, scope: issued.scope, expiresIn: issued.expires_in }, 'access token issued');
    sendJson(res, 200, issued);
  } catch (err) {
    if (!(err instanceof OAuthError)) throw err;
    deps.log.info({ grant: grantType, client: clientId, error: err.error, description: err.description }, 'token request refused');
    sendOAuthError(res, err);
  }
}
