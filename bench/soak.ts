// `npm run soak [-- --minutes 3 --connections 8]`: a bounded mixed-load run through the full
// gateway (directory search, entry lookup, mirror read, certificate verification, an
// idempotent admin write), sampling the RSS of the gateway and both subgraphs over time, then
// reporting growth after warm-up. Localhost only; stops by itself.
import autocannon, { type Options as AutocannonOptions } from 'autocannon';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT_DIR, loadStackConfig } from '../common/config.js';
import { mintDevToken } from '../common/dev-token.js';
import { ensureDevPki } from '../common/pki/dev-pki.js';
import { gatewayPaths, provincePaths } from '../common/pki/paths.js';
import { demoCertificatesOf } from '../subgraphs/catalogue/seed.js';
import { loadSealKeys } from '../subgraphs/catalogue/certificates/seal-keys.js';
import { rssKb } from './procfs.js';
import { buildForBenchmark, configDirWithPorts, freePort, launch, stackPorts, startIdps, useSourceRuntime, type Server } from './servers.js';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '3' },
    connections: { type: 'string', default: '8' },
    'sample-seconds': { type: 'string', default: '5' },
    write: { type: 'boolean', default: true },
    // dist (default): the servers run the compiled build, as in production; tsx: the sources.
    runtime: { type: 'string', default: 'dist' },
  },
});
const minutes = Number(values.minutes);
if (!(minutes > 0 && minutes <= 50)) throw new Error('--minutes must be in (0, 50]');
const seconds = Math.round(minutes * 60);
const sampleMs = Number(values['sample-seconds']) * 1000;

const tmp = mkdtempSync(path.join(os.tmpdir(), 'chuanyu-soak-'));
const servers: Server[] = [];
const stopAll = async () => {
  for (const s of servers.reverse()) await s.stop().catch(() => {});
};

async function main() {
  if (values.runtime === 'tsx') useSourceRuntime();
  else buildForBenchmark();
  const certsDir = path.join(tmp, 'certs');
  const dataDir = path.join(tmp, 'data');
  const base = loadStackConfig({ certsDir, dataDir });
  await ensureDevPki({ certsDir, provinces: base.provinces });
  const configDir = configDirWithPorts(path.join(tmp, 'config'), await stackPorts(base.provinces));
  const cfg = loadStackConfig({ configDir, certsDir, dataDir });
  servers.push(...(await startIdps(cfg)));
  const common = ['--config-dir', configDir, '--certs-dir', certsDir, '--data-dir', dataDir];
  for (const p of cfg.provinces) servers.push(await launch(p.id, 'subgraphs/catalogue/main.ts', ['--province', p.id, ...common]));
  const gatewayPort = await freePort();
  const gateway = await launch('gateway', 'gateway/main.ts', ['--port', String(gatewayPort), ...common]);
  servers.push(gateway);

  const [cq, sc] = [cfg.provinces[0]!, cfg.provinces[1]!];
  const client = provincePaths(certsDir, cq.id).client('admin');
  const tls = { ca: readFileSync(gatewayPaths(certsDir).ca), cert: readFileSync(client.cert), key: readFileSync(client.key) };
  const token = await mintDevToken({
    certsDir,
    province: cq,
    audience: cfg.gateway.audience,
    client: 'admin',
    scope: 'catalogue:read catalogue:admin certificate:verify',
    lifetimeSeconds: Math.min(3600, seconds + 120),
  });
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
  const gql = async (query: string, variables: Record<string, unknown> = {}) => {
    const { request } = await import('undici');
    const { Agent } = await import('undici');
    const res = await request(gateway.url, { method: 'POST', headers, body: JSON.stringify({ query, variables }), dispatcher: new Agent({ connect: tls }) });
    return (await res.body.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
  };

  // Fixtures: one Sichuan entry to mount, one valid Sichuan certificate with its holder.
  const dir = (await gql('{ directory(first: 1, filter: { provinces: [SICHUAN], sharingTypes: [UNCONDITIONAL] }) { nodes { id } } }')) as {
    data: { directory: { nodes: { id: string }[] } };
  };
  const sourceId = dir.data.directory.nodes[0]!.id;
  const reg = (await gql('mutation($s: ID!) { registerMirror(sourceId: $s) { entry { id } } }', { s: sourceId })) as {
    data: { registerMirror: { entry: { id: string } } };
  };
  const mirrorId = reg.data.registerMirror.entry.id;
  const today = new Date().toISOString().slice(0, 10);
  const cert = demoCertificatesOf(sc, loadSealKeys(cfg, sc).holderSalt).find(
    (c) => c.record.status === 'VALID' && (c.record.validTo === null || c.record.validTo > today),
  )!;

  const body = (query: string, variables: Record<string, unknown> = {}) => JSON.stringify({ query, variables });
  const requests = [
    { method: 'POST', body: body('{ directory(search: "营业执照", first: 20) { totalCount nodes { id name provider { name } } } }') },
    { method: 'POST', body: body('query($id: ID!) { entry(id: $id) { id name abstract sharingType dataItems { name } } }', { id: sourceId }) },
    { method: 'POST', body: body('query($id: ID!) { entry(id: $id) { name mirrorSourceState mirrorSource { name version } } }', { id: mirrorId }) },
    {
      method: 'POST',
      body: body('mutation($i: VerifyCertificateInput!) { verifyCertificate(input: $i) { result } }', {
        i: { identifier: cert.record.id, purpose: '压力测试', holderIdType: cert.record.holder.idType, holderId: cert.holderId },
      }),
    },
    { method: 'POST', body: body('mutation($s: ID!) { registerMirror(sourceId: $s) { created } }', { s: sourceId }) },
  ];

  const pids = { gateway: gateway.pid, [cq.id]: servers[0]!.pid, [sc.id]: servers[1]!.pid };
  const samples: { t: number; rss: Record<string, number> }[] = [];
  const t0 = Date.now();
  const sample = () =>
    samples.push({ t: (Date.now() - t0) / 1000, rss: Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, (rssKb(pid) ?? 0) / 1024])) });
  sample();
  const timer = setInterval(sample, sampleMs);
  const result = await autocannon({
    url: gateway.url,
    connections: Number(values.connections),
    duration: seconds,
    headers,
    tlsOptions: tls,
    requests,
  } as unknown as AutocannonOptions);
  clearInterval(timer);
  sample();

  // Growth after warm-up: compare the mean of the samples in the second quarter with the last quarter.
  const q = (from: number, to: number) => samples.filter((s) => s.t >= seconds * from && s.t <= seconds * to + 1);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const growth = Object.keys(pids).map((k) => {
    const early = mean(q(0.25, 0.5).map((s) => s.rss[k]!));
    const late = mean(q(0.75, 1).map((s) => s.rss[k]!));
    const peak = Math.max(...samples.map((s) => s.rss[k]!));
    return { process: k, early, late, peak, perMin: (late - early) / (seconds / 60 / 2) };
  });
  // Issue 16's bar: the gateway's mean RSS in the last minute within 10 % of its mean in the second minute.
  const inWindow = (from: number, to: number) => mean(samples.filter((s) => s.t >= from && s.t <= to).map((s) => s.rss.gateway!));
  const flat =
    seconds >= 180
      ? (() => {
          const second = inWindow(60, 120);
          const last = inWindow(seconds - 60, seconds + 1);
          const change = (last - second) / second;
          return `Gateway RSS, mean of the last minute against the second: ${last.toFixed(1)} vs ${second.toFixed(1)} MiB = ${change >= 0 ? '+' : ''}${(change * 100).toFixed(1)} % (bar: within 10 %): ${Math.abs(change) <= 0.1 ? 'holds' : '**does not hold**'}.`;
        })()
      : `Gateway RSS, last minute against the second: not measured (a run of at least 3 minutes is needed).`;
  const non2xx = (result as unknown as { non2xx: number }).non2xx;
  const lines = [
    `Soak: ${minutes} min, ${values.connections} connections, mixed (directory search, entry, mirror read, certificate verification, idempotent admin write).`,
    `Requests: ${result.requests.total} (${Math.round(result.requests.average)}/s), non-2xx ${non2xx}, errors ${result.errors}, timeouts ${result.timeouts}; latency p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms.`,
    '',
    '| process | RSS 2nd quarter (MiB) | RSS last quarter (MiB) | peak (MiB) | growth (MiB/min) |',
    '|---|---|---|---|---|',
    ...growth.map(
      (g) => `| ${g.process} | ${g.early.toFixed(1)} | ${g.late.toFixed(1)} | ${g.peak.toFixed(1)} | ${g.perMin >= 0 ? '+' : ''}${g.perMin.toFixed(2)} |`,
    ),
    '',
    flat,
    '',
    `RSS over time (MiB): ${samples
      .filter((_, i) => i % Math.max(1, Math.floor(samples.length / 12)) === 0)
      .map((s) => `t=${Math.round(s.t)}s gw ${s.rss.gateway!.toFixed(0)}`)
      .join(', ')}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  if (values.write) {
    const file = path.join(ROOT_DIR, 'docs', 'BENCHMARKS.md');
    const BEGIN = '<!-- soak:begin (generated by `npm run soak`) -->';
    const END = '<!-- soak:end -->';
    const doc = readFileSync(file, 'utf8');
    const block = `${BEGIN}\n${lines.join('\n')}\n${END}`;
    const next = doc.includes(BEGIN)
      ? doc.replace(new RegExp(`${BEGIN.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[\\s\\S]*?${END}`), block)
      : `${doc.trimEnd()}\n\n## Soak\n\n${block}\n`;
    writeFileSync(file, next);
  }
}

async function run(): Promise<void> {
  try {
    await main();
  } catch (err) {
    process.stderr.write(`soak: ${(err as Error).stack ?? err}\n`);
    process.exitCode = 1;
  } finally {
    await stopAll();
    rmSync(tmp, { recursive: true, force: true });
  }
}

void run();
