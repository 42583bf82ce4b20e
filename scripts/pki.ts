// npm run pki [-- --force] [--certs-dir DIR] [--config-dir DIR]
// Creates the missing parts of the development PKI for the gateway and every configured province.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadStackConfig } from '../common/config.js';
import { ensureDevPki } from '../common/pki/dev-pki.js';

const USAGE = 'usage: npm run pki [-- --force] [--certs-dir DIR] [--config-dir DIR]';

async function main(): Promise<number> {
  let values: { force?: boolean; 'certs-dir'?: string; 'config-dir'?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        force: { type: 'boolean' },
        'certs-dir': { type: 'string' },
        'config-dir': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    console.error(`pki: ${(err as Error).message}\n${USAGE}`);
    return 1;
  }
  if (values.help) {
    console.error(USAGE);
    return 0;
  }

  const cfg = loadStackConfig({ configDir: values['config-dir'], certsDir: values['certs-dir'] });
  const started = Date.now();
  console.error(`pki: ${values.force ? 'regenerating' : 'ensuring'} dev PKI in ${cfg.certsDir} for gateway + ${cfg.provinces.map((p) => p.id).join(', ')}`);
  const { created, kept } = await ensureDevPki({
    certsDir: cfg.certsDir,
    provinces: cfg.provinces,
    force: values.force ?? false,
    log: (msg) => console.error(`  ${msg}`),
  });
  const rel = (f: string) => path.relative(cfg.certsDir, f);
  if (kept.length > 0) console.error(`  kept ${kept.length}: ${kept.map(rel).join(', ')}`);
  console.error(
    `pki: ${created.length} created, ${kept.length} kept in ${((Date.now() - started) / 1000).toFixed(1)} s. ` +
      'Development-only credentials: never use them in production.',
  );
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`pki: failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
