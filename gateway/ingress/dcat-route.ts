// GET /catalogue/dcat: the catalogue as DCAT-AP 3.0.1, for harvesters (data.europa.eu-style portals,
// a national open-data platform). HTTP only: identity (401, as /graphql, through the same
// authenticator and refusal recorder) → rate limits (429) → method (405) → content negotiation (406)
// → ?province (400) → the entries the caller may see (gateway/federation/dcat/collect.ts: the
// directory's own GraphQL operations, whose scope check answers 403 exactly as /graphql does) → the
// graph (domain/dcat/catalogue-graph.ts) → Turtle or JSON-LD (domain/dcat/serialise.ts).
//
// Built in memory, not streamed: every entry is read (page after page) before the first byte is
// sent, so a province failing halfway turns into a clear 503, never a truncated catalogue.
import type { ApolloServer } from '@apollo/server';
import { context, SpanStatusCode } from '@opentelemetry/api';
import Negotiator from 'negotiator';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import type { ProvinceConfig, StackConfig } from '../../common/config.js';
import type { ErrorCode } from '../../common/errors.js';
import type { Caller } from '../../common/identity/caller.js';
import { startServerSpan } from '../../common/tracing.js';
import { catalogueQuads, type DcatProvince } from '../../domain/dcat/catalogue-graph.js';
import { JSON_LD, TURTLE, toJsonLd, toTurtle } from '../../domain/dcat/serialise.js';
import type { GatewayContext } from '../context.js';
import { collectEntries } from '../federation/dcat/collect.js';
import { bearerChallenge, refusalBody, type Authenticator, type Refusal } from '../identity/authenticate.js';
import type { RateLimiter } from '../policy/rate-limits.js';
import { passRateLimits } from './rate-limit-answer.js';

export const DCAT_PATH = '/catalogue/dcat';

export interface DcatRouteOptions {
  cfg: StackConfig;
  apollo: ApolloServer<GatewayContext>;
  authenticator: Authenticator;
  /** Records a refusal; the answer is sent only after it resolves (the audit record is durable first). */
  onRefusal: (refusal: Refusal, requestId: string) => Promise<void>;
  rateLimiter?: RateLimiter;
  log: Logger;
}

// What we serve, in order of preference: the first is the answer to no Accept and to */* (RFC 9110
// §12.5.1: no Accept means any type is acceptable). Turtle is the form DCAT-AP's own examples use.
const MEDIA_TYPES = [TURTLE, JSON_LD] as const;
const CONTENT_TYPES: Record<(typeof MEDIA_TYPES)[number], string> = {
  // Turtle is always UTF-8 (RDF 1.1 Turtle §7); the parameter is allowed and helps browsers.
  [TURTLE]: 'text/turtle; charset=utf-8',
  // application/ld+json (JSON-LD 1.1 §C) has no charset parameter: JSON is UTF-8 (RFC 8259 §8.1).
  [JSON_LD]: JSON_LD,
};

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const errorBody = (message: string, code: ErrorCode, reason?: string) => ({ errors: [{ message, extensions: { code, ...(reason ? { reason } : {}) } }] });

function dcatProvince(p: ProvinceConfig): DcatProvince {
  return { id: p.id, divisionCode: p.divisionCode, name: p.name, romanized: p.typePrefix, platform: p.platform.name };
}

export function dcatHandler(opts: DcatRouteOptions) {
  const { cfg, apollo, authenticator, log, rateLimiter } = opts;
  const byId = new Map(cfg.provinces.map((p) => [p.id, p]));

  const handle = async (req: IncomingMessage, res: ServerResponse, requestId: string, identified: (caller: Caller) => void): Promise<void> => {
    const url = req.url ?? DCAT_PATH;
    const queryStart = url.indexOf('?');
    const search = queryStart >= 0 ? url.slice(queryStart + 1) : '';

    // The same identity as /graphql: certificate → province, that province's bound token (401).
    const auth = await authenticator.authenticate(req.socket as TLSSocket, req.headersDistinct.authorization, search, requestId);
    if (!auth.ok) {
      await opts.onRefusal(auth.refusal, requestId);
      sendJson(res, auth.refusal.status, JSON.parse(refusalBody(auth.refusal)), { 'www-authenticate': bearerChallenge(auth.refusal) });
      return;
    }
    const caller = auth.caller;
    identified(caller);
    if (rateLimiter && !(await passRateLimits(rateLimiter, caller, res, requestId, opts.onRefusal))) return;

    const reject = async (status: 400 | 405 | 406, code: ErrorCode, reason: string, message: string, headers: Record<string, string> = {}) => {
      await opts.onRefusal({ status, reason, message, province: caller.province, certThumbprint: caller.certThumbprint }, requestId);
      sendJson(res, status, errorBody(message, code, reason), headers);
    };
    const method = (req.method ?? 'GET').toUpperCase();
    // RFC 9110 §15.5.6: 405 names the methods that are allowed.
    if (method !== 'GET' && method !== 'HEAD') return reject(405, 'METHOD_NOT_ALLOWED', 'method_not_allowed', 'use GET (or HEAD)', { allow: 'GET, HEAD' });
    const mediaType = new Negotiator(req).mediaType([...MEDIA_TYPES]) as (typeof MEDIA_TYPES)[number] | undefined;
    if (!mediaType)
      return reject(
        406,
        'NOT_ACCEPTABLE',
        'media_type_not_acceptable',
        `the catalogue is served as ${MEDIA_TYPES.join(' or ')}; the Accept header allows neither`,
      );

    const params = new URLSearchParams(search);
    const asked = params.getAll('province');
    if (asked.length > 1) return reject(400, 'BAD_REQUEST', 'province_repeated', 'name at most one province');
    const province = asked.length === 1 ? byId.get(asked[0]!) : undefined;
    if (asked.length === 1 && !province) {
      const known = cfg.provinces.map((p) => p.id).join(', ');
      return reject(400, 'BAD_REQUEST', 'province_unknown', `unknown province "${asked[0]!.slice(0, 40)}": one of ${known}, or none for the unified catalogue`);
    }

    const started = process.hrtime.bigint();
    const collected = await collectEntries({
      apollo,
      caller,
      ...(province ? { province: province.enumValue } : {}),
      pageSize: cfg.gateway.maxPageSize,
      auditNote: province ? province.id : 'unified',
    });
    if (!collected.ok) {
      // A request refused by GraphQL's policy (403 insufficient_scope, 400 over the cost budget) is
      // answered as /graphql answers it: its status, its challenge, its errors (already recorded by the
      // audit plugin). A province that could not answer makes the whole export unavailable (503).
      const unavailable = collected.errors.some((e) => e.extensions?.code === 'PROVINCE_UNAVAILABLE');
      const status = collected.status >= 400 ? collected.status : unavailable ? 503 : 500;
      const headers = Object.fromEntries(collected.headers.filter(([k]) => k.toLowerCase() !== 'content-type' && k.toLowerCase() !== 'content-length'));
      sendJson(res, status, { errors: collected.errors }, headers);
      return;
    }
    const quads = catalogueQuads({
      base: cfg.gateway.publicUrl,
      scope: province ? { province: dcatProvince(province) } : { provinces: cfg.provinces.map(dcatProvince) },
      entries: collected.entries,
    });
    const body = mediaType === TURTLE ? await toTurtle(quads) : await toJsonLd(quads);
    log.debug(
      { requestId, entries: collected.entries.length, pages: collected.pages, quads: quads.length, ms: Number(process.hrtime.bigint() - started) / 1e6 },
      'dcat export',
    );
    res.writeHead(200, {
      'content-type': CONTENT_TYPES[mediaType],
      'content-length': Buffer.byteLength(body),
      // Per caller (what it may see) and per Accept: never shared by a cache.
      vary: 'Accept, Authorization',
      'cache-control': 'private, no-store',
    });
    res.end(method === 'HEAD' ? undefined : body);
  };

  return (req: IncomingMessage, res: ServerResponse): void => {
    const requestId = randomUUID();
    res.setHeader('x-request-id', requestId);
    let caller: Caller | undefined;
    const start = process.hrtime.bigint();
    // One JSON line per request, as /graphql: never headers, bodies or tokens.
    res.once('finish', () =>
      log.info(
        {
          requestId,
          province: caller?.province,
          method: req.method,
          path: DCAT_PATH,
          status: res.statusCode,
          ms: Number(process.hrtime.bigint() - start) / 1e6,
        },
        'request',
      ),
    );
    // Tracing on: a server span around the export, as /graphql has (its pages' spans are beneath it).
    const traced = startServerSpan(`${req.method ?? 'GET'} ${DCAT_PATH}`, req.headers, {
      'http.request.method': req.method ?? 'GET',
      'url.path': DCAT_PATH,
      'chuanyu.request_id': requestId,
    });
    if (traced) {
      res.once('close', () => {
        traced.span.setAttributes({ 'http.response.status_code': res.statusCode, ...(caller ? { 'chuanyu.province': caller.province } : {}) });
        if (res.statusCode >= 500 || !res.writableFinished) traced.span.setStatus({ code: SpanStatusCode.ERROR });
        traced.span.end();
      });
    }
    const run = () =>
      handle(req, res, requestId, (c) => (caller = c)).catch((err: unknown) => {
        log.error({ err, requestId }, 'unhandled error');
        if (!res.headersSent) sendJson(res, 500, errorBody('internal error', 'INTERNAL_SERVER_ERROR'));
        else res.destroy();
      });
    void (traced ? context.with(traced.ctx, run) : run());
  };
}
