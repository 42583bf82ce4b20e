// Gateway → subgraph caller assertion: a short-lived JWT signed by the gateway's own key,
// audience = the one subgraph it is for. A subgraph takes the caller's identity from this
// and never from plain headers (docs/DESIGN.md §4).
import { SignJWT, jwtVerify, createLocalJWKSet, importPKCS8, type JSONWebKeySet, type CryptoKey } from 'jose';
import { randomUUID } from 'node:crypto';
import { BoundedCache } from '../bounded-cache.js';
import { SCOPES, type Caller, type Scope } from './caller.js';

export const CALLER_ASSERTION_HEADER = 'x-chuanyu-caller';
const ASSERTION_ISSUER = 'chuanyu-gateway';
const ASSERTION_TYP = 'chuanyu-caller+jwt';
const ASSERTION_TTL_SECONDS = 30;

function assertionAudience(provinceId: string): string {
  return `subgraph:${provinceId}`;
}

/** The request id travels beside the assertion: it correlates logs, it is not identity. */
export const REQUEST_ID_HEADER = 'x-request-id';
const REQUEST_ID = /^[A-Za-z0-9-]{1,64}$/;

export function requestIdFrom(header: unknown): string {
  return typeof header === 'string' && REQUEST_ID.test(header) ? header : '';
}

export class CallerAssertionSigner {
  // One signature per caller identity and subgraph, reused for most of its 30 s life: the
  // assertion names who is calling, not which request, and only the pinned gateway channel
  // can present it, so reuse within its lifetime adds no replay exposure.
  private readonly cache = new BoundedCache<Promise<string>>(10_000);

  private constructor(
    private readonly key: CryptoKey,
    private readonly kid: string,
  ) {}

  /** A currently valid assertion for this caller and subgraph (cached until 10 s before expiry). */
  assertionFor(caller: Caller, provinceId: string): Promise<string> {
    const key = `${provinceId}\n${caller.province}\n${caller.subject}\n${caller.clientId ?? ''}\n${caller.certThumbprint}\n${caller.scopes.join(' ')}`;
    const hit = this.cache.get(key);
    if (hit !== undefined) return hit;
    const now = Math.floor(Date.now() / 1000);
    const signed = this.sign(caller, provinceId, now);
    this.cache.set(key, signed, (now + ASSERTION_TTL_SECONDS - 10) * 1000);
    signed.catch(() => this.cache.clear());
    return signed;
  }

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
  // Verified assertions by their exact bytes, until they expire (the gateway reuses them).
  private readonly verified = new BoundedCache<Omit<Caller, 'requestId'>>(10_000);
  constructor(
    jwks: JSONWebKeySet,
    private readonly provinceId: string,
  ) {
    this.keys = createLocalJWKSet(jwks);
  }

  /** The caller an assertion names; the request id comes from the request (REQUEST_ID_HEADER). */
  async verify(token: string, requestId = ''): Promise<Caller> {
    const hit = this.verified.get(token);
    if (hit) return { ...hit, requestId };
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
    const caller = {
      province: String(payload.province),
      divisionCode: String(payload.division),
      subject: payload.sub!,
      clientId: typeof payload.client_id === 'string' ? payload.client_id : null,
      scopes,
      certThumbprint: String(cnf?.['x5t#S256'] ?? ''),
    };
    this.verified.set(token, caller, payload.exp! * 1000);
    return { ...caller, requestId };
  }
}
