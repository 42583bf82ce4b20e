// The rate-limit step of every authenticated endpoint (/graphql, /catalogue/dcat): the caller's and
// its province's buckets before any work for the caller, the RateLimit fields on every answer, and
// the 429 when spent, recorded like every refusal. One home, so both endpoints answer alike.
import type { ServerResponse } from 'node:http';
import type { Caller } from '../../common/identity/caller.js';
import type { Refusal } from '../identity/authenticate.js';
import { RateLimiter } from '../policy/rate-limits.js';

/** True when the request may go on; false when it was answered with 429 (and recorded). */
export async function passRateLimits(
  rateLimiter: RateLimiter,
  caller: Caller,
  res: ServerResponse,
  requestId: string,
  onRefusal: (refusal: Refusal, requestId: string) => Promise<void>,
): Promise<boolean> {
  const decision = await rateLimiter.check(caller);
  // draft-ietf-httpapi-ratelimit-headers §6: the fields go on every answer, whatever the status.
  res.setHeader('ratelimit-policy', rateLimiter.policyHeader);
  res.setHeader('ratelimit', RateLimiter.rateLimitHeader(decision));
  if (decision.allowed) return true;
  const reason = `rate_limited_${decision.limitedBy}`;
  const retryAfter = RateLimiter.retryAfterSeconds(decision);
  const message =
    decision.limitedBy === 'caller'
      ? `too many requests from this caller; retry after ${retryAfter} s`
      : `too many requests from this province; retry after ${retryAfter} s`;
  await onRefusal({ status: 429, reason, message, province: caller.province, certThumbprint: caller.certThumbprint }, requestId);
  // RFC 6585 §4: 429 with Retry-After (RFC 9110 §10.2.3, delay-seconds).
  const body = JSON.stringify({ errors: [{ message, extensions: { code: 'RATE_LIMITED', reason } }] });
  res.writeHead(429, { 'retry-after': String(retryAfter), 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
  return false;
}
