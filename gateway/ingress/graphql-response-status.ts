// The HTTP status of a GraphQL answer, from the media type it is served as.
//
// GraphQL over HTTP (draft), "Status Codes": with `application/json` the server SHOULD use 200 for
// every response to a well-formed GraphQL-over-HTTP request, whatever GraphQL request error it
// raised (examples "Document parsing failure", "Document validation failure", "Operation cannot be
// determined", "Variable coercion failure": 200), because a client cannot tell a 4xx
// `application/json` body from an intermediary's. With `application/graphql-response+json` the same
// errors are 400, since that media type guarantees the body is the server's.
//
// Apollo Server answers all four with 400 whatever the media type (parse and validation errors carry
// a fixed `http: 400`; variable coercion uses `status400ForVariableCoercionErrors`, deprecated in
// Apollo Server 5 and not per media type), so the legacy case is rewritten here, after Apollo has
// negotiated the content type. Everything else keeps Apollo's status: a request that is not
// well-formed (BAD_REQUEST, 400), a refusal (403 insufficient_scope), 405, 406, 5xx.
import type { HTTPGraphQLResponse } from '@apollo/server';
import { REQUEST_ERROR_CODES } from '../../common/errors.js';

function isApplicationJson(contentType: string | undefined): boolean {
  return contentType?.split(';', 1)[0]!.trim().toLowerCase() === 'application/json';
}

/** True when the body is a GraphQL response with no `data` entry and only request errors. */
function onlyRequestErrors(body: string): boolean {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return false;
  }
  if (typeof parsed !== 'object' || parsed === null || 'data' in parsed) return false;
  const errors = (parsed as { errors?: unknown }).errors;
  return (
    Array.isArray(errors) &&
    errors.length > 0 &&
    errors.every((e: { extensions?: { code?: unknown } } | null) => {
      const code = e?.extensions?.code;
      return typeof code === 'string' && REQUEST_ERROR_CODES.has(code);
    })
  );
}

/** The status to send for Apollo's answer to a GraphQL request. */
export function graphqlResponseStatus(answer: HTTPGraphQLResponse): number {
  const status = answer.status ?? 200;
  // Only Apollo's 400 can be a request error; reading the body is left to that (rare) case.
  if (status !== 400 || answer.body.kind !== 'complete') return status;
  if (!isApplicationJson(answer.headers.get('content-type'))) return status;
  return onlyRequestErrors(answer.body.string) ? 200 : status;
}
