// `npm run seed [-- --entries N] [--force] [--province ID]`: (re)generate demo catalogue data per
// province from its fixed seed. --entries sets the size per province (benchmarks use 100000).
import { provinceById } from '../common/config.js';
import { ensureDemoData } from '../subgraphs/catalogue/seed.js';
import { openStore, resetCatalogue, storeLocation } from '../subgraphs/catalogue/store/open-store.js';
import { STACK_DIR_OPTIONS, UsageError, command, stackConfigFrom } from '../common/cli.js';

command(
  {
    name: 'seed',
    usage: 'usage: npm run seed -- [--entries N] [--force] [--province ID] [--config-dir DIR] [--certs-dir DIR] [--data-dir DIR]',
    options: { entries: { type: 'string' }, force: { type: 'boolean', default: false }, province: { type: 'string' }, ...STACK_DIR_OPTIONS },
  },
  async ({ values }) => {
    const cfg = stackConfigFrom(values);
    const entries = values.entries !== undefined ? Number(values.entries) : undefined;
    if (entries !== undefined && (!Number.isInteger(entries) || entries < 0 || entries > 999_999)) {
      throw new UsageError('--entries must be an integer between 0 and 999999');
    }
    const chosen = values.province ? provinceById(cfg, values.province) : undefined;
    if (values.province && !chosen) throw new UsageError(`unknown province ${values.province}`);
    for (const province of chosen ? [chosen] : cfg.provinces) {
      // SQLite file, or the province's schema when a database is configured.
      const where = storeLocation(cfg, province);
      if (values.force) await resetCatalogue(cfg, province);
      const store = await openStore(cfg, province);
      const started = Date.now();
      const n = await ensureDemoData(store, province, entries ?? province.demo.entries);
      await store.close();
      process.stderr.write(
        n ? `${province.id}: ${n} entries in ${Date.now() - started} ms → ${where}\n` : `${province.id}: ${where} already has data (use --force)\n`,
      );
    }
  },
);
