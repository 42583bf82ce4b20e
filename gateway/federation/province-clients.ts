// Connections from the gateway to each province subgraph: one keep-alive undici pool per
// province, mutual TLS with the gateway's own client certificate, the province CA as the
// only trust anchor, and a bounded time per call (docs/DESIGN.md §5, §7).
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { Agent, request, type Dispatcher } from 'undici';
import type { ProvinceConfig, StackConfig } from '../../common/config.js';
import { subgraphUrl } from '../../common/config.js';
import { CALLER_ASSERTION_HEADER, type CallerAssertionSigner } from '../../common/identity/caller-assertion.js';
import type { Caller } from '../../common/identity/caller.js';
import { gatewayPaths, provincePaths } from '../../common/pki/paths.js';
import { annotateSpan, inSpan, injectTraceContext } from '../../common/tracing.js';
import type { GatewayMetrics } from '../ops/metrics.js';
import { CircuitBreaker } from '../../common/circuit-breaker.js';

/** The province could not be reached in time, or answered with a server error. */
export class ProvinceUnavailable extends Error {
  constructor(
    readonly province: ProvinceConfig,
    cause: string,
  ) {
    super(`${province.enumValue} is unavailable: ${cause}`);
  }
}

/** The province answered, and refused (4xx) with a code and a message meant for the caller. */
export class ProvinceRefused extends Error {
  constructor(
    readonly province: ProvinceConfig,
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Runs `call` with an abort signal that fires after the province's time budget; the timer is
 * cleared as soon as the call settles (request and body both read). Whatever `call` throws once
 * the budget is spent becomes "timed out". The signal is a plain EventEmitter, which undici
 * accepts: per request that is cheaper than an AbortController (an EventTarget) and than
 * AbortSignal.timeout, whose timer stays armed after the call and creates a DOMException when it
 * finally fires.
 */
async function withDeadline<T>(province: ProvinceConfig, ms: number, call: (signal: EventEmitter) => Promise<T>): Promise<T> {
  const signal = new EventEmitter();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    signal.emit('abort');
  }, ms);
  try {
    return await call(signal);
  } catch (err) {
    if (timedOut) throw new ProvinceUnavailable(province, 'timed out');
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

export class ProvinceClients {
  private readonly agents = new Map<string, Agent>();
  private readonly baseUrls = new Map<string, string>();
  readonly breakers = new Map<string, CircuitBreaker>();
  private readonly timeoutMs: number;

  constructor(
    readonly cfg: StackConfig,
    private readonly signer: CallerAssertionSigner,
    private readonly metrics: GatewayMetrics,
  ) {
    this.timeoutMs = cfg.gateway.subgraphTimeoutMs;
    this.reloadCredentials();
    for (const p of cfg.provinces) {
      this.baseUrls.set(p.id, subgraphUrl(p).replace(/\/graphql$/, ''));
      this.breakers.set(p.id, new CircuitBreaker({ ...cfg.gateway.breaker, onStateChange: (s) => metrics.setBreaker(p.id, s) }));
      metrics.setBreaker(p.id, 'closed');
    }
  }

  /**
   * One POST over the province's mTLS pool; a connection that cannot be made is the province being
   * unavailable. With tracing on, the request carries the current span's `traceparent` (W3C Trace
   * Context §3.2), so the province can continue the trace.
   */
  private async post(
    province: ProvinceConfig,
    path: string,
    headers: Record<string, string>,
    body: string,
    signal: Dispatcher.RequestOptions['signal'],
  ): Promise<Dispatcher.ResponseData> {
    injectTraceContext(headers);
    try {
      const res = await request(`${this.baseUrls.get(province.id)}${path}`, {
        method: 'POST',
        dispatcher: this.agents.get(province.id)!,
        headers,
        body,
        signal,
      });
      annotateSpan({ 'http.response.status_code': res.statusCode });
      return res;
    } catch {
      throw new ProvinceUnavailable(province, 'unreachable');
    }
  }

  /**
   * Run one call to a province through its breaker, timing it and counting failures; with tracing on,
   * inside a client span (one per subgraph fetch) naming the province.
   */
  private guarded<T>(province: ProvinceConfig, kind: 'graphql' | 'index', path: string, call: () => Promise<T>, isFailure: (v: T) => boolean): Promise<T> {
    const url = `${this.baseUrls.get(province.id)}${path}`;
    const attributes = { 'chuanyu.province': province.id, 'chuanyu.subgraph.kind': kind, 'http.request.method': 'POST', 'url.full': url };
    return inSpan(
      `POST ${path}`,
      attributes,
      (span) =>
        this.guardedCall(province, kind, call, (v) => {
          const failed = isFailure(v);
          if (failed) span?.setStatus({ code: SpanStatusCode.ERROR });
          return failed;
        }),
      SpanKind.CLIENT,
    );
  }

  private async guardedCall<T>(province: ProvinceConfig, kind: 'graphql' | 'index', call: () => Promise<T>, isFailure: (v: T) => boolean): Promise<T> {
    const breaker = this.breakers.get(province.id)!;
    if (!breaker.allow()) {
      this.metrics.subgraphErrors.inc({ province: province.id, kind });
      throw new ProvinceUnavailable(province, 'circuit open');
    }
    const end = this.metrics.subgraphDuration.startTimer({ province: province.id, kind });
    try {
      const v = await call();
      if (isFailure(v)) {
        breaker.failure();
        this.metrics.subgraphErrors.inc({ province: province.id, kind });
      } else breaker.success();
      return v;
    } catch (err) {
      breaker.failure();
      this.metrics.subgraphErrors.inc({ province: province.id, kind });
      throw err;
    } finally {
      end();
    }
  }

  /** Probe a province's /healthz (no caller identity needed), for /readyz. */
  async probe(province: ProvinceConfig): Promise<boolean> {
    try {
      const res = await request(`${this.baseUrls.get(province.id)}/healthz`, {
        dispatcher: this.agents.get(province.id),
        signal: AbortSignal.timeout(Math.min(this.timeoutMs, 2000)),
      });
      await res.body.dump();
      return res.statusCode === 200;
    } catch {
      return false;
    }
  }

  /** Files whose change means new pools: the gateway's client credentials and each province CA. */
  credentialFiles(): string[] {
    const gp = gatewayPaths(this.cfg.certsDir);
    return [gp.clientCert, gp.clientKey, ...this.cfg.provinces.map((p) => provincePaths(this.cfg.certsDir, p.id).ca)];
  }

  /**
   * (Re)build the per-province pools from the credential files. Old pools finish their
   * in-flight requests and are closed after a grace period.
   */
  reloadCredentials(): void {
    const gp = gatewayPaths(this.cfg.certsDir);
    const cert = readFileSync(gp.clientCert);
    const key = readFileSync(gp.clientKey);
    const next = new Map<string, Agent>();
    for (const p of this.cfg.provinces) {
      next.set(
        p.id,
        new Agent({
          connect: { ca: readFileSync(provincePaths(this.cfg.certsDir, p.id).ca), cert, key, minVersion: 'TLSv1.2', timeout: this.timeoutMs },
          keepAliveTimeout: 30_000,
          connections: 128,
          headersTimeout: this.timeoutMs,
          bodyTimeout: this.timeoutMs,
        }),
      );
    }
    const old = [...this.agents.values()];
    for (const [id, agent] of next) this.agents.set(id, agent);
    if (old.length) setTimeout(() => old.forEach((a) => void a.close()), this.timeoutMs + 1000).unref();
  }

  setUrl(provinceId: string, graphqlUrl: string): void {
    this.baseUrls.set(provinceId, graphqlUrl.replace(/\/graphql$/, ''));
  }

  graphqlUrl(provinceId: string): string {
    return `${this.baseUrls.get(provinceId)}/graphql`;
  }

  assertion(caller: Caller, provinceId: string): Promise<string> {
    return this.signer.assertionFor(caller, provinceId);
  }

  /**
   * POST a GraphQL request to the province subgraph. Resolves with the parsed JSON body of a
   * 200 answer or of a 4xx carrying GraphQL errors (those are the subgraph's refusals, passed
   * on); anything else is ProvinceUnavailable.
   */
  async postGraphql(province: ProvinceConfig, body: string, headers: Record<string, string>, touched?: Set<string>): Promise<unknown> {
    touched?.add(province.id);
    return this.guarded(
      province,
      'graphql',
      '/graphql',
      async () => {
        return withDeadline(province, this.timeoutMs, async (signal) => {
          const res = await this.post(province, '/graphql', headers, body, signal);
          if (res.statusCode >= 500) {
            await res.body.dump();
            throw new ProvinceUnavailable(province, `server error ${res.statusCode}`);
          }
          let json: unknown;
          try {
            json = await res.body.json();
          } catch {
            throw new ProvinceUnavailable(province, `bad response (${res.statusCode})`);
          }
          if (res.statusCode !== 200 && !(json && typeof json === 'object' && 'errors' in json)) {
            throw new ProvinceUnavailable(province, `unexpected status ${res.statusCode}`);
          }
          return json;
        });
      },
      () => false,
    );
  }

  /**
   * Call the province's index API (JSON over mTLS, with the caller assertion). Both kinds of call
   * onwards record the province in the request's `touched` set (its audit record's
   * provincesTouched) here, and only here.
   */
  async callIndex<T>(
    province: ProvinceConfig,
    path: string,
    body: unknown,
    caller: Caller,
    extraHeaders?: Record<string, string>,
    touched?: Set<string>,
  ): Promise<T> {
    touched?.add(province.id);
    if (!this.agents.has(province.id)) throw new ProvinceUnavailable(province, 'not configured');
    const assertion = await this.assertion(caller, province.id);
    const { statusCode, json } = await this.guarded(
      province,
      'index',
      `/internal/v1${path}`,
      async () => {
        return withDeadline(province, this.timeoutMs, async (signal) => {
          const res = await this.post(
            province,
            `/internal/v1${path}`,
            { 'content-type': 'application/json', [CALLER_ASSERTION_HEADER]: assertion, 'x-request-id': caller.requestId, ...(extraHeaders ?? {}) },
            JSON.stringify(body),
            signal,
          );
          try {
            return { statusCode: res.statusCode, json: (await res.body.json()) as unknown };
          } catch {
            throw new ProvinceUnavailable(province, `bad response (${res.statusCode})`);
          }
        });
      },
      (r) => r.statusCode >= 500,
    );
    if (statusCode >= 500) throw new ProvinceUnavailable(province, `server error ${statusCode}`);
    if (statusCode >= 400) {
      const e = (json as { error?: { code?: string; message?: string } }).error;
      throw new ProvinceRefused(province, statusCode, e?.code ?? 'FORBIDDEN', e?.message ?? 'refused');
    }
    return json as T;
  }

  async close(): Promise<void> {
    await Promise.all([...this.agents.values()].map((a) => a.close()));
  }
}
