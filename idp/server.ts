// One province's dev IdP: an OAuth 2.0 authorization server on its own HTTPS origin
// (https://localhost:4201 for Chongqing, 4202 for Sichuan), started by `npm start` before everything
// else and in-process by the tests (test/support/stack.ts). Its issuer identifier is exactly its
// origin (RFC 8414 §2), which the province config names as `idp.issuer`, and it publishes the dev
// PKI's IdP key set, which the gateway fetches over HTTPS trusting the province CA (`idp.jwks`).
//
// TLS: the province's dev server certificate (SAN localhost, issued by the province CA), with the
// project's hardening; a client certificate is requested but not required, and checked per request
// against the province CA (client-certificate.ts), so a missing or foreign one is an OAuth error.
//
//   GET  /.well-known/oauth-authorization-server   RFC 8414 metadata (metadata.ts)
//   GET  /jwks.json                                the public keys (RFC 7517)
//   GET  /authorize                                authorization code + PKCE (authorize.ts)
//   POST /token                                    client_credentials, authorization_code (token-endpoint.ts)
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import type { ProvinceConfig, StackConfig } from '../common/config.js';
import { createLogger } from '../common/log.js';
import { provincePaths } from '../common/pki/paths.js';
import { checkPemFiles } from '../common/tls/check-files.js';
import { startHttpsServer, type RunningHttpsServer } from '../common/tls/https-server.js';
import { AccessTokenIssuer } from './access-tokens.js';
import { authorize } from './authorize.js';
import { ProvinceCrl } from './client-certificate.js';
import { ClientRegistry } from './clients.js';
import { AuthorizationCodes } from './codes.js';
import { corsHeaders, preflight } from './cors.js';
import { sendJson } from './http.js';
import { METADATA_PATH, idpMetadata } from './metadata.js';
import { tokenEndpoint } from './token-endpoint.js';

export interface StartDevIdpOptions {
  cfg: StackConfig;
  province: ProvinceConfig;
  /** Override `idp.dev.port` (0: any free port, as the tests do). */
  port?: number;
  host?: string;
}

export interface RunningIdp {
  province: ProvinceConfig;
  /** The issuer identifier: this IdP's origin, `https://localhost:<port>`. */
  issuer: string;
  port: number;
  jwksUri: string;
  metadataUrl: string;
  tokenEndpoint: string;
  authorizationEndpoint: string;
  reloadTls(): void;
  close(): Promise<void>;
}

/** The dev IdP's origin for a host and port: what `idp.issuer` must be in the dev config. */
export const devIdpOrigin = (host: string, port: number) => `https://${host}:${port}`;

export async function startDevIdp(opts: StartDevIdpOptions): Promise<RunningIdp> {
  const { cfg, province } = opts;
  const dev = province.idp.dev;
  if (!dev) throw new Error(`${province.file}: no idp.dev section: this province has no dev IdP`);
  const pp = provincePaths(cfg.certsDir, province.id);
  checkPemFiles({ certificate: [pp.serverCert, pp.ca], 'private key': [pp.serverKey, pp.idpKey], jwks: [pp.idpJwks] });
  const log = createLogger(`idp-${province.id}`);
  const host = opts.host ?? dev.host;
  const clients = new ClientRegistry(province, path.dirname(pp.ca));
  const codes = new AuthorizationCodes();
  // The province CA's CRL: a source file of the province config, else the dev PKI's.
  const crlSource = province.crl?.source;
  const crl = new ProvinceCrl(crlSource && !/^[a-z]+:\/\//i.test(crlSource) ? path.resolve(cfg.configDir, crlSource) : pp.crl, pp.ca);
  let issuer = '';
  const tokens = new AccessTokenIssuer({ certsDir: cfg.certsDir, provinceId: province.id, issuer: () => issuer, audience: cfg.gateway.audience });

  // Public documents; the console may read them from its origin too.
  const publicJson = (req: IncomingMessage, res: ServerResponse, body: unknown, type = 'application/json') => {
    corsHeaders(req, res, clients.origins());
    sendJson(res, 200, body, { 'content-type': `${type}; charset=utf-8`, 'cache-control': 'no-cache' });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const { pathname } = new URL(req.url ?? '/', 'https://idp.invalid');
    if (pathname === '/token') return tokenEndpoint(req, res, { provinceId: province.id, clients, codes, crl, tokens, log });
    if (req.method === 'OPTIONS' && (pathname === METADATA_PATH || pathname === '/jwks.json')) return preflight(req, res, clients.origins(), ['GET']);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return sendJson(res, 405, { error: 'invalid_request', error_description: 'method not allowed' }, { allow: 'GET' });
    }
    if (pathname === METADATA_PATH) return publicJson(req, res, idpMetadata(issuer, clients.scopes()));
    if (pathname === '/jwks.json') {
      // Re-read at each request: a key rotated by the dev PKI is published at once.
      const jwks = JSON.parse(readFileSync(pp.idpJwks, 'utf8')) as { keys: Record<string, unknown>[] };
      return publicJson(req, res, { keys: jwks.keys.filter((k) => !('d' in k)) }, 'application/jwk-set+json');
    }
    if (pathname === '/authorize') return authorize(req, res, { issuer: () => issuer, provinceId: province.id, clients, codes, crl, log });
    sendJson(res, 404, { error: 'not_found', error_description: 'no such endpoint' });
  };

  const server: RunningHttpsServer = await startHttpsServer({
    secureContext: () => ({ key: readFileSync(pp.serverKey), cert: readFileSync(pp.serverCert), ca: readFileSync(pp.ca) }),
    rejectUnauthorized: false,
    handler: (req, res) => {
      handle(req, res).catch((err: unknown) => {
        log.error({ err }, 'IdP request failed');
        if (!res.headersSent) sendJson(res, 500, { error: 'server_error', error_description: 'internal error' });
        else res.destroy();
      });
    },
    host,
    port: opts.port ?? dev.port,
    watch: [pp.serverKey, pp.serverCert, pp.ca],
    onReload: (err) => (err ? log.error({ err: err.message }, 'TLS reload failed; keeping the previous context') : log.info('TLS files reloaded')),
    drainMs: 2000,
  });
  issuer = devIdpOrigin(host, server.port);
  log.info({ issuer }, 'dev IdP listening');
  return {
    province,
    issuer,
    port: server.port,
    jwksUri: `${issuer}/jwks.json`,
    metadataUrl: `${issuer}${METADATA_PATH}`,
    tokenEndpoint: `${issuer}/token`,
    authorizationEndpoint: `${issuer}/authorize`,
    reloadTls: server.reloadTls,
    close: () => server.close(),
  };
}
