// A request refused before GraphQL ran (certificate, token, ambiguous credentials): logged,
// counted, and recorded in the audit chain — durable before the refusal is sent. The record names
// the reason, the province and the certificate thumbprint when known, never the token.
import type { Logger } from 'pino';
import type { AuditLog } from '../../common/audit/audit-log.js';
import type { Refusal } from '../identity/authenticate.js';
import type { GatewayMetrics } from '../ops/metrics.js';

function refusalRecord(refusal: Refusal, requestId: string): Record<string, unknown> {
  return {
    kind: 'refusal',
    requestId,
    province: refusal.province ?? null,
    certThumbprint: refusal.certThumbprint ?? null,
    outcome: 'refused',
    reason: refusal.reason,
    httpStatus: refusal.status,
  };
}

export function refusalRecorder(audit: AuditLog, metrics: GatewayMetrics, log: Logger, observe?: (refusal: Refusal) => void) {
  return async (refusal: Refusal, requestId: string): Promise<void> => {
    log.warn({ requestId, reason: refusal.reason, province: refusal.province }, 'request refused');
    metrics.refusals.inc({ reason: refusal.reason });
    observe?.(refusal);
    await audit.append(refusalRecord(refusal, requestId));
  };
}
