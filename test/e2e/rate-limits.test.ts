// Rate limits per caller and per province (issue 14 item 2), over real HTTPS with real certificates
// and tokens, shared by gateway replicas through the real Redis on 127.0.0.1:6379. Budgets refill at
// one request per 100 s, so nothing refills while a test runs, whatever the machine's load.
import { strict as assert } from 'node:assert';
import request from 'supertest';
import type { GatewayConfig } from '../../common/config.js';
import { startGateway, type RunningGateway } from '../../gateway/server.js';
import { deleteKeys, ensureRedis, redisProxy, testKeyPrefix, type TcpProxy } from '../support/redis.js';
import { auditRecordFor, clientIdentity, gql, startStack, until, type TestStack } from '../support/stack.js';

type RateLimit = NonNullable<GatewayConfig['rateLimit']>;

const Q = '{ directory(first: 1) { totalCount } }';
const SLOW = 0.01; // one request per 100 s

describe('rate limits per caller and per province (e2e, Redis)', function () {
  let stack: TestStack;
  const gateways: RunningGateway[] = [];
  const prefixes: string[] = [];
  let proxy: TcpProxy;

  /** A gateway replica over the stack's subgraphs with these limits (its own audit chain). */
  async function limitedGateway(instanceId: string, rateLimit: Partial<RateLimit> & { keyPrefix: string }): Promise<RunningGateway> {
    prefixes.push(rateLimit.keyPrefix);
    const gw = await startGateway({
      cfg: { ...stack.cfg, gateway: { ...stack.cfg.gateway, rateLimit: { redisTimeoutMs: 100, redisUrl: 'redis://127.0.0.1:6379', ...rateLimit } } },
      port: 0,
      host: 'localhost',
      instanceId,
      subgraphUrls: Object.fromEntries([...stack.subgraphs].map(([id, s]) => [id, s.url])),
    });
    gateways.push(gw);
    return gw;
  }

  async function metrics(gw: RunningGateway): Promise<string> {
    const id = clientIdentity(stack, 'chongqing', 'app');
    const res = await request(`https://localhost:${gw.port}`).get('/metrics').ca(id.ca);
    assert.equal(res.status, 200);
    return res.text;
  }
  const series = (text: string, name: string) => Number(new RegExp(`^${name.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1] ?? 'NaN');

  before(async function () {
    await ensureRedis();
    stack = await startStack();
    proxy = await redisProxy();
  });
  after(async () => {
    for (const g of gateways) await g.close();
    await proxy?.close();
    await stack?.close();
    for (const p of prefixes) await deleteKeys(p);
  });

  describe('one replica', () => {
    let gw: RunningGateway;
    before(async () => {
      gw = await limitedGateway('rl-one', {
        perCaller: { perSecond: SLOW, burst: 3 },
        perProvince: { perSecond: SLOW, burst: 5 },
        keyPrefix: testKeyPrefix('one'),
      });
    });

    it('serves a caller under its limit, with the RateLimit fields on every answer', async () => {
      for (const left of [2, 1, 0]) {
        const res = await gql(stack, { province: 'chongqing', port: gw.port }, Q);
        assert.equal(res.status, 200, res.text);
        assert.ok(res.body.data.directory.totalCount > 0);
        // draft-ietf-httpapi-ratelimit-headers: q = burst over w = the seconds an empty bucket takes to fill.
        assert.equal(res.headers['ratelimit-policy'], '"caller";q=3;w=300, "province";q=5;w=500');
        assert.equal(res.headers.ratelimit, `"caller";r=${left}, "province";r=${left + 2}`);
        assert.equal(res.headers['retry-after'], undefined);
      }
    });

    it('refuses the next request with 429, Retry-After and the RateLimit fields, audited and counted', async () => {
      const res = await gql(stack, { province: 'chongqing', port: gw.port }, Q);
      assert.equal(res.status, 429, res.text);
      // The bucket gets one request back every 100 s.
      const retryAfter = Number(res.headers['retry-after']);
      assert.ok(retryAfter > 90 && retryAfter <= 100, String(retryAfter));
      assert.equal(res.headers.ratelimit, `"caller";r=0;t=${retryAfter}, "province";r=2`);
      assert.equal(res.headers['ratelimit-policy'], '"caller";q=3;w=300, "province";q=5;w=500');
      assert.match(String(res.headers['content-type']), /^application\/json/);
      assert.deepEqual(res.body.errors[0].extensions, { code: 'RATE_LIMITED', reason: 'rate_limited_caller' });
      assert.equal(res.body.data, undefined);

      const record = auditRecordFor(gw.auditFile, String(res.headers['x-request-id']));
      assert.ok(record, 'the refusal is in the audit chain');
      assert.equal(record.kind, 'refusal');
      assert.equal(record.reason, 'rate_limited_caller');
      assert.equal(record.httpStatus, 429);
      assert.equal(record.province, 'chongqing');
      assert.match(String(record.certThumbprint), /^[A-Za-z0-9_-]{43}$/);

      const m = await metrics(gw);
      assert.equal(series(m, 'chuanyu_rate_limit_decisions_total{scope="caller",decision="allowed"}'), 3);
      assert.equal(series(m, 'chuanyu_rate_limit_decisions_total{scope="caller",decision="limited"}'), 1);
      assert.equal(series(m, 'chuanyu_rate_limit_decisions_total{scope="province",decision="allowed"}'), 4);
      assert.equal(series(m, 'chuanyu_gateway_refusals_total{reason="rate_limited_caller"}'), 1);
      assert.equal(series(m, 'chuanyu_rate_limit_fallback_active'), 0);
    });

    it("limits a province across its callers: another client of the province is refused once the province's budget is spent", async () => {
      // The province has 2 of its 5 left (app's refused request was charged to neither scope).
      for (const left of [1, 0]) {
        const res = await gql(stack, { province: 'chongqing', client: 'counter', port: gw.port }, Q);
        assert.equal(res.status, 200, res.text);
        assert.equal(res.headers.ratelimit, `"caller";r=${left + 1}, "province";r=${left}`);
      }
      const res = await gql(stack, { province: 'chongqing', client: 'counter', port: gw.port }, Q);
      assert.equal(res.status, 429, res.text);
      assert.equal(res.body.errors[0].extensions.reason, 'rate_limited_province');
      assert.match(String(res.headers.ratelimit), /^"caller";r=1, "province";r=0;t=\d+$/);
      assert.equal(auditRecordFor(gw.auditFile, String(res.headers['x-request-id']))?.reason, 'rate_limited_province');
      // Another province is not affected.
      const other = await gql(stack, { province: 'sichuan', client: 'counter', port: gw.port }, Q);
      assert.equal(other.status, 200, other.text);
    });
  });

  it('two replicas share one budget through Redis', async () => {
    const rateLimit = { perCaller: { perSecond: SLOW, burst: 3 }, keyPrefix: testKeyPrefix('shared') };
    const a = await limitedGateway('rl-a', rateLimit);
    const b = await limitedGateway('rl-b', rateLimit);
    const statuses: number[] = [];
    for (const gw of [a, b, a, b, a]) statuses.push((await gql(stack, { province: 'sichuan', port: gw.port }, Q)).status);
    assert.deepEqual(statuses, [200, 200, 200, 429, 429]);
    assert.equal((await gql(stack, { province: 'sichuan', port: b.port }, Q)).headers['ratelimit-policy'], '"caller";q=3;w=300');
  });

  it('falls back to a limiter per replica while Redis is unreachable, and shares the budget again once it is back', async () => {
    const rateLimit = { perCaller: { perSecond: SLOW, burst: 2 }, keyPrefix: testKeyPrefix('fallback') };
    // `viaProxy` reaches Redis through the proxy the test cuts; `direct` reaches it directly.
    const viaProxy = await limitedGateway('rl-proxy', { ...rateLimit, redisUrl: proxy.url });
    const direct = await limitedGateway('rl-direct', rateLimit);
    const call = (gw: RunningGateway, client: string) => gql(stack, { province: 'sichuan', client, port: gw.port }, Q);

    // Shared: sichuan's admin spends its budget on `direct`, so `viaProxy` refuses it too.
    assert.equal((await call(direct, 'admin')).status, 200);
    assert.equal((await call(direct, 'admin')).status, 200);
    assert.equal((await call(viaProxy, 'admin')).status, 429);

    await proxy.cut();
    await until('the fallback gauge', async () => (series(await metrics(viaProxy), 'chuanyu_rate_limit_fallback_active') === 1 ? true : undefined));
    // Alone, `viaProxy` knows nothing of the shared budget (the admin is served again: limits are per
    // replica now), but it still limits: never no limit.
    const alone = [];
    for (let i = 0; i < 3; i++) alone.push((await call(viaProxy, 'admin')).status);
    assert.deepEqual(alone, [200, 200, 429]);
    const refused = await call(viaProxy, 'admin');
    assert.equal(refused.status, 429);
    assert.ok(Number(refused.headers['retry-after']) > 90);
    assert.equal(auditRecordFor(viaProxy.auditFile, String(refused.headers['x-request-id']))?.reason, 'rate_limited_caller');

    // Meanwhile sichuan's sync client spends its shared budget on `direct`.
    assert.equal((await call(direct, 'sync')).status, 200);
    assert.equal((await call(direct, 'sync')).status, 200);

    await proxy.restore();
    await until('Redis again', async () => (series(await metrics(viaProxy), 'chuanyu_rate_limit_fallback_active') === 0 ? true : undefined));
    // Back on the shared budget: the sync client, never seen by `viaProxy`'s local table, is refused there.
    const back = await call(viaProxy, 'sync');
    assert.equal(back.status, 429, back.text);
    assert.equal(back.body.errors[0].extensions.reason, 'rate_limited_caller');
  });

  it('starts, and limits, while Redis cannot be reached at all', async () => {
    const gw = await limitedGateway('rl-dead', { perCaller: { perSecond: SLOW, burst: 1 }, keyPrefix: testKeyPrefix('dead'), redisUrl: 'redis://127.0.0.1:1' });
    assert.equal(series(await metrics(gw), 'chuanyu_rate_limit_fallback_active'), 1);
    assert.equal((await gql(stack, { province: 'chongqing', client: 'admin', port: gw.port }, Q)).status, 200);
    assert.equal((await gql(stack, { province: 'chongqing', client: 'admin', port: gw.port }, Q)).status, 429);
  });
});
