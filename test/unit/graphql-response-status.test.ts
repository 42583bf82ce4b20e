// The status rule of GraphQL over HTTP (draft, "Status Codes"): request errors are 200 when served
// as application/json and stay 400 as application/graphql-response+json; nothing else is changed.
import { HeaderMap, type HTTPGraphQLResponse } from '@apollo/server';
import { strict as assert } from 'node:assert';
import { graphqlResponseStatus } from '../../gateway/ingress/graphql-response-status.js';

const JSON_TYPE = 'application/json; charset=utf-8';
const GRAPHQL_RESPONSE_TYPE = 'application/graphql-response+json; charset=utf-8';

function answer(status: number | undefined, contentType: string | undefined, body: unknown): HTTPGraphQLResponse {
  const headers = new HeaderMap();
  if (contentType) headers.set('content-type', contentType);
  return { status, headers, body: { kind: 'complete', string: typeof body === 'string' ? body : JSON.stringify(body) } };
}

const errorsWith = (...codes: string[]) => ({ errors: codes.map((code) => ({ message: code, extensions: { code } })) });

describe('graphqlResponseStatus', () => {
  for (const code of ['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'OPERATION_RESOLUTION_FAILURE', 'BAD_USER_INPUT']) {
    it(`${code}: 200 as application/json, 400 as application/graphql-response+json`, () => {
      assert.equal(graphqlResponseStatus(answer(400, JSON_TYPE, errorsWith(code))), 200);
      assert.equal(graphqlResponseStatus(answer(400, GRAPHQL_RESPONSE_TYPE, errorsWith(code))), 400);
    });
  }

  it('reads the media type case-insensitively and without parameters', () => {
    assert.equal(graphqlResponseStatus(answer(400, 'Application/JSON', errorsWith('GRAPHQL_PARSE_FAILED'))), 200);
    assert.equal(graphqlResponseStatus(answer(400, 'application/jsonx', errorsWith('GRAPHQL_PARSE_FAILED'))), 400);
  });

  it('several validation errors together are still request errors', () => {
    assert.equal(graphqlResponseStatus(answer(400, JSON_TYPE, errorsWith('GRAPHQL_VALIDATION_FAILED', 'GRAPHQL_VALIDATION_FAILED'))), 200);
  });

  it('a request that is not well-formed keeps 400 (invalid parameters, batching off)', () => {
    assert.equal(graphqlResponseStatus(answer(400, JSON_TYPE, errorsWith('BAD_REQUEST'))), 400);
    assert.equal(graphqlResponseStatus(answer(400, JSON_TYPE, errorsWith('GRAPHQL_VALIDATION_FAILED', 'BAD_REQUEST'))), 400);
  });

  it('refusals and other statuses are never rewritten', () => {
    assert.equal(graphqlResponseStatus(answer(403, JSON_TYPE, errorsWith('FORBIDDEN'))), 403);
    assert.equal(graphqlResponseStatus(answer(403, JSON_TYPE, errorsWith('GRAPHQL_VALIDATION_FAILED'))), 403);
    assert.equal(graphqlResponseStatus(answer(405, JSON_TYPE, errorsWith('BAD_REQUEST'))), 405);
    assert.equal(graphqlResponseStatus(answer(500, JSON_TYPE, errorsWith('INTERNAL_SERVER_ERROR'))), 500);
    assert.equal(graphqlResponseStatus(answer(200, JSON_TYPE, { data: { a: 1 } })), 200);
    assert.equal(graphqlResponseStatus(answer(undefined, JSON_TYPE, { data: { a: 1 } })), 200);
  });

  it('a 400 with a data entry, no errors, an uncoded error or a body that is not JSON keeps 400', () => {
    assert.equal(graphqlResponseStatus(answer(400, JSON_TYPE, { data: null, ...errorsWith('BAD_USER_INPUT') })), 400);
    assert.equal(graphqlResponseStatus(answer(400, JSON_TYPE, { errors: [] })), 400);
    assert.equal(graphqlResponseStatus(answer(400, JSON_TYPE, { errors: [{ message: 'x' }, null] })), 400);
    assert.equal(graphqlResponseStatus(answer(400, JSON_TYPE, 'not json')), 400);
    assert.equal(graphqlResponseStatus(answer(400, JSON_TYPE, '[]')), 400);
  });

  it('without a content type, or for a streamed answer, keeps the status', () => {
    assert.equal(graphqlResponseStatus(answer(400, undefined, errorsWith('GRAPHQL_PARSE_FAILED'))), 400);
    const chunked: HTTPGraphQLResponse = {
      status: 400,
      headers: new HeaderMap([['content-type', JSON_TYPE]]),
      body: { kind: 'chunked', asyncIterator: (async function* () {})() },
    };
    assert.equal(graphqlResponseStatus(chunked), 400);
  });
});
