// GraphQL over HTTP behaviour and request limits: bad requests get clear errors with the
// spec's status codes, and nothing about the server's internals.
import { strict as assert } from 'node:assert';
import Database from 'better-sqlite3';
import request from 'supertest';
import { clientIdentity, configDirWith, gql, startStack, token, type TestStack } from '../support/stack.js';

describe('GraphQL over HTTP and limits', function () {
  let stack: TestStack;
  let bearer: string;
  const call = () => {
    const id = clientIdentity(stack, 'chongqing', 'app');
    return { agent: request(`https://localhost:${stack.gateway.port}`), id };
  };
  const post = (body: string | object, contentType = 'application/json', accept?: string) => {
    const { agent, id } = call();
    let r = agent.post('/graphql').ca(id.ca).cert(id.cert).key(id.key).set('Authorization', `Bearer ${bearer}`).set('Content-Type', contentType);
    if (accept) r = r.set('Accept', accept);
    return r.send(typeof body === 'string' ? body : JSON.stringify(body));
  };
  const get = (qs: string) => {
    const { agent, id } = call();
    return agent.get(`/graphql?${qs}`).ca(id.ca).cert(id.cert).key(id.key).set('Authorization', `Bearer ${bearer}`).set('apollo-require-preflight', '1');
  };
  const noLeak = (text: string) => assert.doesNotMatch(text, /\/work\/|node_modules|\.ts:\d+|https?:\/\/localhost:\d+|ECONNREFUSED/);

  before(async () => {
    stack = await startStack();
    bearer = await token(stack, 'chongqing', 'app', 'catalogue:read catalogue:admin');
  });
  after(async () => stack?.close());

  it('negotiates application/graphql-response+json', async () => {
    const res = await post({ query: '{ provinces { name } }' }, 'application/json', 'application/graphql-response+json');
    assert.equal(res.status, 200);
    assert.match(String(res.headers['content-type']), /application\/graphql-response\+json/);
    const legacy = await post({ query: '{ provinces { name } }' }, 'application/json', 'application/json');
    assert.match(String(legacy.headers['content-type']), /application\/json/);
  });

  it('serves queries over GET, never mutations', async () => {
    const q = await get(`query=${encodeURIComponent('{ provinces { name } }')}`);
    assert.equal(q.status, 200, q.text);
    assert.equal(q.body.data.provinces.length, 2);
    const m = await get(`query=${encodeURIComponent('mutation { withdrawMirror(id: "500000:mirror:510000:101001/000001") { created } }')}`);
    assert.equal(m.status, 405);
  });

  // GraphQL over HTTP, "Status Codes": a request error is 400 as application/graphql-response+json
  // and 200 (with `errors`, no `data`) as application/json, the type without an Accept header.
  const requestError = async (body: object, code: string) => {
    const res = await post(body, 'application/json', 'application/graphql-response+json');
    assert.equal(res.status, 400, res.text);
    assert.match(String(res.headers['content-type']), /application\/graphql-response\+json/);
    assert.equal(res.body.errors[0].extensions.code, code);
    for (const accept of ['application/json', undefined]) {
      const legacy = await post(body, 'application/json', accept);
      assert.equal(legacy.status, 200, legacy.text);
      assert.match(String(legacy.headers['content-type']), /application\/json/);
      assert.equal(legacy.body.errors[0].extensions.code, code);
      assert.equal('data' in legacy.body, false, 'nothing executed');
    }
  };

  it('a parse error is GRAPHQL_PARSE_FAILED: 400, or 200 as application/json', async () => {
    await requestError({ query: '{ provinces { name ' }, 'GRAPHQL_PARSE_FAILED');
  });

  it('a validation error is GRAPHQL_VALIDATION_FAILED: 400, or 200 as application/json', async () => {
    await requestError({ query: '{ provinces { nope } }' }, 'GRAPHQL_VALIDATION_FAILED');
  });

  it('a variable of the wrong type is BAD_USER_INPUT: 400, or 200 as application/json', async () => {
    await requestError({ query: 'query($n: Int) { directory(first: $n) { totalCount } }', variables: { n: 'many' } }, 'BAD_USER_INPUT');
  });

  it('a request that is not well-formed stays 400 as application/json', async () => {
    const res = await post({ qeury: '{ provinces { name } }' }, 'application/json', 'application/json');
    assert.equal(res.status, 400, res.text);
    assert.equal(res.body.errors[0].extensions.code, 'BAD_REQUEST');
  });

  it('a scope refusal stays 403 as application/json', async () => {
    const res = await gql(
      stack,
      { province: 'chongqing', scope: 'catalogue:read', headers: { Accept: 'application/json' } },
      'mutation { withdrawMirror(id: "500000:mirror:510000:101001/000001") { created } }',
    );
    assert.equal(res.status, 403, res.text);
    assert.equal(res.body.errors[0].extensions.reason, 'insufficient_scope');
  });

  it('malformed JSON is 400 with a clear message', async () => {
    const res = await post('{"query": "{ provinces { name } }"');
    assert.equal(res.status, 400);
    assert.match(res.body.errors[0].message, /not valid JSON/);
    noLeak(res.text);
  });

  it('a wrong content type is 415', async () => {
    const res = await post('query=%7B%7D', 'application/x-www-form-urlencoded');
    assert.equal(res.status, 415);
  });

  it('an oversized body is 413', async () => {
    const res = await post({ query: `{ provinces { name } }`, variables: { pad: 'x'.repeat(70 * 1024) } });
    assert.equal(res.status, 413);
    assert.match(res.body.errors[0].message, /larger than 65536 bytes/);
  });

  it('a charset other than UTF-8 is 415 (RFC 8259 §8.1)', async () => {
    const res = await post({ query: '{ provinces { name } }' }, 'application/json; charset=iso-8859-1');
    assert.equal(res.status, 415);
    const ok = await post({ query: '{ provinces { name } }' }, 'application/json; charset=UTF-8');
    assert.equal(ok.status, 200, ok.text);
  });

  it('a compressed body is 415, not guessed at', async () => {
    const res = await gql(stack, { province: 'chongqing', token: bearer, headers: { 'Content-Encoding': 'gzip' } }, '{ provinces { name } }');
    assert.equal(res.status, 415);
    assert.match(res.body.errors[0].message, /content encoding "gzip" is not supported/);
  });

  it('a declared Content-Length over the limit is 413 before the body is read, and the connection closes', async () => {
    const id = clientIdentity(stack, 'chongqing', 'app');
    const { connect } = await import('node:tls');
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect({ host: 'localhost', port: stack.gateway.port, ca: id.ca, cert: id.cert, key: id.key }, () => {
        // Only the head is sent: a server that waited for 10 MB of body would never answer.
        socket.write(
          `POST /graphql HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${bearer}\r\nContent-Type: application/json\r\nContent-Length: 10000000\r\n\r\n{`,
        );
      });
      let text = '';
      socket.on('data', (d) => (text += d.toString('utf8')));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
      setTimeout(() => {
        socket.destroy();
        reject(new Error(`no answer: ${text}`));
      }, 5000).unref();
    });
    assert.match(answer, /^HTTP\/1\.1 413 /);
    assert.match(answer, /connection: close/i);
    assert.match(answer, /larger than 65536 bytes/);
  });

  it('a client that disconnects mid-body leaves the gateway serving', async () => {
    const id = clientIdentity(stack, 'chongqing', 'app');
    const { connect } = await import('node:tls');
    await new Promise<void>((resolve, reject) => {
      const socket = connect({ host: 'localhost', port: stack.gateway.port, ca: id.ca, cert: id.cert, key: id.key }, () => {
        socket.write(
          `POST /graphql HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${bearer}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"query":`,
        );
        setTimeout(() => {
          socket.destroy();
          resolve();
        }, 100);
      });
      socket.on('error', reject);
    });
    await new Promise((r) => setTimeout(r, 100));
    const res = await post({ query: '{ provinces { name } }' });
    assert.equal(res.status, 200, res.text);
  });

  it('a JSON body that is not an object is 400', async () => {
    const res = await post('"{ provinces { name } }"');
    assert.equal(res.status, 400);
    assert.match(res.body.errors[0].message, /not valid JSON/);
  });

  it('other paths are 404 with a GraphQL-shaped error', async () => {
    const { agent, id } = call();
    const res = await agent.get('/graphqlx').ca(id.ca).cert(id.cert).key(id.key);
    assert.equal(res.status, 404);
    assert.equal(res.body.errors[0].extensions.code, 'NOT_FOUND');
  });

  it('a too-deep query is refused before any fetch', async () => {
    let sel = 'id';
    for (let i = 0; i < 14; i++) sel = `mirrorSource { ${sel} }`;
    const res = await post({ query: `{ entry(id: "500000:101001/000001") { ${sel} } }` });
    assert.equal(res.status, 200, 'a request error, served as application/json');
    assert.equal(res.body.errors[0].extensions.code, 'QUERY_TOO_COMPLEX');
    assert.match(res.body.errors[0].message, /levels deep; the limit is 12/);
    const strict = await post({ query: `{ entry(id: "500000:101001/000001") { ${sel} } }` }, 'application/json', 'application/graphql-response+json');
    assert.equal(strict.status, 400);
    assert.equal(strict.body.errors[0].extensions.code, 'QUERY_TOO_COMPLEX');
  });

  it('an alias bomb is refused', async () => {
    const fields = Array.from({ length: 40 }, (_, i) => `a${i}: provinces { name }`).join(' ');
    const res = await post({ query: `{ ${fields} }` });
    assert.equal(res.status, 200, 'a request error, served as application/json');
    assert.equal(res.body.errors[0].extensions.code, 'QUERY_TOO_COMPLEX');
    assert.match(res.body.errors[0].message, /more than 30 aliases/);
  });

  it('a query over the token limit is refused', async () => {
    const res = await post({ query: `{ provinces { ${'name '.repeat(2500)} } }` });
    assert.equal(res.status, 200, 'a request error, served as application/json');
    assert.equal(res.body.errors[0].extensions.code, 'QUERY_TOO_COMPLEX');
    assert.equal(res.body.errors[0].message, 'query has more than 2000 tokens');
  });

  it('an operation that cannot be determined is a request error, never a 500', async () => {
    const two = { query: 'query A { provinces { name } } query B { provinces { name } }' };
    for (const body of [two, { ...two, operationName: 'C' }]) {
      const res = await post(body);
      assert.equal(res.status, 200, `${JSON.stringify(body)} ${res.text}`);
      assert.equal(res.body.errors[0].extensions.code, 'OPERATION_RESOLUTION_FAILURE', `${JSON.stringify(body)} ${res.text}`);
      const strict = await post(body, 'application/json', 'application/graphql-response+json');
      assert.equal(strict.status, 400, strict.text);
    }
    const named = await post({ ...two, operationName: 'C' });
    assert.match(named.body.errors[0].message, /no operation named "C"/);
    const chosen = await post({ ...two, operationName: 'B' });
    assert.equal(chosen.status, 200);
    assert.equal(chosen.body.data.provinces.length, 2);
  });

  it('the audit record carries the status the client received', async () => {
    const res = await post({ query: '{ provinces { name ' });
    assert.equal(res.status, 200);
    const strict = await post({ query: '{ provinces { name ' }, 'application/json', 'application/graphql-response+json');
    assert.equal(strict.status, 400);
    const db = new Database(stack.gateway.auditFile, { readonly: true });
    try {
      const status = (rid: string) =>
        (db.prepare('SELECT body FROM audit').all() as { body: string }[]).map((r) => JSON.parse(r.body)).find((b) => b.requestId === rid)?.httpStatus;
      assert.equal(status(String(res.headers['x-request-id'])), 200);
      assert.equal(status(String(strict.headers['x-request-id'])), 400);
    } finally {
      db.close();
    }
  });

  it('batched requests are refused', async () => {
    const res = await post([{ query: '{ provinces { name } }' }, { query: '{ provinces { name } }' }]);
    assert.equal(res.status, 400);
  });

  it('an unknown enum value and an over-long id are BAD_USER_INPUT or validation errors, never 500', async () => {
    const a = await post({ query: '{ directory(filter: { formats: [HOLOGRAM] }) { totalCount } }' });
    assert.equal(a.status, 200, 'a validation error, served as application/json');
    assert.equal(a.body.errors[0].extensions.code, 'GRAPHQL_VALIDATION_FAILED');
    const b = await gql(stack, { province: 'chongqing' }, 'query($id: ID!) { entry(id: $id) { id } }', { id: 'x'.repeat(100_00) });
    assert.equal(b.body.errors[0].extensions.code, 'BAD_USER_INPUT');
  });

  describe('operations endpoints', () => {
    it('/healthz answers', async () => {
      const { agent, id } = call();
      const res = await agent.get('/healthz').ca(id.ca);
      assert.equal(res.status, 200);
    });
    it('/readyz reports the supergraph and each province', async () => {
      const { agent, id } = call();
      const res = await agent.get('/readyz').ca(id.ca);
      assert.equal(res.status, 200);
      assert.equal(res.body.provinces.chongqing.reachable, true);
      assert.equal(res.body.provinces.sichuan.breaker, 'closed');
    });
    it('/metrics exposes latency, refusals, subgraph calls and breaker state', async () => {
      await post({ query: '{ directory(first: 1) { totalCount } }' });
      const { agent, id } = call();
      await agent.post('/graphql').ca(id.ca).send({}); // refused: no client certificate
      const res = await agent.get('/metrics').ca(id.ca);
      assert.equal(res.status, 200);
      assert.match(res.text, /chuanyu_gateway_request_duration_seconds_count\{province="chongqing",operation="directory",outcome="ok"\} \d+/);
      assert.match(res.text, /chuanyu_gateway_refusals_total\{reason="client_certificate_missing"\} \d+/);
      assert.match(res.text, /chuanyu_subgraph_fetch_duration_seconds_count\{province="sichuan",kind="index"\} \d+/);
      assert.match(res.text, /chuanyu_circuit_breaker_state\{province="sichuan"\} 0/);
      const committed = (unit: string) => Number(new RegExp(`chuanyu_audit_committed\\{unit="${unit}"\\} (\\d+)`).exec(res.text)?.[1]);
      assert.ok(committed('records') >= 2 && committed('batches') >= 1 && committed('batches') <= committed('records'), res.text.slice(0, 200));
    });
  });
});

describe('GraphQL over HTTP with introspection off (the production setting)', function () {
  let stack: TestStack;
  const app = { province: 'chongqing' };

  before(async () => {
    stack = await startStack({ configDir: configDirWith([], { introspection: false }) });
  });
  after(async () => stack?.close());

  it('refuses introspection', async () => {
    const res = await gql(stack, app, '{ __schema { types { name } } }');
    assert.equal(res.body.errors[0].extensions.code, 'GRAPHQL_VALIDATION_FAILED');
    assert.equal(res.body.data, undefined);
  });

  it('gives no field suggestions in validation errors (they would spell out the schema)', async () => {
    const res = await gql(stack, app, '{ provinces { nam } }');
    assert.equal(res.status, 200, 'a validation error, served as application/json');
    assert.equal(res.body.errors[0].extensions.code, 'GRAPHQL_VALIDATION_FAILED');
    assert.doesNotMatch(JSON.stringify(res.body), /Did you mean/);
  });

  it('still answers valid queries', async () => {
    const res = await gql(stack, app, '{ provinces { name } }');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.data.provinces.length, 2);
  });
});
