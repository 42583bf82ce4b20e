// `npm run documents:manifest` (scripts/documents-manifest.ts): the manifest it writes is Apollo's
// format, each id the SHA-256 of its body, fragments carried with the operations that use them; on the
// console's operations it writes exactly the manifest the console build ships; an operation the gateway
// schema would refuse is refused here.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT_DIR } from '../../common/config.js';
import { readManifest, sha256Hex } from '../../common/persisted-documents.js';
import { MANIFEST_FILE, OPERATIONS_DIR, FRAGMENTS_DIR } from '../../console/operations.js';
import { tmpDir } from '../support/stack.js';

function run(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT_DIR, 'scripts/documents-manifest.ts'), ...args], {
    cwd: ROOT_DIR,
    encoding: 'utf8',
    env: { ...process.env, LOG_LEVEL: 'silent' },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('npm run documents:manifest', function () {
  this.timeout(120_000);
  const dir = tmpDir('documents');
  const file = (name: string, text: string) => {
    const f = path.join(dir, name);
    writeFileSync(f, text);
    return f;
  };

  it('on the console operations, writes exactly the manifest the console ships (config/documents/console.json)', () => {
    // The operations and the fragments they share (console/src/operations/fragments/).
    const files = [OPERATIONS_DIR, FRAGMENTS_DIR].flatMap((dir) =>
      readdirSync(dir)
        .filter((f) => f.endsWith('.graphql'))
        .map((f) => path.join(dir, f)),
    );
    const r = run(...files);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, readFileSync(MANIFEST_FILE, 'utf8'));
  });

  it('carries each operation’s fragments (from any file), ids the SHA-256 of the bodies, --out', () => {
    const ops = file(
      'ops.graphql',
      'query EntryName($id: ID!) { entry(id: $id) { ...Named } }\nmutation Cancel($id: ID!) { cancelMountJob(id: $id) { id state } }',
    );
    const frags = file('fragments.graphql', 'fragment Named on CatalogueEntry { id name provider { ...Provider } }\nfragment Provider on Provider { name }');
    const out = path.join(dir, 'app.json');
    const r = run(ops, frags, '--out', out);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /2 operations written to /);
    const manifest = JSON.parse(readFileSync(out, 'utf8'));
    assert.equal(manifest.format, 'apollo-persisted-query-manifest');
    assert.equal(manifest.version, 1);
    assert.deepEqual(
      manifest.operations.map((o: { name: string; type: string }) => [o.name, o.type]),
      [
        ['Cancel', 'mutation'],
        ['EntryName', 'query'],
      ],
    );
    const entry = manifest.operations[1];
    assert.equal(entry.id, sha256Hex(entry.body));
    assert.match(entry.body, /fragment Named on CatalogueEntry/);
    assert.match(entry.body, /fragment Provider on Provider/);
    assert.doesNotMatch(manifest.operations[0].body, /fragment/);
    // What the gateway reads back.
    assert.deepEqual(
      readManifest(out, readFileSync(out, 'utf8')).map((o) => o.name),
      ['Cancel', 'EntryName'],
    );
  });

  it('refuses an operation the gateway schema or its limits would refuse (exit 1), unless --skip-validation', () => {
    const bad = file('bad.graphql', 'query Bad { provinces { noSuchField } }');
    const r = run(bad);
    assert.equal(r.code, 1);
    assert.match(r.err, /^documents:manifest: operation Bad does not validate against the gateway schema: Cannot query field "noSuchField"/);
    assert.equal(run(bad, '--skip-validation').code, 0);
    const aliases = Array.from({ length: 31 }, (_, i) => `p${i}: provinces { name }`).join(' ');
    assert.match(run(file('aliases.graphql', `query Many { ${aliases} }`)).err, /more than 30 aliases/);
  });

  it('anonymous or duplicate operations are failures (exit 1); no file, or one that cannot be read, a usage error (exit 2)', () => {
    assert.match(run(file('anon.graphql', '{ provinces { name } }')).err, /an anonymous query: every persisted operation needs a name/);
    const a = file('a.graphql', 'query Same { provinces { name } }');
    const b = file('b.graphql', 'query Same { provinces { province } }');
    const dup = run(a, b);
    assert.equal(dup.code, 1);
    assert.match(dup.err, /operation Same is also defined in/);
    const none = run();
    assert.equal(none.code, 2);
    assert.match(none.err, /name one or more \.graphql files\nusage: /);
    const missing = run(path.join(dir, 'missing.graphql'));
    assert.equal(missing.code, 2);
    assert.match(missing.err, /cannot read .*missing\.graphql: ENOENT/);
  });
});
