// The status rule of GraphQL over HTTP (draft, "Status Codes"): request errors are 200 when served
// as application/json and stay 400 as application/graphql-response+json; nothing else is changed.
// And the media type is the one Apollo Server would pick.
import { strict as assert } from 'node:assert';
import { graphqlResponseStatus, responseMediaType } from '../../gateway/ingress/graphql-response-status.js';

const JSON_TYPE = 'application/json; charset=utf-8';
const GRAPHQL_RESPONSE_TYPE = 'application/graphql-response+json; charset=utf-8';

const errorsWith = (...codes: string[]) => ({ errors: codes.map((code) => ({ message: code, extensions: { code } })) });

describe('graphqlResponseStatus', () => {
  for (const code of ['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'OPERATION_RESOLUTION_FAILURE', 'BAD_USER_INPUT', 'QUERY_TOO_COMPLEX']) {
    it(`${code}: 200 as application/json, 400 as application/graphql-response+json`, () => {
      assert.equal(graphqlResponseStatus(400, JSON_TYPE, errorsWith(code)), 200);
      assert.equal(graphqlResponseStatus(400, GRAPHQL_RESPONSE_TYPE, errorsWith(code)), 400);
    });
  }

  it('reads the media type case-insensitively and without parameters', () => {
    assert.equal(graphqlResponseStatus(400, 'Application/JSON', errorsWith('GRAPHQL_PARSE_FAILED')), 200);
    assert.equal(graphqlResponseStatus(400, 'application/jsonx', errorsWith('GRAPHQL_PARSE_FAILED')), 400);
  });

  it('several validation errors together are still request errors', () => {
    assert.equal(graphqlResponseStatus(400, JSON_TYPE, errorsWith('GRAPHQL_VALIDATION_FAILED', 'GRAPHQL_VALIDATION_FAILED')), 200);
  });

  it('a request that is not well-formed keeps 400 (invalid parameters, batching off)', () => {
    assert.equal(graphqlResponseStatus(400, JSON_TYPE, errorsWith('BAD_REQUEST')), 400);
    assert.equal(graphqlResponseStatus(400, JSON_TYPE, errorsWith('GRAPHQL_VALIDATION_FAILED', 'BAD_REQUEST')), 400);
  });

  it('refusals and other statuses are never rewritten', () => {
    assert.equal(graphqlResponseStatus(403, JSON_TYPE, errorsWith('FORBIDDEN')), 403);
    assert.equal(graphqlResponseStatus(403, JSON_TYPE, errorsWith('GRAPHQL_VALIDATION_FAILED')), 403);
    assert.equal(graphqlResponseStatus(405, JSON_TYPE, errorsWith('BAD_REQUEST')), 405);
    assert.equal(graphqlResponseStatus(500, JSON_TYPE, errorsWith('INTERNAL_SERVER_ERROR')), 500);
    assert.equal(graphqlResponseStatus(200, JSON_TYPE, { data: { a: 1 } }), 200);
  });

  it('a 400 with a data entry, no errors or an uncoded error keeps 400', () => {
    assert.equal(graphqlResponseStatus(400, JSON_TYPE, { data: null, ...errorsWith('BAD_USER_INPUT') }), 400);
    assert.equal(graphqlResponseStatus(400, JSON_TYPE, { errors: [] }), 400);
    assert.equal(graphqlResponseStatus(400, JSON_TYPE, { errors: [{ message: 'x' }, null as never] }), 400);
  });

  it('without a content type keeps the status', () => {
    assert.equal(graphqlResponseStatus(400, undefined, errorsWith('GRAPHQL_PARSE_FAILED')), 400);
  });
});

describe('responseMediaType (as Apollo Server negotiates)', () => {
  it('application/json without Accept, or for */*', () => {
    assert.equal(responseMediaType(undefined), JSON_TYPE);
    assert.equal(responseMediaType('*/*'), JSON_TYPE);
  });
  it('graphql-response+json when preferred, application/json on a tie (Apollo lists it first)', () => {
    assert.equal(responseMediaType('application/graphql-response+json'), GRAPHQL_RESPONSE_TYPE);
    assert.equal(responseMediaType('application/graphql-response+json, application/json;q=0.9'), GRAPHQL_RESPONSE_TYPE);
    assert.equal(responseMediaType('application/json, application/graphql-response+json'), JSON_TYPE);
  });
  it('null when nothing acceptable (Apollo answers 406)', () => {
    assert.equal(responseMediaType('text/html'), null);
  });
});
