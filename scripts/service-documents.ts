// `npm run documents:services`: writes the trusted-document manifests of the federation's own clients
// (the sync worker: config/documents/sync.json; the administrators' command line:
// config/documents/admin-cli.json) from the operations they send, so a gateway in `enforce` mode serves
// them. test/unit/service-documents.test.ts fails when a manifest is not current.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { command } from '../common/cli.js';
import { ROOT_DIR } from '../common/config.js';
import { manifestJson, operationsFromSources } from '../common/persisted-documents.js';
import { SYNC_OPERATIONS } from '../subgraphs/catalogue/sync/operations.js';
import { ADMIN_CLI_OPERATIONS } from './admin-operations.js';

export const SERVICE_MANIFESTS = [
  { file: path.join(ROOT_DIR, 'config', 'documents', 'sync.json'), operations: SYNC_OPERATIONS, source: 'subgraphs/catalogue/sync/operations.ts' },
  { file: path.join(ROOT_DIR, 'config', 'documents', 'admin-cli.json'), operations: ADMIN_CLI_OPERATIONS, source: 'scripts/admin-operations.ts' },
];

export function serviceManifestText(m: (typeof SERVICE_MANIFESTS)[number]): string {
  return manifestJson(operationsFromSources(m.operations.map((text, i) => ({ file: `${m.source}#${i + 1}`, text }))));
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(ROOT_DIR, 'scripts', 'service-documents.ts')) {
  command(
    { name: 'documents:services', usage: 'usage: npm run documents:services   (writes config/documents/sync.json and admin-cli.json)', options: {} },
    async () => {
      for (const m of SERVICE_MANIFESTS) {
        writeFileSync(m.file, serviceManifestText(m));
        process.stdout.write(`wrote ${path.relative(ROOT_DIR, m.file)}\n`);
      }
      return 0;
    },
  );
}
