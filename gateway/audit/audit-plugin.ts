// The gateway's audit record for every GraphQL request that crosses it: written, and durable,
// before the response is sent (Apollo awaits willSendResponse before writing the body).
import type { ApolloServerPlugin } from '@apollo/server';
import { createHash } from 'node:crypto';
import type { AuditLog } from '../../common/audit/audit-log.js';
import { currentTraceId, inSpan } from '../../common/tracing.js';
import type { GatewayContext } from '../context.js';
import type { RootFieldTable } from '../policy/root-fields.js';

export function auditPlugin(log: AuditLog, rootFields: RootFieldTable): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue, operation, operationName, response, errors, request, queryHash: known, document }) {
          // Apollo Server has already hashed the query (SHA-256 hex) for its document cache.
          const queryHash = known ?? (request.query ? createHash('sha256').update(request.query).digest('hex') : null);
          const caller = contextValue.caller;
          const body = response.body.kind === 'single' ? response.body.singleResult : null;
          const all = errors ?? body?.errors ?? [];
          const codes = [...new Set(all.map((e) => String(e.extensions?.code ?? 'ERROR')))];
          const reason = all.map((e) => e.extensions?.reason).find((r) => typeof r === 'string') ?? null;
          const hasData = !!body?.data && Object.values(body.data).some((v) => v !== null);
          // Refused by policy (scope, budget), not failed: nothing ran.
          const refused = codes.includes('FORBIDDEN') || codes.includes('QUERY_TOO_EXPENSIVE');
          const outcome = codes.length === 0 ? 'ok' : hasData ? 'partial' : refused ? 'refused' : 'error';
          // The trace this request ran in (tracing on), so a record leads to its spans and back.
          const traceId = currentTraceId();
          const record = {
            kind: 'request',
            requestId: caller.requestId,
            province: caller.province,
            subject: caller.subject,
            certThumbprint: caller.certThumbprint,
            operationType: operation?.operation ?? null,
            operationName: operationName ?? null,
            // Whether the operation may change a catalogue (a root field declared write: true).
            write: operation && document ? rootFields.forOperation(operation, document).write : false,
            queryHash,
            provincesTouched: [...contextValue.touched].sort(),
            outcome,
            errorCodes: codes,
            reason,
            httpStatus: response.http.status ?? 200,
            ...(traceId ? { traceId } : {}),
            ...contextValue.auditNotes,
          };
          await inSpan('audit.commit', { 'chuanyu.audit.chain': log.chain }, () => log.append(record));
        },
      };
    },
  };
}
