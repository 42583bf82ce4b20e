// `npm run sync -- --province chongqing [--once]`: the province's sync worker. Without --once it runs
// until stopped (`npm start` starts one per province); with --once it makes one pass (every other
// province's feed read to its end, the open mount jobs run to their end) and reports what it did.
import { STACK_DIR_OPTIONS, UsageError, command, stackConfigFrom } from '../../../common/cli.js';
import { provinceById } from '../../../common/config.js';
import { openStore } from '../store/open-store.js';
import { createSyncWorker, gatewayUrlFor } from './create-worker.js';

command(
  {
    name: 'sync',
    usage: 'usage: npm run sync -- --province ID [--once] [--gateway-url URL] [--config-dir DIR] [--certs-dir DIR] [--data-dir DIR]',
    options: { province: { type: 'string' }, once: { type: 'boolean' }, 'gateway-url': { type: 'string' }, ...STACK_DIR_OPTIONS },
  },
  async ({ values }) => {
    process.env.APOLLO_TELEMETRY_DISABLED ??= '1';
    const cfg = stackConfigFrom(values);
    const province = values.province ? provinceById(cfg, values.province) : undefined;
    if (!province) throw new UsageError(`--province must be one of: ${cfg.provinces.map((p) => p.id).join(', ')}`);
    const store = await openStore(cfg, province);
    const gatewayUrl = values['gateway-url'] ?? gatewayUrlFor(cfg, province);
    const worker = createSyncWorker({ cfg, province, store, gatewayUrl });
    if (values.once) {
      try {
        const r = await worker.pass(true);
        if (!r.leased) {
          process.stderr.write(`sync: another ${province.id} sync worker (${r.holder}) is running and keeps the mirrors in step; nothing done\n`);
          return 1;
        }
        process.stdout.write(
          `sync ${province.id}: ${r.changesRead} changes read, ${r.mirrorsChanged} mirrors written, ${r.jobPages} mount job pages (${province.sync.onSourceChange} mode)\n`,
        );
        for (const p of r.problems) process.stdout.write(`  waiting: ${p}\n`);
        return r.problems.length ? 1 : 0;
      } finally {
        await worker.stop();
        await store.close();
      }
    }
    worker.start();
    process.send?.({ ready: true, url: gatewayUrl, province: province.id });
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await worker.stop();
    await store.close();
    return 0;
  },
);
