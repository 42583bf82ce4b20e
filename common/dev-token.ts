// Access tokens as a province's IdP issues them: RFC 9068 JWT access tokens, bound to the caller's
// client certificate with RFC 8705 `cnf["x5t#S256"]`, signed ES256 with the province's dev IdP key.
// One signing function (signAccessToken) serves both the dev IdP (idp/token-endpoint.ts) and the
// test helper mintDevToken, so the tokens the tests forge differ from the IdP's only where a test
// says so (`overrides`).
import { createPublicKey, randomUUID, sign as cryptoSign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SignJWT, importPKCS8 } from 'jose';
import type { ProvinceConfig } from './config.js';
import { provincePaths } from './pki/paths.js';
import { certThumbprintS256 } from './pki/thumbprint.js';

export const DEFAULT_TOKEN_LIFETIME_SECONDS = 300;

/** What a token is overridden with in tests; a member set to `undefined` is left out of the token. */
export interface TokenOverrides {
  header?: Record<string, unknown>;
  claims?: Record<string, unknown>;
}

/** A province IdP's ES256 signing key, the PEM it was read from and the `kid` it is published under. */
export interface IdpSigningKey {
  kid: string;
  pem: string;
}

export interface AccessTokenClaims {
  /** RFC 9068 §2.2 `iss`: the IdP's issuer identifier (RFC 8414 §2). */
  issuer: string;
  /** RFC 9068 §2.2 `aud`: the gateway's audience from config/gateway.json. */
  audience: string;
  /** RFC 9068 §2.2 `sub`: `<province>:<client>` for the dev clients. */
  subject: string;
  /** RFC 9068 §2.2 `client_id`: the OAuth client the token was issued to. */
  clientId: string;
  /** Space-separated scopes (RFC 9068 §2.2.3, RFC 6749 §3.3). */
  scope: string;
  /** RFC 8705 §3.1 `x5t#S256` of the client certificate the token is bound to. */
  thumbprint: string;
  lifetimeSeconds?: number;
  /** Issue time in seconds since the epoch (default: now). */
  now?: number;
}

function readOrExplain(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const hint = e.code === 'ENOENT' ? ' (run `npm run pki` first)' : '';
    throw new Error(`${what} ${file} cannot be read: ${e.code ?? e.message}${hint}`);
  }
}

/**
 * The province's dev IdP key (certs/dev/<province>/idp/signing.key) and its `kid`: the key of
 * idp/jwks.json whose public coordinates are the signing key's (during a rotation the JWKS holds
 * the new and the old key, in any order), else its first key.
 */
export function readDevIdpKey(certsDir: string, provinceId: string): IdpSigningKey {
  const paths = provincePaths(certsDir, provinceId);
  const pem = readOrExplain(paths.idpKey, `${provinceId} IdP signing key`);
  const jwksText = readOrExplain(paths.idpJwks, `${provinceId} IdP JWKS`);
  const keys = (JSON.parse(jwksText) as { keys?: Array<{ kid?: unknown; x?: unknown; y?: unknown }> }).keys ?? [];
  let pub: { x?: string; y?: string } = {};
  try {
    pub = createPublicKey(pem).export({ format: 'jwk' });
  } catch {
    throw new Error(`${paths.idpKey} is not a PEM private key (run \`npm run pki\`)`);
  }
  const kid = (keys.find((k) => k.x === pub.x && k.y === pub.y) ?? keys[0])?.kid;
  if (typeof kid !== 'string') throw new Error(`${paths.idpJwks} has no key with a kid (run \`npm run pki\`)`);
  return { kid, pem };
}

/** Signs one access token. `overrides` are for tests that craft tokens the gateway must refuse. */
export async function signAccessToken(key: IdpSigningKey, c: AccessTokenClaims, overrides?: TokenOverrides): Promise<string> {
  const lifetime = c.lifetimeSeconds ?? DEFAULT_TOKEN_LIFETIME_SECONDS;
  if (!Number.isInteger(lifetime) || lifetime <= 0) throw new Error(`token lifetime must be a positive whole number of seconds, got ${lifetime}`);
  const iat = Math.floor(c.now ?? Date.now() / 1000);
  const claims: Record<string, unknown> = {
    // RFC 9068 §2.2 required claims (iss, exp, aud, sub, client_id, iat, jti), plus nbf and scope.
    iss: c.issuer,
    sub: c.subject,
    aud: c.audience,
    client_id: c.clientId,
    scope: c.scope.trim().split(/\s+/).filter(Boolean).join(' '),
    iat,
    nbf: iat,
    exp: iat + lifetime,
    jti: randomUUID(),
    // RFC 8705 §3.1: binds the token to the client certificate used on the TLS connection.
    cnf: { 'x5t#S256': c.thumbprint },
    ...overrides?.claims,
  };
  // RFC 9068 §2.1: typ "at+jwt" tells access tokens apart from ID tokens and other JWTs.
  const header = { alg: 'ES256', typ: 'at+jwt', kid: key.kid, ...overrides?.header };
  if (header.alg === 'ES256') {
    return new SignJWT(claims).setProtectedHeader(header as Parameters<SignJWT['setProtectedHeader']>[0]).sign(await importPKCS8(key.pem, 'ES256'));
  }
  // A test forging another `alg` (RFC 8725 §2.1 attacks): jose rightly refuses to sign that, so
  // assemble the JWS by hand: no signature for "none", otherwise an ES256 signature under a
  // header that claims something else.
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const input = `${b64(header)}.${b64(claims)}`;
  const sig = header.alg === 'none' ? '' : cryptoSign('sha256', Buffer.from(input), { key: key.pem, dsaEncoding: 'ieee-p1363' }).toString('base64url');
  return `${input}.${sig}`;
}

export interface MintDevTokenOptions {
  certsDir: string;
  province: ProvinceConfig;
  /** RFC 9068 §2.2 `aud`: the gateway's audience from config/gateway.json. */
  audience: string;
  /** Sample caller name (app, counter, admin, sync): selects clients/<client>.crt for `cnf`. */
  client: string;
  /** Space-separated scopes (RFC 9068 §2.2.3, RFC 6749 §3.3). */
  scope: string;
  lifetimeSeconds?: number;
  subject?: string;
  /** Issue time in seconds since the epoch (default: now). */
  now?: number;
  /** Merged over the defaults; a member set to `undefined` is left out of the token. */
  overrides?: TokenOverrides;
}

/**
 * Signs locally, with the dev IdP key, the token the province's dev IdP would issue to a dev client
 * (tests, `npm run token -- --offline`, benchmarks). Running services ask the IdP instead.
 */
export async function mintDevToken(opts: MintDevTokenOptions): Promise<string> {
  const { province } = opts;
  const paths = provincePaths(opts.certsDir, province.id);
  const clientCert = readOrExplain(paths.client(opts.client).cert, `client certificate for "${opts.client}"`);
  const key = readDevIdpKey(opts.certsDir, province.id);
  return signAccessToken(
    key,
    {
      issuer: province.idp.issuer,
      audience: opts.audience,
      subject: opts.subject ?? `${province.id}:${opts.client}`,
      clientId: opts.client,
      scope: opts.scope,
      thumbprint: certThumbprintS256(clientCert),
      lifetimeSeconds: opts.lifetimeSeconds,
      now: opts.now,
    },
    opts.overrides,
  );
}
