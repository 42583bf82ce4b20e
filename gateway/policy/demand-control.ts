// Demand control: what an operation will cost the federation, estimated before anything is planned
// or fetched, and refused over `demandControl.maxCost` (QUERY_TOO_EXPENSIVE, with the cost and the
// budget in `extensions`). The depth, alias and token limits bound the shape of a document; the cost
// bounds the work: a list multiplies everything selected beneath it, and some fields are a call to
// another province.
//
// The model (the same idea as IBM's GraphQL cost directives and Apollo's demand control, configured
// here rather than declared in the SDL):
//   - a field returning an object costs 1, a leaf (scalar, enum) 0, a mutation's root field 10, unless
//     `weights["Type.field"]` says otherwise (a weight on an interface's field applies to every type
//     implementing it: `CatalogueEntry.mirrorSource` is every province's entry type);
//   - a list costs its weight plus its size times (1 for an object, 0 for a leaf, plus the selection
//     beneath each item);
//   - its size is its own `first` argument, or the length of its `ids` argument; for a connection
//     (a field with `first` that returns an object), `first` is the size of the lists directly in its
//     selection (`edges`, `nodes`); an argument not given takes the variable's value, the variable's
//     default, the argument's SDL default, else `defaultListSize`, as does a list without a size
//     argument (`dataItems`, `facets.provinces`);
//   - fragments on the same type add up; on an abstract type, the costliest type condition counts;
//   - introspection (`__schema`, `__type`) costs a flat 10: it reads the schema, not a province.
//
// The estimate of a document is compiled once (per schema and operation node; Apollo Server
// reuses the DocumentNode of a known document, and a trusted document's is parsed once at load) into
// a function of the request's variables, which is all that runs per request.
import type { ApolloServerPlugin } from '@apollo/server';
import { HeaderMap } from '@apollo/server';
import {
  GraphQLError,
  Kind,
  getNamedType,
  getNullableType,
  isAbstractType,
  isCompositeType,
  isInterfaceType,
  isListType,
  isObjectType,
  valueFromASTUntyped,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';
import type { GatewayContext } from '../context.js';
import type { GatewayMetrics } from '../ops/metrics.js';

export interface DemandControlConfig {
  maxCost: number;
  defaultListSize: number;
  weights: Record<string, number>;
}

/**
 * Fields that cost more than their shape says: each is a call to a province, or several. The config's
 * `weights` add to these and override them by key.
 */
export const BUILT_IN_WEIGHTS: Readonly<Record<string, number>> = {
  // Every selected province's index API (a slice and its counts), then the entries' fields by _entities.
  'Query.directory': 10,
  'Query.provinceCatalogue': 5,
  'Query.catalogueChanges': 5,
  // A mirror's source, fetched live from its home province (a cross-subgraph join in the plan).
  'CatalogueEntry.mirrorSource': 5,
  // The source's current version and status, looked up in its province.
  'CatalogueEntry.mirrorSourceState': 3,
  // One index look-up per other province.
  'CatalogueEntry.mountedIn': 3,
  // Reads the province's whole catalogue and what it may see of every other one (thousands of records
  // per province): a few reports fit the default budget, a request that aliases many does not.
  'Query.catalogueQuality': 1000,
};

const MUTATION_FIELD_WEIGHT = 10;
const INTROSPECTION_WEIGHT = 10;
const SIZE_ARGUMENTS = ['first', 'ids'] as const;

type Variables = Readonly<Record<string, unknown>> | undefined;
type Cost = (variables: Variables) => number;

const constant =
  (n: number): Cost =>
  () =>
    n;

function sizeOf(value: unknown): number | undefined {
  if (Array.isArray(value)) return value.length;
  if (typeof value === 'number' && Number.isFinite(value)) return Math.max(0, Math.floor(value));
  // A single value where a list is expected is coerced to a list of one (GraphQL, "List" input coercion).
  if (typeof value === 'string') return 1;
  return undefined;
}

/** A list's size from a `first` or `ids` argument as written: literal, or the request's variable. */
function sizeArgument(field: FieldNode, def: GraphQLField<unknown, unknown>, variableDefaults: ReadonlyMap<string, unknown>, fallback: number): Cost | null {
  for (const name of SIZE_ARGUMENTS) {
    const argDef = def.args.find((a) => a.name === name);
    if (!argDef) continue;
    const schemaDefault = sizeOf(argDef.defaultValue) ?? fallback;
    const node: ValueNode | undefined = field.arguments?.find((a) => a.name.value === name)?.value;
    if (!node) return constant(schemaDefault);
    if (node.kind === Kind.VARIABLE) {
      const variable = node.name.value;
      const declared = sizeOf(variableDefaults.get(variable));
      return (vars) => {
        const given = vars?.[variable];
        return (given === undefined || given === null ? undefined : sizeOf(given)) ?? declared ?? schemaDefault;
      };
    }
    if (node.kind === Kind.LIST) {
      // Items may be variables; each is one item either way.
      return constant(node.values.length);
    }
    return constant(sizeOf(valueFromASTUntyped(node)) ?? schemaDefault);
  }
  return null;
}

export class CostModel {
  private readonly weights: ReadonlyMap<string, number>;
  private readonly compiled = new WeakMap<GraphQLSchema, WeakMap<OperationDefinitionNode, Cost>>();

  constructor(private readonly cfg: DemandControlConfig) {
    this.weights = new Map(Object.entries({ ...BUILT_IN_WEIGHTS, ...cfg.weights }));
  }

  get maxCost(): number {
    return this.cfg.maxCost;
  }

  /** Every configured weight names a field of the schema (a misspelt key would otherwise weigh nothing). */
  checkWeights(schema: GraphQLSchema): void {
    for (const key of Object.keys(this.cfg.weights)) {
      const [typeName, fieldName] = key.split('.') as [string, string];
      const type = schema.getType(typeName);
      if (!type || !(isObjectType(type) || isInterfaceType(type)) || !type.getFields()[fieldName])
        throw new Error(`config: gateway.demandControl.weights: "${key}" is not a field of the gateway schema`);
    }
  }

  private weight(parent: GraphQLCompositeType, field: string, fallback: number): number {
    const own = this.weights.get(`${parent.name}.${field}`);
    if (own !== undefined) return own;
    if (isObjectType(parent) || isInterfaceType(parent)) {
      for (const iface of parent.getInterfaces()) {
        const inherited = this.weights.get(`${iface.name}.${field}`);
        if (inherited !== undefined) return inherited;
      }
    }
    return fallback;
  }

  /** The estimated cost of `operation` with these variables (compiled once per schema and operation node). */
  estimate(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, variables: Variables): number {
    let bySchema = this.compiled.get(schema);
    if (!bySchema) {
      bySchema = new WeakMap();
      this.compiled.set(schema, bySchema);
    }
    let cost = bySchema.get(operation);
    if (!cost) {
      cost = this.compile(schema, document, operation);
      bySchema.set(operation, cost);
    }
    return cost(variables);
  }

  private compile(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode): Cost {
    const root =
      operation.operation === 'query' ? schema.getQueryType() : operation.operation === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
    if (!root) return constant(0);
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
    const variableDefaults = new Map<string, unknown>();
    for (const v of operation.variableDefinitions ?? []) if (v.defaultValue) variableDefaults.set(v.variable.name.value, valueFromASTUntyped(v.defaultValue));
    const { defaultListSize } = this.cfg;
    const mutationRoot = schema.getMutationType();

    const selection = (set: SelectionSetNode, type: GraphQLCompositeType, sliced: Cost | null, seen: ReadonlySet<string>): Cost => {
      const direct: Cost[] = [];
      const byCondition = new Map<string, Cost[]>();
      const add = (condition: GraphQLCompositeType, cost: Cost) => {
        // On an object type every fragment applies; on an abstract one, only those of its own type for sure.
        if (condition === type || !isAbstractType(type)) direct.push(cost);
        else {
          const list = byCondition.get(condition.name) ?? [];
          list.push(cost);
          byCondition.set(condition.name, list);
        }
      };
      for (const s of set.selections) {
        if (s.kind === Kind.FIELD) direct.push(fieldCost(s, type, sliced, seen));
        else if (s.kind === Kind.INLINE_FRAGMENT) {
          const condition = s.typeCondition ? schema.getType(s.typeCondition.name.value) : type;
          if (condition && isCompositeType(condition)) add(condition, selection(s.selectionSet, condition, sliced, seen));
        } else if (!seen.has(s.name.value)) {
          const f = fragments.get(s.name.value);
          const condition = f && schema.getType(f.typeCondition.name.value);
          if (f && condition && isCompositeType(condition)) add(condition, selection(f.selectionSet, condition, sliced, new Set([...seen, s.name.value])));
        }
      }
      const branches = [...byCondition.values()];
      return (vars) => {
        let sum = 0;
        for (const c of direct) sum += c(vars);
        let max = 0;
        for (const b of branches) {
          let branch = 0;
          for (const c of b) branch += c(vars);
          if (branch > max) max = branch;
        }
        return sum + max;
      };
    };

    const fieldCost = (node: FieldNode, parent: GraphQLCompositeType, sliced: Cost | null, seen: ReadonlySet<string>): Cost => {
      const name = node.name.value;
      if (name === '__typename') return constant(0);
      if (name === '__schema' || name === '__type') return constant(this.weight(parent, name, INTROSPECTION_WEIGHT));
      if (!(isObjectType(parent) || isInterfaceType(parent))) return constant(0);
      const def = parent.getFields()[name];
      if (!def) return constant(0);
      const named = getNamedType(def.type);
      const composite = isCompositeType(named);
      const isList = isListType(getNullableType(def.type));
      const ownSize = sizeArgument(node, def, variableDefaults, defaultListSize);
      // A connection hands its `first` to the lists directly beneath it.
      const beneath = node.selectionSet && composite ? selection(node.selectionSet, named, isList ? null : ownSize, seen) : constant(0);
      if (isList) {
        const weight = this.weight(parent, name, 0);
        const size = ownSize ?? sliced ?? constant(defaultListSize);
        const item = composite ? 1 : 0;
        return (vars) => weight + size(vars) * (item + beneath(vars));
      }
      const weight = this.weight(parent, name, parent === mutationRoot ? MUTATION_FIELD_WEIGHT : composite ? 1 : 0);
      return (vars) => weight + beneath(vars);
    };

    return selection(operation.selectionSet, root, null, new Set());
  }
}

/** `extensions: { cost: true }` in the request: the answer carries `extensions.cost`. */
function wantsCost(extensions: Record<string, unknown> | undefined): boolean {
  return extensions?.cost === true;
}

/**
 * Estimates every operation once it is resolved (after the scope check, which comes earlier in the
 * plugin list and so refuses first), refuses it over the budget, and reports the estimate when asked.
 */
export function demandControlPlugin(model: CostModel, metrics: GatewayMetrics): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      let estimated: number | null = null;
      return {
        async didResolveOperation({ schema, document, operation, request, contextValue }) {
          if (!operation) return;
          const cost = model.estimate(schema, document, operation, request.variables);
          estimated = cost;
          metrics.operationCost.observe(cost);
          contextValue.auditNotes.cost = cost;
          if (cost <= model.maxCost) return;
          throw new GraphQLError(`operation cost ${cost} exceeds the budget of ${model.maxCost}`, {
            extensions: {
              code: 'QUERY_TOO_EXPENSIVE',
              reason: 'query_too_expensive',
              cost,
              maxCost: model.maxCost,
              // A request error, nothing executed: 400, or 200 as application/json (graphql-response-status.ts).
              http: { status: 400, headers: new HeaderMap() },
            } as Record<string, unknown>,
          });
        },
        async willSendResponse({ request, response, errors }) {
          // Counted here, not when thrown: a refusal for scope (an earlier plugin) is what the caller got.
          if (errors?.some((e) => e.extensions.code === 'QUERY_TOO_EXPENSIVE')) metrics.refusals.inc({ reason: 'query_too_expensive' });
          if (estimated === null || !wantsCost(request.extensions) || response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          result.extensions = { ...result.extensions, cost: { estimated, maxCost: model.maxCost } };
        },
      };
    },
  };
}
