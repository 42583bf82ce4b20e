// `npm start`: the whole stack on embedded defaults. Generates the dev PKI when missing,
// starts one dev IdP per province first (the gateway fetches their keys, the sync workers and
// `npm run token` their tokens), then one subgraph per configured province, the gateway and one
// sync worker per province, prints how to call it, and stops everything on Ctrl-C.
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { loadStackConfig, ROOT_DIR } from '../common/config.js';
import { ensureDevPki } from '../common/pki/dev-pki.js';
import { gatewayPaths, provincePaths } from '../common/pki/paths.js';
import { parseCommandLine } from '../common/cli.js';
import { ensureConsoleBuilt } from '../console/ensure-built.js';

const COMMAND = { name: 'start', usage: 'usage: npm start   (the whole dev stack; CHUANYU_CONFIG_DIR, CHUANYU_CERTS_DIR, CHUANYU_DATA_DIR, DATABASE_URL)' };
try {
  parseCommandLine(COMMAND, { options: {} });
} catch (err) {
  process.stderr.write(`start: ${(err as Error).message}\n${COMMAND.usage}\n`);
  process.exit(2);
}

process.env.APOLLO_TELEMETRY_DISABLED ??= '1';
const cfg = loadStackConfig();
const children: ChildProcess[] = [];
let stopping = false;

function launch(script: string, args: string[], label: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = fork(path.join(ROOT_DIR, script), args, {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' },
    });
    children.push(child);
    child.on('message', (m: { ready?: boolean; url?: string }) => {
      if (m.ready && m.url) resolve(m.url);
    });
    child.on('exit', (code) => {
      if (!stopping) {
        reject(new Error(`${label} exited (code ${code})`));
        void shutdown(1);
      }
    });
  });
}

const STOP_GRACE_MS = 15_000;

async function shutdown(code: number) {
  if (stopping) return;
  stopping = true;
  process.stderr.write('\nstopping…\n');
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null) return resolve();
          c.once('exit', () => resolve());
          c.kill('SIGTERM');
          // Past the gateway's own drain bound (10 s), so its audit chain is closed and its last
          // checkpoint signed before anything is killed.
          setTimeout(() => c.kill('SIGKILL'), STOP_GRACE_MS).unref();
        }),
    ),
  );
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

try {
  const pki = await ensureDevPki({ certsDir: cfg.certsDir, provinces: cfg.provinces });
  if (pki.created.length) process.stderr.write(`dev PKI: created ${pki.created.length} files in ${path.relative(ROOT_DIR, cfg.certsDir)}/\n`);
  // The IdPs first: the gateway would start without them (it keeps asking for their keys), but its
  // first calls would be refused until they answer.
  const idps = await Promise.all(
    cfg.provinces.filter((p) => p.idp.dev).map((p) => launch('idp/main.ts', ['--province', p.id], `idp ${p.id}`).then((url) => ({ p, url }))),
  );
  const subgraphs = await Promise.all(
    cfg.provinces.map((p) => launch('subgraphs/catalogue/main.ts', ['--province', p.id], `subgraph ${p.id}`).then((url) => ({ p, url }))),
  );
  // The people's console (/console/), built once on a fresh clone so `npm start` serves it.
  if (await ensureConsoleBuilt()) process.stderr.write('console: built console/dist/\n');
  const gatewayUrl = await launch('gateway/main.ts', [], 'gateway');
  // Each province keeps its mirrors in step through the gateway, as a client of the federation.
  await Promise.all(cfg.provinces.map((p) => launch('subgraphs/catalogue/sync/main.ts', ['--province', p.id], `sync worker ${p.id}`)));

  const rel = (f: string) => path.relative(process.cwd(), f);
  const first = cfg.provinces[0]!;
  const client = provincePaths(cfg.certsDir, first.id).client('app');
  const query = JSON.stringify({ query: '{ directory(search: "营业执照", first: 5) { totalCount nodes { id name region { name platform } } } }' });
  process.stdout.write(`
Chuan–Yu catalogue federation is up.

  gateway     ${gatewayUrl}   (mTLS + Bearer JWT)
  console     ${new URL('/console/', gatewayUrl).href}   (in a browser with a dev client certificate imported: certs/dev/<province>/clients/*.crt)
${idps.map(({ p, url }) => `  idp         ${url}   (${p.id} dev IdP, OAuth 2.0 metadata: ${url}/.well-known/oauth-authorization-server)`).join('\n')}
${subgraphs.map(({ p, url }) => `  ${p.id.padEnd(11)} ${url}   (${p.name} ${p.platform.name} ${p.platform.romanized}; gateway-only)`).join('\n')}
  sync        ${cfg.provinces.map((p) => `${p.id} (${p.sync.onSourceChange})`).join(', ')}   (mirrors follow their sources through the gateway)

Try it:

curl --cacert ${rel(gatewayPaths(cfg.certsDir).ca)} \\
  --cert ${rel(client.cert)} --key ${rel(client.key)} \\
  -H "Authorization: Bearer $(npm run --silent token -- --province ${first.id} --client app --scope catalogue:read)" \\
  -H 'Content-Type: application/json' \\
  --data '${query}' \\
  ${gatewayUrl}

Ctrl-C stops everything.
`);
} catch (err) {
  process.stderr.write(`start: ${(err as Error).message}\n`);
  await shutdown(1);
}
