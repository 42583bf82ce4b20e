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
// Apollo Server 5 and not per media type), and it picks the media type only after the request's
// plugins have run. So the plugin below picks it first, exactly as Apollo would (same negotiator,
// same candidates, same order), and sets the status in `willSendResponse`, before the audit and
// metrics plugins read it: what they record is what the client receives. Everything else keeps
// Apollo's status: a request that is not well-formed (BAD_REQUEST, 400), a refusal (403
// insufficient_scope), 405, 406, 5xx.
import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLFormattedError } from 'graphql';
import Negotiator from 'negotiator';
import { REQUEST_ERROR_CODES } from '../../common/errors.js';

// Apollo Server's media types for a single result, in its order of preference.
const APPLICATION_JSON = 'application/json; charset=utf-8';
const MEDIA_TYPES = [APPLICATION_JSON, 'application/graphql-response+json; charset=utf-8', 'application/json; graphql-callback; charset=utf-8'];

/** The media type Apollo Server would answer with; null when the Accept header allows none (406). */
export function responseMediaType(accept: string | undefined): string | null {
  if (!accept) return APPLICATION_JSON;
  return new Negotiator({ headers: { accept } }).mediaType(MEDIA_TYPES) ?? null;
}

function isApplicationJson(contentType: string | undefined): boolean {
  return contentType !== undefined && contentType.split(';', 1)[0]!.trim().toLowerCase() === 'application/json';
}

export interface SingleResult {
  data?: unknown;
  errors?: readonly GraphQLFormattedError[] | null;
}

/** The status to send: request errors alone, without a `data` entry, are 200 as `application/json`. */
export function graphqlResponseStatus(status: number, contentType: string | undefined, result: SingleResult): number {
  if (status !== 400 || !isApplicationJson(contentType) || 'data' in result) return status;
  const errors = result.errors ?? [];
  const onlyRequestErrors =
    errors.length > 0 &&
    errors.every((e) => {
      const code = (e as GraphQLFormattedError | null)?.extensions?.code;
      return typeof code === 'string' && REQUEST_ERROR_CODES.has(code);
    });
  return onlyRequestErrors ? 200 : status;
}

/** Must come before the audit and metrics plugins, which record the status. */
export function responseStatusPlugin(): ApolloServerPlugin {
  return {
    async requestDidStart({ request, response }) {
      const mediaType = responseMediaType(request.http?.headers.get('accept'));
      // Left unset when nothing is acceptable, so Apollo answers 406 itself.
      if (mediaType && !response.http.headers.get('content-type')) response.http.headers.set('content-type', mediaType);
      return {
        async willSendResponse({ response: answer }) {
          if (answer.body.kind !== 'single') return;
          answer.http.status = graphqlResponseStatus(answer.http.status ?? 200, answer.http.headers.get('content-type'), answer.body.singleResult);
        },
      };
    },
  };
}
