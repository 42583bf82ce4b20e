// One province down or slow: the directory still answers with the other province's results
// plus an error naming the unavailable one, within a bounded time; the breaker opens after
// repeated failures, shows in /readyz and /metrics, and closes again once the province is back.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { provincePaths } from '../../common/pki/paths.js';
import request from 'supertest';
import { clientIdentity, configDirWith, gql, startStack, type TestStack } from '../support/stack.js';

const DIRECTORY = `{ directory(search: "营业执照", first: 10) {
  totalCount facets { provinces { province count available } } nodes { id name region { name } } } }`;

describe('resilience: a province down or slow', function () {
  let stack: TestStack;
  const app = { province: 'chongqing' };
  const ops = async (path: string) => {
    const id = clientIdentity(stack, 'chongqing', 'app');
    return request(`https://localhost:${stack.gateway.port}`).get(path).ca(id.ca);
  };

  before(async () => {
    stack = await startStack({
      configDir: configDirWith([], { subgraphTimeoutMs: 800, breaker: { failureThreshold: 2, openMs: 1500 } }),
    });
  });
  after(async () => stack?.close());

  it('answers with Chongqing only, plus PROVINCE_UNAVAILABLE naming Sichuan, when Sichuan is stopped', async () => {
    const healthy = await gql(stack, app, DIRECTORY);
    const cqCount = healthy.body.data.directory.facets.provinces.find((f: { province: string }) => f.province === 'CHONGQING').count;
    await stack.stopSubgraph('sichuan');
    const t0 = Date.now();
    const res = await gql(stack, app, DIRECTORY);
    const took = Date.now() - t0;
    assert.equal(res.status, 200);
    assert.ok(took < 3000, `bounded time (${took} ms)`);
    const d = res.body.data.directory;
    assert.equal(d.totalCount, cqCount);
    assert.ok(d.nodes.length > 0);
    for (const n of d.nodes) assert.equal(n.region.name, '重庆市');
    assert.deepEqual(
      d.facets.provinces.find((f: { province: string }) => f.province === 'SICHUAN'),
      { province: 'SICHUAN', count: 0, available: false },
    );
    const err = res.body.errors.find((e: { extensions: { code: string } }) => e.extensions.code === 'PROVINCE_UNAVAILABLE');
    assert.ok(err, JSON.stringify(res.body.errors));
    assert.equal(err.extensions.province, 'SICHUAN');
    assert.match(err.message, /SICHUAN \(天府通办 Tianfu Tongban\) is unavailable/);
    assert.doesNotMatch(JSON.stringify(res.body), /localhost:\d+|ECONNREFUSED|\/work\//);
  });

  it('mountedIn with the other province stopped: what is known, plus PROVINCE_UNAVAILABLE naming the province it could not ask', async () => {
    const res = await gql(stack, app, `{ entry(id: "500000:203003/000001") { id mountedIn } }`);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.data.entry, { id: '500000:203003/000001', mountedIn: [] });
    const err = res.body.errors?.find((e: { extensions: { code: string } }) => e.extensions.code === 'PROVINCE_UNAVAILABLE');
    assert.ok(err, JSON.stringify(res.body));
    assert.equal(err.extensions.province, 'SICHUAN');
  });

  it('an entry of the stopped province is a clear PROVINCE_UNAVAILABLE, not an invalid answer', async () => {
    const res = await gql(stack, app, `{ entry(id: "510000:101001/000001") { id name } }`);
    assert.equal(res.body.data?.entry ?? null, null);
    assert.equal(res.body.errors[0].extensions.code, 'PROVINCE_UNAVAILABLE');
    assert.equal(res.body.errors[0].extensions.province, 'SICHUAN');
  });

  it('opens the breaker after repeated failures: fails fast, visible in /readyz and /metrics', async () => {
    await gql(stack, app, DIRECTORY);
    const ready = await ops('/readyz');
    assert.equal(ready.status, 200, 'still ready: Chongqing serves');
    assert.equal(ready.body.provinces.sichuan.reachable, false);
    assert.equal(ready.body.provinces.sichuan.breaker, 'open');
    const metrics = await ops('/metrics');
    assert.match(metrics.text, /chuanyu_circuit_breaker_state\{province="sichuan"\} 2/);
    assert.match(metrics.text, /chuanyu_subgraph_errors_total\{province="sichuan",kind="index"\} \d+/);
    const t0 = Date.now();
    const res = await gql(stack, app, DIRECTORY);
    assert.ok(Date.now() - t0 < 500, 'an open circuit answers without waiting for the province');
    assert.equal(res.body.errors[0].extensions.code, 'PROVINCE_UNAVAILABLE');
  });

  it('closes again after the province comes back (half-open trial succeeds)', async () => {
    await stack.restartSubgraph('sichuan');
    await new Promise((r) => setTimeout(r, 1600));
    const res = await gql(stack, app, DIRECTORY);
    assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
    const regions = new Set(
      res.body.data.directory.facets.provinces.filter((f: { available: boolean }) => f.available).map((f: { province: string }) => f.province),
    );
    assert.deepEqual([...regions].sort(), ['CHONGQING', 'SICHUAN']);
    const ready = await ops('/readyz');
    assert.equal(ready.body.provinces.sichuan.breaker, 'closed');
  });

  it('a province that accepts connections but never answers costs at most the timeout', async () => {
    const port = stack.subgraphs.get('sichuan')!.port;
    await stack.stopSubgraph('sichuan');
    const sockets: net.Socket[] = [];
    const blackhole = net.createServer((s) => sockets.push(s)); // accepts, never speaks TLS
    await new Promise<void>((r) => blackhole.listen(port, 'localhost', () => r()));
    try {
      const t0 = Date.now();
      const res = await gql(stack, app, DIRECTORY);
      const took = Date.now() - t0;
      assert.ok(took < 2500, `bounded by the 800 ms subgraph timeout (${took} ms)`);
      assert.equal(res.body.errors[0].extensions.code, 'PROVINCE_UNAVAILABLE');
      assert.ok(res.body.data.directory.nodes.length > 0);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => blackhole.close(() => r()));
      await stack.restartSubgraph('sichuan');
    }
  });

  it('a province that completes the TLS handshake, reads the request and never answers costs at most the timeout', async () => {
    const sichuan = stack.province('sichuan');
    const found = await gql(stack, app, '{ directory(filter: { provinces: [SICHUAN], sharingTypes: [UNCONDITIONAL] }, first: 1) { nodes { id } } }');
    const entry = found.body.data.directory.nodes[0] as { id: string };
    assert.ok(entry, JSON.stringify(found.body));
    const port = stack.subgraphs.get('sichuan')!.port;
    await stack.stopSubgraph('sichuan');
    const pp = provincePaths(stack.cfg.certsDir, sichuan.id);
    const sockets: tls.TLSSocket[] = [];
    let requestsSeen = 0;
    // The province's own server certificate, so the gateway's pinned TLS succeeds; then silence.
    const mute = tls.createServer({ key: readFileSync(pp.serverKey), cert: readFileSync(pp.serverCert), requestCert: true, rejectUnauthorized: false }, (s) => {
      sockets.push(s);
      s.on('data', () => requestsSeen++);
    });
    await new Promise<void>((r) => mute.listen(port, 'localhost', () => r()));
    try {
      for (const query of [DIRECTORY, `{ entry(id: ${JSON.stringify(entry.id)}) { name } }`]) {
        const t0 = Date.now();
        const res = await gql(stack, app, query);
        const took = Date.now() - t0;
        assert.ok(took < 2500, `bounded by the 800 ms subgraph timeout (${took} ms)`);
        assert.equal(res.body.errors[0].extensions.code, 'PROVINCE_UNAVAILABLE', JSON.stringify(res.body));
      }
      assert.ok(requestsSeen > 0, 'the gateway did send its request');
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => mute.close(() => r()));
      await stack.restartSubgraph('sichuan');
    }
  });
});
