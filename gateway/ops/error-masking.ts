// What a caller may see of an error. Codes marked visible in common/errors.ts pass through with
// their message; a failed fetch to a province becomes PROVINCE_UNAVAILABLE naming the province
// (never its URL); anything else is "internal error" (no stack traces, URLs, paths).
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { ProvinceConfig } from '../../common/config.js';
import { VISIBLE_EXTENSIONS, isVisibleCode, provinceUnavailable, type ErrorCode } from '../../common/errors.js';

// graphql-js's message when the parser stops at `maxTokens` (its wording, typo included).
const TOKEN_LIMIT = /^Syntax Error: Document contains more th(?:an|at) (\d+) tokens/;

/**
 * Apollo Server reports every validation-rule error as GRAPHQL_VALIDATION_FAILED and the parser's
 * token limit as GRAPHQL_PARSE_FAILED; the caller should learn that the query was too complex,
 * which our limit rules say with their own code (gateway/policy/query-limits.ts).
 */
function limitCode(formatted: GraphQLFormattedError, error: unknown): { code: 'QUERY_TOO_COMPLEX'; message: string } | null {
  const code = formatted.extensions?.code;
  if (code === 'GRAPHQL_VALIDATION_FAILED' && error instanceof GraphQLError) {
    const original = error.originalError;
    if (original instanceof GraphQLError && original.extensions.code === 'QUERY_TOO_COMPLEX') return { code: 'QUERY_TOO_COMPLEX', message: formatted.message };
  }
  if (code === 'GRAPHQL_PARSE_FAILED') {
    const m = TOKEN_LIMIT.exec(formatted.message);
    if (m) return { code: 'QUERY_TOO_COMPLEX', message: `query has more than ${m[1]} tokens` };
  }
  return null;
}

export function makeErrorFormatter(provinces: ProvinceConfig[], mask: boolean) {
  const byService = new Map(provinces.map((p) => [p.id, p]));
  return (formatted: GraphQLFormattedError, error?: unknown): GraphQLFormattedError => {
    const ext = (formatted.extensions ?? {}) as Record<string, unknown>;
    const limit = limitCode(formatted, error);
    if (limit) return { message: limit.message, locations: formatted.locations, extensions: { code: limit.code } };
    const code = typeof ext.code === 'string' ? ext.code : 'INTERNAL_SERVER_ERROR';
    const service = typeof ext.serviceName === 'string' ? byService.get(ext.serviceName) : undefined;
    if (service && !isVisibleCode(code)) {
      const unavailable = provinceUnavailable(service, 'its fields');
      return { message: unavailable.message, path: formatted.path, extensions: unavailable.extensions };
    }
    if (!mask) return formatted;
    if (!isVisibleCode(code)) return { message: 'internal error', path: formatted.path, extensions: { code: 'INTERNAL_SERVER_ERROR' satisfies ErrorCode } };
    const extensions = Object.fromEntries(VISIBLE_EXTENSIONS.filter((k) => ext[k] !== undefined).map((k) => [k, ext[k]]));
    return { message: formatted.message, locations: formatted.locations, path: formatted.path, extensions };
  };
}
