// Trusted documents (issue 14, item 1): a gateway in `enforce` mode runs only the documents of its
// Apollo persisted-query manifests, named by Apollo's `extensions.persistedQuery.sha256Hash` (with or
// without the query) or the GraphQL-over-HTTP draft's `documentId`; anything else is refused (400
// PERSISTED_QUERY_NOT_ALLOWED), recorded as a refusal, nothing run. `log` runs and records, `off`
// only serves by id. Manifests reload when their files change; a broken one keeps the old set.
import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { loadStackConfig, type StackConfig } from '../../common/config.js';
import { manifestJson, operationsFromSources, sha256Hex, type PersistedOperation } from '../../common/persisted-documents.js';
import { startGateway, type RunningGateway } from '../../gateway/server.js';
import { auditRecordFor, auditRecordsFor, clientIdentity, configDirWith, startStack, token, until, type TestStack } from '../support/stack.js';

const CONSOLE = JSON.parse(readFileSync(path.join(configDirWith(), 'documents', 'console.json'), 'utf8')) as { operations: PersistedOperation[] };
const PROVINCES = CONSOLE.operations.find((o) => o.name === 'Provinces')!;
const DIRECTORY = CONSOLE.operations.find((o) => o.name === 'DirectorySearch')!;
const WITHDRAW = CONSOLE.operations.find((o) => o.name === 'WithdrawMirror')!;

/** The test app's own manifest (a second file, the one the reload tests edit). */
const APP_SOURCE = `query AppProvinces { provinces { province name } }`;
const ADDED_SOURCE = `query AppProvinceCodes { provinces { province divisionCode } }`;

interface Answer {
  status: number;
  body: {
    data?: Record<string, unknown> | null;
    errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
    extensions?: Record<string, unknown>;
  };
  text: string;
  requestId: string;
}

describe('trusted documents (e2e)', function () {
  let stack: TestStack;
  let appManifest: string;
  let bearer: string;
  let logGateway: RunningGateway;
  let offGateway: RunningGateway;
  const id = () => clientIdentity(stack, 'chongqing', 'app');

  async function post(body: unknown, opts: { port?: number; accept?: string } = {}): Promise<Answer> {
    const c = id();
    const res = await request(`https://localhost:${opts.port ?? stack.gateway.port}`)
      .post('/graphql')
      .ca(c.ca)
      .cert(c.cert)
      .key(c.key)
      .set('Authorization', `Bearer ${bearer}`)
      .set('Content-Type', 'application/json')
      .set('Accept', opts.accept ?? 'application/json')
      .send(JSON.stringify(body));
    return { status: res.status, body: res.body, text: res.text, requestId: String(res.headers['x-request-id']) };
  }

  async function get(params: Record<string, string>, opts: { port?: number; as?: { client: string; scope: string } } = {}): Promise<Answer> {
    const c = clientIdentity(stack, 'chongqing', opts.as?.client ?? 'app');
    const t = opts.as ? await token(stack, 'chongqing', opts.as.client, opts.as.scope) : bearer;
    const res = await request(`https://localhost:${opts.port ?? stack.gateway.port}`)
      .get(`/graphql?${new URLSearchParams(params).toString()}`)
      .ca(c.ca)
      .cert(c.cert)
      .key(c.key)
      .set('Authorization', `Bearer ${t}`)
      // Apollo Server's CSRF prevention: a GET needs a header a simple cross-site request cannot send.
      .set('apollo-require-preflight', '1');
    return { status: res.status, body: res.body, text: res.text, requestId: String(res.headers['x-request-id']) };
  }

  async function metrics(port = stack.gateway.port): Promise<string> {
    const res = await request(`https://localhost:${port}`).get('/metrics').ca(id().ca);
    assert.equal(res.status, 200);
    return res.text;
  }

  function counter(text: string, name: string, labels: string): number {
    const m = new RegExp(`^${name}${labels ? `\\{${labels}\\}` : ''} (\\d+)$`, 'm').exec(text);
    return m ? Number(m[1]) : 0;
  }

  function byHash(op: PersistedOperation, withQuery: boolean, variables?: Record<string, unknown>) {
    return { ...(withQuery ? { query: op.body } : {}), operationName: op.name, variables, extensions: { persistedQuery: { version: 1, sha256Hash: op.id } } };
  }

  function expectServed(res: Answer) {
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.errors, undefined, res.text);
    assert.ok(Array.isArray(res.body.data?.provinces), res.text);
  }

  function expectNotAllowed(res: Answer) {
    assert.equal(res.status, 400, res.text);
    assert.equal(res.body.data, undefined);
    assert.equal(res.body.errors?.length, 1);
    assert.equal(res.body.errors?.[0]?.extensions?.code, 'PERSISTED_QUERY_NOT_ALLOWED');
    assert.equal(res.body.errors?.[0]?.extensions?.reason, 'persisted_query_not_allowed');
    // Recorded as a refusal, and it is the request's only record: no operation ran.
    const records = auditRecordsFor(stack.gateway.auditFile, res.requestId);
    assert.equal(records.length, 1, JSON.stringify(records));
    assert.deepEqual(
      [records[0]!.kind, records[0]!.reason, records[0]!.httpStatus, records[0]!.province],
      ['refusal', 'persisted_query_not_allowed', 400, 'chongqing'],
    );
  }

  before(async function () {
    const configDir = configDirWith([], { trustedDocuments: { mode: 'enforce', manifests: ['documents/console.json', 'documents/app.json'] } });
    appManifest = path.join(configDir, 'documents', 'app.json');
    writeFileSync(appManifest, manifestJson(operationsFromSources([{ file: 'app.graphql', text: APP_SOURCE }])));
    stack = await startStack({ configDir, entries: 20 });
    bearer = await token(stack, 'chongqing', 'app', 'catalogue:read');
    // The same stack's subgraphs behind gateways in the other two modes (their own audit chains).
    const other = (mode: 'log' | 'off', instanceId: string) =>
      startGateway({
        cfg: { ...stack.cfg, gateway: { ...stack.cfg.gateway, trustedDocuments: { ...stack.cfg.gateway.trustedDocuments, mode } } },
        port: 0,
        host: 'localhost',
        instanceId,
        subgraphUrls: Object.fromEntries([...stack.subgraphs].map(([p, s]) => [p, s.url])),
      });
    logGateway = await other('log', 'gateway-log');
    offGateway = await other('off', 'gateway-off');
  });
  after(async () => {
    await logGateway?.close();
    await offGateway?.close();
    await stack?.close();
  });

  describe('enforce', () => {
    it('serves a manifest document by its hash alone, without parsing it', async () => {
      const parsedBefore = counter(await metrics(), 'chuanyu_graphql_documents_parsed_total', '');
      for (let i = 0; i < 3; i += 1) expectServed(await post(byHash(PROVINCES, false)));
      const res = await post(byHash(PROVINCES, false));
      expectServed(res);
      const text = await metrics();
      // The by-id path: Apollo Server found the parsed, validated document in its store.
      assert.equal(counter(text, 'chuanyu_graphql_documents_parsed_total', ''), parsedBefore);
      assert.ok(counter(text, 'chuanyu_trusted_documents_total', 'mode="enforce",outcome="trusted"') >= 4);
      const rec = auditRecordFor(stack.gateway.auditFile, res.requestId);
      assert.equal(rec?.kind, 'request');
      assert.equal(rec?.trustedDocument, 'trusted');
      assert.equal(rec?.queryHash, PROVINCES.id);
      assert.equal(rec?.operationName, 'Provinces');
    });

    it('serves it by hash with the query (what the console sends), and a query that is byte for byte a manifest body', async () => {
      expectServed(await post(byHash(PROVINCES, true)));
      expectServed(await post({ query: PROVINCES.body }));
      const dir = await post(byHash(DIRECTORY, true, { search: '营业执照', first: 5 }));
      assert.equal(dir.status, 200, dir.text);
      assert.equal(dir.body.errors, undefined, dir.text);
      assert.ok((dir.body.data!.directory as { totalCount: number }).totalCount > 0);
    });

    it('serves it by documentId: sha256:<hex>, the bare hex, and over GET', async () => {
      expectServed(await post({ documentId: `sha256:${PROVINCES.id}` }));
      expectServed(await post({ documentId: PROVINCES.id, operationName: 'Provinces' }));
      expectServed(await get({ documentId: `sha256:${PROVINCES.id}` }));
      // GraphQL over HTTP, Appendix A: a mutation over GET is 405, and nothing runs.
      const mutation = await get(
        { documentId: `sha256:${WITHDRAW.id}`, variables: JSON.stringify({ id: '500000:mirror:510000:102002/000040' }) },
        { as: { client: 'admin', scope: 'catalogue:read catalogue:admin' } },
      );
      assert.equal(mutation.status, 405, mutation.text);
    });

    it('refuses an ad hoc document (400 PERSISTED_QUERY_NOT_ALLOWED), recorded as a refusal, nothing run', async () => {
      expectNotAllowed(await post({ query: '{ provinces { province name } }' }));
      // An APQ registration of a document not in a manifest is the same.
      const adhoc = '{ provinces { name } }';
      expectNotAllowed(await post({ query: adhoc, extensions: { persistedQuery: { version: 1, sha256Hash: sha256Hex(adhoc) } } }));
      // With application/graphql-response+json too: a refusal keeps its status.
      expectNotAllowed(await post({ query: adhoc }, { accept: 'application/graphql-response+json' }));
      expectNotAllowed(await post({ query: PROVINCES.body.replace('provinces', 'provinces ') }));
      const text = await metrics();
      assert.ok(counter(text, 'chuanyu_trusted_documents_total', 'mode="enforce",outcome="unlisted"') >= 4);
      assert.ok(counter(text, 'chuanyu_gateway_refusals_total', 'reason="persisted_query_not_allowed"') >= 4);
    });

    it('refuses an unknown hash or document id', async () => {
      const unknown = sha256Hex('query Nope { provinces { name } }');
      expectNotAllowed(await post({ extensions: { persistedQuery: { version: 1, sha256Hash: unknown } } }));
      expectNotAllowed(await post({ documentId: `sha256:${unknown}` }));
      expectNotAllowed(await post({ documentId: 'x-relay:abc123' }));
      expectNotAllowed(await get({ documentId: unknown }));
      assert.ok(counter(await metrics(), 'chuanyu_trusted_documents_total', 'mode="enforce",outcome="unknown_id"') >= 4);
    });

    it('refuses a malformed or ambiguous documentId (400 BAD_REQUEST), recorded', async () => {
      const cases: Array<[unknown, string]> = [
        [{ documentId: 42 }, 'document_id_invalid'],
        [{ documentId: 'sha256:NOT-HEX' }, 'document_id_invalid'],
        [{ documentId: `sha256:${PROVINCES.id}`, query: PROVINCES.body }, 'document_id_with_query'],
        [{ documentId: `sha256:${PROVINCES.id}`, extensions: { persistedQuery: { version: 1, sha256Hash: DIRECTORY.id } } }, 'document_id_ambiguous'],
      ];
      for (const [body, reason] of cases) {
        const res = await post(body);
        assert.equal(res.status, 400, res.text);
        assert.deepEqual(res.body.errors?.[0]?.extensions, { code: 'BAD_REQUEST', reason }, res.text);
        const records = auditRecordsFor(stack.gateway.auditFile, res.requestId);
        assert.deepEqual(
          records.map((r) => [r.kind, r.reason]),
          [['refusal', reason]],
        );
      }
    });

    it('reloads a manifest edited on disk; a broken edit is refused and the previous set keeps serving', async function () {
      this.timeout(30_000);
      const added = operationsFromSources([{ file: 'added.graphql', text: ADDED_SOURCE }])[0]!;
      expectNotAllowed(await post({ documentId: `sha256:${added.id}` }));
      const okBefore = counter(await metrics(), 'chuanyu_trusted_documents_reloads_total', 'outcome="ok"');
      writeFileSync(appManifest, manifestJson(operationsFromSources([{ file: 'app.graphql', text: `${APP_SOURCE}\n${ADDED_SOURCE}` }])));
      const served = await until('the added operation is served', async () => {
        const res = await post({ documentId: `sha256:${added.id}` });
        return res.status === 200 ? res : undefined;
      });
      assert.equal(served.body.errors, undefined, served.text);
      assert.equal(counter(await metrics(), 'chuanyu_trusted_documents_reloads_total', 'outcome="ok"'), okBefore + 1);
      assert.match(await metrics(), new RegExp(`^chuanyu_trusted_documents_loaded ${CONSOLE.operations.length + 2}$`, 'm'));

      // A broken edit: an id that is not its body's hash, then a body the schema does not have.
      const failedBefore = counter(await metrics(), 'chuanyu_trusted_documents_reloads_total', 'outcome="failed"');
      const good = JSON.parse(readFileSync(appManifest, 'utf8')) as { operations: PersistedOperation[] };
      const forged = {
        ...good,
        operations: [...good.operations, { id: PROVINCES.id, name: 'Forged', type: 'query', body: 'query Forged { mountJobs { id } }' }],
      };
      writeFileSync(appManifest, JSON.stringify(forged));
      await until('the forged manifest is refused', async () =>
        counter(await metrics(), 'chuanyu_trusted_documents_reloads_total', 'outcome="failed"') > failedBefore ? true : undefined,
      );
      const invalid = manifestJson([...good.operations, ...operationsFromSources([{ file: 'bad.graphql', text: 'query Bad { provinces { noSuchField } }' }])]);
      writeFileSync(appManifest, invalid);
      await until('the invalid manifest is refused', async () =>
        counter(await metrics(), 'chuanyu_trusted_documents_reloads_total', 'outcome="failed"') > failedBefore + 1 ? true : undefined,
      );
      // The set in force is still the last good one.
      const stillServed = await post({ documentId: `sha256:${added.id}` });
      assert.equal(stillServed.status, 200, stillServed.text);
      expectNotAllowed(await post({ documentId: `sha256:${sha256Hex(forged.operations.at(-1)!.body)}` }));
      assert.equal(counter(await metrics(), 'chuanyu_trusted_documents_reloads_total', 'outcome="ok"'), okBefore + 1);
    });
  });

  describe('log', () => {
    it('serves an ad hoc document and records it (audit note, metric)', async () => {
      const res = await post({ query: '{ provinces { province } }' }, { port: logGateway.port });
      expectServed(res);
      const rec = auditRecordFor(logGateway.auditFile, res.requestId);
      assert.equal(rec?.trustedDocument, 'unlisted');
      assert.equal(rec?.outcome, 'ok');
      assert.ok(counter(await metrics(logGateway.port), 'chuanyu_trusted_documents_total', 'mode="log",outcome="unlisted"') >= 1);
    });

    it('serves manifest documents by id, and answers an unknown id with PERSISTED_QUERY_NOT_FOUND (one error)', async () => {
      const res = await post(byHash(PROVINCES, false), { port: logGateway.port });
      expectServed(res);
      assert.equal(auditRecordFor(logGateway.auditFile, res.requestId)?.trustedDocument, 'trusted');
      const unknown = await post({ documentId: `sha256:${sha256Hex('query Unknown { provinces { name } }')}` }, { port: logGateway.port });
      assert.equal(unknown.body.errors?.length, 1, unknown.text);
      assert.equal(unknown.body.errors?.[0]?.extensions?.code, 'PERSISTED_QUERY_NOT_FOUND');
      assert.equal(auditRecordFor(logGateway.auditFile, unknown.requestId)?.trustedDocument, 'unknown_id');
    });

    it('keeps automatic persisted queries for documents not in a manifest (registered, then by hash), recorded as unlisted', async () => {
      const adhoc = '{ provinces { province platform } }';
      const hash = sha256Hex(adhoc);
      const miss = await post({ extensions: { persistedQuery: { version: 1, sha256Hash: hash } } }, { port: logGateway.port });
      assert.equal(miss.body.errors?.[0]?.extensions?.code, 'PERSISTED_QUERY_NOT_FOUND', miss.text);
      expectServed(await post({ query: adhoc, extensions: { persistedQuery: { version: 1, sha256Hash: hash } } }, { port: logGateway.port }));
      const hit = await post({ extensions: { persistedQuery: { version: 1, sha256Hash: hash } } }, { port: logGateway.port });
      expectServed(hit);
      assert.equal(auditRecordFor(logGateway.auditFile, hit.requestId)?.trustedDocument, 'unlisted');
    });
  });

  describe('off', () => {
    it('serves ad hoc documents without a note or a metric, and manifest documents by id', async () => {
      const res = await post({ query: '{ provinces { province } }' }, { port: offGateway.port });
      expectServed(res);
      assert.equal(auditRecordFor(offGateway.auditFile, res.requestId)?.trustedDocument, undefined);
      expectServed(await post({ documentId: `sha256:${PROVINCES.id}` }, { port: offGateway.port }));
      assert.doesNotMatch(await metrics(offGateway.port), /^chuanyu_trusted_documents_total\{/m);
    });
  });

  describe('a bad manifest at start', () => {
    /** Starts a gateway whose only manifest is `manifest`: it must refuse to start, naming the file. */
    async function startError(manifest: string): Promise<string> {
      const configDir = configDirWith([], { trustedDocuments: { mode: 'enforce', manifests: ['documents/bad.json'] } });
      const file = path.join(configDir, 'documents', 'bad.json');
      writeFileSync(file, manifest);
      const cfg: StackConfig = { ...loadStackConfig({ configDir, certsDir: stack.cfg.certsDir, dataDir: stack.cfg.dataDir }), provinces: stack.cfg.provinces };
      let message = '';
      await assert.rejects(
        startGateway({
          cfg,
          port: 0,
          host: 'localhost',
          instanceId: 'gateway-bad',
          subgraphUrls: Object.fromEntries([...stack.subgraphs].map(([p, s]) => [p, s.url])),
        }),
        (err: Error) => {
          message = err.message;
          return true;
        },
      );
      assert.ok(message.includes(file), message);
      return message;
    }

    it('an id that is not the SHA-256 of its body stops the start, naming the file and the operation', async () => {
      const op = { id: PROVINCES.id, name: 'Tampered', type: 'query', body: 'query Tampered { provinces { name } }' };
      const message = await startError(JSON.stringify({ format: 'apollo-persisted-query-manifest', version: 1, operations: [op] }));
      assert.match(message, /operation 0 \(Tampered\): id [0-9a-f]{64} is not the SHA-256 of its body/);
    });

    it('a body that does not validate against the schema, or a file that is not a manifest, stops the start', async () => {
      const invalid = await startError(manifestJson(operationsFromSources([{ file: 'bad.graphql', text: 'query Bad { provinces { noSuchField } }' }])));
      assert.match(invalid, /operation Bad \([0-9a-f]{64}\) does not validate against the gateway schema: Cannot query field "noSuchField"/);
      assert.match(await startError('{ "format": "apollo-persisted-query-manifest", "version": 2, "operations": [] }'), /version/);
      assert.match(await startError('not json'), /not JSON/);
      const twoOps = {
        format: 'apollo-persisted-query-manifest',
        version: 1,
        operations: [
          {
            id: sha256Hex('query A { provinces { name } } query B { provinces { name } }'),
            name: 'A',
            type: 'query',
            body: 'query A { provinces { name } } query B { provinces { name } }',
          },
        ],
      };
      assert.match(await startError(JSON.stringify(twoOps)), /operation 0 \(A\): the body must hold exactly one operation, found 2/);
    });
  });
});
