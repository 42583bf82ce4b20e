// Rate limits per caller and per province (issue 14 item 2), checked right after identity and before
// the body is read: a caller over its own budget, or whose province is over its budget, is refused with
// 429 Too Many Requests (RFC 6585 §4) and `Retry-After`, before any work is done for it.
//
// Each budget is a token bucket (`perSecond` sustained, `burst` at once) kept in its GCRA form: one
// number per key, the "theoretical arrival time" (TAT) of the next request if requests came exactly at
// the sustained rate. A request is allowed when TAT + one interval is within `burst` intervals of now.
// Why not a library's fixed-window counters (rate-limiter-flexible): a window lets 2 × its quota through
// around each window boundary, does not have the operators' `perSecond` + `burst` meaning, counts refused
// requests against the budget, and checks the two scopes in two round trips; here both scopes are
// decided together in one Lua script (atomic in Redis, one round trip), a request is charged to both or
// to neither, and Redis's own clock (TIME) is the clock, so replicas with skewed clocks agree.
//
// The replicas share the budgets through Redis (`rateLimit.redisUrl`). When Redis cannot be reached
// (not connected, or no answer within `redisTimeoutMs`) the replica decides with the same algorithm on
// a local table: the limits then apply per replica (with N replicas a caller may get up to N times its
// budget), never not at all. After a failed call Redis is left alone for a second (circuit breaker), so
// an outage costs no per-request timeout; ioredis reconnects in the background and the shared budgets
// are used again from the next decision on. The local table's counts are not copied to Redis.
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { BoundedCache } from '../../common/bounded-cache.js';
import { CircuitBreaker } from '../../common/circuit-breaker.js';
import type { GatewayConfig } from '../../common/config.js';
import type { Caller } from '../../common/identity/caller.js';
import { inSpan } from '../../common/tracing.js';
import type { GatewayMetrics } from '../ops/metrics.js';

type RateLimitConfig = NonNullable<GatewayConfig['rateLimit']>;
export type RateScope = 'caller' | 'province';

interface Bucket {
  scope: RateScope;
  /** Milliseconds between two requests at the sustained rate (1000 / perSecond). */
  intervalMs: number;
  burst: number;
}

/** One scope's state after a decision. */
export interface ScopeState {
  scope: RateScope;
  /** Whole requests this scope would still allow right now (after this one, if it was allowed). */
  remaining: number;
  /** When this scope refused: milliseconds until it allows one request again; else 0. */
  retryAfterMs: number;
}

export interface RateDecision {
  allowed: boolean;
  /** The scope that refused (the caller's first, if both did). */
  limitedBy: RateScope | null;
  scopes: ScopeState[];
  /** Who decided: Redis (shared by the replicas) or this replica alone. */
  backend: 'redis' | 'local';
}

/**
 * GCRA for the buckets of one request, the same arithmetic as the Lua script below: `tats` are the
 * stored TATs (undefined: a full bucket), `now` in ms. Returns the decision and, when allowed, the new TATs.
 */
export function decide(
  buckets: readonly Bucket[],
  tats: ReadonlyArray<number | undefined>,
  now: number,
): { states: ScopeState[]; allowed: boolean; newTats: number[] } {
  let allowed = true;
  const states: ScopeState[] = [];
  const newTats: number[] = [];
  buckets.forEach((b, i) => {
    const tat = Math.max(tats[i] ?? now, now);
    const next = tat + b.intervalMs;
    const over = next - now - b.burst * b.intervalMs;
    newTats.push(next);
    // Tolerance for the rounding of stored TATs (0.001 ms).
    if (over > 1e-3) {
      allowed = false;
      states.push({ scope: b.scope, remaining: 0, retryAfterMs: Math.ceil(over) });
    } else states.push({ scope: b.scope, remaining: (b.burst * b.intervalMs - (tat - now)) / b.intervalMs, retryAfterMs: 0 });
  });
  // A request is charged to every scope or to none: the tokens left are those after it only if it passed.
  for (const s of states) if (s.retryAfterMs === 0) s.remaining = Math.max(0, Math.floor(s.remaining - (allowed ? 1 : 0) + 1e-9));
  return { states, allowed, newTats };
}

// KEYS: one per bucket; ARGV: interval (ms) and burst per bucket. Returns, per bucket, { remaining
// tokens × 1000 (before this request), retry-after ms (0 when this bucket allows) } and, last, 1 if the
// request was allowed (and the TATs moved) else 0. Numbers cross as integers (Lua numbers are truncated
// in replies), hence the × 1000.
const GCRA_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local out = {}
local nexts = {}
local allowed = 1
for i, key in ipairs(KEYS) do
  local interval = tonumber(ARGV[2 * i - 1])
  local capacity = interval * tonumber(ARGV[2 * i])
  local tat = tonumber(redis.call('GET', key)) or now
  if tat < now then tat = now end
  local nxt = tat + interval
  local over = nxt - now - capacity
  nexts[i] = nxt
  if over > 0.001 then
    allowed = 0
    out[i] = { 0, math.ceil(over) }
  else
    out[i] = { math.floor((capacity - (tat - now)) / interval * 1000), 0 }
  end
end
if allowed == 1 then
  for i, key in ipairs(KEYS) do
    redis.call('SET', key, string.format('%.3f', nexts[i]), 'PX', math.max(1, math.ceil(nexts[i] - now)))
  end
end
out[#KEYS + 1] = allowed
return out
`;

type GcraReply = Array<[number, number] | number>;

/** The per-replica table used without Redis: TATs by key, each forgotten once its bucket is full again. */
class LocalBuckets {
  private readonly tats = new BoundedCache<number>(100_000);

  decide(keys: readonly string[], buckets: readonly Bucket[]): { states: ScopeState[]; allowed: boolean } {
    const now = Date.now();
    const result = decide(
      buckets,
      keys.map((k) => this.tats.get(k, now)),
      now,
    );
    if (result.allowed) for (const [i, k] of keys.entries()) this.tats.set(k, result.newTats[i]!, result.newTats[i]!);
    return result;
  }
}

function quoted(id: string): string {
  return `"${id}"`;
}

export class RateLimiter {
  private readonly buckets: Bucket[];
  private readonly local = new LocalBuckets();
  private readonly redis: (Redis & { chuanyuGcra(...args: Array<string | number>): Promise<GcraReply> }) | null;
  private readonly breaker = new CircuitBreaker({ failureThreshold: 1, openMs: 1000 });
  private readonly prefix: string;
  private fallback = false;
  /** RateLimit-Policy (draft-ietf-httpapi-ratelimit-headers §3): the same on every response. */
  readonly policyHeader: string;

  constructor(
    cfg: RateLimitConfig,
    private readonly metrics: GatewayMetrics,
    private readonly log: Logger,
  ) {
    this.prefix = cfg.keyPrefix;
    this.buckets = [];
    if (cfg.perCaller) this.buckets.push({ scope: 'caller', intervalMs: 1000 / cfg.perCaller.perSecond, burst: cfg.perCaller.burst });
    if (cfg.perProvince) this.buckets.push({ scope: 'province', intervalMs: 1000 / cfg.perProvince.perSecond, burst: cfg.perProvince.burst });
    // A quota policy item per scope: q = the burst, over w = the seconds an empty bucket takes to
    // fill again. A client that keeps to q per w is never refused; the bucket allows somewhat more
    // (the draft's quotas are hints, §8.3). The policy's name is the scope, a String (drafts -10 and -11, §3).
    this.policyHeader = this.buckets.map((b) => `${quoted(b.scope)};q=${b.burst};w=${Math.max(1, Math.ceil((b.burst * b.intervalMs) / 1000))}`).join(', ');
    if (cfg.redisUrl) {
      const redis = new Redis(cfg.redisUrl, {
        // Fail at once while disconnected (the local table decides) instead of queueing requests behind
        // a reconnect; a command in flight when the connection drops is failed, not resent.
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        autoResendUnfulfilledCommands: false,
        commandTimeout: cfg.redisTimeoutMs,
        connectTimeout: 2000,
        retryStrategy: (times) => Math.min(100 * times, 1000),
        connectionName: 'chuanyu-gateway-ratelimit',
      });
      redis.defineCommand('chuanyuGcra', { lua: GCRA_LUA });
      // ioredis reports every failed (re)connection as an 'error' event: logged once per outage.
      redis.on('error', (err: Error) => this.setFallback(true, err.message));
      redis.on('close', () => this.setFallback(true, 'connection closed'));
      redis.on('ready', () => this.setFallback(false));
      this.redis = redis as RateLimiter['redis'];
    } else {
      this.redis = null;
      log.warn('rateLimit has no redisUrl: each replica limits on its own');
    }
    metrics.rateLimitFallback.set(0);
  }

  /** Resolves once Redis answers, or after `ms` (the gateway starts either way; meanwhile it decides alone). */
  async ready(ms = 3000): Promise<void> {
    const redis = this.redis;
    if (!redis || redis.status === 'ready') return;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        redis.off('ready', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      redis.once('ready', done);
    });
  }

  private setFallback(on: boolean, why?: string): void {
    if (on === this.fallback || !this.redis) return;
    this.fallback = on;
    this.metrics.rateLimitFallback.set(on ? 1 : 0);
    if (on) this.log.warn({ err: why }, 'rate limits: Redis unreachable; this replica limits on its own (budgets per replica) until it is back');
    else this.log.info('rate limits: Redis reachable again; budgets shared by the replicas');
  }

  private keys(caller: Caller): string[] {
    return this.buckets.map((b) =>
      b.scope === 'caller'
        ? // The certificate-bound identity: the token's subject on this certificate, in this province.
          // Hashed: Redis needs no subject names or thumbprints to count.
          `${this.prefix}caller:${caller.province}:${createHash('sha256').update(`${caller.subject}\n${caller.certThumbprint}`).digest('base64url').slice(0, 32)}`
        : `${this.prefix}province:${caller.province}`,
    );
  }

  private async viaRedis(keys: string[]): Promise<{ states: ScopeState[]; allowed: boolean } | null> {
    const redis = this.redis;
    if (redis?.status !== 'ready' || !this.breaker.allow()) return null;
    try {
      const args: Array<string | number> = [keys.length, ...keys];
      for (const b of this.buckets) args.push(b.intervalMs, b.burst);
      const reply = await redis.chuanyuGcra(...args);
      this.breaker.success();
      const allowed = reply[this.buckets.length] === 1;
      const states = this.buckets.map((b, i) => {
        const [tokensMilli, retryAfterMs] = reply[i] as [number, number];
        const remaining = retryAfterMs > 0 ? 0 : Math.max(0, Math.floor(tokensMilli / 1000 - (allowed ? 1 : 0)));
        return { scope: b.scope, remaining, retryAfterMs };
      });
      this.setFallback(false);
      return { states, allowed };
    } catch (err) {
      this.breaker.failure();
      this.metrics.rateLimitRedisErrors.inc();
      this.setFallback(true, (err as Error).message);
      return null;
    }
  }

  /** Charges one request to the caller's and its province's budgets, or refuses it. */
  check(caller: Caller): Promise<RateDecision> {
    return inSpan('rate_limit', {}, async (span) => {
      const keys = this.keys(caller);
      const shared = await this.viaRedis(keys);
      const { states, allowed } = shared ?? this.local.decide(keys, this.buckets);
      const limitedBy = states.find((s) => s.retryAfterMs > 0)?.scope ?? null;
      for (const s of states) this.metrics.rateLimitDecisions.inc({ scope: s.scope, decision: s.retryAfterMs > 0 ? 'limited' : 'allowed' });
      const backend = shared ? 'redis' : 'local';
      span?.setAttributes({
        'chuanyu.rate_limit.backend': backend,
        'chuanyu.rate_limit.allowed': allowed,
        ...(limitedBy ? { 'chuanyu.rate_limit.scope': limitedBy } : {}),
      });
      return { allowed, limitedBy, scopes: states, backend };
    });
  }

  /**
   * The RateLimit field (draft-ietf-httpapi-ratelimit-headers §4): per scope the requests it still
   * allows (`r`) and, when it refused, the seconds until it allows one again (`t`, the effective window
   * within which no more than r = 0 may be sent). A token bucket refills continuously, so an allowed
   * scope has no window end to state and `t` is left out.
   */
  static rateLimitHeader(decision: RateDecision): string {
    return decision.scopes.map((s) => `${quoted(s.scope)};r=${s.remaining}${s.retryAfterMs > 0 ? `;t=${Math.ceil(s.retryAfterMs / 1000)}` : ''}`).join(', ');
  }

  /** Retry-After (RFC 9110 §10.2.3, delay-seconds) of a refusal: when the refusing scope allows one again, at least 1 s. */
  static retryAfterSeconds(decision: RateDecision): number {
    return Math.max(1, ...decision.scopes.map((s) => Math.ceil(s.retryAfterMs / 1000)));
  }

  async close(): Promise<void> {
    if (!this.redis) return;
    this.redis.removeAllListeners('close');
    await this.redis.quit().catch(() => this.redis?.disconnect());
  }
}
