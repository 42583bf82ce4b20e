// Ingress identity: client certificate → province, then that province's token, bound to
// that certificate. Everything that fails here is refused with 401 before GraphQL runs;
// the refusal names a reason code and never echoes the token or internal detail.
import type { TLSSocket } from 'node:tls';
import type { Caller } from '../../common/identity/caller.js';
import { inSpan, inSpanSync } from '../../common/tracing.js';
import type { ProvinceTrustStore } from './client-certificate.js';
import { TokenRefused, type ProvinceTokenVerifier } from './token-verifier.js';

/** A request refused before GraphQL ran (identity, credentials, or the request itself); audited. */
export interface Refusal {
  /**
   * 401 for missing or bad credentials; 400 for a request that carries them ambiguously, or (from
   * the ingress) a malformed request; 413 / 415 for a body that is too large or not JSON in UTF-8;
   * 429 for a caller over its own or its province's rate limit (gateway/policy/rate-limits.ts);
   * 405 / 406 for a method or an Accept the DCAT export does not serve (gateway/ingress/dcat-route.ts).
   */
  status: 400 | 401 | 405 | 406 | 413 | 415 | 429;
  reason: string;
  message: string;
  province?: string;
  certThumbprint?: string;
  /**
   * RFC 6750 §3.1 error code in the challenge: `invalid_token` for a bad token, `invalid_request`
   * for more than one credential; none when no credentials were sent at all.
   */
  error?: 'invalid_token' | 'invalid_request';
}

export type Authentication = { ok: true; caller: Caller } | { ok: false; refusal: Refusal };

const CERT_MESSAGES: Record<string, string> = {
  client_certificate_missing: 'a client certificate issued by a province CA is required',
  client_certificate_expired: 'the client certificate has expired',
  client_certificate_not_yet_valid: 'the client certificate is not yet valid',
  client_certificate_untrusted: 'the client certificate is not issued by a trusted province CA',
  client_certificate_unknown_province: 'the client certificate is not issued by a trusted province CA',
  client_certificate_revoked: 'the client certificate has been revoked by its province CA',
  client_certificate_revocation_unknown: 'the revocation status of the client certificate cannot be established',
};

/** The WWW-Authenticate challenge for a refusal (RFC 6750 §3). */
export function bearerChallenge(refusal: Refusal): string {
  const params = [`realm="chuanyu-gateway"`];
  if (refusal.error) params.push(`error="${refusal.error}"`, `error_description="${refusal.message.replace(/"/g, "'")}"`);
  return `Bearer ${params.join(', ')}`;
}

export function refusalBody(refusal: Refusal): string {
  const code = refusal.status === 400 ? 'BAD_REQUEST' : 'UNAUTHENTICATED';
  return JSON.stringify({ errors: [{ message: refusal.message, extensions: { code, reason: refusal.reason } }] });
}

const AMBIGUOUS_MESSAGE = 'send exactly one access token, in one Authorization header';

/**
 * RFC 6750 §3.1 `invalid_request`: the request "uses more than one method for including an access
 * token" or repeats one. Which of two tokens would be meant is not ours to guess (a proxy and the
 * client may each have added one), so neither is used.
 */
export function ambiguousCredentials(caller: Pick<Caller, 'province' | 'certThumbprint'>): Refusal {
  return {
    status: 400,
    reason: 'credentials_ambiguous',
    message: AMBIGUOUS_MESSAGE,
    province: caller.province,
    certThumbprint: caller.certThumbprint,
    error: 'invalid_request',
  };
}

/** RFC 6750 §2.2 names a body token `access_token`; a GraphQL request has no such member. */
export function bodyCarriesToken(body: unknown): boolean {
  const has = (v: unknown) => typeof v === 'object' && v !== null && Object.hasOwn(v, 'access_token');
  return Array.isArray(body) ? body.some(has) : has(body);
}

/**
 * Who is calling: the province from the connection's client certificate, then that province's
 * access token from the Authorization header, bound to the same certificate (RFC 8705).
 * `search` is the request URL's query string (without "?"), checked for a token in the URL.
 */
export class Authenticator {
  constructor(
    private readonly trust: ProvinceTrustStore,
    private readonly verifiers: Map<string, ProvinceTokenVerifier>,
  ) {}

  /**
   * `authorization` is every Authorization header of the request as received
   * (`req.headersDistinct`), not Node's folded view, which keeps only the first.
   */
  async authenticate(socket: TLSSocket, authorization: readonly string[] | undefined, search: string, requestId: string): Promise<Authentication> {
    // Traced as two spans of the ingress (TLS identity, then the token); nothing while tracing is off.
    const cert = inSpanSync('identity.certificate', {}, (span) => {
      const c = this.trust.identify(socket);
      span?.setAttributes(c.ok ? { 'chuanyu.province': c.province.id } : { 'chuanyu.refusal.reason': c.reason });
      return c;
    });
    if (!cert.ok) {
      // A revoked certificate still names its province and thumbprint: the audit record says whose it was.
      const whose = { ...(cert.province ? { province: cert.province } : {}), ...(cert.thumbprint ? { certThumbprint: cert.thumbprint } : {}) };
      return { ok: false, refusal: { status: 401, reason: cert.reason, message: CERT_MESSAGES[cert.reason]!, ...whose } };
    }
    const province = cert.province;
    const refused = (reason: string, message: string, error: Refusal['error'] | null = 'invalid_token'): Authentication => ({
      ok: false,
      refusal: { status: 401, reason, message, province: province.id, certThumbprint: cert.thumbprint, ...(error ? { error } : {}) },
    });
    const ambiguous = (): Authentication => ({ ok: false, refusal: ambiguousCredentials({ province: province.id, certThumbprint: cert.thumbprint }) });
    const headers = authorization ?? [];
    if (headers.length > 1) return ambiguous();
    // RFC 6750 §2.3 allows tokens in the URI; RFC 9700 (OAuth security BCP) forbids it: URIs end up in logs.
    if (search && new URLSearchParams(search).has('access_token')) {
      return headers.length > 0 ? ambiguous() : refused('token_in_query', 'send the token in the Authorization header, not the URL');
    }
    // Scheme names are case-insensitive (RFC 7235 §2.1).
    const match = headers[0] !== undefined ? /^Bearer +([^\s]+)$/i.exec(headers[0]) : null;
    if (!match) {
      // RFC 6750 §3.1: no credentials at all gets a challenge without an error code.
      return refused('token_missing', 'an Authorization: Bearer token is required', headers.length > 0 ? 'invalid_token' : null);
    }
    try {
      const token = await inSpan('identity.token', { 'chuanyu.province': province.id }, (span) =>
        this.verifiers
          .get(province.id)!
          .verify(match[1]!, cert.thumbprint)
          .catch((err: unknown) => {
            if (err instanceof TokenRefused) span?.setAttribute('chuanyu.refusal.reason', err.reason);
            throw err;
          }),
      );
      return {
        ok: true,
        caller: {
          province: province.id,
          divisionCode: province.divisionCode,
          subject: token.subject,
          clientId: token.clientId,
          scopes: token.scopes,
          certThumbprint: cert.thumbprint,
          requestId,
        },
      };
    } catch (err) {
      if (err instanceof TokenRefused) return refused(err.reason, err.message);
      throw err;
    }
  }
}
