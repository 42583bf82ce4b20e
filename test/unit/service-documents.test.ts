// The federation's own clients (the sync worker, the administrators' command line) ship their
// operations as trusted-document manifests: the files in config/documents/ are what their
// operations print to (run `npm run documents:services` after changing one).
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SERVICE_MANIFESTS, serviceManifestText } from '../../scripts/service-documents.js';

describe('trusted documents of the federation’s own clients', () => {
  for (const m of SERVICE_MANIFESTS) {
    it(`${path.basename(m.file)} is current with ${m.source}`, () => {
      assert.equal(readFileSync(m.file, 'utf8'), serviceManifestText(m), 'run `npm run documents:services`');
    });
  }
});
