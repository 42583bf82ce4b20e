// Starts the federation gateway: `tsx gateway/main.ts`.
import { parseArgs } from 'node:util';
import { loadStackConfig } from '../common/config.js';
import { createLogger } from '../common/log.js';
import { startGateway } from './server.js';

process.env.APOLLO_TELEMETRY_DISABLED ??= '1';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    'config-dir': { type: 'string' },
    'certs-dir': { type: 'string' },
    'data-dir': { type: 'string' },
  },
});

const log = createLogger('gateway');
try {
  const cfg = loadStackConfig({ configDir: values['config-dir'], certsDir: values['certs-dir'], dataDir: values['data-dir'] });
  const running = await startGateway({ cfg, port: values.port ? Number(values.port) : undefined });
  log.info({ url: running.url }, 'gateway listening');
  process.send?.({ ready: true, url: running.url });
  const stop = async () => {
    await running.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  process.on('SIGHUP', () => running.reloadTls());
} catch (err) {
  console.error(`gateway: ${(err as Error).message}`);
  process.exit(1);
}
