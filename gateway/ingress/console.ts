// The people's console (/console/): static files built from console/ (Vite), served by the gateway
// so the pages and /graphql share one origin and one TLS identity, plus /console/session.json, which
// tells the page what the TLS layer saw of the browser's client certificate and where each
// province's IdP is. A browser without a certificate, or with one from an unknown CA, still gets the
// page, which then says what is missing (the TLS handshake requests a certificate but does not
// require one; /graphql refuses without it).
import express, { type Router } from 'express';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { ROOT_DIR, type StackConfig } from '../../common/config.js';
import type { ProvinceTrustStore } from '../identity/client-certificate.js';

/** Where `npm run console:build` writes the console (index.html and hashed assets). */
export const CONSOLE_DIST = path.join(ROOT_DIR, 'console', 'dist');

/** The origin of a URL (an IdP issuer): what the page may connect and navigate to. */
const originOf = (url: string) => new URL(url).origin;

export function consoleRoutes(cfg: StackConfig, trust: ProvinceTrustStore, dist = CONSOLE_DIST): Router {
  const router = express.Router();
  const idpOrigins = [...new Set(cfg.provinces.flatMap((p) => (p.idp.issuer.startsWith('https://') ? [originOf(p.idp.issuer)] : [])))];
  // Nothing from outside this gateway and the provinces' IdPs; no inline script; never framed.
  const csp = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src 'self' ${idpOrigins.join(' ')}`.trim(),
    `form-action 'self' ${idpOrigins.join(' ')}`.trim(),
    "base-uri 'none'",
    "object-src 'none'",
    "frame-ancestors 'none'",
  ].join('; ');

  router.use((req, res, next) => {
    // Relative URLs in the page resolve under /console/, not /.
    if (req.originalUrl === '/console') {
      res.redirect(301, '/console/');
      return;
    }
    res.setHeader('Content-Security-Policy', csp);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    next();
  });

  router.get('/session.json', (req, res) => {
    const seen = trust.identify(req.socket as TLSSocket);
    res.setHeader('Cache-Control', 'no-store');
    res.json({
      certificate: seen.ok
        ? { status: 'ok', province: seen.province.enumValue, provinceId: seen.province.id, subject: seen.subject }
        : { status: seen.reason, ...(seen.province ? { provinceId: seen.province } : {}) },
      audience: cfg.gateway.audience,
      provinces: cfg.provinces.map((p) => ({
        id: p.id,
        enumValue: p.enumValue,
        name: p.name,
        platform: p.platform.name,
        platformRomanized: p.platform.romanized,
        issuer: p.idp.issuer,
        // RFC 8414 metadata of the dev IdP names these; production IdPs are configured the same way.
        authorizationEndpoint: `${p.idp.issuer}/authorize`,
        tokenEndpoint: `${p.idp.issuer}/token`,
      })),
    });
  });

  // Hashed assets may be cached for good; index.html must be revalidated to pick up a new build.
  router.use('/assets', express.static(path.join(dist, 'assets'), { immutable: true, maxAge: '365d', index: false, fallthrough: false }));
  router.use(express.static(dist, { index: false, maxAge: 0 }));
  // The pages are routed in the browser: every other path under /console/ is the app (looked for at
  // each request, so a build made while the gateway runs is served).
  const index = path.join(dist, 'index.html');
  router.get(/.*/, (_req, res) => {
    if (!existsSync(index)) {
      res.status(503).type('text/plain; charset=utf-8').send('The console is not built: run `npm run console:build` (npm start builds it when missing).\n');
      return;
    }
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(index);
  });
  return router;
}
