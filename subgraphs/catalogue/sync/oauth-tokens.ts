// Access tokens for the sync worker from its province's IdP token endpoint: the OAuth 2.0 client
// credentials grant (RFC 6749 §4.4), the client authenticated by its certificate (RFC 8705 §2,
// tls_client_auth), so the token comes back bound to that same certificate (RFC 8705 §3). Renewed
// before it expires; the endpoint is trusted by its own CA, not the system store.
import { Agent, request } from 'undici';
import type { TokenSource } from './federation-client.js';

export interface OAuthTokenOptions {
  tokenEndpoint: string;
  clientId: string;
  scope: string;
  cert: Buffer;
  key: Buffer;
  /** Trust anchor of the token endpoint's server certificate. */
  ca: Buffer;
  timeoutMs?: number;
}

/** Renew this long before `expires_in` runs out (or halfway, for a short-lived token). */
const RENEW_EARLY_S = 60;

export class OAuthClientCredentialsTokens implements TokenSource {
  private current: { token: string; renewAt: number } | null = null;
  private readonly dispatcher: Agent;

  constructor(
    private readonly opts: OAuthTokenOptions,
    private readonly now: () => number = Date.now,
  ) {
    if (!opts.tokenEndpoint.startsWith('https://')) throw new Error(`token endpoint ${opts.tokenEndpoint}: only https:// is used`);
    this.dispatcher = new Agent({ connect: { cert: opts.cert, key: opts.key, ca: opts.ca } });
  }

  async token(fresh = false): Promise<string> {
    if (!fresh && this.current && this.now() < this.current.renewAt) return this.current.token;
    const res = await request(this.opts.tokenEndpoint, {
      method: 'POST',
      dispatcher: this.dispatcher,
      signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000),
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: this.opts.clientId, scope: this.opts.scope }).toString(),
    });
    const text = await res.body.text();
    let body: { access_token?: unknown; token_type?: unknown; expires_in?: unknown; error?: unknown; error_description?: unknown } = {};
    try {
      body = JSON.parse(text);
    } catch {
      // reported below
    }
    if (res.statusCode !== 200 || typeof body.access_token !== 'string') {
      // RFC 6749 §5.2: the error code (and description) say why; nothing else of the answer is shown.
      const why =
        typeof body.error === 'string'
          ? `${body.error}${typeof body.error_description === 'string' ? `: ${body.error_description}` : ''}`
          : `HTTP ${res.statusCode}`;
      throw new Error(`token endpoint refused the client credentials grant (${why})`);
    }
    const lifetime = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 300;
    const early = Math.min(RENEW_EARLY_S, lifetime / 2);
    this.current = { token: body.access_token, renewAt: this.now() + (lifetime - early) * 1000 };
    return body.access_token;
  }

  close(): Promise<void> {
    return this.dispatcher.close();
  }
}
