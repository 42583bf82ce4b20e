// A request refused before GraphQL ran (certificate, token, ambiguous credentials): logged,
// counted, and recorded in the audit chain — durable before the refusal is sent. The record names
// the reason, the province and the certificate thumbprint when known, never the token.
import type { Logger } from 'pino';
import type { AuditLog } from '../../common/audit/audit-log.js';
import { currentTraceId, inSpan } from '../../common/tracing.js';
import type { Refusal } from '../identity/authenticate.js';
import type { GatewayMetrics } from '../ops/metrics.js';

function refusalRecord(refusal: Refusal, requestId: string, traceId: string | undefined): Record<string, unknown> {
  return {
    kind: 'refusal',
    requestId,
    province: refusal.province ?? null,
    certThumbprint: refusal.certThumbprint ?? null,
    outcome: 'refused',
    reason: refusal.reason,
    httpStatus: refusal.status,
    ...(traceId ? { traceId } : {}),
  };
}

export function refusalRecorder(audit: AuditLog, metrics: GatewayMetrics, log: Logger, observe?: (refusal: Refusal) => void) {
  return async (refusal: Refusal, requestId: string): Promise<void> => {
    const traceId = currentTraceId();
    log.warn({ requestId, ...(traceId ? { traceId } : {}), reason: refusal.reason, province: refusal.province }, 'request refused');
    metrics.refusals.inc({ reason: refusal.reason });
    observe?.(refusal);
    await inSpan('audit.commit', { 'chuanyu.audit.chain': audit.chain }, () => audit.append(refusalRecord(refusal, requestId, traceId)));
  };
}
