// Starts the federation gateway: `tsx gateway/main.ts`.
import { STACK_DIR_OPTIONS, UsageError, parseCommandLine, stackConfigFrom } from '../common/cli.js';
import { createLogger } from '../common/log.js';
import { startTracing } from '../common/tracing.js';
import { startGateway } from './server.js';

process.env.APOLLO_TELEMETRY_DISABLED ??= '1';

const log = createLogger('gateway');
try {
  const { values } = parseCommandLine(
    { name: 'gateway', usage: 'usage: tsx gateway/main.ts [--port N] [--watch-config] [--config-dir DIR] [--certs-dir DIR] [--data-dir DIR]' },
    { options: { port: { type: 'string' }, 'watch-config': { type: 'boolean' }, ...STACK_DIR_OPTIONS } },
  );
  const cfg = stackConfigFrom(values);
  // OpenTelemetry, from the OTEL_* variables (off unless an OTLP endpoint is named): before the
  // gateway starts, so that every request is traced.
  const tracing = startTracing({ serviceName: 'chuanyu-gateway', instanceId: process.env.GATEWAY_INSTANCE_ID ?? 'gateway', warn: (m) => log.warn(m) });
  if (tracing.on) log.info('tracing on (OTLP/HTTP)');
  const running = await startGateway({
    cfg,
    port: values.port ? Number(values.port) : undefined,
    // Reload on a change under the config directory too (polled), not only on SIGHUP.
    watchConfig: values['watch-config'] === true || process.env.CHUANYU_WATCH_CONFIG === '1',
  });
  const stop = async () => {
    await running.close();
    await tracing.shutdown();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  // SIGHUP: the configuration again (provinces added or removed, certificates), live; a refused one
  // leaves the previous configuration serving, whose certificate files are then re-read as before.
  process.on('SIGHUP', () => {
    void running.reload().then((r) => {
      if (!r.ok) running.reloadTls();
      process.send?.({ reloaded: r });
    });
  });
  // Ready once the signals are handled (a SIGHUP before then would end the process).
  log.info({ url: running.url }, 'gateway listening');
  process.send?.({ ready: true, url: running.url });
} catch (err) {
  console.error(`gateway: ${(err as Error).message}`);
  process.exit(err instanceof UsageError ? 2 : 1);
}
