// The console's GraphQL operations: one named operation per file in console/src/operations/
// (<Name>.graphql), imported by the pages as `import Op from '../operations/Name.graphql'`, and the
// same set written as an Apollo persisted-query manifest (config/documents/console.json) for the gateway
// to allow as trusted documents. Node side: used by the Vite build (a plugin) and by the tests that
// check the manifest is current and every operation is valid against the gateway's schema.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'vite';
import { manifestJson, operationsFromSources, type PersistedOperation } from '../common/persisted-documents.js';

export type { PersistedOperation };

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const OPERATIONS_DIR = path.join(HERE, 'src', 'operations');
/** Selections several operations share (`fragment … on …`), joined to each operation that uses them. */
export const FRAGMENTS_DIR = path.join(OPERATIONS_DIR, 'fragments');
// In the config directory, where config/gateway.json's trustedDocuments.manifests names it
// (`documents/console.json`, relative to that directory), so a copy of config/ carries it along.
export const MANIFEST_FILE = path.join(HERE, '..', 'config', 'documents', 'console.json');

const graphqlFiles = (dir: string) =>
  existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith('.graphql'))
        .sort()
        .map((f) => path.join(dir, f))
    : [];

const source = (file: string) => ({ file, text: readFileSync(file, 'utf8') });

/**
 * One .graphql file: exactly one operation, named as the file, with the shared fragments it uses,
 * as the manifest holds it (common/persisted-documents.ts: printed body, its SHA-256 as the id).
 */
export function readOperation(file: string): PersistedOperation {
  const name = path.basename(file, '.graphql');
  const own = operationsFromSources([source(file)].concat(graphqlFiles(FRAGMENTS_DIR).map(source)));
  if (own.length !== 1) throw new Error(`${file}: expected exactly one operation, found ${own.length}`);
  const op = own[0]!;
  if (op.name !== name) throw new Error(`${file}: the operation must be named ${name} (as its file), found ${op.name}`);
  return op;
}

export function readOperations(dir = OPERATIONS_DIR): PersistedOperation[] {
  return graphqlFiles(dir).map(readOperation);
}

export function manifestText(operations = readOperations()): string {
  return manifestJson(operations);
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
