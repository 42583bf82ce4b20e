// A request carries exactly one credential, in exactly one Authorization header (RFC 6750 §2,
// §3.1), and its text is valid UTF-8 (RFC 8259 §8.1). Anything else is refused before GraphQL
// runs; credential refusals are recorded in the audit chain.
import { strict as assert } from 'node:assert';
import https from 'node:https';
import { auditRecordFor, auditRecordsFor, clientIdentity, startStack, token, type ClientIdentity, type TestStack } from '../support/stack.js';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: { data?: unknown; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> };
  text: string;
}

/** One request with raw headers as given (so a header can be sent twice) and a raw body. */
function send(
  port: number,
  id: ClientIdentity,
  opts: { method?: string; path?: string; headers: Array<[string, string]>; body?: Buffer | string },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      { host: 'localhost', port, method: opts.method ?? 'POST', path: opts.path ?? '/graphql', ca: id.ca, cert: id.cert, key: id.key, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text ? JSON.parse(text) : {}, text });
        });
      },
    );
    req.on('error', reject);
    const grouped = new Map<string, string[]>();
    for (const [k, v] of opts.headers) grouped.set(k, [...(grouped.get(k) ?? []), v]);
    // An array value is sent as one header line per element.
    for (const [k, v] of grouped) req.setHeader(k, v.length === 1 ? v[0]! : v);
    req.end(opts.body);
  });
}

const QUERY = JSON.stringify({ query: '{ directory(first: 1) { totalCount } }' });
const JSON_HEADER: [string, string] = ['Content-Type', 'application/json'];

describe('ambiguous credentials and invalid UTF-8 are refused (e2e)', function () {
  let stack: TestStack;
  let id: ClientIdentity;
  let valid: string;

  before(async function () {
    stack = await startStack();
    id = clientIdentity(stack, 'chongqing', 'app');
    valid = await token(stack, 'chongqing', 'app', 'catalogue:read');
  });
  after(async () => stack?.close());

  function expectAmbiguous(res: Answer) {
    assert.equal(res.status, 400, res.text);
    assert.match(String(res.headers['www-authenticate']), /^Bearer realm="chuanyu-gateway", error="invalid_request", error_description="/);
    assert.equal(res.body.data, undefined);
    assert.equal(res.body.errors?.[0]?.extensions?.code, 'BAD_REQUEST');
    assert.equal(res.body.errors?.[0]?.extensions?.reason, 'credentials_ambiguous');
    assert.ok(!res.text.includes(valid.split('.')[2]!), 'the refusal does not echo the token');
    const rec = auditRecordFor(stack.gateway.auditFile, String(res.headers['x-request-id']));
    assert.ok(rec, 'refusal recorded');
    assert.equal(rec.kind, 'refusal');
    assert.equal(rec.reason, 'credentials_ambiguous');
    assert.equal(rec.httpStatus, 400);
    assert.equal(rec.province, 'chongqing');
  }

  /** The request was recorded as a refusal, and no operation ran (no 'request' record). */
  function expectRefusalRecord(res: Answer, reason: string, status: number) {
    const records = auditRecordsFor(stack.gateway.auditFile, String(res.headers['x-request-id']));
    assert.equal(records.length, 1, 'one record: the refusal, no operation');
    assert.deepEqual([records[0]!.kind, records[0]!.reason, records[0]!.httpStatus, records[0]!.province], ['refusal', reason, status, 'chongqing']);
  }

  it('positive control: one Authorization header is served', async function () {
    const res = await send(stack.gateway.port, id, { headers: [['Authorization', `Bearer ${valid}`], JSON_HEADER], body: QUERY });
    assert.equal(res.status, 200, res.text);
  });

  it('two Authorization headers, the valid one first → 400 invalid_request, not served', async function () {
    const res = await send(stack.gateway.port, id, {
      headers: [['Authorization', `Bearer ${valid}`], ['Authorization', 'Bearer junk'], JSON_HEADER],
      body: QUERY,
    });
    expectAmbiguous(res);
  });

  it('two Authorization headers, both the same valid token → 400 invalid_request', async function () {
    const res = await send(stack.gateway.port, id, {
      headers: [['Authorization', `Bearer ${valid}`], ['Authorization', `Bearer ${valid}`], JSON_HEADER],
      body: QUERY,
    });
    expectAmbiguous(res);
  });

  it('a token in the header and another in the query string → 400 invalid_request', async function () {
    const res = await send(stack.gateway.port, id, {
      path: '/graphql?access_token=other',
      headers: [['Authorization', `Bearer ${valid}`], JSON_HEADER],
      body: QUERY,
    });
    expectAmbiguous(res);
  });

  it('a token in the header and also in the body → 400 invalid_request, nothing executed', async function () {
    const body = JSON.stringify({ query: '{ directory(first: 1) { totalCount } }', access_token: valid });
    const res = await send(stack.gateway.port, id, { headers: [['Authorization', `Bearer ${valid}`], JSON_HEADER], body });
    expectAmbiguous(res);
  });

  it('a body that is not valid UTF-8 → 400 with a clear message, nothing executed', async function () {
    // "万州" with its last byte cut, inside the search string: a lenient decoder would run the
    // search for "万\uFFFD".
    const bytes = Buffer.concat([
      Buffer.from('{"query":"{ directory(search: \\"'),
      Buffer.from('万州').subarray(0, 5),
      Buffer.from('\\", first: 1) { totalCount } }"}'),
    ]);
    const res = await send(stack.gateway.port, id, { headers: [['Authorization', `Bearer ${valid}`], JSON_HEADER], body: bytes });
    assert.equal(res.status, 400, res.text);
    assert.equal(res.body.errors?.[0]?.message, 'request body is not valid UTF-8');
    assert.equal(res.body.errors?.[0]?.extensions?.code, 'BAD_REQUEST');
    assert.equal(res.body.errors?.[0]?.extensions?.reason, 'body_not_utf8');
    assert.equal(res.body.data, undefined);
    expectRefusalRecord(res, 'body_not_utf8', 400);
  });

  it('a lone surrogate or overlong encoding in the body → 400', async function () {
    for (const bad of [Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xc0, 0xaf]), Buffer.from([0xff])]) {
      const bytes = Buffer.concat([Buffer.from('{"query":"{ directory(search: \\"'), bad, Buffer.from('\\") { totalCount } }"}')]);
      const res = await send(stack.gateway.port, id, { headers: [['Authorization', `Bearer ${valid}`], JSON_HEADER], body: bytes });
      assert.equal(res.status, 400, `${bad.toString('hex')}: ${res.text}`);
    }
  });

  it('every request-level refusal is recorded with its reason: content type, encoding, Idempotency-Key, size, JSON', async function () {
    const auth: [string, string] = ['Authorization', `Bearer ${valid}`];
    const cases: Array<[Array<[string, string]>, string | Buffer, number, string]> = [
      [[auth, ['Content-Type', 'text/plain']], QUERY, 415, 'content_type_unsupported'],
      [[auth, JSON_HEADER, ['Content-Encoding', 'gzip']], QUERY, 415, 'content_encoding_unsupported'],
      [[auth, JSON_HEADER, ['Idempotency-Key', 'short']], QUERY, 400, 'idempotency_key_invalid'],
      [[auth, JSON_HEADER], 'x'.repeat(70 * 1024), 413, 'body_too_large'],
      [[auth, JSON_HEADER], '{"query": ', 400, 'body_not_json'],
    ];
    for (const [headers, body, status, reason] of cases) {
      const res = await send(stack.gateway.port, id, { headers, body });
      assert.equal(res.status, status, `${reason}: ${res.text}`);
      assert.equal(res.body.errors?.[0]?.extensions?.reason, reason);
      expectRefusalRecord(res, reason, status);
    }
  });

  it('a GET query string whose percent-encoding is not UTF-8 → 400, nothing executed', async function () {
    const query = encodeURIComponent('{ directory(search: "x", first: 1) { totalCount } }').replace('x', '%E4%B8');
    const res = await send(stack.gateway.port, id, {
      method: 'GET',
      path: `/graphql?query=${query}`,
      headers: [
        ['Authorization', `Bearer ${valid}`],
        ['apollo-require-preflight', '1'],
      ],
    });
    assert.equal(res.status, 400, res.text);
    assert.equal(res.body.errors?.[0]?.message, 'the query string is not valid percent-encoded UTF-8');
    expectRefusalRecord(res, 'query_string_not_utf8', 400);
    // Valid percent-encoded UTF-8 (万州) is served.
    const ok = encodeURIComponent('{ directory(search: "万州", first: 1) { totalCount } }');
    const served = await send(stack.gateway.port, id, {
      method: 'GET',
      path: `/graphql?query=${ok}`,
      headers: [
        ['Authorization', `Bearer ${valid}`],
        ['apollo-require-preflight', '1'],
      ],
    });
    assert.equal(served.status, 200, served.text);
  });
});
