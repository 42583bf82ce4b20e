// The /graphql endpoint on Node's own HTTP objects, in front of Apollo Server's
// executeHTTPGraphQLRequest: request id → identity (401) → rate limits (429) → content type (415) →
// Idempotency-Key (400) → body within the limit (413) as strict JSON (400) → GraphQL. With tracing on,
// the request runs inside a server span continuing the caller's traceparent (common/tracing.ts).
//
// Why not express + body-parser + the express integration, as the other routes use: on the hot
// path they cost about a tenth of the gateway's CPU per request (routing, content negotiation,
// an ETag hash of every response) for nothing this endpoint needs (docs/BENCHMARKS.md).
import { HeaderMap, type ApolloServer, type HTTPGraphQLRequest, type HTTPGraphQLResponse } from '@apollo/server';
import { context, SpanStatusCode } from '@opentelemetry/api';
import { isUtf8 } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import type { Caller } from '../../common/identity/caller.js';
import { startServerSpan } from '../../common/tracing.js';
import type { GatewayContext } from '../context.js';
import { ambiguousCredentials, bearerChallenge, bodyCarriesToken, refusalBody, type Refusal, type Authenticator } from '../identity/authenticate.js';
import type { TrustedDocuments } from '../policy/trusted-documents.js';
import type { RateLimiter } from '../policy/rate-limits.js';
import { passRateLimits } from './rate-limit-answer.js';

export interface GraphqlHttpOptions {
  apollo: ApolloServer<GatewayContext>;
  authenticator: Authenticator;
  /** Records a refusal; the 400/401 is sent only after it resolves (the audit record is durable first). */
  onRefusal: (refusal: Refusal, requestId: string) => Promise<void>;
  maxBodyBytes: number;
  /** Trusted documents: refused here in `enforce` mode; a manifest's document goes to Apollo Server by id. */
  documents: TrustedDocuments;
  /** Rate limits per caller and province (`gateway.rateLimit`); none: unlimited. */
  rateLimiter?: RateLimiter;
  log: Logger;
}

// Idempotency-Key (IETF httpapi draft): opaque, printable, bounded.
const IDEMPOTENCY_KEY = /^[A-Za-z0-9_.:-]{8,128}$/;

const JSON_TYPE = 'application/json; charset=utf-8';

function sendJson(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...headers, 'content-type': JSON_TYPE, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function sendError(res: ServerResponse, status: number, message: string, code = 'BAD_REQUEST', reason?: string): void {
  sendJson(res, status, JSON.stringify({ errors: [{ message, extensions: { code, ...(reason ? { reason } : {}) } }] }));
}

/** A request refused before GraphQL ran: its status, a stable reason code, a message for the caller. */
interface RequestProblem {
  status: 400 | 413 | 415;
  reason: string;
  message: string;
  /** `extensions.code`; default BAD_REQUEST. */
  code?: string;
}

/** `application/json`, optionally with parameters; a charset, if named, must be UTF-8 (RFC 8259 §8.1). */
function isJsonContentType(header: string | undefined): boolean {
  if (!header) return false;
  const [type, ...params] = header.split(';');
  if (type!.trim().toLowerCase() !== 'application/json') return false;
  for (const p of params) {
    const [k, v] = p.split('=');
    if (k?.trim().toLowerCase() === 'charset' && v?.trim().replace(/^"|"$/g, '').toLowerCase() !== 'utf-8') return false;
  }
  return true;
}

class BodyError extends Error {
  constructor(
    readonly status: 400 | 413,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/** Reads the whole body, refusing one larger than `limit` as soon as that is known. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (declared > limit) return Promise.reject(new BodyError(413, 'body_too_large', `request body is larger than ${limit} bytes`));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        reject(new BodyError(413, 'body_too_large', `request body is larger than ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)));
    // The client went away mid-body (connection reset): nothing to answer, nothing to log as ours.
    req.once('error', () => reject(new BodyError(400, 'body_incomplete', 'the request body was not received completely')));
  });
}

function isUtf8QueryString(search: string): boolean {
  if (/[^\x21-\x7e]/.test(search)) return false;
  try {
    decodeURIComponent(search.replace(/\+/g, ' '));
    return true;
  } catch {
    return false;
  }
}

/** Strict JSON: an object or an array at the top level (a bare string or number is not a GraphQL request). */
function parseJsonBody(raw: Buffer): unknown {
  // JSON text is UTF-8 (RFC 8259 §8.1). Decoding leniently would turn invalid bytes into U+FFFD
  // and run a query the client never sent.
  if (!isUtf8(raw)) throw new BodyError(400, 'body_not_utf8', 'request body is not valid UTF-8');
  const text = raw.toString('utf8');
  const first = /\S/.exec(text)?.[0];
  if (first !== '{' && first !== '[') throw new BodyError(400, 'body_not_json', 'request body is not valid JSON');
  try {
    return JSON.parse(text);
  } catch {
    throw new BodyError(400, 'body_not_json', 'request body is not valid JSON');
  }
}

/** What is wrong with the request before its body is read, if anything. */
function requestProblem(req: IncomingMessage, method: string, search: string): RequestProblem | null {
  if (method === 'POST') {
    // GraphQL over HTTP: POST bodies are JSON; anything else is 415, not a confusing 500.
    if (!isJsonContentType(req.headers['content-type']))
      return { status: 415, reason: 'content_type_unsupported', message: 'POST bodies must be application/json' };
    const encoding = req.headers['content-encoding'];
    if (encoding && encoding.toLowerCase() !== 'identity')
      return { status: 415, reason: 'content_encoding_unsupported', message: `content encoding "${encoding.slice(0, 32)}" is not supported` };
  }
  // A URL is ASCII (RFC 3986 §2); its percent-encoded parameters must decode as UTF-8, or a GET
  // query would run with U+FFFD in place of what the client sent.
  if (search && !isUtf8QueryString(search))
    return { status: 400, reason: 'query_string_not_utf8', message: 'the query string is not valid percent-encoded UTF-8' };
  // Forwarded to the province that is written, which replays the first answer on a retry.
  const idempotencyKey = req.headers['idempotency-key'];
  if (idempotencyKey !== undefined && (typeof idempotencyKey !== 'string' || !IDEMPOTENCY_KEY.test(idempotencyKey))) {
    return { status: 400, reason: 'idempotency_key_invalid', message: 'Idempotency-Key must be 8 to 128 characters of A-Z a-z 0-9 _ . : -' };
  }
  return null;
}

function headerMapOf(req: IncomingMessage): HeaderMap {
  const headers = new HeaderMap();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
  }
  return headers;
}

/** Apollo's answer as it is: its headers, its status (the status rule has run), its body. */
async function writeAnswer(res: ServerResponse, answer: HTTPGraphQLResponse): Promise<void> {
  for (const [key, value] of answer.headers) res.setHeader(key, value);
  res.statusCode = answer.status ?? 200;
  if (answer.body.kind === 'complete') {
    res.setHeader('content-length', Buffer.byteLength(answer.body.string));
    res.end(answer.body.string);
    return;
  }
  for await (const chunk of answer.body.asyncIterator) res.write(chunk);
  res.end();
}

export function graphqlHttpHandler(opts: GraphqlHttpOptions) {
  const { apollo, authenticator, log, maxBodyBytes, rateLimiter } = opts;
  const logRequests = log.isLevelEnabled('info');

  const handle = async (req: IncomingMessage, res: ServerResponse, requestId: string, identified: (caller: Caller) => void): Promise<void> => {
    const url = req.url ?? '/graphql';
    const queryStart = url.indexOf('?');
    const search = queryStart >= 0 ? url.slice(queryStart + 1) : '';

    const refuse = async (refusal: Refusal) => {
      await opts.onRefusal(refusal, requestId);
      sendJson(res, refusal.status, refusalBody(refusal), { 'www-authenticate': bearerChallenge(refusal) });
    };
    const auth = await authenticator.authenticate(req.socket as TLSSocket, req.headersDistinct.authorization, search, requestId);
    if (!auth.ok) return refuse(auth.refusal);
    const caller = auth.caller;
    identified(caller);

    // Rate limits before any work for the caller (the body is not even read).
    if (rateLimiter && !(await passRateLimits(rateLimiter, caller, res, requestId, opts.onRefusal))) return;

    // Refused before GraphQL: recorded like every refusal (reason, province, thumbprint), then answered.
    const reject = async (problem: RequestProblem) => {
      await opts.onRefusal({ ...problem, province: caller.province, certThumbprint: caller.certThumbprint }, requestId);
      sendError(res, problem.status, problem.message, problem.code ?? 'BAD_REQUEST', problem.reason);
    };
    const method = (req.method ?? 'GET').toUpperCase();
    const problem = requestProblem(req, method, search);
    if (problem) return reject(problem);
    let body: unknown;
    if (method === 'POST') {
      try {
        body = parseJsonBody(await readBody(req, maxBodyBytes));
        if (bodyCarriesToken(body)) return refuse(ambiguousCredentials(caller));
      } catch (err) {
        if (!(err instanceof BodyError)) throw err;
        if (req.socket.destroyed) return; // no one left to answer
        // Do not keep reading a body we refused: close the connection after the answer.
        if (err.status === 413) res.shouldKeepAlive = false;
        return reject({ status: err.status, reason: err.reason, message: err.message });
      }
    }

    const admission = opts.documents.admit(method, body, queryStart >= 0 ? url.slice(queryStart) : '');
    if (!admission.ok) return reject(admission.problem);
    const httpGraphQLRequest: HTTPGraphQLRequest = { method, headers: headerMapOf(req), search: admission.search, body: admission.body };
    const idempotencyKey = req.headers['idempotency-key'];
    const context: GatewayContext = {
      caller,
      partialErrors: [],
      memo: new Map(),
      touched: new Set<string>(),
      auditNotes: admission.outcome ? { trustedDocument: admission.outcome } : {},
      idempotencyKey: typeof idempotencyKey === 'string' ? idempotencyKey : null,
    };
    await writeAnswer(res, await apollo.executeHTTPGraphQLRequest({ httpGraphQLRequest, context: async () => context }));
  };

  return (req: IncomingMessage, res: ServerResponse): void => {
    const requestId = randomUUID();
    res.setHeader('x-request-id', requestId);
    let caller: Caller | undefined;
    // Tracing on: a server span (ingress) around everything below, ended when the answer is sent or
    // the client went away ('close' comes either way; 'finish' only after a complete answer).
    const traced = startServerSpan(`${req.method ?? 'GET'} /graphql`, req.headers, {
      'http.request.method': req.method ?? 'GET',
      'url.path': '/graphql',
      'chuanyu.request_id': requestId,
    });
    const traceId = traced?.span.spanContext().traceId;
    if (traced) {
      res.once('close', () => {
        traced.span.setAttributes({ 'http.response.status_code': res.statusCode, ...(caller ? { 'chuanyu.province': caller.province } : {}) });
        if (res.statusCode >= 500 || !res.writableFinished)
          traced.span.setStatus({ code: SpanStatusCode.ERROR, ...(res.writableFinished ? {} : { message: 'connection closed before the answer was sent' }) });
        traced.span.end();
      });
    }
    if (logRequests) {
      // One JSON line per request: never headers, bodies or tokens.
      const start = process.hrtime.bigint();
      res.once('finish', () =>
        log.info(
          {
            requestId,
            ...(traceId ? { traceId } : {}),
            province: caller?.province,
            method: req.method,
            path: '/graphql',
            status: res.statusCode,
            ms: Number(process.hrtime.bigint() - start) / 1e6,
          },
          'request',
        ),
      );
    }
    const run = () =>
      handle(req, res, requestId, (c) => (caller = c)).catch((err: unknown) => {
        log.error({ err, requestId }, 'unhandled error');
        if (!res.headersSent) sendError(res, 500, 'internal error', 'INTERNAL_SERVER_ERROR');
        else res.destroy();
      });
    void (traced ? context.with(traced.ctx, run) : run());
  };
}
