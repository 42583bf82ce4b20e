// The transport floor for scenario (a): the least work any Node.js gateway on this security
// model must do per request, and nothing else. Started by bench/run.ts as its own process:
// `node --import tsx bench/floor-proxy.ts --port P --config-dir C --certs-dir D --province ID
// --body JSON`.
//
// Per request it does what no gateway here can skip (docs/DESIGN.md §4: mutual TLS on every hop):
// - terminate HTTPS from the caller with the gateway's server certificate, asking for and
//   checking a client certificate against the province CAs (as ours does);
// - read the request body;
// - send ONE request to the owning province subgraph over a keep-alive mTLS undici pool with the
//   gateway's client certificate and a caller assertion (cached as ours caches it);
// - copy the subgraph's answer back to the caller.
// It does NOT verify a token, parse or plan GraphQL, check scopes, write an audit record or
// shape the answer: it forwards a fixed `_entities` body given on the command line. Its CPU per
// request, set next to the subgraph's, shows how much of the budget the two TLS hops alone use.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { Agent, request } from 'undici';
import { loadStackConfig, subgraphUrl } from '../common/config.js';
import { CALLER_ASSERTION_HEADER, CallerAssertionSigner, REQUEST_ID_HEADER } from '../common/identity/caller-assertion.js';
import type { Caller } from '../common/identity/caller.js';
import { gatewayPaths, provincePaths } from '../common/pki/paths.js';
import { certThumbprintS256 } from '../common/pki/thumbprint.js';
import { TLS_SERVER_HARDENING } from '../common/tls/server-options.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    'config-dir': { type: 'string' },
    'certs-dir': { type: 'string' },
    province: { type: 'string' },
    body: { type: 'string' },
  },
});

const cfg = loadStackConfig({ configDir: values['config-dir'], certsDir: values['certs-dir'] });
const target = cfg.provinces.find((p) => p.id === values.province);
if (!target || !values.body) throw new Error('floor-proxy: --province (a configured province) and --body are required');
const upstreamBody = values.body;
const gp = gatewayPaths(cfg.certsDir);
const signer = await CallerAssertionSigner.fromPem(readFileSync(gp.assertionKey, 'utf8'), JSON.parse(readFileSync(gp.assertionJwks, 'utf8')));
const agent = new Agent({
  connect: {
    ca: readFileSync(provincePaths(cfg.certsDir, target.id).ca),
    cert: readFileSync(gp.clientCert),
    key: readFileSync(gp.clientKey),
    minVersion: 'TLSv1.2',
  },
  keepAliveTimeout: 30_000,
  connections: 128,
});
const url = subgraphUrl(target);
// The benchmark's caller (the Chongqing app); its assertion is signed once and reused, as ours.
const caller: Caller = {
  province: 'chongqing',
  divisionCode: cfg.provinces.find((p) => p.id === 'chongqing')?.divisionCode ?? '500000',
  subject: 'chongqing:app',
  clientId: 'chongqing-app',
  scopes: ['catalogue:read'],
  certThumbprint: certThumbprintS256(readFileSync(provincePaths(cfg.certsDir, 'chongqing').client('app').cert)),
  requestId: '',
};

const server = https.createServer(
  {
    key: readFileSync(gp.serverKey),
    cert: readFileSync(gp.serverCert),
    ca: cfg.provinces.map((p) => readFileSync(provincePaths(cfg.certsDir, p.id).ca)),
    requestCert: true,
    rejectUnauthorized: true,
    ...TLS_SERVER_HARDENING,
  },
  (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      try {
        const requestId = randomUUID();
        const up = await request(url, {
          method: 'POST',
          dispatcher: agent,
          headers: {
            'content-type': 'application/json',
            [CALLER_ASSERTION_HEADER]: await signer.assertionFor(caller, target.id),
            [REQUEST_ID_HEADER]: requestId,
          },
          body: upstreamBody,
        });
        const body = Buffer.from(await up.body.arrayBuffer());
        res.writeHead(up.statusCode, { 'content-type': 'application/json', 'content-length': body.length, 'x-request-id': requestId });
        res.end(body);
      } catch (err) {
        res.writeHead(502, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ errors: [{ message: (err as Error).message }] }));
      }
    });
  },
);
const host = cfg.gateway.host;
server.listen(Number(values.port), host, () => {
  const { port } = server.address() as AddressInfo;
  process.send?.({ ready: true, url: `https://${host}:${port}/graphql` });
});
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => process.exit(0));
