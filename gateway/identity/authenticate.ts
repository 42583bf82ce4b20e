// Ingress identity: client certificate → province, then that province's token, bound to
// that certificate. Everything that fails here is refused with 401 before GraphQL runs;
// the refusal names a reason code and never echoes the token or internal detail.
import type { NextFunction, Request, Response } from 'express';
import { randomUUID } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import type { Caller } from '../../common/identity/caller.js';
import type { ProvinceTrustStore } from '../ingress/client-certificate.js';
import { TokenRefused, type ProvinceTokenVerifier } from './token-verifier.js';

export interface AuthRefusal {
  status: 401;
  reason: string;
  message: string;
  province?: string;
  certThumbprint?: string;
}

/** Records a refusal; the 401 is sent only after it resolves (the audit record is durable first). */
export type RefusalListener = (req: Request, refusal: AuthRefusal, requestId: string) => Promise<void>;

const CERT_MESSAGES: Record<string, string> = {
  client_certificate_missing: 'a client certificate issued by a province CA is required',
  client_certificate_expired: 'the client certificate has expired',
  client_certificate_not_yet_valid: 'the client certificate is not yet valid',
  client_certificate_untrusted: 'the client certificate is not issued by a trusted province CA',
  client_certificate_unknown_province: 'the client certificate is not issued by a trusted province CA',
};

export function requestIdOf(res: Response): string {
  return res.locals.requestId as string;
}

export function authenticate(
  trust: ProvinceTrustStore,
  verifiers: Map<string, ProvinceTokenVerifier>,
  onRefusal: RefusalListener,
) {
  const refuse = async (req: Request, res: Response, refusal: AuthRefusal, tokenError: boolean) => {
    await onRefusal(req, refusal, requestIdOf(res));
    const params = [`realm="chuanyu-gateway"`];
    if (tokenError) params.push(`error="invalid_token"`, `error_description="${refusal.message.replace(/"/g, "'")}"`);
    res
      .status(401)
      .set('WWW-Authenticate', `Bearer ${params.join(', ')}`)
      .type('application/json')
      .send(JSON.stringify({ errors: [{ message: refusal.message, extensions: { code: 'UNAUTHENTICATED', reason: refusal.reason } }] }));
  };

  return async (req: Request, res: Response, next: NextFunction) => {
    res.locals.requestId = randomUUID();
    res.set('X-Request-Id', res.locals.requestId);
    const cert = trust.identify(req.socket as TLSSocket);
    if (!cert.ok) {
      return refuse(req, res, { status: 401, reason: cert.reason, message: CERT_MESSAGES[cert.reason]! }, false);
    }
    const province = cert.province;
    // RFC 6750 §2.3 allows tokens in the URI; RFC 9700 (OAuth security BCP) forbids it: URIs end up in logs.
    if (Object.hasOwn(req.query as object, 'access_token')) {
      return refuse(req, res, { status: 401, reason: 'token_in_query', message: 'send the token in the Authorization header, not the URL', province: province.id, certThumbprint: cert.thumbprint }, true);
    }
    const header = req.headers.authorization;
    // Scheme names are case-insensitive (RFC 7235 §2.1).
    const match = header ? /^Bearer +([^\s]+)$/i.exec(header) : null;
    if (!match) {
      // RFC 6750 §3.1: no credentials at all gets a challenge without an error code.
      return refuse(req, res, { status: 401, reason: 'token_missing', message: 'an Authorization: Bearer token is required', province: province.id, certThumbprint: cert.thumbprint }, header !== undefined);
    }
    const verifier = verifiers.get(province.id)!;
    try {
      const token = await verifier.verify(match[1]!, cert.thumbprint);
      const caller: Caller = {
        province: province.id,
        divisionCode: province.divisionCode,
        subject: token.subject,
        clientId: token.clientId,
        scopes: token.scopes,
        certThumbprint: cert.thumbprint,
        requestId: requestIdOf(res),
      };
      res.locals.caller = caller;
      next();
    } catch (err) {
      if (err instanceof TokenRefused) {
        return refuse(req, res, { status: 401, reason: err.reason, message: err.message, province: province.id, certThumbprint: cert.thumbprint }, true);
      }
      next(err);
    }
  };
}
