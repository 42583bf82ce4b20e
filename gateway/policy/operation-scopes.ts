// Deny by default: every root field names the scope it needs (gateway/policy/root-fields.ts);
// an operation touching a field without a rule, or one the caller lacks, is refused before any
// fetch, with HTTP 403 and RFC 6750 `insufficient_scope`.
import type { ApolloServerPlugin } from '@apollo/server';
import { HeaderMap } from '@apollo/server';
import { GraphQLError, Kind, type DocumentNode } from 'graphql';
import { hasScope } from '../../common/identity/caller.js';
import type { GatewayContext } from '../context.js';
import type { RootFieldTable } from './root-fields.js';

function operationNotDetermined(operationName: string | undefined, document: DocumentNode): GraphQLError {
  const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION).length;
  const message = operationName
    ? `the document has no operation named "${operationName.slice(0, 64)}"`
    : operations > 1
      ? 'the document has several operations: name the one to run in operationName'
      : 'the document has no operation to run';
  return new GraphQLError(message, {
    extensions: { code: 'OPERATION_RESOLUTION_FAILURE', http: { status: 400, headers: new HeaderMap() } } as Record<string, unknown>,
  });
}

export function scopePolicyPlugin(rootFields: RootFieldTable): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, document, contextValue, request }) {
          // GraphQL over HTTP: "operation cannot be determined" is a request error, not a server fault
          // (@apollo/gateway would otherwise fail while executing, a 500).
          if (!operation) throw operationNotDetermined(request.operationName, document);
          const rules = rootFields.forOperation(operation, document);
          const missing = [...rules.scopes].filter((s) => s === 'UNKNOWN' || !hasScope(contextValue.caller, s));
          if (missing.length === 0) return;
          const scopeList = missing.filter((s) => s !== 'UNKNOWN').join(' ');
          const headers = new HeaderMap();
          headers.set('www-authenticate', `Bearer realm="chuanyu-gateway", error="insufficient_scope"${scopeList ? `, scope="${scopeList}"` : ''}`);
          throw new GraphQLError(scopeList ? `insufficient scope: this operation requires ${scopeList}` : 'this operation is not permitted', {
            extensions: { code: 'FORBIDDEN', reason: 'insufficient_scope', http: { status: 403, headers } } as Record<string, unknown>,
          });
        },
      };
    },
  };
}
