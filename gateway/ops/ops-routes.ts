// The gateway's operational routes (express): liveness, readiness, each province's public seal
// keys, Prometheus metrics, and the JSON 404 / error answers for every path but /graphql.
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import type { StackConfig } from '../../common/config.js';
import { provincePaths } from '../../common/pki/paths.js';
import { requestLog } from '../../common/request-log.js';
import type { ProvinceClients } from '../federation/province-clients.js';
import type { Revocation } from '../identity/revocation.js';
import type { GatewayMetrics } from './metrics.js';

export interface OpsRoutesOptions {
  /** Routes mounted before the JSON 404 (the console at /console/). */
  extra?: { path: string; router: express.Router }[];
  cfg: StackConfig;
  clients: ProvinceClients;
  revocation: Revocation;
  metrics: GatewayMetrics;
  isDraining: () => boolean;
  log: Logger;
}

export function opsRoutes({ cfg, clients, revocation, metrics, isDraining, log, extra = [] }: OpsRoutesOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  // Liveness: the process answers. Readiness: the supergraph is loaded, we are not draining, and at
  // least one province answers — a single province down must not pull every replica out of the
  // load balancer, since the directory still serves partial results.
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const provinces = Object.fromEntries(
      await Promise.all(
        cfg.provinces.map(
          async (p) => [p.id, { reachable: await clients.probe(p), breaker: clients.breakers.get(p.id)!.state, revocation: revocation.state(p.id) }] as const,
        ),
      ),
    );
    const draining = isDraining();
    const ready = !draining && Object.values(provinces).some((p) => p.reachable);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : draining ? 'draining' : 'not_ready', supergraph: 'loaded', provinces });
  });
  // Each province's public seal JWKS, so a counter can check receipts offline. Public keys only.
  const sealJwks = new Map(cfg.provinces.map((p) => [p.id, provincePaths(cfg.certsDir, p.id).sealJwks]));
  app.get('/keys/:province/seal.jwks.json', (req, res) => {
    const file = sealJwks.get(String(req.params.province));
    if (!file) {
      res.status(404).json({ error: 'unknown province' });
      return;
    }
    const jwks = JSON.parse(readFileSync(file, 'utf8')) as { keys: Record<string, unknown>[] };
    res.type('application/jwk-set+json').send(JSON.stringify({ keys: jwks.keys.map(({ d: _private, ...pub }) => pub) }));
  });
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  app.use(requestLog(log));
  for (const { path, router } of extra) app.use(path, router);
  app.use((_req, res) => {
    res.status(404).json({ errors: [{ message: 'not found', extensions: { code: 'NOT_FOUND' } }] });
  });
  app.use((err: Error & { status?: number }, _req: Request, res: Response, _next: NextFunction) => {
    const status = err.status && err.status >= 400 && err.status < 500 ? err.status : 500;
    if (status === 500) log.error({ err }, 'unhandled error');
    res.status(status).json({
      errors: [{ message: status === 500 ? 'internal error' : 'bad request', extensions: { code: status === 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST' } }],
    });
  });
  return app;
}
