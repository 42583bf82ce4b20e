// Starts one province subgraph: `tsx subgraphs/catalogue/main.ts --province chongqing`.
import { STACK_DIR_OPTIONS, UsageError, parseCommandLine, stackConfigFrom } from '../../common/cli.js';
import { provinceById } from '../../common/config.js';
import { createLogger } from '../../common/log.js';
import { startTracing } from '../../common/tracing.js';
import { loadSealKeys } from './certificates/seal-keys.js';
import { ensureDemoCertificates, ensureDemoData } from './seed.js';
import { startProvinceSubgraph } from './server.js';
import { openCertificateStore, openStore } from './store/open-store.js';

const log = createLogger('subgraph');
try {
  const { values } = parseCommandLine(
    { name: 'subgraph', usage: 'usage: tsx subgraphs/catalogue/main.ts --province ID [--port N] [--config-dir DIR] [--certs-dir DIR] [--data-dir DIR]' },
    { options: { province: { type: 'string' }, port: { type: 'string' }, ...STACK_DIR_OPTIONS } },
  );
  const cfg = stackConfigFrom(values);
  const province = values.province ? provinceById(cfg, values.province) : undefined;
  if (!province) throw new Error(`--province must be one of: ${cfg.provinces.map((p) => p.id).join(', ')}`);
  // Continues the gateway's traces when the OTEL_* variables name an OTLP endpoint (off otherwise).
  const tracing = startTracing({ serviceName: `chuanyu-subgraph-${province.id}`, warn: (m) => log.warn(m) });
  const store = await openStore(cfg, province);
  const seeded = await ensureDemoData(store, province);
  if (seeded) log.info({ province: province.id, entries: seeded }, 'demo data generated');
  const certificates = await openCertificateStore(cfg, province);
  const sealed = await ensureDemoCertificates(certificates, province, loadSealKeys(cfg, province));
  if (sealed) log.info({ province: province.id, certificates: sealed }, 'demo certificates generated');
  const running = await startProvinceSubgraph({ cfg, province, store, certificates, port: values.port ? Number(values.port) : undefined });
  log.info({ province: province.id, url: running.url }, 'subgraph listening');
  process.send?.({ ready: true, url: running.url, province: province.id });
  const stop = async () => {
    await running.close();
    await store.close();
    await certificates.close();
    await tracing.shutdown();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (err) {
  console.error(`subgraph: ${(err as Error).message}`);
  process.exit(err instanceof UsageError ? 2 : 1);
}
