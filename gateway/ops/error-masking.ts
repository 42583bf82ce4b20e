// What a caller may see of an error. Codes the gateway itself raises with caller-facing
// messages pass through; a failed fetch to a province becomes PROVINCE_UNAVAILABLE naming the
// province (never its URL); anything else is "internal error" (no stack traces, URLs, paths).
import type { GraphQLFormattedError } from 'graphql';
import type { ProvinceConfig } from '../../common/config.js';

const PASS_THROUGH = new Set([
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'FORBIDDEN',
  'UNAUTHENTICATED',
  'NOT_FOUND',
  'NOT_A_MIRROR',
  'VERSION_CONFLICT',
  'IDEMPOTENCY_KEY_REUSED',
  'PROVINCE_UNAVAILABLE',
  'MIRROR_SOURCE_UNAVAILABLE',
  'ISSUER_NOT_FEDERATED',
  'QUERY_TOO_COMPLEX',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
]);

// Extensions a caller may see; the rest (serviceName, http, exception, stacktrace) stay inside.
const VISIBLE_EXTENSIONS = ['code', 'reason', 'field', 'province', 'division'];

export function makeErrorFormatter(provinces: ProvinceConfig[], mask: boolean) {
  const byService = new Map(provinces.map((p) => [p.id, p]));
  return (formatted: GraphQLFormattedError): GraphQLFormattedError => {
    const ext = (formatted.extensions ?? {}) as Record<string, unknown>;
    const code = typeof ext.code === 'string' ? ext.code : 'INTERNAL_SERVER_ERROR';
    const service = typeof ext.serviceName === 'string' ? byService.get(ext.serviceName) : undefined;
    if (service && !PASS_THROUGH.has(code)) {
      return {
        message: `${service.enumValue} (${service.platform.name} ${service.platform.romanized}) is unavailable; its fields are missing`,
        path: formatted.path,
        extensions: { code: 'PROVINCE_UNAVAILABLE', province: service.enumValue },
      };
    }
    if (!mask) return formatted;
    const extensions = Object.fromEntries(VISIBLE_EXTENSIONS.filter((k) => ext[k] !== undefined).map((k) => [k, ext[k]]));
    if (!PASS_THROUGH.has(code)) {
      return { message: 'internal error', path: formatted.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
    }
    return { message: formatted.message, locations: formatted.locations, path: formatted.path, extensions };
  };
}
