// The small HTTP vocabulary of the dev IdP: OAuth parameters read strictly, JSON answers that are
// never cached, and the RFC 6749 §5.2 error body.
import type { IncomingMessage, ServerResponse } from 'node:http';

/** An OAuth request that cannot be answered as asked: its RFC 6749 error code, status and description. */
export class OAuthError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly description: string,
  ) {
    super(`${error}: ${description}`);
  }
}

export const invalidRequest = (description: string) => new OAuthError(400, 'invalid_request', description);

/**
 * OAuth parameters from a query string or form body. RFC 6749 §3.1 and §3.2: a parameter sent more
 * than once is a malformed request (which value would count is exactly what an attacker would like
 * to choose); parameters sent without a value are treated as omitted.
 */
export function oauthParams(text: string): Map<string, string> {
  const params = new Map<string, string>();
  for (const [name, value] of new URLSearchParams(text)) {
    if (params.has(name)) throw invalidRequest(`parameter ${/^[a-z_]{1,40}$/.test(name) ? name : '(unnamed)'} is given more than once`);
    params.set(name, value);
  }
  for (const [name, value] of params) if (value === '') params.delete(name);
  return params;
}

/** Form bodies of OAuth requests are small; anything larger is refused before it is read. */
const MAX_FORM_BYTES = 16 * 1024;

/** The body of a token request: `application/x-www-form-urlencoded`, UTF-8 (RFC 6749 §4.1.3, §4.4.2, Appendix B). */
export async function readForm(req: IncomingMessage): Promise<Map<string, string>> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') throw invalidRequest('the body must be application/x-www-form-urlencoded');
  if (Number(req.headers['content-length'] ?? 0) > MAX_FORM_BYTES) throw invalidRequest('the body is too large');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_FORM_BYTES) throw invalidRequest('the body is too large');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.includes('\uFFFD')) throw invalidRequest('the body is not UTF-8');
  return oauthParams(text);
}

/** A JSON answer. RFC 6749 §5.1: token responses (and their errors) must not be cached. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    pragma: 'no-cache',
    'x-content-type-options': 'nosniff',
    ...headers,
  });
  res.end(text);
}

/** RFC 6749 §5.2: `{ error, error_description }`. Descriptions are fixed ASCII texts, never an echo of the request. */
export function sendOAuthError(res: ServerResponse, err: OAuthError): void {
  sendJson(res, err.status, { error: err.error, error_description: err.description });
}
