// Signing in (OAuth 2.0 authorization code with PKCE, RFC 6749 §4.1, RFC 7636): the page sends the
// browser to its certificate's province IdP, which authenticates the person by the same client
// certificate and comes back to /console/ with a code; the page exchanges it at the IdP's token
// endpoint over the same mutual TLS, so the access token is bound to that certificate (RFC 8705 §3).
// The token is kept in this module's memory only, never in any storage: a reload signs in again
// (the IdP needs no typing, the certificate is the credential). Only the PKCE verifier and state
// wait in sessionStorage across the redirect, and are removed when the code comes back.
import { CLIENT_SCOPES, type ClientRole, type ProvinceEndpoints } from './session.js';

const PENDING_KEY = 'chuanyu.console.login';
const ATTEMPTS_KEY = 'chuanyu.console.loginAttempts';
/** More sign-ins than this within the window means the token is refused again and again: stop. */
const MAX_ATTEMPTS = 3;
const ATTEMPT_WINDOW_MS = 60_000;

interface PendingLogin {
  state: string;
  verifier: string;
  provinceId: string;
  client: ClientRole;
  redirectUri: string;
  /** Where the page was when it had to sign in (a path under /console/). */
  returnTo: string;
}

interface AccessToken {
  value: string;
  expiresAt: number;
  scopes: string[];
}

let current: AccessToken | null = null;

export class LoginError extends Error {}

function base64url(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function randomToken(bytes = 32): string {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** RFC 7636 §4.2: code_challenge = BASE64URL(SHA256(ASCII(code_verifier))). */
async function s256(verifier: string): Promise<string> {
  return base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
}

/** The redirect URI registered for the console: the console's root on this gateway. */
export function redirectUri(): string {
  return new URL(import.meta.env.BASE_URL, location.origin).href;
}

/** The access token, while it has more than 10 s to live. */
export function accessToken(): string | null {
  if (!current || current.expiresAt - Date.now() < 10_000) return null;
  return current.value;
}

export function grantedScopes(): string[] {
  return current?.scopes ?? [];
}

export function forgetToken(): void {
  current = null;
}

/** Sends the browser to the province IdP's authorization endpoint. */
export async function startLogin(province: ProvinceEndpoints, client: ClientRole, returnTo: string): Promise<void> {
  const now = Date.now();
  const recent = ((JSON.parse(sessionStorage.getItem(ATTEMPTS_KEY) ?? '[]') as number[]) ?? []).filter((t) => now - t < ATTEMPT_WINDOW_MS);
  if (recent.length >= MAX_ATTEMPTS) {
    sessionStorage.removeItem(ATTEMPTS_KEY);
    throw new LoginError('signed in several times in a row, and the gateway still refuses the token');
  }
  sessionStorage.setItem(ATTEMPTS_KEY, JSON.stringify([...recent, now]));
  const pending: PendingLogin = { state: randomToken(), verifier: randomToken(48), provinceId: province.id, client, redirectUri: redirectUri(), returnTo };
  sessionStorage.setItem(PENDING_KEY, JSON.stringify(pending));
  const url = new URL(province.authorizationEndpoint);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: client,
    redirect_uri: pending.redirectUri,
    scope: CLIENT_SCOPES[client],
    state: pending.state,
    code_challenge: await s256(pending.verifier),
    code_challenge_method: 'S256',
  }).toString();
  location.assign(url.href);
}

/** True when the URL carries the IdP's answer (a code or an error) for a sign-in this page started. */
export function isLoginCallback(url: URL): boolean {
  return (url.searchParams.has('code') || url.searchParams.has('error')) && url.searchParams.has('state');
}

/**
 * Finishes a sign-in: checks state (and iss, RFC 9207) against what this page sent, exchanges the code
 * with the PKCE verifier, and keeps the token in memory. Returns the path to go back to.
 */
export async function finishLogin(url: URL, provinces: ProvinceEndpoints[]): Promise<string> {
  const raw = sessionStorage.getItem(PENDING_KEY);
  sessionStorage.removeItem(PENDING_KEY);
  const pending = raw ? (JSON.parse(raw) as PendingLogin) : null;
  const params = url.searchParams;
  if (!pending || params.get('state') !== pending.state) throw new LoginError('the answer does not belong to a sign-in this page started (state)');
  const province = provinces.find((p) => p.id === pending.provinceId);
  if (!province) throw new LoginError('unknown province');
  const error = params.get('error');
  if (error) throw new LoginError(`${error}${params.get('error_description') ? `: ${params.get('error_description')}` : ''}`);
  const iss = params.get('iss');
  if (iss !== null && iss !== province.issuer) throw new LoginError('the answer comes from another issuer (iss)');
  const code = params.get('code');
  if (!code) throw new LoginError('no authorization code');

  let res: Response;
  try {
    res = await fetch(province.tokenEndpoint, {
      method: 'POST',
      credentials: 'include',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: pending.redirectUri,
        client_id: pending.client,
        code_verifier: pending.verifier,
      }).toString(),
    });
  } catch {
    throw new LoginError('the token endpoint cannot be reached');
  }
  const body = (await res.json().catch(() => null)) as Record<string, unknown> | null;
  if (!res.ok || !body)
    throw new LoginError(
      typeof body?.error === 'string' ? `${body.error}${body.error_description ? `: ${String(body.error_description)}` : ''}` : `HTTP ${res.status}`,
    );
  if (typeof body.access_token !== 'string' || String(body.token_type).toLowerCase() !== 'bearer') throw new LoginError('unexpected token answer');
  const lifetime = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 300;
  const scopes = (typeof body.scope === 'string' ? body.scope : CLIENT_SCOPES[pending.client]).split(/\s+/).filter(Boolean);
  current = { value: body.access_token, expiresAt: Date.now() + lifetime * 1000, scopes };
  return pending.returnTo;
}
