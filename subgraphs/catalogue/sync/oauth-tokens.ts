// Access tokens for a service from its province's IdP token endpoint: the OAuth 2.0 client
// credentials grant (RFC 6749 §4.4), the client authenticated by its certificate (RFC 8705 §2,
// tls_client_auth), so the token comes back bound to that same certificate (RFC 8705 §3). Renewed
// before it expires; the endpoint is trusted by its own CA, not the system store. The endpoint is
// configured, or found in the issuer's authorization server metadata (RFC 8414). Used by the sync
// worker and by `npm run token`.
import { Agent, request } from 'undici';
import type { TokenSource } from './federation-client.js';

/** RFC 8414 §3: the metadata URL of an issuer: `/.well-known/oauth-authorization-server` before the issuer's path. */
export function metadataUrl(issuer: string): string {
  const u = new URL(issuer);
  const suffix = u.pathname === '/' ? '' : u.pathname.replace(/\/$/, '');
  return `${u.origin}/.well-known/oauth-authorization-server${suffix}`;
}

/** The IdP could not be reached at all (nothing answered): a different message than a refusal. */
export class IdpUnreachable extends Error {
  constructor(
    readonly origin: string,
    /** What the connection attempt said (ECONNREFUSED, ENOTFOUND, a TLS error, …). */
    readonly reason: string,
  ) {
    super(`${origin} is not reachable (${reason})`);
  }
}

async function call(url: string, dispatcher: Agent, timeoutMs: number, init: { method: 'GET' | 'POST'; body?: string }) {
  try {
    const res = await request(url, {
      method: init.method,
      dispatcher,
      signal: AbortSignal.timeout(timeoutMs),
      headers: init.body === undefined ? { accept: 'application/json' } : { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: init.body,
    });
    const text = await res.body.text();
    let body: Record<string, unknown> = {};
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) body = parsed as Record<string, unknown>;
    } catch {
      // reported by the caller from the status
    }
    return { status: res.statusCode, body };
  } catch (err) {
    const e = err as Error & { code?: string; cause?: { code?: string } };
    throw new IdpUnreachable(new URL(url).origin, e.code ?? e.cause?.code ?? e.message);
  }
}

/**
 * The `token_endpoint` of an issuer's RFC 8414 metadata. The document must name the same issuer
 * (RFC 8414 §3.3, so one IdP cannot speak for another) and an https:// endpoint.
 */
export async function discoverTokenEndpoint(issuer: string, dispatcher: Agent, timeoutMs = 10_000): Promise<string> {
  const url = metadataUrl(issuer);
  const { status, body } = await call(url, dispatcher, timeoutMs, { method: 'GET' });
  if (status !== 200) throw new Error(`${url} answered HTTP ${status}`);
  if (body.issuer !== issuer) throw new Error(`${url} names issuer ${JSON.stringify(body.issuer)}, not ${issuer} (RFC 8414 §3.3)`);
  const endpoint = body.token_endpoint;
  if (typeof endpoint !== 'string' || !endpoint.startsWith('https://')) throw new Error(`${url} names no https:// token_endpoint`);
  return endpoint;
}

export interface OAuthTokenOptions {
  /** The token endpoint, or how to find it (discoverTokenEndpoint); asked once, at the first token. */
  tokenEndpoint: string | ((dispatcher: Agent) => Promise<string>);
  clientId: string;
  scope: string;
  cert: Buffer;
  key: Buffer;
  /** Trust anchor of the token endpoint's server certificate. */
  ca: Buffer;
  /** Asked-for lifetime in seconds (the dev IdP's `lifetime` extension; the IdP may grant less). */
  lifetimeSeconds?: number;
  timeoutMs?: number;
}

/** Renew this long before `expires_in` runs out (or halfway, for a short-lived token). */
const RENEW_EARLY_S = 60;

export class OAuthClientCredentialsTokens implements TokenSource {
  private current: { token: string; renewAt: number; expiresIn: number } | null = null;
  private endpoint: string | null;
  private readonly dispatcher: Agent;

  constructor(
    private readonly opts: OAuthTokenOptions,
    private readonly now: () => number = Date.now,
  ) {
    const endpoint = typeof opts.tokenEndpoint === 'string' ? opts.tokenEndpoint : null;
    if (endpoint !== null && !endpoint.startsWith('https://')) throw new Error(`token endpoint ${endpoint}: only https:// is used`);
    this.endpoint = endpoint;
    this.dispatcher = new Agent({ connect: { cert: opts.cert, key: opts.key, ca: opts.ca } });
  }

  /** The lifetime (seconds) the IdP granted the last token. */
  get expiresIn(): number | undefined {
    return this.current?.expiresIn;
  }

  async token(fresh = false): Promise<string> {
    if (!fresh && this.current && this.now() < this.current.renewAt) return this.current.token;
    const timeoutMs = this.opts.timeoutMs ?? 10_000;
    if (this.endpoint === null && typeof this.opts.tokenEndpoint === 'function') this.endpoint = await this.opts.tokenEndpoint(this.dispatcher);
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: this.opts.clientId, scope: this.opts.scope });
    if (this.opts.lifetimeSeconds !== undefined) form.set('lifetime', String(this.opts.lifetimeSeconds));
    const { status, body } = await call(this.endpoint!, this.dispatcher, timeoutMs, { method: 'POST', body: form.toString() });
    if (status !== 200 || typeof body.access_token !== 'string') {
      // RFC 6749 §5.2: the error code (and description) say why; nothing else of the answer is shown.
      const why =
        typeof body.error === 'string' ? `${body.error}${typeof body.error_description === 'string' ? `: ${body.error_description}` : ''}` : `HTTP ${status}`;
      throw new Error(`token endpoint refused the client credentials grant (${why})`);
    }
    const lifetime = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 300;
    const early = Math.min(RENEW_EARLY_S, lifetime / 2);
    this.current = { token: body.access_token, renewAt: this.now() + (lifetime - early) * 1000, expiresIn: lifetime };
    return body.access_token;
  }

  close(): Promise<void> {
    return this.dispatcher.close();
  }
}
