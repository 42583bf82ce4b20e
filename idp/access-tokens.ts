// The access tokens the dev IdP issues: exactly what the gateway checks (RFC 9068 `at+jwt`, ES256,
// iss/aud/sub/client_id/scope/iat/nbf/exp/jti, RFC 8705 `cnf.x5t#S256`), signed through the one
// function the test helper uses too (common/dev-token.ts). The key is read from the dev PKI at each
// issue, so a rotated key (npm run pki, tests) signs from the next token on.
import { DEFAULT_TOKEN_LIFETIME_SECONDS, readDevIdpKey, signAccessToken } from '../common/dev-token.js';

/** The longest lifetime the IdP grants: the gateway refuses tokens living longer than an hour. */
export const MAX_TOKEN_LIFETIME_SECONDS = 3600;

export interface IssueRequest {
  clientId: string;
  subject: string;
  scope: string;
  thumbprint: string;
  /** Asked for (the dev extension `lifetime`); capped at MAX_TOKEN_LIFETIME_SECONDS. */
  lifetimeSeconds?: number;
}

export interface IssuedToken {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
}

export class AccessTokenIssuer {
  constructor(private readonly opts: { certsDir: string; provinceId: string; issuer: () => string; audience: string }) {}

  async issue(r: IssueRequest): Promise<IssuedToken> {
    const lifetime = Math.min(r.lifetimeSeconds ?? DEFAULT_TOKEN_LIFETIME_SECONDS, MAX_TOKEN_LIFETIME_SECONDS);
    const key = readDevIdpKey(this.opts.certsDir, this.opts.provinceId);
    const access_token = await signAccessToken(key, {
      issuer: this.opts.issuer(),
      audience: this.opts.audience,
      subject: r.subject,
      clientId: r.clientId,
      scope: r.scope,
      thumbprint: r.thumbprint,
      lifetimeSeconds: lifetime,
    });
    // RFC 6749 §5.1. The token type stays "Bearer": RFC 8705 binds it through `cnf`, and the gateway
    // reads it from `Authorization: Bearer` (RFC 6750).
    return { access_token, token_type: 'Bearer', expires_in: lifetime, scope: r.scope };
  }
}
