// The rule of every root field: the scope it requires and whether it changes a catalogue. The
// rules are read from the `@scope` directives of the local subgraph's SDL (common/schema/
// local-sdl.ts), so a root field and its rule are declared together; the scope check, the
// metrics label and the resolvers' own guard derive from this table. Deny by default: a root
// field without a rule cannot be called (docs/DESIGN.md §4).
import { Kind, valueFromASTUntyped, type DocumentNode, type OperationDefinitionNode } from 'graphql';
import { forbidden } from '../../common/errors.js';
import { SCOPES, hasScope, type Caller, type Scope } from '../../common/identity/caller.js';
import { collectRootFields, fragmentsOf } from './selections.js';

export type RootType = 'Query' | 'Mutation';

export interface RootFieldRule {
  /** null: anyone authenticated (only `__typename`). */
  scope: Scope | null;
  /** Changes a catalogue: its own-province call carries the client's Idempotency-Key. */
  write: boolean;
}

// Introspection is not in any SDL; the schema is catalogue metadata, readable with catalogue:read.
const META: Record<RootType, Record<string, RootFieldRule>> = {
  Query: {
    __typename: { scope: null, write: false },
    __schema: { scope: 'catalogue:read', write: false },
    __type: { scope: 'catalogue:read', write: false },
  },
  Mutation: { __typename: { scope: null, write: false } },
};

export interface OperationRules {
  /** Scopes the operation needs; 'UNKNOWN' when it selects a root field without a rule. */
  scopes: Set<Scope | 'UNKNOWN'>;
  /** Sorted root fields with a rule, joined by "+": a bounded label for metrics. */
  label: string;
  write: boolean;
}

export class RootFieldTable {
  private constructor(private readonly rules: Record<RootType, Map<string, RootFieldRule>>) {}

  /** Reads `@scope(requires:, write:)` from the Query and Mutation fields of an SDL document. */
  static fromSdl(document: DocumentNode): RootFieldTable {
    const rules: Record<RootType, Map<string, RootFieldRule>> = {
      Query: new Map(Object.entries(META.Query)),
      Mutation: new Map(Object.entries(META.Mutation)),
    };
    for (const def of document.definitions) {
      if (def.kind !== Kind.OBJECT_TYPE_DEFINITION && def.kind !== Kind.OBJECT_TYPE_EXTENSION) continue;
      const type = def.name.value;
      if (type !== 'Query' && type !== 'Mutation') continue;
      for (const field of def.fields ?? []) {
        const where = `${type}.${field.name.value}`;
        const directive = field.directives?.find((d) => d.name.value === 'scope');
        if (!directive) throw new Error(`${where} has no @scope: every root field must name the scope it requires`);
        const args = Object.fromEntries((directive.arguments ?? []).map((a) => [a.name.value, valueFromASTUntyped(a.value)]));
        const scope = args.requires as string;
        if (!(SCOPES as readonly string[]).includes(scope)) throw new Error(`${where}: @scope(requires: "${scope}") is not one of ${SCOPES.join(', ')}`);
        rules[type].set(field.name.value, { scope: scope as Scope, write: args.write === true });
      }
    }
    return new RootFieldTable(rules);
  }

  rule(type: RootType, field: string): RootFieldRule | undefined {
    return this.rules[type].get(field);
  }

  /** Every rule, for documentation and tests. */
  entries(): Array<[`${RootType}.${string}`, RootFieldRule]> {
    return (['Query', 'Mutation'] as const).flatMap((t) => [...this.rules[t]].map(([f, r]) => [`${t}.${f}`, r] as [`${RootType}.${string}`, RootFieldRule]));
  }

  // Apollo Server hands back the same cached operation node for a repeated query, so an
  // operation's rules are worked out once per node, not per request.
  private readonly byOperation = new WeakMap<OperationDefinitionNode, OperationRules>();

  forOperation(operation: OperationDefinitionNode, document: DocumentNode): OperationRules {
    let known = this.byOperation.get(operation);
    if (!known) {
      const type: RootType | null = operation.operation === 'query' ? 'Query' : operation.operation === 'mutation' ? 'Mutation' : null;
      const scopes = new Set<Scope | 'UNKNOWN'>();
      const labelled: string[] = [];
      let write = false;
      for (const field of collectRootFields(operation, fragmentsOf(document))) {
        const rule = type ? this.rule(type, field) : undefined;
        if (!rule) {
          scopes.add('UNKNOWN');
          continue;
        }
        if (rule.scope) scopes.add(rule.scope);
        write ||= rule.write;
        if (!field.startsWith('__')) labelled.push(field);
      }
      known = { scopes, label: labelled.sort().join('+') || 'other', write };
      this.byOperation.set(operation, known);
    }
    return known;
  }

  /**
   * Wraps root resolvers so each checks its own rule again when it runs (defence in depth: the
   * policy plugin refuses the whole operation first). A resolver without a rule is a start-up error.
   */
  guard<R extends Record<string, (parent: never, args: never, ctx: never, info: never) => unknown>>(type: RootType, resolvers: R): R {
    const out: Record<string, unknown> = {};
    for (const [field, resolve] of Object.entries(resolvers)) {
      const rule = this.rule(type, field);
      if (!rule) throw new Error(`${type}.${field} has a resolver but no @scope rule`);
      out[field] = (parent: never, args: never, ctx: { caller: Caller }, info: never) => {
        if (rule.scope && !hasScope(ctx.caller, rule.scope)) {
          throw forbidden(`this operation requires the ${rule.scope} scope`);
        }
        return resolve(parent, args, ctx as never, info);
      };
    }
    return out as R;
  }
}
