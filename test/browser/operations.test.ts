// The console's GraphQL operations (console/src/operations/*.graphql) are valid against the
// gateway's public schema, and config/documents/console.json (the persisted-query manifest the gateway
// allows) lists exactly them, each under the SHA-256 of its body.
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { composeServices } from '@apollo/composition';
import { parse, validate } from 'graphql';
import { loadStackConfig } from '../../common/config.js';
import { LOCAL_SUBGRAPH_NAME, localSdl } from '../../common/schema/local-sdl.js';
import { provinceSdl, provinceSubgraphName } from '../../common/schema/province-sdl.js';
import { MANIFEST_FILE, manifestText, readOperations } from '../../console/operations.js';

function apiSchema() {
  const cfg = loadStackConfig();
  const result = composeServices([
    { name: LOCAL_SUBGRAPH_NAME, url: 'local://directory', typeDefs: parse(localSdl(cfg.provinces)) },
    ...cfg.provinces.map((p) => ({ name: provinceSubgraphName(p), url: `https://localhost/${p.id}`, typeDefs: parse(provinceSdl(p)) })),
  ]);
  if (result.errors) throw new Error(result.errors.map((e) => e.message).join('\n'));
  return result.schema.toAPISchema().toGraphQLJSSchema();
}

describe('the console operations (trusted documents)', () => {
  const operations = readOperations();

  it('every operation is valid against the gateway schema', () => {
    const schema = apiSchema();
    assert.ok(operations.length >= 10);
    for (const op of operations) {
      const errors = validate(schema, parse(op.body));
      assert.deepEqual(
        errors.map((e) => e.message),
        [],
        op.name,
      );
    }
  });

  it('config/documents/console.json is the manifest of exactly these operations, each id the SHA-256 of its body', () => {
    const committed = readFileSync(MANIFEST_FILE, 'utf8');
    assert.equal(committed, manifestText(operations), 'config/documents/console.json is stale: run npm run console:build');
    const manifest = JSON.parse(committed) as { format: string; version: number; operations: { id: string; name: string; type: string; body: string }[] };
    assert.equal(manifest.format, 'apollo-persisted-query-manifest');
    assert.equal(manifest.version, 1);
    for (const op of manifest.operations) assert.equal(op.id, createHash('sha256').update(op.body).digest('hex'), op.name);
    assert.equal(new Set(manifest.operations.map((o) => o.name)).size, manifest.operations.length);
  });
});
