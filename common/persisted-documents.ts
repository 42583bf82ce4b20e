// Apollo's persisted-query manifest (the "trusted documents" of an app), read and written in one
// place: the gateway's allowlist (gateway/policy/trusted-documents.ts) reads it, `npm run
// documents:manifest` writes it. The format is Apollo's, unchanged, so manifests made by Apollo's own
// tools (@apollo/generate-persisted-query-manifest, Apollo iOS/Kotlin) load as they are:
//
//   { "format": "apollo-persisted-query-manifest", "version": 1,
//     "operations": [{ "id": "<sha-256 hex of body>", "name": "…", "type": "query", "body": "…" }] }
//
// The id is the lower-case hex SHA-256 of the body's UTF-8 bytes: what Apollo clients send as
// `extensions.persistedQuery.sha256Hash`, and the payload of the GraphQL-over-HTTP draft's
// `sha256:<hex>` document identifier (Appendix A, "SHA256 Hex Document Identifier").
import { createHash } from 'node:crypto';
import { Kind, parse, print, visit, type DefinitionNode, type DocumentNode, type FragmentDefinitionNode, type OperationDefinitionNode } from 'graphql';
import { z } from 'zod';

export const MANIFEST_FORMAT = 'apollo-persisted-query-manifest';

const SHA256_HEX = /^[0-9a-f]{64}$/;

export const persistedOperationSchema = z.strictObject({
  id: z.string().regex(SHA256_HEX, 'the lower-case hex SHA-256 of the body'),
  name: z.string().min(1),
  type: z.enum(['query', 'mutation', 'subscription']),
  body: z.string().min(1),
  // Apollo's managed lists may name the client an operation belongs to; a file here is one app's.
  clientName: z.string().optional(),
});

export const persistedQueryManifestSchema = z.strictObject({
  format: z.literal(MANIFEST_FORMAT),
  version: z.literal(1),
  operations: z.array(persistedOperationSchema),
});

export type PersistedOperation = z.infer<typeof persistedOperationSchema>;
export type PersistedQueryManifest = z.infer<typeof persistedQueryManifestSchema>;

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export function isSha256Hex(value: string): boolean {
  return SHA256_HEX.test(value);
}

/** A manifest entry checked against its own body: the id is its hash, the body one operation of that name and type. */
export interface CheckedOperation extends PersistedOperation {
  document: DocumentNode;
}

/**
 * Parses and checks a manifest file's text. Every problem names the file and the operation (by its
 * index and name), so a start-up or reload error says which entry to fix.
 */
export function readManifest(file: string, text: string, parseOptions: { maxTokens?: number } = {}): CheckedOperation[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file}: not JSON (${(err as Error).message})`);
  }
  const m = persistedQueryManifestSchema.safeParse(json);
  if (!m.success) {
    const issue = m.error.issues[0]!;
    const where = issue.path.length >= 2 && issue.path[0] === 'operations' ? operationLabel(json, Number(issue.path[1])) : '';
    throw new Error(`${file}: ${where}${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  // Names may repeat: a list keeps the versions of an operation that clients in the field still send.
  return m.data.operations.map((op, i) => {
    const label = `operation ${i} (${op.name})`;
    if (sha256Hex(op.body) !== op.id) throw new Error(`${file}: ${label}: id ${op.id} is not the SHA-256 of its body (${sha256Hex(op.body)})`);
    let document: DocumentNode;
    try {
      document = parse(op.body, parseOptions);
    } catch (err) {
      throw new Error(`${file}: ${label}: ${(err as Error).message}`);
    }
    const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
    // A persisted operation: one operation and the fragments it uses (GraphQL over HTTP, Appendix A).
    if (operations.length !== 1) throw new Error(`${file}: ${label}: the body must hold exactly one operation, found ${operations.length}`);
    const only = operations[0]!;
    if (only.name?.value !== op.name) throw new Error(`${file}: ${label}: the body's operation is named ${only.name?.value ?? '(anonymous)'}, not ${op.name}`);
    if (only.operation !== op.type) throw new Error(`${file}: ${label}: the body is a ${only.operation}, not a ${op.type}`);
    return { ...op, document };
  });
}

function operationLabel(json: unknown, index: number): string {
  const name = (json as { operations?: { name?: unknown }[] })?.operations?.[index]?.name;
  return `operation ${index}${typeof name === 'string' ? ` (${name})` : ''}: `;
}

/** The fragments an operation spreads, directly or through other fragments. */
function usedFragments(operation: OperationDefinitionNode, fragments: ReadonlyMap<string, FragmentDefinitionNode>, source: string): FragmentDefinitionNode[] {
  const used = new Map<string, FragmentDefinitionNode>();
  const walk = (node: DefinitionNode) =>
    visit(node, {
      FragmentSpread(spread) {
        const name = spread.name.value;
        if (used.has(name)) return;
        const f = fragments.get(name);
        if (!f) throw new Error(`${source}: operation ${operation.name?.value}: fragment ${name} is not defined in the files given`);
        used.set(name, f);
        walk(f);
      },
    });
  walk(operation);
  return [...used.values()].sort((a, b) => (a.name.value < b.name.value ? -1 : 1));
}

/**
 * The operations of some `.graphql` sources as manifest entries: each named operation with the
 * fragments it uses (from any of the sources), printed by graphql-js (the body the client must send
 * byte for byte, or name by its id), sorted by name. Anonymous or duplicate operations are errors.
 */
export function operationsFromSources(sources: { file: string; text: string }[]): PersistedOperation[] {
  const fragments = new Map<string, FragmentDefinitionNode>();
  const operations: { op: OperationDefinitionNode; file: string }[] = [];
  for (const { file, text } of sources) {
    let doc: DocumentNode;
    try {
      doc = parse(text);
    } catch (err) {
      throw new Error(`${file}: ${(err as Error).message}`);
    }
    for (const d of doc.definitions) {
      if (d.kind === Kind.FRAGMENT_DEFINITION) {
        if (fragments.has(d.name.value)) throw new Error(`${file}: fragment ${d.name.value} is defined twice`);
        fragments.set(d.name.value, d);
      } else if (d.kind === Kind.OPERATION_DEFINITION) {
        if (!d.name) throw new Error(`${file}: an anonymous ${d.operation}: every persisted operation needs a name`);
        operations.push({ op: d, file });
      } else throw new Error(`${file}: only operations and fragments belong in a document (found ${d.kind})`);
    }
  }
  const names = new Map<string, string>();
  for (const { op, file } of operations) {
    const other = names.get(op.name!.value);
    if (other) throw new Error(`${file}: operation ${op.name!.value} is also defined in ${other}`);
    names.set(op.name!.value, file);
  }
  return operations
    .map(({ op, file }) => {
      const body = print({ kind: Kind.DOCUMENT, definitions: [op, ...usedFragments(op, fragments, file)] });
      return { id: sha256Hex(body), name: op.name!.value, type: op.operation, body };
    })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export function manifestJson(operations: PersistedOperation[]): string {
  const manifest: PersistedQueryManifest = { format: MANIFEST_FORMAT, version: 1, operations };
  return `${JSON.stringify(manifest, null, 2)}\n`;
}
