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
import { Kind, parse, type OperationDefinitionNode } from 'graphql';
import { composeApiSchema } from '../../gateway/federation/supergraph.js';
import { documentRules } from '../../gateway/graphql-server.js';
import { GatewayMetrics } from '../../gateway/ops/metrics.js';
import { CostModel } from '../../gateway/policy/demand-control.js';
import { RateLimiter } from '../../gateway/policy/rate-limits.js';
import { TrustedDocuments } from '../../gateway/policy/trusted-documents.js';

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

  /** The repository's config with one example's keys in its gateway.json. */
  function configWith(name: string) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'chuanyu-ops-'));
    cpSync(path.join(ROOT_DIR, 'config'), dir, { recursive: true });
    const gateway = JSON.parse(readFileSync(path.join(dir, 'gateway.json'), 'utf8'));
    Object.assign(gateway, JSON.parse(`{${example(name)}}`));
    writeFileSync(path.join(dir, 'gateway.json'), JSON.stringify(gateway));
    return { dir, cfg: loadStackConfig({ configDir: dir }) };
  }

  it('trustedDocuments: the gateway config takes it, and its manifest loads and validates against the schema', () => {
    const { dir, cfg } = configWith('trustedDocuments');
    try {
      assert.equal(cfg.gateway.trustedDocuments.mode, 'enforce');
      const documents = new TrustedDocuments({
        mode: cfg.gateway.trustedDocuments.mode,
        files: cfg.gateway.trustedDocuments.manifests.map((m) => path.resolve(cfg.configDir, m)),
        ...documentRules(cfg, true),
        metrics: new GatewayMetrics(),
        log: pino({ level: 'silent' }),
      });
      documents.useSchema(composeApiSchema(cfg));
      assert.ok(documents.size >= 10);
      // Enforced: an ad hoc document is refused, a manifest's goes on by its id.
      const adhoc = documents.admit('POST', { query: '{ provinces { name } }' }, '');
      assert.equal(adhoc.ok ? null : adhoc.problem.code, 'PERSISTED_QUERY_NOT_ALLOWED');
      const manifest = JSON.parse(readFileSync(cfg.gateway.trustedDocuments.manifests.map((m) => path.resolve(cfg.configDir, m))[0]!, 'utf8'));
      const { id } = manifest.operations[0];
      const byId = documents.admit('POST', { documentId: `sha256:${id}` }, '');
      assert.deepEqual(byId.ok && byId.body, { extensions: { persistedQuery: { version: 1, sha256Hash: id } } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('demandControl: the gateway config takes it, its weights name fields of the schema, and the costs the text gives are the model’s', () => {
    const { dir, cfg } = configWith('demandControl');
    try {
      const model = new CostModel(cfg.gateway.demandControl);
      const schema = composeApiSchema(cfg);
      model.checkWeights(schema);
      const cost = (query: string) => {
        const doc = parse(query);
        return model.estimate(schema, doc, doc.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!, {});
      };
      const page = 'directory(search: "营业执照", first: 20) { totalCount nodes { id name mountedIn } }';
      assert.ok(DOC.includes(`\`${page}\` is\n10 + 20 × (1 + 3) = ${cost(`{ ${page} }`)};`));
      const aliased = Array.from({ length: 30 }, (_, i) => `d${i}: directory(first: 100) { nodes { id name mountedIn } }`).join(' ');
      const refused = cost(`{ ${aliased} }`);
      assert.ok(DOC.includes(`cost ${refused.toLocaleString('en')} and are refused`));
      assert.ok(DOC.includes(`"message":"operation cost ${refused} exceeds the budget of ${model.maxCost}"`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
