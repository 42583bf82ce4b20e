// The sync worker gets its tokens from its province IdP's token endpoint (OAuth 2.0 client
// credentials, RFC 8705 tls_client_auth) when one is configured: a real HTTPS endpoint here, which
// authenticates the worker by its client certificate and answers with a certificate-bound token the
// gateway accepts. A refusal by the endpoint stops the pass with the endpoint's reason, and nothing
// is written.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { mintDevToken } from '../../common/dev-token.js';
import { provincePaths } from '../../common/pki/paths.js';
import { createSyncWorker } from '../../subgraphs/catalogue/sync/create-worker.js';
import { startStack, type TestStack } from '../support/stack.js';

describe('sync worker tokens from the province token endpoint (client credentials, tls_client_auth)', function () {
  this.timeout(60_000);
  let stack: TestStack;
  let server: https.Server;
  let refuse = false;
  const grants: { grant: string | null; clientId: string | null; cn: string }[] = [];

  before(async () => {
    stack = await startStack({ entries: 50 });
    const pp = provincePaths(stack.cfg.certsDir, 'chongqing');
    server = https.createServer(
      { key: readFileSync(pp.serverKey), cert: readFileSync(pp.serverCert), ca: readFileSync(pp.ca), requestCert: true, rejectUnauthorized: true },
      (req, res) => {
        let body = '';
        req.on('data', (c) => {
          body += c;
        });
        req.on('end', async () => {
          const form = new URLSearchParams(body);
          const cn = String((req.socket as TLSSocket).getPeerCertificate().subject?.CN ?? '');
          grants.push({ grant: form.get('grant_type'), clientId: form.get('client_id'), cn });
          res.setHeader('content-type', 'application/json');
          if (refuse || cn !== 'chongqing-sync' || form.get('grant_type') !== 'client_credentials') {
            res.statusCode = 401;
            res.end(JSON.stringify({ error: 'invalid_client', error_description: 'client certificate not registered' }));
            return;
          }
          const access_token = await mintDevToken({
            certsDir: stack.cfg.certsDir,
            province: stack.province('chongqing'),
            audience: stack.cfg.gateway.audience,
            client: 'sync',
            scope: form.get('scope') ?? '',
          });
          res.end(JSON.stringify({ access_token, token_type: 'Bearer', expires_in: 300 }));
        });
      },
    );
    await new Promise<void>((r) => server.listen(0, 'localhost', r));
  });
  after(async () => {
    server?.close();
    await stack?.close();
  });

  const worker = () => {
    const p = stack.province('chongqing');
    const province = {
      ...p,
      sync: {
        ...p.sync,
        tokenEndpoint: `https://localhost:${(server.address() as AddressInfo).port}/token`,
        tokenEndpointCa: provincePaths(stack.cfg.certsDir, 'chongqing').ca,
      },
    };
    return createSyncWorker({ cfg: stack.cfg, province, store: stack.stores.get('chongqing')!, gatewayUrl: `https://localhost:${stack.gateway.port}/graphql` });
  };

  it('asks for a client_credentials token with its certificate, and the gateway accepts it', async () => {
    const w = worker();
    try {
      const r = await w.pass(true);
      assert.deepEqual(r.problems, []);
      assert.ok(r.changesRead > 0, 'read the Sichuan feed through the gateway');
      assert.deepEqual(grants.at(-1), { grant: 'client_credentials', clientId: 'sync', cn: 'chongqing-sync' });
    } finally {
      await w.stop();
    }
  });

  it('a refused grant stops the pass with the endpoint’s reason; the feed cursor stays', async () => {
    refuse = true;
    const before = await stack.stores.get('chongqing')!.syncCursors();
    const w = worker();
    try {
      const r = await w.pass(true);
      assert.equal(r.changesRead, 0);
      assert.match(r.problems.join('\n'), /invalid_client: client certificate not registered/);
      const after = await stack.stores.get('chongqing')!.syncCursors();
      assert.deepEqual(
        after.map((c) => c.cursor),
        before.map((c) => c.cursor),
      );
      assert.match(after.find((c) => c.source === 'sichuan')!.lastError ?? '', /invalid_client/);
    } finally {
      refuse = false;
      await w.stop();
    }
  });
});
