// Connections from the gateway to each province subgraph: one keep-alive undici pool per
// province, mutual TLS with the gateway's own client certificate, the province CA as the
// only trust anchor, and a bounded time per call (DESIGN.md §5, §7).
import { readFileSync } from 'node:fs';
import { Agent, fetch as undiciFetch, request } from 'undici';
import type { ProvinceConfig, StackConfig } from '../../common/config.js';
import { subgraphUrl } from '../../common/config.js';
import { CALLER_ASSERTION_HEADER, type CallerAssertionSigner } from '../../common/identity/caller-assertion.js';
import type { Caller } from '../../common/identity/caller.js';
import { gatewayPaths, provincePaths } from '../../common/pki/paths.js';

/** The province could not be reached in time, or answered with a server error. */
export class ProvinceUnavailable extends Error {
  constructor(readonly province: ProvinceConfig, cause: string) {
    super(`${province.enumValue} is unavailable: ${cause}`);
  }
}

/** The province answered, and refused (4xx) with a code and a message meant for the caller. */
export class ProvinceRefused extends Error {
  constructor(
    readonly province: ProvinceConfig,
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class ProvinceClients {
  private readonly agents = new Map<string, Agent>();
  private readonly baseUrls = new Map<string, string>();

  constructor(
    readonly cfg: StackConfig,
    private readonly signer: CallerAssertionSigner,
    private readonly timeoutMs: number,
  ) {
    this.reloadCredentials();
    for (const p of cfg.provinces) this.baseUrls.set(p.id, subgraphUrl(p).replace(/\/graphql$/, ''));
  }

  /** Files whose change means new pools: the gateway's client credentials and each province CA. */
  credentialFiles(): string[] {
    const gp = gatewayPaths(this.cfg.certsDir);
    return [gp.clientCert, gp.clientKey, ...this.cfg.provinces.map((p) => provincePaths(this.cfg.certsDir, p.id).ca)];
  }

  /**
   * (Re)build the per-province pools from the credential files. Old pools finish their
   * in-flight requests and are closed after a grace period.
   */
  reloadCredentials(): void {
    const gp = gatewayPaths(this.cfg.certsDir);
    const cert = readFileSync(gp.clientCert);
    const key = readFileSync(gp.clientKey);
    const next = new Map<string, Agent>();
    for (const p of this.cfg.provinces) {
      next.set(
        p.id,
        new Agent({
          connect: { ca: readFileSync(provincePaths(this.cfg.certsDir, p.id).ca), cert, key, minVersion: 'TLSv1.2' },
          keepAliveTimeout: 30_000,
          connections: 128,
          headersTimeout: this.timeoutMs,
          bodyTimeout: this.timeoutMs,
        }),
      );
    }
    const old = [...this.agents.values()];
    for (const [id, agent] of next) this.agents.set(id, agent);
    if (old.length) setTimeout(() => old.forEach((a) => void a.close()), this.timeoutMs + 1000).unref();
  }

  setUrl(provinceId: string, graphqlUrl: string): void {
    this.baseUrls.set(provinceId, graphqlUrl.replace(/\/graphql$/, ''));
  }

  graphqlUrl(provinceId: string): string {
    return `${this.baseUrls.get(provinceId)}/graphql`;
  }

  assertion(caller: Caller, provinceId: string): Promise<string> {
    return this.signer.sign(caller, provinceId);
  }

  /** A fetch for @apollo/gateway's RemoteGraphQLDataSource, bound to this province's pool. */
  fetcher(provinceId: string): typeof undiciFetch {
    const timeoutMs = this.timeoutMs;
    return ((input: Parameters<typeof undiciFetch>[0], init?: Parameters<typeof undiciFetch>[1]) =>
      undiciFetch(input, { ...init, dispatcher: this.agents.get(provinceId)!, signal: AbortSignal.timeout(timeoutMs) })) as typeof undiciFetch;
  }

  /** Call the province's index API (JSON over mTLS, with the caller assertion). */
  async callIndex<T>(province: ProvinceConfig, path: string, body: unknown, caller: Caller): Promise<T> {
    const dispatcher = this.agents.get(province.id);
    if (!dispatcher) throw new ProvinceUnavailable(province, 'not configured');
    let res;
    try {
      res = await request(`${this.baseUrls.get(province.id)}/internal/v1${path}`, {
        method: 'POST',
        dispatcher,
        headers: {
          'content-type': 'application/json',
          [CALLER_ASSERTION_HEADER]: await this.assertion(caller, province.id),
          'x-request-id': caller.requestId,
        },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw new ProvinceUnavailable(province, (err as Error).name === 'TimeoutError' ? 'timed out' : 'unreachable');
    }
    let json: unknown;
    try {
      json = await res.body.json();
    } catch {
      throw new ProvinceUnavailable(province, `bad response (${res.statusCode})`);
    }
    if (res.statusCode >= 500) throw new ProvinceUnavailable(province, `server error ${res.statusCode}`);
    if (res.statusCode >= 400) {
      const e = (json as { error?: { code?: string; message?: string } }).error;
      throw new ProvinceRefused(province, res.statusCode, e?.code ?? 'FORBIDDEN', e?.message ?? 'refused');
    }
    return json as T;
  }

  async close(): Promise<void> {
    await Promise.all([...this.agents.values()].map((a) => a.close()));
  }
}
