// Gateway → subgraph caller assertion: a short-lived JWT signed by the gateway's own key,
// audience = the one subgraph it is for. A subgraph takes the caller's identity from this
// and never from plain headers (DESIGN.md §4).
import { SignJWT, jwtVerify, createLocalJWKSet, importPKCS8, type JSONWebKeySet, type CryptoKey } from 'jose';
import { randomUUID } from 'node:crypto';
import { SCOPES, type Caller, type Scope } from './caller.js';

export const CALLER_ASSERTION_HEADER = 'x-chuanyu-caller';
export const ASSERTION_ISSUER = 'chuanyu-gateway';
const ASSERTION_TYP = 'chuanyu-caller+jwt';
export const ASSERTION_TTL_SECONDS = 30;

export function assertionAudience(provinceId: string): string {
  return `subgraph:${provinceId}`;
}

export class CallerAssertionSigner {
  private constructor(
    private readonly key: CryptoKey,
    private readonly kid: string,
  ) {}

  static async fromPem(privatePem: string, jwks: JSONWebKeySet): Promise<CallerAssertionSigner> {
    const kid = jwks.keys[0]?.kid;
    if (!kid) throw new Error('caller assertion JWKS has no kid');
    return new CallerAssertionSigner(await importPKCS8(privatePem, 'ES256'), kid);
  }

  sign(caller: Caller, provinceId: string, nowSeconds = Math.floor(Date.now() / 1000)): Promise<string> {
    return new SignJWT({
      province: caller.province,
      division: caller.divisionCode,
      client_id: caller.clientId,
      scope: caller.scopes.join(' '),
      cnf: { 'x5t#S256': caller.certThumbprint },
      rid: caller.requestId,
    })
      .setProtectedHeader({ alg: 'ES256', typ: ASSERTION_TYP, kid: this.kid })
      .setIssuer(ASSERTION_ISSUER)
      .setSubject(caller.subject)
      .setAudience(assertionAudience(provinceId))
      .setIssuedAt(nowSeconds)
      .setExpirationTime(nowSeconds + ASSERTION_TTL_SECONDS)
      .setJti(randomUUID())
      .sign(this.key);
  }
}

export class CallerAssertionVerifier {
  private readonly keys: ReturnType<typeof createLocalJWKSet>;
  constructor(
    jwks: JSONWebKeySet,
    private readonly provinceId: string,
  ) {
    this.keys = createLocalJWKSet(jwks);
  }

  async verify(token: string): Promise<Caller> {
    const { payload } = await jwtVerify(token, this.keys, {
      issuer: ASSERTION_ISSUER,
      audience: assertionAudience(this.provinceId),
      algorithms: ['ES256'],
      typ: ASSERTION_TYP,
      maxTokenAge: ASSERTION_TTL_SECONDS + 5,
      clockTolerance: 5,
      requiredClaims: ['exp', 'iat', 'sub', 'jti'],
    });
    const scopes = String(payload.scope ?? '')
      .split(' ')
      .filter((s): s is Scope => (SCOPES as readonly string[]).includes(s));
    const cnf = payload.cnf as Record<string, unknown> | undefined;
    return {
      province: String(payload.province),
      divisionCode: String(payload.division),
      subject: payload.sub!,
      clientId: typeof payload.client_id === 'string' ? payload.client_id : null,
      scopes,
      certThumbprint: String(cnf?.['x5t#S256'] ?? ''),
      requestId: String(payload.rid ?? ''),
    };
  }
}
