// Access tokens for the province's sync worker from the province's dev IdP: RFC 9068 tokens bound to
// the worker's service certificate, renewed a minute before they expire. A production deployment
// gets them from its IdP's token endpoint instead; the worker only sees a TokenSource.
import type { ProvinceConfig } from '../../../common/config.js';
import { DEFAULT_TOKEN_LIFETIME_SECONDS, mintDevToken } from '../../../common/dev-token.js';
import type { TokenSource } from './federation-client.js';

/** The worker's dev client: its certificate is clients/sync.crt of the province's dev PKI. */
export const SYNC_CLIENT = 'sync';
/** It reads the other provinces' catalogues and writes mirrors into its own. */
export const SYNC_SCOPE = 'catalogue:read catalogue:admin';

export class DevIdpTokens implements TokenSource {
  private current: { token: string; renewAt: number } | null = null;

  constructor(
    private readonly opts: { certsDir: string; province: ProvinceConfig; audience: string },
    private readonly now: () => number = Date.now,
  ) {}

  async token(fresh = false): Promise<string> {
    if (!fresh && this.current && this.now() < this.current.renewAt) return this.current.token;
    const token = await mintDevToken({ ...this.opts, client: SYNC_CLIENT, scope: SYNC_SCOPE });
    this.current = { token, renewAt: this.now() + (DEFAULT_TOKEN_LIFETIME_SECONDS - 60) * 1000 };
    return token;
  }
}
