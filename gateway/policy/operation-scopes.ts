// Deny by default: every root field names the scope it needs (gateway/policy/root-fields.ts);
// an operation touching a field without a rule, or one the caller lacks, is refused before any
// fetch, with HTTP 403 and RFC 6750 `insufficient_scope`.
import type { ApolloServerPlugin } from '@apollo/server';
import { HeaderMap } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { hasScope } from '../../common/identity/caller.js';
import type { GatewayContext } from '../federation/context.js';
import type { RootFieldTable } from './root-fields.js';

export function scopePolicyPlugin(rootFields: RootFieldTable): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, document, contextValue }) {
          if (!operation) return;
          const rules = rootFields.forOperation(operation, document);
          const missing = [...rules.scopes].filter((s) => s === 'UNKNOWN' || !hasScope(contextValue.caller, s));
          if (missing.length === 0) return;
          const scopeList = missing.filter((s) => s !== 'UNKNOWN').join(' ');
          const headers = new HeaderMap();
          headers.set('www-authenticate', `Bearer realm="chuanyu-gateway", error="insufficient_scope"${scopeList ? `, scope="${scopeList}"` : ''}`);
          throw new GraphQLError(
            scopeList ? `insufficient scope: this operation requires ${scopeList}` : 'this operation is not permitted',
            { extensions: { code: 'FORBIDDEN', reason: 'insufficient_scope', http: { status: 403, headers } } as Record<string, unknown> },
          );
        },
      };
    },
  };
}
