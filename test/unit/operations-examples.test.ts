// The marked config examples of docs/OPERATIONS.md (`<!-- example: NAME -->` before a code block) are
// ones the gateway takes, and do what the text around them says.
import { strict as assert } from 'node:assert';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { ROOT_DIR, loadStackConfig } from '../../common/config.js';
import type { Caller } from '../../common/identity/caller.js';
import { tracingRequested } from '../../common/tracing.js';
import { GatewayMetrics } from '../../gateway/ops/metrics.js';
import { RateLimiter } from '../../gateway/policy/rate-limits.js';

const DOC = readFileSync(path.join(ROOT_DIR, 'docs', 'OPERATIONS.md'), 'utf8');

function example(name: string): string {
  const m = new RegExp(`<!-- example: ${name} -->\\n\`\`\`[a-z]*\\n([\\s\\S]*?)\\n\`\`\``).exec(DOC);
  assert.ok(m, `docs/OPERATIONS.md has the example ${name}`);
  return m[1]!;
}

describe('docs/OPERATIONS.md examples', () => {
  it('rateLimit: the gateway config takes it, and the limiter answers with the fields the text shows', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'chuanyu-ops-'));
    try {
      cpSync(path.join(ROOT_DIR, 'config'), dir, { recursive: true });
      const gateway = JSON.parse(readFileSync(path.join(dir, 'gateway.json'), 'utf8'));
      Object.assign(gateway, JSON.parse(`{${example('rateLimit')}}`));
      writeFileSync(path.join(dir, 'gateway.json'), JSON.stringify(gateway));
      const rateLimit = loadStackConfig({ configDir: dir }).gateway.rateLimit;
      assert.ok(rateLimit);
      assert.equal(rateLimit.redisUrl, 'redis://127.0.0.1:6379');
      // The same limits, decided on this process's own table (no Redis in a unit test).
      const limiter = new RateLimiter({ ...rateLimit, redisUrl: undefined }, new GatewayMetrics(), pino({ level: 'silent' }));
      const caller = { province: 'chongqing', subject: 'chongqing:app', certThumbprint: 'x'.repeat(43) } as Caller;
      let third = '';
      for (let i = 0; i < 3; i++) third = RateLimiter.rateLimitHeader(await limiter.check(caller));
      assert.ok(DOC.includes(`RateLimit-Policy: ${limiter.policyHeader}\nRateLimit: ${third}\n`), `${limiter.policyHeader} / ${third}`);
      await limiter.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('tracing: the variables turn tracing on, with a sampler the SDK knows', () => {
    const env = Object.fromEntries([...example('tracing').matchAll(/\b(OTEL_[A-Z_]+)=(\S+)/g)].map((m) => [m[1]!, m[2]!]));
    assert.equal(tracingRequested(env), true);
    assert.equal(tracingRequested({ ...env, OTEL_SDK_DISABLED: 'true' }), false);
    assert.equal(tracingRequested({ ...env, OTEL_TRACES_EXPORTER: 'none' }), false);
    assert.equal(tracingRequested({}), false);
    assert.ok(
      ['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'].includes(
        env.OTEL_TRACES_SAMPLER!,
      ),
    );
  });
});
