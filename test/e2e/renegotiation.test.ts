// A TLS 1.2 client must not be able to change who its connection is by renegotiating: neither
// from no certificate to a counter's, nor from a Chongqing certificate to a Sichuan one. Every
// TLS server of the stack refuses client-initiated renegotiation (no_renegotiation alert), and
// the connection serves nothing after the attempt.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import { gatewayPaths, provincePaths } from '../../common/pki/paths.js';
import { clientIdentity, startStack, token, type TestStack } from '../support/stack.js';

interface RawResponse {
  status: number;
  body: string;
}

/** One HTTP/1.1 request written on an existing TLS socket (keep-alive), and its answer. */
function rawRequest(socket: tls.TLSSocket, path: string, headers: Record<string, string>, body?: string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      const head = buf.indexOf('\r\n\r\n');
      if (head < 0) return;
      const header = buf.subarray(0, head).toString('latin1');
      const length = Number(/content-length:\s*(\d+)/i.exec(header)?.[1] ?? 0);
      if (buf.length < head + 4 + length) return;
      cleanup();
      resolve({ status: Number(header.split(' ')[1]), body: buf.subarray(head + 4, head + 4 + length).toString('utf8') });
    };
    const onEnd = () => {
      cleanup();
      reject(new Error('connection closed before an answer'));
    };
    const cleanup = () => {
      socket.off('data', onData);
      socket.off('close', onEnd);
      socket.off('error', onEnd);
    };
    socket.on('data', onData);
    socket.once('close', onEnd);
    socket.once('error', onEnd);
    const lines = [`${body === undefined ? 'GET' : 'POST'} ${path} HTTP/1.1`, 'Host: localhost', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
    if (body !== undefined) lines.push('Content-Type: application/json', `Content-Length: ${Buffer.byteLength(body)}`);
    socket.write(`${lines.join('\r\n')}\r\n\r\n${body ?? ''}`);
  });
}

function connect(port: number, ca: Buffer, identity?: { cert: Buffer; key: Buffer }): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    // TLS 1.2: TLS 1.3 has no renegotiation at all.
    const socket = tls.connect({ host: 'localhost', port, ca, maxVersion: 'TLSv1.2', ...identity }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Present `identity` through a client-initiated renegotiation; resolves with the outcome. */
function renegotiateAs(socket: tls.TLSSocket, identity: { cert: Buffer; key: Buffer }): Promise<'accepted' | 'refused'> {
  return new Promise((resolve) => {
    socket.on('error', () => resolve('refused'));
    socket.once('close', () => resolve('refused'));
    socket.setKeyCert(tls.createSecureContext(identity));
    const started = socket.renegotiate({ rejectUnauthorized: true }, (err) => resolve(err ? 'refused' : 'accepted'));
    if (!started) resolve('refused');
  });
}

function closed(socket: tls.TLSSocket): Promise<void> {
  return new Promise((resolve) => (socket.destroyed ? resolve() : socket.once('close', () => resolve())));
}

const QUERY = JSON.stringify({ query: '{ directory(first: 1) { totalCount } }' });

describe('TLS renegotiation cannot change who a connection is (e2e)', function () {
  let stack: TestStack;
  let gatewayCa: Buffer;

  before(async function () {
    stack = await startStack();
    gatewayCa = readFileSync(gatewayPaths(stack.cfg.certsDir).ca);
  });
  after(async () => stack?.close());

  it('no certificate, then a Sichuan counter certificate by renegotiation: refused, nothing served', async function () {
    const scCounter = clientIdentity(stack, 'sichuan', 'counter');
    const bearer = await token(stack, 'sichuan', 'counter', 'certificate:verify catalogue:read');
    const socket = await connect(stack.gateway.port, gatewayCa);
    const before = await rawRequest(socket, '/graphql', { Authorization: `Bearer ${bearer}` }, QUERY);
    assert.equal(before.status, 401);
    assert.match(before.body, /client_certificate_missing/);

    assert.equal(await renegotiateAs(socket, scCounter), 'refused');
    await assert.rejects(rawRequest(socket, '/graphql', { Authorization: `Bearer ${bearer}` }, QUERY));
    await closed(socket);
  });

  it('a Chongqing certificate, then a Sichuan one by renegotiation: refused, the connection ends', async function () {
    const cq = clientIdentity(stack, 'chongqing', 'counter');
    const sc = clientIdentity(stack, 'sichuan', 'counter');
    const cqBearer = await token(stack, 'chongqing', 'counter', 'catalogue:read');
    const scBearer = await token(stack, 'sichuan', 'counter', 'catalogue:read');
    const socket = await connect(stack.gateway.port, gatewayCa, cq);
    const first = await rawRequest(socket, '/graphql', { Authorization: `Bearer ${cqBearer}` }, QUERY);
    assert.equal(first.status, 200, first.body);

    assert.equal(await renegotiateAs(socket, sc), 'refused');
    await assert.rejects(rawRequest(socket, '/graphql', { Authorization: `Bearer ${scBearer}` }, QUERY));
    await closed(socket);

    // The gateway itself is unharmed: a fresh connection as Sichuan is served as Sichuan.
    const fresh = await connect(stack.gateway.port, gatewayCa, sc);
    const ok = await rawRequest(fresh, '/graphql', { Authorization: `Bearer ${scBearer}` }, QUERY);
    assert.equal(ok.status, 200, ok.body);
    fresh.destroy();
  });

  it('a province subgraph refuses renegotiation too, even from the gateway', async function () {
    const gp = gatewayPaths(stack.cfg.certsDir);
    const sg = stack.subgraphs.get('chongqing')!;
    const identity = { cert: readFileSync(gp.clientCert), key: readFileSync(gp.clientKey) };
    const socket = await connect(sg.port, readFileSync(provincePaths(stack.cfg.certsDir, 'chongqing').ca), identity);
    const health = await rawRequest(socket, '/healthz', {});
    assert.equal(health.status, 200);
    assert.equal(await renegotiateAs(socket, identity), 'refused');
    await closed(socket);
  });
});
