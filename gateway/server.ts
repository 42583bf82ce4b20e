// Assembles the gateway. A request reads straight through:
//   ingress (HTTP, mTLS) → identity (certificate, CRL, bound JWT) → policy (scopes, limits) →
//   federation (plan, fetch, merge) → audit → response.
// What depends on the configuration is one generation (gateway/generation.ts); a reload builds a
// new one beside it and swaps it in, and the listener, audit log and metrics stay.
import { hkdfSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { openAuditLog, type OpenAuditOptions } from '../common/audit/open-audit.js';
import { loadStackConfig, type StackConfig } from '../common/config.js';
import { CallerAssertionSigner } from '../common/identity/caller-assertion.js';
import { createLogger } from '../common/log.js';
import { gatewayPaths } from '../common/pki/paths.js';
import { FileChangeWatcher } from '../common/tls/file-change-watcher.js';
import { startHttpsServer } from '../common/tls/https-server.js';
import { refusalRecorder } from './audit/refusal-audit.js';
import { buildGeneration, checkGenerationFiles, type Generation, type LongLived } from './generation.js';
import type { Refusal } from './identity/authenticate.js';
import { GatewayMetrics } from './ops/metrics.js';
import { RateLimiter } from './policy/rate-limits.js';

export interface StartGatewayOptions {
  cfg: StackConfig;
  port?: number;
  host?: string;
  /** Province id → subgraph GraphQL URL, overriding config (tests start subgraphs on free ports). */
  subgraphUrls?: Record<string, string>;
  onRefusal?: (refusal: Refusal) => void;
  /** Names this replica's audit chain (each replica keeps its own). Default: GATEWAY_INSTANCE_ID, else "gateway". */
  instanceId?: string;
  /** Where and how often the audit chain is checkpointed (tests: a PostgreSQL schema of their own). */
  audit?: OpenAuditOptions;
  /** Reload the configuration when a file under the config directory's provinces/ or gateway.json changes (polled). */
  watchConfig?: boolean;
  /** How long a replaced generation's in-flight requests may take before it is closed anyway (default 30 s). */
  reloadDrainMs?: number;
}

/** The outcome of one `reload()`. */
export type ReloadResult =
  /** `draining`: requests still in flight on the replaced generation when it was replaced. */
  { ok: true; generation: number; provinces: string[]; draining: number } | { ok: false; error: string };

export interface RunningGateway {
  /** Re-read certificates and CA files now (also happens on file change). */
  reloadTls(): void;
  /** Re-read or refetch every province's CRL now (also on file change, SIGHUP and the refresh interval). */
  reloadCrls(): Promise<void>;
  /**
   * Re-read the configuration (config dir, certificates) and, if it loads, composes and starts,
   * serve new requests with it; in-flight ones finish on the old one. A broken configuration is
   * refused (logged, counted) and the old one keeps serving. `main.ts` calls it on SIGHUP.
   */
  reload(): Promise<ReloadResult>;
  /** The configuration now serving. */
  config(): StackConfig;
  url: string;
  /** Where the audit chain is: its SQLite file, or its PostgreSQL schema and chain. */
  auditFile: string;
  port: number;
  close(): Promise<void>;
}

export async function startGateway(opts: StartGatewayOptions): Promise<RunningGateway> {
  const { cfg } = opts;
  const log = createLogger('gateway');
  const gp = gatewayPaths(cfg.certsDir);

  checkGenerationFiles(cfg);
  // The replica's own chain, on the backend the config chooses (common/audit/open-audit.ts);
  // opened now so that a bad file or database stops the start, not the first request.
  const audit = openAuditLog(cfg, { kind: 'gateway', id: opts.instanceId ?? process.env.GATEWAY_INSTANCE_ID ?? 'gateway' }, opts.audit);
  await audit.ready().catch(async (err: Error) => {
    await audit.close().catch(() => {});
    throw err;
  });
  const auditFile = audit.location;
  const metrics = new GatewayMetrics();
  metrics.trackAudit(audit);
  const assertionKeyPem = readFileSync(gp.assertionKey, 'utf8');
  const signer = await CallerAssertionSigner.fromPem(assertionKeyPem, JSON.parse(readFileSync(gp.assertionJwks, 'utf8')));
  let draining = false;
  let listener: Awaited<ReturnType<typeof startHttpsServer>> | undefined;
  const shared: LongLived = {
    audit,
    metrics,
    log,
    signer,
    // Derived from a key every replica already shares, so a cursor issued by one replica is
    // accepted by the others (and by every generation).
    cursorKey: Buffer.from(hkdfSync('sha256', assertionKeyPem, 'chuanyu', 'directory-cursor-v1', 32)),
    subgraphUrls: opts.subgraphUrls ?? {},
    onRefusal: refusalRecorder(audit, metrics, log, opts.onRefusal),
    isDraining: () => draining,
    onTlsFilesChanged: () => listener?.reloadTls(),
  };
  // Shared through Redis when the config names it; the gateway starts even while Redis cannot be
  // reached (each replica then limits on its own until it can). Kept across reloads.
  if (cfg.gateway.rateLimit) {
    shared.rateLimiter = new RateLimiter(cfg.gateway.rateLimit, metrics, log);
    await shared.rateLimiter.ready();
  }
  let current: Generation;
  try {
    current = await buildGeneration(cfg, 1, shared);
  } catch (err) {
    await shared.rateLimiter?.close();
    await audit.close();
    throw err;
  }
  metrics.trackGeneration(1, cfg.provinces);
  const retiring = new Set<Promise<void>>();

  const host = opts.host ?? cfg.gateway.host;
  listener = await startHttpsServer({
    secureContext: () => ({ key: readFileSync(gp.serverKey), cert: readFileSync(gp.serverCert), ca: current.identity.trust.caBundle }),
    // Verify, but let the handshake finish so the refusal can be explained and recorded.
    rejectUnauthorized: false,
    handler: (req, res) => current.handle(req, res),
    host,
    port: opts.port ?? cfg.gateway.port,
    // The generation watches its own province CAs and client credentials (generation.ts).
    watch: [gp.serverKey, gp.serverCert],
    beforeReload: () => {
      current.clients.reloadCredentials();
      current.identity.trust.reload();
      // A province CA may have changed: its CRL is checked against it again.
      void current.identity.revocation.reload();
    },
    onReload: (err) => (err ? log.error({ err: err.message }, 'TLS reload failed; keeping the previous certificates') : log.info('TLS material reloaded')),
  }).catch(async (err) => {
    await current.close();
    await shared.rateLimiter?.close();
    await audit.close();
    throw err;
  });
  const https = listener;

  // One reload at a time; each one reads the files as they are when it starts.
  let reloading: Promise<ReloadResult> = Promise.resolve({ ok: true, generation: 1, provinces: [], draining: 0 });
  // A generation that failed to build may have named its provinces to the per-province gauges (CRLs,
  // breakers) or counted its trusted documents before it failed: they go back to the serving generation's.
  const restoreProvinceSeries = () => {
    const serving = current;
    metrics.trackCrls(
      serving.cfg.provinces.map((p) => p.id),
      (id) => serving.identity.revocation.crl(id),
    );
    metrics.breakerState.reset();
    for (const [id, breaker] of serving.clients.breakers) metrics.setBreaker(id, breaker.state);
    metrics.trustedDocumentsLoaded.set(serving.documents.size);
  };
  const reloadOnce = async (): Promise<ReloadResult> => {
    if (draining) return { ok: false, error: 'the gateway is closing' };
    const number = current.number + 1;
    let next: Generation;
    try {
      const loaded = loadStackConfig({ configDir: cfg.configDir, certsDir: cfg.certsDir, dataDir: cfg.dataDir, databaseUrl: cfg.databaseUrl });
      next = await buildGeneration(loaded, number, shared);
    } catch (err) {
      const error = (err as Error).message;
      restoreProvinceSeries();
      metrics.configReloads.inc({ outcome: 'failed' });
      log.error({ err: error, generation: current.number }, 'configuration reload refused; the previous configuration keeps serving');
      return { ok: false, error };
    }
    const old = current;
    current = next;
    // New handshakes verify against the new set of province roots.
    https.reloadTls();
    const provinces = next.cfg.provinces.map((p) => p.id);
    metrics.trackGeneration(number, next.cfg.provinces, old.cfg.provinces);
    metrics.configReloads.inc({ outcome: 'ok' });
    const before = new Set(old.cfg.provinces.map((p) => p.id));
    const stillServing = old.inFlight();
    log.info(
      {
        generation: number,
        provinces,
        added: provinces.filter((id) => !before.has(id)),
        removed: [...before].filter((id) => !provinces.includes(id)),
        draining: stillServing,
      },
      'configuration reloaded',
    );
    const done = old
      .retire(opts.reloadDrainMs ?? 30_000)
      .catch((err: Error) => log.error({ err: err.message, generation: old.number }, 'closing the previous configuration failed'))
      .finally(() => retiring.delete(done));
    retiring.add(done);
    return { ok: true, generation: number, provinces, draining: stillServing };
  };
  const reload = () => {
    reloading = reloading.then(reloadOnce, reloadOnce);
    return reloading;
  };
  // The config directory, polled: a province file added or removed changes the directory.
  let configWatcher: FileChangeWatcher | undefined;
  const watchConfig = (c: StackConfig) => {
    configWatcher?.close();
    configWatcher = new FileChangeWatcher(
      [path.join(c.configDir, 'provinces'), path.join(c.configDir, 'gateway.json'), ...c.provinces.map((p) => p.file)],
      () => {
        void reload().then((r) => {
          if (r.ok && !draining) watchConfig(current.cfg);
        });
      },
    );
  };
  if (opts.watchConfig) watchConfig(cfg);

  const port = https.port;
  return {
    port,
    url: `https://${host}:${port}/graphql`,
    auditFile,
    reloadTls: https.reloadTls,
    reloadCrls: () => current.identity.revocation.reload(),
    reload,
    config: () => current.cfg,
    async close() {
      // Drain: fail readiness, stop accepting, let in-flight requests finish (bounded), then close
      // what is left.
      draining = true;
      configWatcher?.close();
      await reloading;
      await https.close();
      await current.close();
      await Promise.all(retiring);
      await shared.rateLimiter?.close();
      await audit.close();
    },
  };
}
