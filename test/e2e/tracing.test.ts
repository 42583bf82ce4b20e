// OpenTelemetry tracing (issue 14 item 4), end to end: the gateway runs as its own process
// (gateway/main.ts) configured only by OTEL_* variables, exporting over OTLP/HTTP to a real receiver in
// this process, which decodes what the exporter sends (OTLP JSON). The province subgraphs run here and
// trace too, so the tree below crosses two processes the way production does: the caller's traceparent
// → the gateway's spans → each province call's traceparent → the province's server span.
import { strict as assert } from 'node:assert';
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import { ROOT_DIR } from '../../common/config.js';
import { startTracing, type TracingHandle } from '../../common/tracing.js';
import { auditRecordFor, gql, startStack, tmpDir, until, type TestStack } from '../support/stack.js';

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
  service: string;
}

const SERVER = 2;
const CLIENT = 3;

/** An OTLP/HTTP trace receiver (POST /v1/traces, JSON): every span it was sent, flattened. */
async function otlpReceiver(): Promise<{ url: string; spans: OtlpSpan[]; contentTypes: Set<string>; close(): Promise<void> }> {
  const spans: OtlpSpan[] = [];
  const contentTypes = new Set<string>();
  type AnyValue = { stringValue?: string; intValue?: string | number; boolValue?: boolean; doubleValue?: number };
  const attrs = (list: { key: string; value: AnyValue }[] = []) =>
    Object.fromEntries(
      list.map(({ key, value }) => [
        key,
        value.stringValue ?? (value.intValue !== undefined ? Number(value.intValue) : (value.boolValue ?? value.doubleValue)),
      ]),
    );
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      contentTypes.add(String(req.headers['content-type']));
      if (req.method !== 'POST' || req.url !== '/v1/traces') {
        res.writeHead(404).end();
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        resourceSpans: {
          resource: { attributes: { key: string; value: AnyValue }[] };
          scopeSpans: { spans: (Omit<OtlpSpan, 'attributes' | 'service'> & { attributes: { key: string; value: AnyValue }[] })[] }[];
        }[];
      };
      for (const rs of body.resourceSpans) {
        const service = String(attrs(rs.resource.attributes)['service.name']);
        for (const ss of rs.scopeSpans) for (const s of ss.spans) spans.push({ ...s, attributes: attrs(s.attributes), service });
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, spans, contentTypes, close: () => new Promise((r) => server.close(() => r())) };
}

/** Runs `fn` with these environment variables set, restoring the previous values afterwards. */
function withEnv<T>(vars: Record<string, string>, fn: () => T): T {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  try {
    return fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

describe('OpenTelemetry tracing (e2e, OTLP/HTTP)', function () {
  let receiver: Awaited<ReturnType<typeof otlpReceiver>>;
  let provinces: TracingHandle;
  let stack: TestStack;
  let child: ChildProcess;
  let port: number;
  const logLines: Record<string, unknown>[] = [];
  const dataDir = tmpDir('traced-gateway');
  const auditFile = path.join(dataDir, 'audit', 'gw-traced.sqlite');

  before(async function () {
    receiver = await otlpReceiver();
    // This process's spans (the province subgraphs) go to the same receiver.
    provinces = withEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '50', OTEL_SERVICE_NAME: 'test-provinces' }, () =>
      startTracing({ serviceName: 'chuanyu-subgraph' }),
    );
    assert.ok(provinces.on);
    stack = await startStack();
    child = fork(
      path.join(ROOT_DIR, 'gateway', 'main.ts'),
      ['--port', '0', '--config-dir', stack.cfg.configDir, '--certs-dir', stack.cfg.certsDir, '--data-dir', dataDir],
      {
        execArgv: ['--import', 'tsx'],
        env: {
          ...process.env,
          LOG_LEVEL: 'info',
          GATEWAY_INSTANCE_ID: 'gw-traced',
          // The standard variables, and nothing else, turn tracing on.
          OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.url}/v1/traces`,
          OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
          OTEL_SERVICE_NAME: 'chuanyu-gateway-under-test',
          OTEL_TRACES_SAMPLER: 'parentbased_always_on',
          OTEL_BSP_SCHEDULE_DELAY: '50',
        },
        stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
      },
    );
    let buffered = '';
    child.stdout!.on('data', (c: Buffer) => {
      buffered += c.toString('utf8');
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const l of lines) if (l.startsWith('{')) logLines.push(JSON.parse(l) as Record<string, unknown>);
    });
    port = await new Promise<number>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`gateway exited (${code})`)));
      child.on('message', (m: { ready?: boolean; url?: string }) => {
        if (m.ready && m.url) resolve(Number(new URL(m.url).port));
      });
    });
  });

  after(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    await stack?.close();
    await provinces?.shutdown();
    await receiver?.close();
  });

  const spansOf = (traceId: string) => receiver.spans.filter((s) => s.traceId === traceId);

  it("continues the caller's traceparent across the gateway and into both provinces, with the trace id in the audit record and the log line", async () => {
    const traceId = randomBytes(16).toString('hex');
    const callerSpan = randomBytes(8).toString('hex');
    // W3C Trace Context §3.2: version 00, trace id, parent id, flags (01: sampled).
    const res = await gql(
      stack,
      { province: 'chongqing', port, headers: { traceparent: `00-${traceId}-${callerSpan}-01`, baggage: 'secret=not-propagated' } },
      // abstract is beyond the listing fields, so each province is also asked for it with _entities.
      `{ cq: directory(first: 3, filter: { provinces: [CHONGQING] }) { nodes { id name abstract region { name } } }
         sc: directory(first: 3, filter: { provinces: [SICHUAN] }) { nodes { id name abstract region { name } } } }`,
    );
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.errors, undefined, res.text);
    const requestId = String(res.headers['x-request-id']);
    const regions = new Set([...res.body.data.cq.nodes, ...res.body.data.sc.nodes].map((n: { region: { name: string } }) => n.region.name));
    assert.equal(regions.size, 2, 'entries of both provinces, so both are fetched');

    // Every span of the request has arrived once the provinces' server spans and the audit commit have.
    const spans = await until('the spans of the request', async () => {
      const s = spansOf(traceId);
      const provincesServed = s.filter((x) => x.kind === SERVER && x.service === 'test-provinces' && x.name === 'POST /graphql').length;
      return provincesServed >= 2 &&
        s.some((x) => x.name === 'audit.commit') &&
        s.some((x) => x.name === 'POST /graphql' && x.kind === SERVER && x.service !== 'test-provinces')
        ? s
        : undefined;
    });
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    const parentOf = (s: OtlpSpan) => (s.parentSpanId ? byId.get(s.parentSpanId) : undefined);
    const only = (pred: (s: OtlpSpan) => boolean, what: string) => {
      const found = spans.filter(pred);
      assert.equal(found.length, 1, `${what}: ${found.length} (${spans.map((s) => s.name).join(', ')})`);
      return found[0]!;
    };

    // Ingress: the gateway's server span, child of the caller's span, named by OTEL_SERVICE_NAME.
    const root = only((s) => s.name === 'POST /graphql' && s.kind === SERVER && s.service !== 'test-provinces', 'gateway server span');
    assert.equal(root.parentSpanId, callerSpan);
    assert.equal(root.service, 'chuanyu-gateway-under-test');
    assert.equal(root.attributes['http.response.status_code'], 200);
    assert.equal(root.attributes['chuanyu.request_id'], requestId);
    assert.equal(root.attributes['chuanyu.province'], 'chongqing');
    for (const name of ['identity.certificate', 'identity.token', 'audit.commit']) assert.equal(parentOf(only((s) => s.name === name, name)), root, name);
    assert.equal(only((s) => s.name === 'identity.certificate', 'cert').attributes['chuanyu.province'], 'chongqing');

    // Planning and execution (@apollo/gateway's own spans) under the request.
    const request = only((s) => s.name === 'gateway.request', 'gateway.request');
    assert.equal(parentOf(request), root);
    assert.equal(parentOf(only((s) => s.name === 'gateway.plan', 'gateway.plan')), request);
    const execute = only((s) => s.name === 'gateway.execute', 'gateway.execute');
    assert.equal(parentOf(execute), request);

    // Each subgraph fetch: a client span naming its province, under the planner's fetch node, and the
    // province's own server span under it (so the call carried the traceparent).
    const fetches = spans.filter((s) => s.name === 'gateway.fetch');
    for (const f of fetches) assert.equal(parentOf(f), execute);
    for (const province of ['chongqing', 'sichuan']) {
      const calls = spans.filter((s) => s.kind === CLIENT && s.name === 'POST /graphql' && s.attributes['chuanyu.province'] === province);
      assert.ok(calls.length >= 1, `graphql calls to ${province}`);
      for (const call of calls) {
        const fetch = parentOf(call);
        assert.equal(fetch?.name, 'gateway.fetch');
        assert.equal(fetch?.attributes.service, province);
        assert.equal(call.attributes['chuanyu.subgraph.kind'], 'graphql');
        assert.equal(call.attributes['http.response.status_code'], 200);
        const served = spans.filter((s) => s.kind === SERVER && s.service === 'test-provinces' && s.parentSpanId === call.spanId);
        assert.equal(served.length, 1, `${province} continued the trace`);
      }
      // The directory's index call to the province, under the directory's fetch.
      const slice = only(
        (s) => s.kind === CLIENT && s.name === 'POST /internal/v1/slice' && s.attributes['chuanyu.province'] === province,
        `slice ${province}`,
      );
      assert.equal(parentOf(slice)?.attributes.service, 'directory');
      assert.equal(slice.attributes['chuanyu.subgraph.kind'], 'index');
    }
    // Baggage from the caller is not passed on (only trace context is propagated).
    assert.ok(spans.every((s) => !JSON.stringify(s.attributes).includes('not-propagated')));

    // The trace id in the request's audit record and in its JSON log line.
    assert.equal(auditRecordFor(auditFile, requestId)?.traceId, traceId);
    const line = await until('the log line', async () => logLines.find((l) => l.msg === 'request' && l.requestId === requestId));
    assert.equal(line.traceId, traceId);
    assert.equal(line.status, 200);
    assert.ok(
      [...receiver.contentTypes].every((t) => t.startsWith('application/json')),
      [...receiver.contentTypes].join(),
    );
  });

  it('starts a new trace without a traceparent, or with an invalid one, and traces refusals too', async () => {
    const valid = `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`;
    const variants = [
      {},
      { traceparent: '00-00000000000000000000000000000000-0000000000000000-01' },
      { traceparent: 'garbage' },
      // Two traceparent headers: which one would be meant is not ours to guess.
      { traceparent: [valid, valid] },
    ] as unknown as Record<string, string>[];
    for (const headers of variants) {
      const res = await gql(stack, { province: 'sichuan', port, headers }, '{ directory(first: 1) { totalCount } }');
      assert.equal(res.status, 200, res.text);
      const requestId = String(res.headers['x-request-id']);
      const root = await until('the server span', async () =>
        receiver.spans.find((s) => s.name === 'POST /graphql' && s.kind === SERVER && s.attributes['chuanyu.request_id'] === requestId),
      );
      assert.equal(root.parentSpanId || undefined, undefined, 'a root span');
      assert.match(root.traceId, /^[0-9a-f]{32}$/);
      assert.notEqual(root.traceId, '0'.repeat(32));
      assert.ok(!valid.includes(root.traceId));
      assert.equal(auditRecordFor(auditFile, requestId)?.traceId, root.traceId);
    }
    // A refusal (no token) is traced and its audit record names the trace.
    const traceId = randomBytes(16).toString('hex');
    const refused = await gql(
      stack,
      { province: 'sichuan', port, token: 'not-a-jwt', headers: { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` } },
      '{ __typename }',
    );
    assert.equal(refused.status, 401);
    const record = auditRecordFor(auditFile, String(refused.headers['x-request-id']));
    assert.equal(record?.reason, 'token_malformed');
    assert.equal(record?.traceId, traceId);
    await until('the refusal spans', async () => (spansOf(traceId).some((s) => s.name === 'audit.commit') ? true : undefined));
    const token = spansOf(traceId).find((s) => s.name === 'identity.token');
    assert.equal(token?.attributes['chuanyu.refusal.reason'], 'token_malformed');
  });
});
