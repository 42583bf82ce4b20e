// `npm run --silent documents:manifest -- <file.graphql …> [--out FILE] [--skip-validation] [--config-dir DIR]`
//
// Writes an Apollo persisted-query manifest (common/persisted-documents.ts) of the named operations in
// the files: each operation with the fragments it uses (from any of the files), printed by graphql-js,
// its id the SHA-256 of that body. This is what `gateway.trustedDocuments.manifests` names
// (docs/OPERATIONS.md), and what an app sends: the body byte for byte, or its id. Each operation is
// first validated against the gateway's schema as the config composes it, with the gateway's limits,
// so a manifest that would stop the gateway (or fail on reload) is refused here (exit 1).
import { readFileSync, writeFileSync } from 'node:fs';
import { specifiedRules, validate } from 'graphql';
import { command, STACK_DIR_OPTIONS, stackConfigFrom, UsageError } from '../common/cli.js';
import { manifestJson, operationsFromSources, readManifest } from '../common/persisted-documents.js';
import { composeApiSchema } from '../gateway/federation/supergraph.js';
import { documentRules } from '../gateway/graphql-server.js';

command(
  {
    name: 'documents:manifest',
    usage:
      'usage: npm run --silent documents:manifest -- <file.graphql …> [--out FILE] [--skip-validation] [--config-dir DIR]\n' +
      '  Writes the Apollo persisted-query manifest of the named operations in the files (stdout, or --out FILE).\n' +
      '  Each is validated against the gateway schema of the config (default config/) unless --skip-validation.',
    options: {
      out: { type: 'string' },
      'skip-validation': { type: 'boolean', default: false },
      'config-dir': STACK_DIR_OPTIONS['config-dir'],
    },
    allowPositionals: true,
  },
  async ({ values, positionals }) => {
    if (positionals.length === 0) throw new UsageError('name one or more .graphql files');
    const sources = positionals.map((file) => {
      try {
        return { file, text: readFileSync(file, 'utf8') };
      } catch (err) {
        throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, false);
      }
    });
    const operations = operationsFromSources(sources);
    if (operations.length === 0) throw new Error('the files hold no operation');
    const text = manifestJson(operations);
    if (!values['skip-validation']) {
      const cfg = stackConfigFrom(values);
      const schema = composeApiSchema(cfg);
      const { parseOptions, validationRules } = documentRules(cfg, true);
      // The same checks the gateway makes when it loads the manifest.
      for (const op of readManifest('(manifest)', text, parseOptions)) {
        const errors = validate(schema, op.document, [...specifiedRules, ...validationRules]);
        if (errors.length > 0) throw new Error(`operation ${op.name} does not validate against the gateway schema: ${errors.map((e) => e.message).join('; ')}`);
      }
    }
    if (values.out) {
      writeFileSync(values.out, text);
      process.stderr.write(`documents:manifest: ${operations.length} operation${operations.length === 1 ? '' : 's'} written to ${values.out}\n`);
    } else process.stdout.write(text);
    return 0;
  },
);
