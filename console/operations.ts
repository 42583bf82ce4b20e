// The console's GraphQL operations: one named operation per file in console/src/operations/
// (<Name>.graphql), imported by the pages as `import Op from '../operations/Name.graphql'`, and the
// same set written as an Apollo persisted-query manifest (config/documents/console.json) for the gateway
// to allow as trusted documents. Node side: used by the Vite build (a plugin) and by the tests that
// check the manifest is current and every operation is valid against the gateway's schema.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kind, parse, print, type OperationDefinitionNode } from 'graphql';
import type { Plugin } from 'vite';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const OPERATIONS_DIR = path.join(HERE, 'src', 'operations');
// In the config directory, where config/gateway.json's trustedDocuments.manifests names it
// (`documents/console.json`, relative to that directory), so a copy of config/ carries it along.
export const MANIFEST_FILE = path.join(HERE, '..', 'config', 'documents', 'console.json');

export interface PersistedOperation {
  /** SHA-256 (hex) of `body`: what `extensions.persistedQuery.sha256Hash` carries. */
  id: string;
  name: string;
  type: 'query' | 'mutation' | 'subscription';
  body: string;
}

export interface PersistedQueryManifest {
  format: 'apollo-persisted-query-manifest';
  version: 1;
  operations: PersistedOperation[];
}

/** One .graphql file: exactly one operation, named as the file, no fragments from elsewhere. */
export function readOperation(file: string): PersistedOperation {
  const name = path.basename(file, '.graphql');
  const doc = parse(readFileSync(file, 'utf8'));
  const ops = doc.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  if (ops.length !== 1) throw new Error(`${file}: expected exactly one operation, found ${ops.length}`);
  const op = ops[0]!;
  if (op.name?.value !== name) throw new Error(`${file}: the operation must be named ${name} (as its file), found ${op.name?.value ?? 'an anonymous one'}`);
  // The printed document is the canonical body: the id is its hash, and it is what the page sends.
  const body = print(doc);
  return { id: createHash('sha256').update(body, 'utf8').digest('hex'), name, type: op.operation, body };
}

export function readOperations(dir = OPERATIONS_DIR): PersistedOperation[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.graphql'))
    .sort()
    .map((f) => readOperation(path.join(dir, f)));
}

export function manifestOf(operations: PersistedOperation[]): PersistedQueryManifest {
  return { format: 'apollo-persisted-query-manifest', version: 1, operations };
}

export function manifestText(operations = readOperations()): string {
  return `${JSON.stringify(manifestOf(operations), null, 2)}\n`;
}

/** Vite plugin: `.graphql` files load as their persisted operation; the build writes the manifest. */
export function persistedOperations(manifestFile = MANIFEST_FILE): Plugin {
  return {
    name: 'chuanyu-persisted-operations',
    load(id) {
      if (!id.endsWith('.graphql')) return null;
      const op = readOperation(id);
      return { code: `export default ${JSON.stringify(op)};`, map: null };
    },
    writeBundle() {
      writeFileSync(manifestFile, manifestText());
    },
  };
}
