// Request latency per caller province and operation. The operation label is the sorted set
// of root fields from the scope table (a bounded set), not the client's operationName.
import type { ApolloServerPlugin } from '@apollo/server';
import { Kind } from 'graphql';
import type { GatewayContext } from '../federation/context.js';
import { ROOT_FIELD_SCOPES } from '../policy/operation-scopes.js';
import type { GatewayMetrics } from './metrics.js';

export function requestMetricsPlugin(metrics: GatewayMetrics): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart({ contextValue }) {
      const end = metrics.requestDuration.startTimer({ province: contextValue.caller?.province ?? 'unknown' });
      let operation = 'unparsed';
      return {
        async didResolveOperation({ operation: op }) {
          if (!op) return;
          const type = op.operation === 'mutation' ? 'Mutation' : 'Query';
          const fields = new Set<string>();
          for (const sel of op.selectionSet.selections) {
            if (sel.kind === Kind.FIELD && `${type}.${sel.name.value}` in ROOT_FIELD_SCOPES) fields.add(sel.name.value);
          }
          operation = [...fields].sort().join('+') || 'other';
        },
        async willSendResponse({ response, errors }) {
          const status = response.http.status ?? 200;
          end({ operation, outcome: errors?.length ? (status >= 400 ? 'refused' : 'error') : 'ok' });
        },
      };
    },
  };
}
