// `npm run seed [-- --entries N] [--force] [--province ID]`: (re)generate demo catalogue data
// per province from its fixed seed. --entries sets the size per province (benchmarks use 100000).
import { parseArgs } from 'node:util';
import { loadStackConfig, provinceById } from '../common/config.js';
import { ensureDemoData } from '../subgraphs/catalogue/seed.js';
import { openStore, resetCatalogue, storeLocation } from '../subgraphs/catalogue/store/open-store.js';

const { values } = parseArgs({
  options: {
    entries: { type: 'string' },
    force: { type: 'boolean', default: false },
    province: { type: 'string' },
    'config-dir': { type: 'string' },
    'data-dir': { type: 'string' },
  },
});

try {
  const cfg = loadStackConfig({ configDir: values['config-dir'], dataDir: values['data-dir'] });
  const entries = values.entries !== undefined ? Number(values.entries) : undefined;
  if (entries !== undefined && (!Number.isInteger(entries) || entries < 0 || entries > 999_999)) {
    throw new Error('--entries must be an integer between 0 and 999999');
  }
  const provinces = values.province ? [provinceById(cfg, values.province)] : cfg.provinces;
  if (provinces.some((p) => !p)) throw new Error(`unknown province ${values.province}`);
  for (const p of provinces) {
    // SQLite file, or the province's schema when DATABASE_URL is set.
    const where = storeLocation(cfg, p!);
    if (values.force) await resetCatalogue(cfg, p!);
    const store = await openStore(cfg, p!);
    const t0 = Date.now();
    const n = await ensureDemoData(store, p!, entries ?? p!.demo.entries);
    await store.close();
    process.stderr.write(
      n ? `${p!.id}: ${n} entries in ${Date.now() - t0} ms → ${where}\n` : `${p!.id}: ${where} already has data (use --force)\n`,
    );
  }
} catch (err) {
  process.stderr.write(`seed: ${(err as Error).message}\n`);
  process.exit(1);
}
