// Every error code the stack answers with, in one place: which of them a caller may see, and
// small factories for the GraphQL errors. The gateway's error formatter, the province subgraph's
// index API and the resolvers all take their codes from here, so a new code is one entry.
import { GraphQLError, type ASTNode } from 'graphql';

/**
 * `visible`: a caller may see the code and its message as raised (they are written for callers and
 * name nothing internal). Anything else reaching the gateway's formatter becomes
 * `INTERNAL_SERVER_ERROR` ("internal error"), or `PROVINCE_UNAVAILABLE` when a province raised it.
 * `request`: a GraphQL request error (GraphQL over HTTP, "Status Codes"): the request was well-formed
 * but its document cannot run, so nothing executed; gateway/ingress/graphql-response-status.ts
 * serves these as 200 with `application/json` and 400 with `application/graphql-response+json`.
 */
export const ERROR_CODES = {
  // Raised by the gateway and the provinces.
  // Variable coercion failures are request errors; the same code raised by a resolver comes with data.
  BAD_USER_INPUT: { visible: true, request: true },
  BAD_REQUEST: { visible: true },
  UNAUTHENTICATED: { visible: true },
  FORBIDDEN: { visible: true },
  NOT_FOUND: { visible: true },
  NOT_A_MIRROR: { visible: true },
  VERSION_CONFLICT: { visible: true },
  IDEMPOTENCY_KEY_REUSED: { visible: true },
  PROVINCE_UNAVAILABLE: { visible: true },
  MIRROR_SOURCE_UNAVAILABLE: { visible: true },
  // GB/T 43697: mounting 重要数据 (or accepting a change that made it so) needs an approval reference.
  APPROVAL_REQUIRED: { visible: true },
  // acceptMirrorChange on a mirror that has no change waiting for review.
  MIRROR_NOT_CHANGED: { visible: true },
  // cancelMountJob on a job that has already ended (DONE or FAILED).
  MOUNT_JOB_FINISHED: { visible: true },
  ISSUER_NOT_FEDERATED: { visible: true },
  QUERY_TOO_COMPLEX: { visible: true, request: true },
  // 429 (RFC 6585 §4): the caller's or its province's rate limit is spent; `reason` says which.
  RATE_LIMITED: { visible: true },
  // The DCAT-AP export (GET /catalogue/dcat): 406 for an Accept it cannot serve (RFC 9110 §15.5.7;
  // it serves text/turtle and application/ld+json), 405 for a method other than GET or HEAD.
  NOT_ACCEPTABLE: { visible: true },
  METHOD_NOT_ALLOWED: { visible: true },
  // Trusted documents in `enforce` mode: the request's document is not in a manifest (400, refused at ingress).
  PERSISTED_QUERY_NOT_ALLOWED: { visible: true },
  // Demand control: the operation's estimated cost is over the budget (`cost`, `maxCost` in extensions).
  QUERY_TOO_EXPENSIVE: { visible: true, request: true },
  // Raised by Apollo Server for the request itself.
  GRAPHQL_PARSE_FAILED: { visible: true, request: true },
  GRAPHQL_VALIDATION_FAILED: { visible: true, request: true },
  OPERATION_RESOLUTION_FAILURE: { visible: true, request: true },
  PERSISTED_QUERY_NOT_FOUND: { visible: true },
  PERSISTED_QUERY_NOT_SUPPORTED: { visible: true },
  // Between a province and the gateway only: the province cannot record a write, so it wrote
  // nothing; the caller is told the province is unavailable.
  AUDIT_UNAVAILABLE: { visible: false },
  // Never passed through as raised: the formatter writes its own fixed message.
  INTERNAL_SERVER_ERROR: { visible: false },
} as const satisfies Record<string, { visible: boolean; request?: true }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Codes of GraphQL request errors (see `request` above). */
export const REQUEST_ERROR_CODES: ReadonlySet<string> = new Set(
  Object.entries(ERROR_CODES)
    .filter(([, c]) => 'request' in c)
    .map(([code]) => code),
);

export function isVisibleCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERROR_CODES, code) && ERROR_CODES[code as ErrorCode].visible;
}

/** Extensions a caller may see; the rest (serviceName, http, exception, stacktrace) stay inside. */
export const VISIBLE_EXTENSIONS = ['code', 'reason', 'field', 'province', 'division', 'cost', 'maxCost'] as const;

export function codedError(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}, nodes?: readonly ASTNode[]): GraphQLError {
  return new GraphQLError(message, { ...(nodes ? { nodes } : {}), extensions: { ...extensions, code } });
}

export function badInput(message: string, field?: string): GraphQLError {
  return codedError('BAD_USER_INPUT', message, field ? { field } : {});
}

export function forbidden(message: string): GraphQLError {
  return codedError('FORBIDDEN', message);
}

/** The province as callers know it: `SICHUAN (天府通办 Tianfu Tongban)`. */
export interface NamedProvince {
  enumValue: string;
  platform: { name: string; romanized: string };
}

/**
 * A province that could not answer: named, never by its URL. `missing` says what the caller lacks
 * because of it ("its results", "its fields").
 */
export function provinceUnavailable(province: NamedProvince, missing: string): GraphQLError {
  return codedError(
    'PROVINCE_UNAVAILABLE',
    `${province.enumValue} (${province.platform.name} ${province.platform.romanized}) is unavailable; ${missing} are missing`,
    {
      province: province.enumValue,
    },
  );
}

/** A well-formed e-certificate identifier issued in a division that no configured province covers. */
export function issuerNotFederated(division: string): GraphQLError {
  return codedError(
    'ISSUER_NOT_FEDERATED',
    `identifier: the issuer is in division ${division}, where no federated province issues certificates; verify it with that region's own service`,
    {
      division,
      field: 'identifier',
    },
  );
}

export function queryTooComplex(message: string, nodes?: readonly ASTNode[]): GraphQLError {
  return codedError('QUERY_TOO_COMPLEX', message, {}, nodes);
}
