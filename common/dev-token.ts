// Mints a development access token as a province's IdP would: an RFC 9068 JWT access token,
// bound to the caller's client certificate with RFC 8705 `cnf["x5t#S256"]`, signed ES256 with the
// province's dev IdP key. Tests use `overrides` to craft tokens the gateway must refuse.
import { randomUUID, sign as cryptoSign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SignJWT, importPKCS8 } from 'jose';
import type { ProvinceConfig } from './config.js';
import { provincePaths } from './pki/paths.js';
import { certThumbprintS256 } from './pki/thumbprint.js';

export interface MintDevTokenOptions {
  certsDir: string;
  province: ProvinceConfig;
  /** RFC 9068 §2.2 `aud`: the gateway's audience from config/gateway.json. */
  audience: string;
  /** Sample caller name (app, counter, admin): selects clients/<client>.crt for `cnf`. */
  client: string;
  /** Space-separated scopes (RFC 9068 §2.2.3, RFC 6749 §3.3). */
  scope: string;
  lifetimeSeconds?: number;
  subject?: string;
  /** Issue time in seconds since the epoch (default: now). */
  now?: number;
  /** Merged over the defaults; a member set to `undefined` is left out of the token. */
  overrides?: { header?: Record<string, unknown>; claims?: Record<string, unknown> };
}

export const DEFAULT_TOKEN_LIFETIME_SECONDS = 300;

function readOrExplain(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const hint = e.code === 'ENOENT' ? ' (run `npm run pki` first)' : '';
    throw new Error(`${what} ${file} cannot be read: ${e.code ?? e.message}${hint}`);
  }
}

export async function mintDevToken(opts: MintDevTokenOptions): Promise<string> {
  const { province } = opts;
  const lifetime = opts.lifetimeSeconds ?? DEFAULT_TOKEN_LIFETIME_SECONDS;
  if (!Number.isInteger(lifetime) || lifetime <= 0) throw new Error(`token lifetime must be a positive whole number of seconds, got ${lifetime}`);
  const paths = provincePaths(opts.certsDir, province.id);
  const clientCert = readOrExplain(paths.client(opts.client).cert, `client certificate for "${opts.client}"`);
  const keyPem = readOrExplain(paths.idpKey, `${province.id} IdP signing key`);
  const jwksText = readOrExplain(paths.idpJwks, `${province.id} IdP JWKS`);

  const kid = (JSON.parse(jwksText) as { keys?: Array<{ kid?: unknown }> }).keys?.[0]?.kid;
  if (typeof kid !== 'string') throw new Error(`${paths.idpJwks} has no key with a kid (run \`npm run pki\`)`);
  const key = await importPKCS8(keyPem, 'ES256');

  const iat = Math.floor(opts.now ?? Date.now() / 1000);
  const claims: Record<string, unknown> = {
    // RFC 9068 §2.2 required claims (iss, exp, aud, sub, client_id, iat, jti), plus nbf and scope.
    iss: province.idp.issuer,
    sub: opts.subject ?? `${province.id}:${opts.client}`,
    aud: opts.audience,
    client_id: `${province.id}-${opts.client}`,
    scope: opts.scope.trim().split(/\s+/).filter(Boolean).join(' '),
    iat,
    nbf: iat,
    exp: iat + lifetime,
    jti: randomUUID(),
    // RFC 8705 §3.1: binds the token to the client certificate used on the TLS connection.
    cnf: { 'x5t#S256': certThumbprintS256(clientCert) },
    ...opts.overrides?.claims,
  };
  // RFC 9068 §2.1: typ "at+jwt" tells access tokens apart from ID tokens and other JWTs.
  const header = { alg: 'ES256', typ: 'at+jwt', kid, ...opts.overrides?.header };
  if (header.alg === 'ES256') {
    return new SignJWT(claims).setProtectedHeader(header as Parameters<SignJWT['setProtectedHeader']>[0]).sign(key);
  }
  // A test forging another `alg` (RFC 8725 §2.1 attacks): jose rightly refuses to sign that, so
  // assemble the JWS by hand: no signature for "none", otherwise an ES256 signature under a
  // header that claims something else.
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const input = `${b64(header)}.${b64(claims)}`;
  const sig = header.alg === 'none' ? '' : cryptoSign('sha256', Buffer.from(input), { key: keyPem, dsaEncoding: 'ieee-p1363' }).toString('base64url');
  return `${input}.${sig}`;
}
