// The one walk over a GraphQL selection set that the policy needs: the fields a selection set
// selects, with inline fragments and fragment spreads expanded (each named fragment once per
// path, so a cycle cannot loop). Root-field scopes, metrics labels and the depth limit all use it.
import { Kind, type DocumentNode, type FieldNode, type FragmentDefinitionNode, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';

export type Fragments = ReadonlyMap<string, FragmentDefinitionNode>;

export function fragmentsOf(document: DocumentNode): Fragments {
  const out = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) out.set(d.name.value, d);
  return out;
}

/**
 * The fields selected directly by `set`, looking through fragments, each with the fragments
 * already expanded on its path (so a walk below it does not expand them again).
 */
function fieldsWithPath(set: SelectionSetNode, fragments: Fragments, seen: ReadonlySet<string>): Array<{ field: FieldNode; seen: ReadonlySet<string> }> {
  const out: Array<{ field: FieldNode; seen: ReadonlySet<string> }> = [];
  for (const s of set.selections) {
    if (s.kind === Kind.FIELD) out.push({ field: s, seen });
    else if (s.kind === Kind.INLINE_FRAGMENT) out.push(...fieldsWithPath(s.selectionSet, fragments, seen));
    else if (!seen.has(s.name.value)) {
      const f = fragments.get(s.name.value);
      if (f) out.push(...fieldsWithPath(f.selectionSet, fragments, new Set([...seen, s.name.value])));
    }
  }
  return out;
}

/** The fields selected directly by `set`, looking through fragments. */
function fieldsOf(set: SelectionSetNode, fragments: Fragments): FieldNode[] {
  return fieldsWithPath(set, fragments, new Set()).map((f) => f.field);
}

/** Names of the root fields an operation selects, fragments included. */
export function collectRootFields(operation: OperationDefinitionNode, fragments: Fragments): Set<string> {
  return new Set(fieldsOf(operation.selectionSet, fragments).map((f) => f.name.value));
}

/**
 * Depth of a selection set: 1 for a leaf field, 1 + the deepest child otherwise. Runs beside
 * graphql-js validation, which may not yet have refused a fragment cycle, so a fragment is
 * expanded once per path.
 */
export function selectionDepth(set: SelectionSetNode, fragments: Fragments, seen: ReadonlySet<string> = new Set()): number {
  let max = 0;
  for (const { field, seen: path } of fieldsWithPath(set, fragments, seen)) {
    max = Math.max(max, field.selectionSet ? 1 + selectionDepth(field.selectionSet, fragments, path) : 1);
  }
  return max;
}
