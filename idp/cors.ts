// CORS for the console (Fetch standard, "CORS protocol"). The console page, served by the gateway on
// its own origin, redeems its authorization code with fetch(token_endpoint, { method: 'POST',
// credentials: 'include' }): the browser then presents the client certificate (a credential in the
// Fetch standard) and lets the page read the answer only if it names the page's exact origin and
// allows credentials (a wildcard is not enough with credentials). The origins allowed are those of
// the registered redirect URIs, nothing else; `Vary: Origin` keeps a cache from serving one origin's
// answer to another.
import type { IncomingMessage, ServerResponse } from 'node:http';

export type OriginVerdict = 'none' | 'allowed' | 'refused';

/** Adds the CORS response headers for an allowed origin; says whether the request had an Origin at all. */
export function corsHeaders(req: IncomingMessage, res: ServerResponse, allowed: Set<string>): OriginVerdict {
  res.setHeader('vary', 'Origin');
  const origin = req.headers.origin;
  if (origin === undefined) return 'none';
  if (!allowed.has(origin)) return 'refused';
  res.setHeader('access-control-allow-origin', origin);
  res.setHeader('access-control-allow-credentials', 'true');
  return 'allowed';
}

/** The answer to a preflight (OPTIONS with Access-Control-Request-Method). */
export function preflight(req: IncomingMessage, res: ServerResponse, allowed: Set<string>, methods: string[]): void {
  res.setHeader('vary', 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers');
  const origin = req.headers.origin;
  const method = String(req.headers['access-control-request-method'] ?? '');
  if (origin === undefined || !allowed.has(origin) || !methods.includes(method)) {
    // No CORS headers: the browser does not send the request.
    res.writeHead(403, { 'content-length': 0 });
    res.end();
    return;
  }
  res.writeHead(204, {
    'access-control-allow-origin': origin,
    'access-control-allow-credentials': 'true',
    'access-control-allow-methods': methods.join(', '),
    // A form post needs none of these, but a page may well send Accept or name the content type.
    'access-control-allow-headers': 'Content-Type, Accept',
    'access-control-max-age': '600',
    'content-length': 0,
  });
  res.end();
}
