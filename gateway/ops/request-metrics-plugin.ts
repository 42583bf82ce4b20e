// Request latency per caller province and operation. The operation label is the sorted set
// of root fields from the scope table (a bounded set), not the client's operationName.
import type { ApolloServerPlugin } from '@apollo/server';
import { Kind, type OperationDefinitionNode } from 'graphql';
import type { GatewayContext } from '../federation/context.js';
import { ROOT_FIELD_SCOPES } from '../policy/operation-scopes.js';
import type { GatewayMetrics } from './metrics.js';

// The label of a (cached, reused) operation node, computed once.
const labels = new WeakMap<OperationDefinitionNode, string>();

function operationLabel(op: OperationDefinitionNode): string {
  let label = labels.get(op);
  if (label === undefined) {
    const type = op.operation === 'mutation' ? 'Mutation' : 'Query';
    const fields = new Set<string>();
    for (const sel of op.selectionSet.selections) {
      if (sel.kind === Kind.FIELD && `${type}.${sel.name.value}` in ROOT_FIELD_SCOPES) fields.add(sel.name.value);
    }
    label = [...fields].sort().join('+') || 'other';
    labels.set(op, label);
  }
  return label;
}

export function requestMetricsPlugin(metrics: GatewayMetrics): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart({ contextValue }) {
      const end = metrics.requestDuration.startTimer({ province: contextValue.caller?.province ?? 'unknown' });
      let operation = 'unparsed';
      return {
        async didResolveOperation({ operation: op }) {
          if (op) operation = operationLabel(op);
        },
        async willSendResponse({ response, errors }) {
          const status = response.http.status ?? 200;
          end({ operation, outcome: errors?.length ? (status >= 400 ? 'refused' : 'error') : 'ok' });
        },
      };
    },
  };
}
