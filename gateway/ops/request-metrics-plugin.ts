// Request latency per caller province and operation. The operation label is the sorted set of
// root fields that have a rule (a bounded set, from gateway/policy/root-fields.ts), never the
// client's operationName.
import type { ApolloServerPlugin } from '@apollo/server';
import type { GatewayContext } from '../context.js';
import type { RootFieldTable } from '../policy/root-fields.js';
import type { GatewayMetrics } from './metrics.js';

export function requestMetricsPlugin(metrics: GatewayMetrics, rootFields: RootFieldTable): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart({ contextValue }) {
      const end = metrics.requestDuration.startTimer({ province: contextValue.caller?.province ?? 'unknown' });
      let operation = 'unparsed';
      return {
        async didResolveOperation({ operation: op, document }) {
          if (op) operation = rootFields.forOperation(op, document).label;
        },
        async willSendResponse({ response, errors }) {
          const status = response.http.status ?? 200;
          end({ operation, outcome: errors?.length ? (status >= 400 ? 'refused' : 'error') : 'ok' });
        },
      };
    },
  };
}
