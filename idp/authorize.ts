// The authorization endpoint (RFC 6749 §4.1.1) for people in a browser: authorization code with PKCE
// (RFC 7636, S256 only). The person is authenticated by the client certificate the browser presents
// on this TLS connection (a counter clerk's USB-key certificate), which must be the client's
// registered certificate; there is no password and no consent page (dev clients are first-party).
//
// RFC 6749 §4.1.2.1: while the client or its redirect URI is in doubt nothing is redirected (that
// would make the IdP an open redirector); the browser gets a 400 page that says why. Every other
// outcome goes back to the registered redirect URI with `code` or `error`, the `state` the page sent,
// and `iss` (RFC 9207, so a page talking to two IdPs cannot be mixed up).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import { presentedCertificate, type ProvinceCrl } from './client-certificate.js';
import { grantableScope, type ClientRegistry } from './clients.js';
import type { AuthorizationCodes } from './codes.js';
import { OAuthError, oauthParams } from './http.js';
import { isS256Challenge } from './pkce.js';

export interface AuthorizeDeps {
  issuer: () => string;
  provinceId: string;
  clients: ClientRegistry;
  codes: AuthorizationCodes;
  crl: ProvinceCrl;
  log: Logger;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The page for a request that cannot be sent back to the client (no redirect). */
function errorPage(res: ServerResponse, title: string, why: string): void {
  const html = `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>授权请求无效 · Invalid authorization request</title></head>
<body><h1>授权请求无效 · Invalid authorization request</h1>
<p><strong>${escapeHtml(title)}</strong></p>
<p>${escapeHtml(why)}</p>
<p>The request was not sent back to the application, because the application or its address could not be confirmed (RFC 6749 §4.1.2.1).</p>
</body></html>
`;
  res.writeHead(400, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(html),
    'cache-control': 'no-store',
    'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  });
  res.end(html);
}

/** 302 to the registered redirect URI with the given parameters plus `state` and `iss`. */
function redirect(res: ServerResponse, redirectUri: string, params: Record<string, string>, state: string | undefined, issuer: string): void {
  const url = new URL(redirectUri);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  if (state !== undefined) url.searchParams.set('state', state);
  url.searchParams.set('iss', issuer);
  res.writeHead(302, {
    location: url.href,
    'cache-control': 'no-store',
    // The code is in the URL: no Referer carries it anywhere (RFC 9700 §4.2.4).
    'referrer-policy': 'no-referrer',
    'content-length': 0,
  });
  res.end();
}

export async function authorize(req: IncomingMessage, res: ServerResponse, deps: AuthorizeDeps): Promise<void> {
  const issuer = deps.issuer();
  let params: Map<string, string>;
  try {
    params = oauthParams(new URL(req.url ?? '/', 'https://idp.invalid').search);
  } catch (err) {
    return errorPage(res, 'invalid_request', err instanceof OAuthError ? err.description : 'the query string cannot be read');
  }
  // 1. The client and its redirect URI, exactly as registered (RFC 9700 §4.1.3: exact string match).
  const clientId = params.get('client_id');
  if (!clientId) return errorPage(res, 'invalid_request', 'client_id is missing.');
  const client = deps.clients.get(clientId);
  if (!client) return errorPage(res, 'invalid_client', `No client "${clientId}" is registered with this IdP.`);
  const redirectUri = params.get('redirect_uri');
  if (!redirectUri) return errorPage(res, 'invalid_request', 'redirect_uri is missing.');
  if (!client.redirectUris.includes(redirectUri)) {
    return errorPage(res, 'invalid_request', `The redirect_uri "${redirectUri}" is not registered for client "${clientId}".`);
  }
  const state = params.get('state');
  const fail = (error: string, description: string) => {
    deps.log.info({ client: clientId, error, description }, 'authorization refused');
    redirect(res, redirectUri, { error, error_description: description }, state, issuer);
  };

  // 2. The request itself, answered at the redirect URI (RFC 6749 §4.1.2.1, RFC 7636 §4.4.1).
  if (params.get('response_type') !== 'code') return fail('unsupported_response_type', 'response_type must be code');
  const challenge = params.get('code_challenge');
  if (!challenge) return fail('invalid_request', 'code_challenge is required (PKCE, RFC 7636)');
  if (params.get('code_challenge_method') !== 'S256') return fail('invalid_request', 'code_challenge_method must be S256');
  if (!isS256Challenge(challenge)) return fail('invalid_request', 'code_challenge is not a base64url SHA-256 digest');
  const scope = grantableScope(client, params.get('scope'));
  if (scope === null) return fail('invalid_scope', `the requested scope is not allowed for client ${clientId}`);

  // 3. The person: the certificate on this connection must be the client's registered one.
  const cert = await presentedCertificate(req.socket as TLSSocket, deps.crl);
  if (!cert.ok) return fail('access_denied', cert.description);
  if (cert.thumbprint !== deps.clients.thumbprint(client)) {
    return fail('access_denied', `the client certificate is not the one registered for client ${clientId}`);
  }

  const code = deps.codes.issue({
    clientId,
    redirectUri,
    codeChallenge: challenge,
    thumbprint: cert.thumbprint,
    scope,
    subject: `${deps.provinceId}:${clientId}`,
  });
  deps.log.info({ client: clientId, scope, thumbprint: cert.thumbprint }, 'authorization code issued');
  redirect(res, redirectUri, { code }, state, issuer);
}
