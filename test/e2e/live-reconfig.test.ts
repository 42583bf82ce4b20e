// Live reconfiguration (issue 14, item 5): on a running gateway, Guizhou joins (its province file and
// certificates, its subgraph started) and leaves again, without a restart; a request in flight while
// the configuration changes finishes on the configuration it started on; a broken configuration
// (invalid JSON, a province whose certificates are missing) is refused, logged and counted, and the
// old one keeps serving. The reloads are RunningGateway.reload() here, and SIGHUP to a gateway of its
// own process in the last test.
import { strict as assert } from 'node:assert';
import { fork, type ChildProcess } from 'node:child_process';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import request from 'supertest';
import { loadStackConfig, ROOT_DIR, type ProvinceConfig, type StackConfig } from '../../common/config.js';
import { ensureDevPki } from '../../common/pki/dev-pki.js';
import { gatewayPaths } from '../../common/pki/paths.js';
import { startGateway } from '../../gateway/server.js';
import { loadSealKeys } from '../../subgraphs/catalogue/certificates/seal-keys.js';
import { ensureDemoCertificates, ensureDemoData } from '../../subgraphs/catalogue/seed.js';
import { startProvinceSubgraph, type RunningSubgraph } from '../../subgraphs/catalogue/server.js';
import { openCertificateStore, openStore } from '../../subgraphs/catalogue/store/open-store.js';
import type { CatalogueStore } from '../../subgraphs/catalogue/store/store.js';
import type { CertificateStore } from '../../subgraphs/catalogue/certificates/certificate-store.js';
import { configDirWith, gql, sharedCertsDir, startStack, tmpDir, until, type TestStack } from '../support/stack.js';

const GUIZHOU = {
  id: 'guizhou',
  divisionCode: '520000',
  name: '贵州省',
  shortName: '黔',
  platform: { name: '贵人服务', romanized: 'Guiren Fuwu' },
  typePrefix: 'Guizhou',
  enumValue: 'GUIZHOU',
  subgraph: { host: 'localhost', port: 4103 },
  idp: { issuer: 'https://idp.gzzw.gz.gov.cn.dev' },
  demo: { entries: 120, seed: 520000 },
};
// A province whose certificates were never made.
const YUNNAN = { ...GUIZHOU, id: 'yunnan', divisionCode: '530000', name: '云南省', shortName: '滇', typePrefix: 'Yunnan', enumValue: 'YUNNAN' };

/** A TCP relay in front of a subgraph that can hold each chunk back (a slow province). */
async function delayingRelay() {
  const state = { target: 0, delayMs: 0 };
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(state.target, 'localhost');
    sockets.add(client).add(upstream);
    client.on('data', (chunk) => {
      if (state.delayMs > 0) setTimeout(() => upstream.write(chunk), state.delayMs);
      else upstream.write(chunk);
    });
    upstream.pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((r) => server.listen(0, 'localhost', () => r()));
  return {
    state,
    port: (server.address() as net.AddressInfo).port,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

async function metricsText(port: number, ca: Buffer): Promise<string> {
  const res = await request(`https://localhost:${port}`).get('/metrics').ca(ca);
  assert.equal(res.status, 200);
  return res.text;
}

const sample = (text: string, series: string) => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

const provincesQuery = '{ provinces { province } }';

describe('live reconfiguration: provinces join and leave a running gateway', function () {
  this.timeout(120_000);
  let stack: TestStack;
  let certsDir: string;
  let relay: Awaited<ReturnType<typeof delayingRelay>>;
  let guizhouCfg: StackConfig;
  let gz: ProvinceConfig;
  let gzSubgraph: RunningSubgraph | undefined;
  let gzStore: CatalogueStore | undefined;
  let gzCertificates: CertificateStore | undefined;
  const provinceFile = (id: string) => path.join(stack.cfg.configDir, 'provinces', `${id}.json`);

  before(async () => {
    certsDir = tmpDir('certs-reload');
    cpSync(await sharedCertsDir(), certsDir, { recursive: true });
    stack = await startStack({ certsDir });
    relay = await delayingRelay();
    // Guizhou's certificates and subgraph exist before the gateway hears of it; it is reached through the relay.
    guizhouCfg = loadStackConfig({
      configDir: configDirWith([{ ...GUIZHOU, subgraph: { host: 'localhost', port: relay.port } }]),
      certsDir,
      dataDir: stack.cfg.dataDir,
    });
    await ensureDevPki({ certsDir, provinces: guizhouCfg.provinces });
    gz = guizhouCfg.provinces.find((p) => p.id === 'guizhou')!;
    gzStore = await openStore(guizhouCfg, gz);
    await ensureDemoData(gzStore, gz, gz.demo.entries);
    gzCertificates = await openCertificateStore(guizhouCfg, gz);
    await ensureDemoCertificates(gzCertificates, gz, loadSealKeys(guizhouCfg, gz));
    gzSubgraph = await startProvinceSubgraph({ cfg: guizhouCfg, province: gz, store: gzStore, certificates: gzCertificates, port: 0, host: 'localhost' });
    relay.state.target = gzSubgraph.port;
  });
  after(async () => {
    await stack?.close();
    await gzSubgraph?.close();
    await gzStore?.close();
    await gzCertificates?.close();
    await relay?.close();
  });

  it('refuses a Guizhou caller before Guizhou is configured', async () => {
    // The test's own copy of the config, so that its helpers can mint Guizhou's tokens.
    stack.cfg.provinces.push(gz);
    const res = await gql(stack, { province: 'guizhou' }, provincesQuery);
    assert.equal(res.status, 401, res.text);
  });

  it('adds Guizhou: its callers are served, `provinces` and the directory include it', async () => {
    const before = await metricsText(stack.gateway.port, readCa(stack));
    assert.equal(sample(before, 'chuanyu_config_generation'), 1);
    assert.equal(sample(before, 'chuanyu_config_provinces{province="guizhou"}'), undefined);
    writeFileSync(provinceFile('guizhou'), JSON.stringify({ ...GUIZHOU, subgraph: { host: 'localhost', port: relay.port } }, null, 2));
    const result = await stack.gateway.reload();
    assert.deepEqual(result, { ok: true, generation: 2, provinces: ['chongqing', 'guizhou', 'sichuan'], draining: 0 });

    const res = await gql(
      stack,
      { province: 'guizhou' },
      `{ provinces { province } directory(first: 3, filter: { provinces: [GUIZHOU] }) { totalCount nodes { id region { platform } } } }`,
    );
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.errors, undefined, res.text);
    assert.deepEqual(
      res.body.data.provinces.map((p: { province: string }) => p.province),
      ['CHONGQING', 'GUIZHOU', 'SICHUAN'],
    );
    assert.ok(res.body.data.directory.totalCount > 100);
    for (const n of res.body.data.directory.nodes) {
      assert.ok(n.id.startsWith('520000:'));
      assert.equal(n.region.platform, '贵人服务');
    }
    // The provinces already there are unaffected.
    const cq = await gql(stack, { province: 'chongqing' }, `{ directory(first: 1) { facets { provinces { province count } } } }`);
    assert.equal(cq.status, 200, cq.text);
    assert.deepEqual(
      cq.body.data.directory.facets.provinces.map((f: { province: string }) => f.province),
      ['CHONGQING', 'GUIZHOU', 'SICHUAN'],
    );
    const after = await metricsText(stack.gateway.port, readCa(stack));
    assert.equal(sample(after, 'chuanyu_config_generation'), 2);
    assert.equal(sample(after, 'chuanyu_config_provinces{province="guizhou"}'), 1);
    assert.equal(sample(after, 'chuanyu_config_reloads_total{outcome="ok"}'), 1);
  });

  it('removes Guizhou while a request to it is in flight: that request finishes, then Guizhou is gone', async () => {
    relay.state.delayMs = 1500;
    const started = Date.now();
    let answeredAt = 0;
    const inFlight = gql(stack, { province: 'chongqing' }, `{ directory(first: 2, filter: { provinces: [GUIZHOU] }) { totalCount nodes { id } } }`).then(
      (r) => {
        answeredAt = Date.now();
        return r;
      },
    );
    await new Promise((r) => setTimeout(r, 400));
    rmSync(provinceFile('guizhou'));
    const result = await stack.gateway.reload();
    const reloadedAt = Date.now();
    assert.deepEqual(result, { ok: true, generation: 3, provinces: ['chongqing', 'sichuan'], draining: 1 });
    assert.equal(answeredAt, 0, 'the reload did not wait for the request');

    const res = await inFlight;
    relay.state.delayMs = 0;
    assert.ok(answeredAt >= reloadedAt && answeredAt - started >= 1500, `answered ${answeredAt - started} ms after it started`);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.errors, undefined, res.text);
    assert.ok(res.body.data.directory.totalCount > 100);
    assert.ok(res.body.data.directory.nodes.every((n: { id: string }) => n.id.startsWith('520000:')));

    // Its CA is no longer trusted; its enum value is no longer in the schema.
    const gzCaller = await gql(stack, { province: 'guizhou' }, provincesQuery);
    assert.equal(gzCaller.status, 401, gzCaller.text);
    assert.equal(gzCaller.body.errors[0].extensions.reason, 'client_certificate_untrusted', gzCaller.text);
    const cq = await gql(stack, { province: 'chongqing' }, provincesQuery);
    assert.equal(cq.status, 200, cq.text);
    assert.deepEqual(
      cq.body.data.provinces.map((p: { province: string }) => p.province),
      ['CHONGQING', 'SICHUAN'],
    );
    const gone = await gql(stack, { province: 'chongqing' }, `{ directory(first: 1, filter: { provinces: [GUIZHOU] }) { totalCount } }`);
    assert.equal(gone.body.errors?.[0]?.extensions?.code, 'GRAPHQL_VALIDATION_FAILED', gone.text);
    const m = await metricsText(stack.gateway.port, readCa(stack));
    assert.equal(sample(m, 'chuanyu_config_generation'), 3);
    assert.equal(sample(m, 'chuanyu_config_provinces{province="guizhou"}'), undefined);
    assert.equal(sample(m, 'chuanyu_circuit_breaker_state{province="guizhou"}'), undefined);
  });

  it('refuses a broken configuration (invalid JSON, missing certificates) and keeps serving the previous one', async () => {
    writeFileSync(provinceFile('guizhou'), '{ "id": "guizhou", ');
    const badJson = await stack.gateway.reload();
    assert.equal(badJson.ok, false);
    assert.match(badJson.ok ? '' : badJson.error, /guizhou\.json/);
    rmSync(provinceFile('guizhou'));

    writeFileSync(provinceFile('yunnan'), JSON.stringify(YUNNAN, null, 2));
    const noCerts = await stack.gateway.reload();
    rmSync(provinceFile('yunnan'));
    assert.equal(noCerts.ok, false);
    assert.match(noCerts.ok ? '' : noCerts.error, /yunnan.*cannot read/s);

    // Refused later, once the new generation had started its identity (CRLs, key sets): a manifest that is not there.
    const gatewayFile = path.join(stack.cfg.configDir, 'gateway.json');
    const gatewayJson = readFileSync(gatewayFile, 'utf8');
    writeFileSync(gatewayFile, JSON.stringify({ ...JSON.parse(gatewayJson), trustedDocuments: { mode: 'enforce', manifests: ['documents/none.json'] } }));
    const noManifest = await stack.gateway.reload();
    writeFileSync(gatewayFile, gatewayJson);
    assert.equal(noManifest.ok, false);
    assert.match(noManifest.ok ? '' : noManifest.error, /none\.json/);

    const cq = await gql(stack, { province: 'chongqing' }, provincesQuery);
    assert.equal(cq.status, 200, cq.text);
    assert.deepEqual(
      cq.body.data.provinces.map((p: { province: string }) => p.province),
      ['CHONGQING', 'SICHUAN'],
    );
    assert.equal(stack.gateway.config().provinces.length, 2);
    const m = await metricsText(stack.gateway.port, readCa(stack));
    assert.equal(sample(m, 'chuanyu_config_reloads_total{outcome="failed"}'), 3);
    // The per-province series are the serving configuration's.
    assert.equal(sample(m, 'chuanyu_crl_revoked_certificates{province="chongqing"}'), 0);
    assert.equal(sample(m, 'chuanyu_circuit_breaker_state{province="sichuan"}'), 0);
    assert.equal(sample(m, 'chuanyu_config_generation'), 3);
  });

  it('with watchConfig, takes a province file added to the config directory by itself, and its removal', async () => {
    const watching = await startGateway({
      cfg: stack.gateway.config(),
      port: 0,
      host: 'localhost',
      instanceId: 'watching',
      watchConfig: true,
      subgraphUrls: Object.fromEntries([...stack.subgraphs].map(([id, s]) => [id, s.url])),
    });
    try {
      const provincesOf = async () => {
        const res = await gql(stack, { province: 'chongqing', port: watching.port }, provincesQuery);
        assert.equal(res.status, 200, res.text);
        return res.body.data.provinces.map((p: { province: string }) => p.province).join(',');
      };
      assert.equal(await provincesOf(), 'CHONGQING,SICHUAN');
      writeFileSync(provinceFile('guizhou'), JSON.stringify({ ...GUIZHOU, subgraph: { host: 'localhost', port: relay.port } }, null, 2));
      await until('Guizhou in the watching gateway', async () => ((await provincesOf()) === 'CHONGQING,GUIZHOU,SICHUAN' ? true : undefined));
      const gzCaller = await gql(stack, { province: 'guizhou', port: watching.port }, provincesQuery);
      assert.equal(gzCaller.status, 200, gzCaller.text);
      rmSync(provinceFile('guizhou'));
      await until('Guizhou gone from the watching gateway', async () => ((await provincesOf()) === 'CHONGQING,SICHUAN' ? true : undefined));
      assert.equal(watching.config().provinces.length, 2);
    } finally {
      await watching.close();
    }
  });

  describe('SIGHUP to a gateway of its own process', () => {
    let child: ChildProcess | undefined;
    let port = 0;
    const lines: string[] = [];
    after(async () => {
      if (child && child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child!.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
    });

    it('logs and refuses a broken config, then takes Guizhou on the next SIGHUP', async () => {
      child = fork(
        path.join(ROOT_DIR, 'gateway/main.ts'),
        ['--port', '0', '--config-dir', stack.cfg.configDir, '--certs-dir', certsDir, '--data-dir', tmpDir('reload-child')],
        {
          execArgv: ['--import', 'tsx'],
          env: { ...process.env, LOG_LEVEL: 'info', APOLLO_TELEMETRY_DISABLED: '1' },
          stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
        },
      );
      let buffered = '';
      child.stdout!.on('data', (d: Buffer) => {
        buffered += d.toString('utf8');
        const parts = buffered.split('\n');
        buffered = parts.pop()!;
        lines.push(...parts);
      });
      port = await new Promise<number>((resolve, reject) => {
        child!.once('exit', (code) => reject(new Error(`gateway exited (${code})`)));
        child!.on('message', (m: { ready?: boolean; url?: string }) => {
          if (m.ready && m.url) resolve(Number(new URL(m.url).port));
        });
      });
      const logged = (msg: string) =>
        until(msg, async () => lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === msg) ?? undefined);

      writeFileSync(provinceFile('guizhou'), '{ not json');
      child.kill('SIGHUP');
      const refused = await logged('configuration reload refused; the previous configuration keeps serving');
      assert.match(String(refused.err), /guizhou\.json/);
      assert.equal(refused.level, 50);
      const still = await gql(stack, { province: 'chongqing', port }, provincesQuery);
      assert.equal(still.status, 200, still.text);
      assert.equal(sample(await metricsText(port, readCa(stack)), 'chuanyu_config_reloads_total{outcome="failed"}'), 1);

      writeFileSync(provinceFile('guizhou'), JSON.stringify({ ...GUIZHOU, subgraph: { host: 'localhost', port: relay.port } }, null, 2));
      child.kill('SIGHUP');
      const reloaded = await logged('configuration reloaded');
      assert.deepEqual(reloaded.added, ['guizhou']);
      const res = await gql(stack, { province: 'guizhou', port }, provincesQuery);
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(
        res.body.data.provinces.map((p: { province: string }) => p.province),
        ['CHONGQING', 'GUIZHOU', 'SICHUAN'],
      );
      rmSync(provinceFile('guizhou'));
    });
  });
});

function readCa(stack: TestStack): Buffer {
  return readFileSync(gatewayPaths(stack.cfg.certsDir).ca);
}
