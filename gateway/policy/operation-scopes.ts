// Deny by default: every root field names the scope it needs; an operation touching a
// field without a rule, or one the caller lacks, is refused before any fetch, with
// HTTP 403 and RFC 6750 `insufficient_scope`.
import type { ApolloServerPlugin } from '@apollo/server';
import { HeaderMap } from '@apollo/server';
import { GraphQLError, Kind, type DocumentNode, type OperationDefinitionNode, type SelectionSetNode, type FragmentDefinitionNode } from 'graphql';
import { hasScope, type Scope } from '../../common/identity/caller.js';
import type { GatewayContext } from '../federation/context.js';

export const ROOT_FIELD_SCOPES: Record<string, Scope | null> = {
  'Query.__typename': null,
  'Query.__schema': 'catalogue:read',
  'Query.__type': 'catalogue:read',
  'Query.directory': 'catalogue:read',
  'Query.provinceCatalogue': 'catalogue:read',
  'Query.entry': 'catalogue:read',
  'Query.provinces': 'catalogue:read',
  'Query.mirrors': 'catalogue:admin',
  'Query.certificate': 'certificate:verify',
  'Mutation.verifyCertificate': 'certificate:verify',
  'Mutation.__typename': null,
  'Mutation.registerMirror': 'catalogue:admin',
  'Mutation.withdrawMirror': 'catalogue:admin',
  'Mutation.updateEntry': 'catalogue:admin',
};

function rootFields(sel: SelectionSetNode, fragments: Record<string, FragmentDefinitionNode>, out: Set<string>, seen = new Set<string>()) {
  for (const s of sel.selections) {
    if (s.kind === Kind.FIELD) out.add(s.name.value);
    else if (s.kind === Kind.INLINE_FRAGMENT) rootFields(s.selectionSet, fragments, out, seen);
    else if (s.kind === Kind.FRAGMENT_SPREAD && !seen.has(s.name.value)) {
      seen.add(s.name.value);
      const f = fragments[s.name.value];
      if (f) rootFields(f.selectionSet, fragments, out, seen);
    }
  }
}

export function requiredScopes(operation: OperationDefinitionNode, fragments: Record<string, FragmentDefinitionNode>): Set<Scope | 'UNKNOWN'> {
  const typeName = operation.operation === 'mutation' ? 'Mutation' : operation.operation === 'subscription' ? 'Subscription' : 'Query';
  const fields = new Set<string>();
  rootFields(operation.selectionSet, fragments, fields);
  const scopes = new Set<Scope | 'UNKNOWN'>();
  for (const f of fields) {
    const key = `${typeName}.${f}`;
    if (!(key in ROOT_FIELD_SCOPES)) scopes.add('UNKNOWN');
    else if (ROOT_FIELD_SCOPES[key]) scopes.add(ROOT_FIELD_SCOPES[key]!);
  }
  return scopes;
}

// Apollo Server hands back the same cached DocumentNode for a repeated query, so the scopes an
// operation needs are worked out once per operation node, not per request.
const scopesByOperation = new WeakMap<OperationDefinitionNode, Set<Scope | 'UNKNOWN'>>();

function scopesFor(operation: OperationDefinitionNode, document: DocumentNode): Set<Scope | 'UNKNOWN'> {
  let needed = scopesByOperation.get(operation);
  if (!needed) {
    const fragments: Record<string, FragmentDefinitionNode> = {};
    for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
    needed = requiredScopes(operation, fragments);
    scopesByOperation.set(operation, needed);
  }
  return needed;
}

export function scopePolicyPlugin(): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, document, contextValue }) {
          if (!operation) return;
          const needed = scopesFor(operation, document);
          const missing = [...needed].filter((s) => s === 'UNKNOWN' || !hasScope(contextValue.caller, s));
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
