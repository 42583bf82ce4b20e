// Verifies a province's access token per RFC 8725 (JWT BCP), RFC 9068 (JWT access
// tokens) and RFC 8705 (certificate-bound tokens). One verifier per province: a token is
// only ever checked against the keys and issuer of the province its client certificate
// belongs to, so a Sichuan token can never pass on a Chongqing connection.
import { decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from 'jose';
import type { ProvinceConfig } from '../../common/config.js';
import { SCOPES, type Scope } from '../../common/identity/caller.js';
import { BoundedCache } from '../../common/bounded-cache.js';
import type { JwksSource } from './jwks-source.js';

export type TokenRefusal =
  | 'token_missing'
  | 'token_malformed'
  | 'token_too_large'
  | 'token_in_query'
  | 'token_header_forbidden'
  | 'token_alg_not_allowed'
  | 'token_typ_invalid'
  | 'token_unknown_kid'
  | 'token_signature_invalid'
  | 'token_expired'
  | 'token_not_yet_valid'
  | 'token_issuer_invalid'
  | 'token_audience_invalid'
  | 'token_lifetime_too_long'
  | 'token_claims_invalid'
  | 'token_not_bound'
  | 'token_bound_to_other_certificate';

export class TokenRefused extends Error {
  constructor(
    readonly reason: TokenRefusal,
    message: string,
  ) {
    super(message);
  }
}

export interface VerifiedToken {
  subject: string;
  clientId: string | null;
  scopes: Scope[];
  payload: JWTPayload;
}

export interface TokenRules {
  audience: string;
  /** Allowed clock skew for exp/nbf/iat (seconds). */
  clockToleranceSeconds: number;
  /** Longest accepted exp − iat (seconds). */
  maxLifetimeSeconds: number;
  /** Largest accepted compact JWT, in bytes. */
  maxTokenBytes: number;
}

export const DEFAULT_TOKEN_RULES: Omit<TokenRules, 'audience'> = {
  clockToleranceSeconds: 30,
  maxLifetimeSeconds: 3600,
  maxTokenBytes: 8192,
};

// Headers that would let a token name its own verification key (RFC 8725 §3.10).
const FORBIDDEN_HEADERS = ['jku', 'x5u', 'jwk', 'x5c', 'crit'];
const ALLOWED_ALGS = ['ES256'];

interface CachedToken {
  token: VerifiedToken;
  generation: number;
  bound: string;
  exp: number;
  nbf: number;
}

export class ProvinceTokenVerifier {
  // A token that verified once is the same bytes next time: keep the result (not the
  // decision) until its exp, and re-check what can change per request — the certificate it
  // is presented with, the clock, and whether the key set was replaced since.
  private readonly verified = new BoundedCache<CachedToken>(10_000);

  constructor(
    readonly province: ProvinceConfig,
    private readonly jwks: JwksSource,
    private readonly rules: TokenRules,
  ) {}

  async verify(token: string, certThumbprint: string): Promise<VerifiedToken> {
    this.jwks.keys(); // lets a file source notice a replaced JWKS (bumps its generation)
    const hit = this.verified.get(token);
    if (hit && hit.generation === this.jwks.generation()) {
      const now = Date.now() / 1000;
      const skew = this.rules.clockToleranceSeconds;
      if (now - skew >= hit.exp) throw new TokenRefused('token_expired', 'token has expired');
      if (now + skew < hit.nbf) throw new TokenRefused('token_not_yet_valid', 'token is not yet valid');
      if (hit.bound !== certThumbprint) {
        throw new TokenRefused('token_bound_to_other_certificate', 'token is bound to a different client certificate');
      }
      return hit.token;
    }
    const generation = this.jwks.generation();
    const result = await this.verifyUncached(token, certThumbprint);
    const { exp = 0, nbf = 0 } = result.payload;
    this.verified.set(token, { token: result, generation, bound: certThumbprint, exp, nbf }, exp * 1000);
    return result;
  }

  private async verifyUncached(token: string, certThumbprint: string): Promise<VerifiedToken> {
    if (token.length > this.rules.maxTokenBytes) throw new TokenRefused('token_too_large', 'token is too large');
    if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token)) {
      throw new TokenRefused('token_malformed', 'token is not a compact JWS');
    }
    let header: Record<string, unknown>;
    try {
      header = decodeProtectedHeader(token) as Record<string, unknown>;
    } catch {
      throw new TokenRefused('token_malformed', 'token header cannot be decoded');
    }
    for (const h of FORBIDDEN_HEADERS) {
      if (h in header) throw new TokenRefused('token_header_forbidden', `token header "${h}" is not accepted`);
    }
    // The algorithm comes from our allowlist, never from the token (RFC 8725 §3.1).
    if (typeof header.alg !== 'string' || !ALLOWED_ALGS.includes(header.alg)) {
      throw new TokenRefused('token_alg_not_allowed', 'token algorithm is not allowed');
    }
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.jwks.keys(), {
        issuer: this.province.idp.issuer,
        audience: this.rules.audience,
        algorithms: ALLOWED_ALGS,
        typ: 'at+jwt', // RFC 9068 §2.1; jose also accepts "application/at+jwt"
        clockTolerance: this.rules.clockToleranceSeconds,
        requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat'],
      }));
    } catch (err) {
      throw mapJoseError(err);
    }
    const lifetime = (payload.exp ?? 0) - (payload.iat ?? 0);
    if (lifetime > this.rules.maxLifetimeSeconds) {
      throw new TokenRefused('token_lifetime_too_long', `token lifetime exceeds ${this.rules.maxLifetimeSeconds} s`);
    }
    if (typeof payload.iat === 'number' && payload.iat > Date.now() / 1000 + this.rules.clockToleranceSeconds) {
      throw new TokenRefused('token_not_yet_valid', 'token issued in the future');
    }
    // RFC 8705 §3: the token is bound to the certificate on this very connection.
    const cnf = payload.cnf as Record<string, unknown> | undefined;
    const bound = cnf && typeof cnf === 'object' ? cnf['x5t#S256'] : undefined;
    if (typeof bound !== 'string') throw new TokenRefused('token_not_bound', 'token is not bound to a client certificate');
    if (bound !== certThumbprint) {
      throw new TokenRefused('token_bound_to_other_certificate', 'token is bound to a different client certificate');
    }
    if (payload.scope !== undefined && typeof payload.scope !== 'string') {
      throw new TokenRefused('token_claims_invalid', 'scope claim must be a string');
    }
    const scopes = String(payload.scope ?? '')
      .split(' ')
      .filter((s): s is Scope => (SCOPES as readonly string[]).includes(s));
    return {
      subject: String(payload.sub),
      clientId: typeof payload.client_id === 'string' ? payload.client_id : null,
      scopes,
      payload,
    };
  }
}

function mapJoseError(err: unknown): TokenRefused {
  if (err instanceof errors.JWTExpired) return new TokenRefused('token_expired', 'token has expired');
  if (err instanceof errors.JWTClaimValidationFailed) {
    switch (err.claim) {
      case 'iss':
        return new TokenRefused('token_issuer_invalid', "token issuer is not this province's identity provider");
      case 'aud':
        return new TokenRefused('token_audience_invalid', 'token audience does not name this gateway');
      case 'nbf':
        return new TokenRefused('token_not_yet_valid', 'token is not yet valid');
      case 'typ':
        return new TokenRefused('token_typ_invalid', 'token type must be at+jwt');
      case 'iat':
        return new TokenRefused('token_not_yet_valid', 'token issued in the future');
      default:
        return new TokenRefused('token_claims_invalid', `token claim "${err.claim}" is missing or invalid`);
    }
  }
  if (err instanceof errors.JWKSNoMatchingKey) return new TokenRefused('token_unknown_kid', 'token key id is not known for this province');
  if (err instanceof errors.JWSSignatureVerificationFailed) return new TokenRefused('token_signature_invalid', 'token signature is invalid');
  if (err instanceof errors.JOSEAlgNotAllowed) return new TokenRefused('token_alg_not_allowed', 'token algorithm is not allowed');
  if (err instanceof errors.JWKSMultipleMatchingKeys) return new TokenRefused('token_unknown_kid', 'token key id is ambiguous');
  return new TokenRefused('token_malformed', 'token cannot be verified');
}
