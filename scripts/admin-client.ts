// The administrator commands' one way to the federation (mirror:mount, mirror:status): GraphQL to the
// gateway over mutual TLS as the province's dev admin client (clients/admin.crt), with a token from
// the province's dev IdP bound to that certificate, trusting the gateway's CA. The HTTP side is the
// sync worker's FederationClient; this module adds the command-line side: the shared options, the
// province and URL checks (usage errors, exit 2) and gateway errors as one clear line (code: message).
import { existsSync, readFileSync } from 'node:fs';
import { STACK_DIR_OPTIONS, UsageError, stackConfigFrom } from '../common/cli.js';
import { provinceById, type ProvinceConfig, type StackConfig } from '../common/config.js';
import { DEFAULT_TOKEN_LIFETIME_SECONDS, mintDevToken } from '../common/dev-token.js';
import { gatewayPaths, provincePaths } from '../common/pki/paths.js';
import { checkPemFiles } from '../common/tls/check-files.js';
import type { MountJobState } from '../domain/mount-job.js';
import { FederationClient, FederationUnavailable, type TokenSource } from '../subgraphs/catalogue/sync/federation-client.js';

export { FederationRefused, FederationUnavailable } from '../subgraphs/catalogue/sync/federation-client.js';

/** The province's catalogue administrator in the dev PKI, and what it may do. */
export const ADMIN_CLIENT = 'admin';
export const ADMIN_SCOPE = 'catalogue:read catalogue:admin';

/** A mount job as the gateway answers it (MountJob in common/schema/local-sdl.ts). */
export interface MountJob {
  id: string;
  source: string;
  province: string;
  state: MountJobState;
  total: number | null;
  mounted: number;
  skipped: number;
  failed: number;
  approvalRef: string | null;
  createdAt: string;
  createdBy: string;
  startedAt: string | null;
  finishedAt: string | null;
  lastError: string | null;
  nextAttemptAt: string | null;
}

/** Options every administrator command takes. */
export const ADMIN_OPTIONS = {
  province: { type: 'string' },
  'gateway-url': { type: 'string' },
  ...STACK_DIR_OPTIONS,
} as const;

export const ADMIN_OPTIONS_USAGE = '[--gateway-url URL] [--config-dir DIR] [--certs-dir DIR] [--data-dir DIR]';

/** A configured province by id (or division code, or enum value); a usage error naming the known ones otherwise. */
export function provinceArg(cfg: StackConfig, option: string, value: string | undefined): ProvinceConfig {
  const known = cfg.provinces.map((p) => p.id).join(', ');
  if (!value) throw new UsageError(`--${option} is required (one of: ${known})`);
  const province = provinceById(cfg, value);
  if (!province) throw new UsageError(`--${option}: unknown province "${value}"; configured: ${known}`);
  return province;
}

/** The gateway's GraphQL URL: the option, or the one config/gateway.json describes. */
export function gatewayUrlArg(cfg: StackConfig, value: string | undefined): string {
  if (value === undefined) return `https://${cfg.gateway.host}:${cfg.gateway.port}/graphql`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`--gateway-url: not a URL: "${value}"`);
  }
  if (url.protocol !== 'https:') throw new UsageError(`--gateway-url: the gateway is reached over https, got "${value}"`);
  return url.href;
}

/** Dev IdP tokens for the admin client, renewed a minute before they expire (a long wait outlives one). */
class AdminTokens implements TokenSource {
  private current: { token: string; renewAt: number } | null = null;

  constructor(private readonly opts: { certsDir: string; province: ProvinceConfig; audience: string }) {}

  async token(fresh = false): Promise<string> {
    if (!fresh && this.current && Date.now() < this.current.renewAt) return this.current.token;
    const token = await mintDevToken({ ...this.opts, client: ADMIN_CLIENT, scope: ADMIN_SCOPE });
    this.current = { token, renewAt: Date.now() + (DEFAULT_TOKEN_LIFETIME_SECONDS - 60) * 1000 };
    return token;
  }
}

export interface AdminSession {
  cfg: StackConfig;
  province: ProvinceConfig;
  url: string;
  /**
   * One operation through the gateway. A refusal (FederationRefused) says `CODE: message`; an
   * unreachable gateway or province (FederationUnavailable) also names the URL.
   */
  run<T>(query: string, variables?: Record<string, unknown>): Promise<T>;
  close(): Promise<void>;
}

/** Parsed administrator options → the stack's config, the province and a client acting as its admin. */
export function adminSession(values: {
  province?: string;
  'gateway-url'?: string;
  'config-dir'?: string;
  'certs-dir'?: string;
  'data-dir'?: string;
}): AdminSession {
  const cfg = stackConfigFrom(values);
  const province = provinceArg(cfg, 'province', values.province);
  const url = gatewayUrlArg(cfg, values['gateway-url']);
  const paths = provincePaths(cfg.certsDir, province.id);
  const client = paths.client(ADMIN_CLIENT);
  const ca = gatewayPaths(cfg.certsDir).ca;
  const missing = [client.cert, client.key, ca, paths.idpKey, paths.idpJwks].filter((f) => !existsSync(f));
  if (missing.length > 0) throw new UsageError(`missing ${missing.join(', ')}: run \`npm run pki\` first (certs dir: ${cfg.certsDir})`, false);
  checkPemFiles({ certificate: [client.cert, ca], 'private key': [client.key] });
  const federation = new FederationClient({
    url,
    cert: readFileSync(client.cert),
    key: readFileSync(client.key),
    ca: readFileSync(ca),
    tokens: new AdminTokens({ certsDir: cfg.certsDir, province, audience: cfg.gateway.audience }),
  });
  return {
    cfg,
    province,
    url,
    async run<T>(query: string, variables: Record<string, unknown> = {}) {
      try {
        return await federation.run<T>(query, variables);
      } catch (err) {
        // The client's own words for a gateway that did not answer ("gateway unreachable (…)"): say which.
        if (err instanceof FederationUnavailable && err.message.startsWith('gateway '))
          throw new FederationUnavailable(err.message.replace('gateway', `gateway ${url}`));
        throw err;
      }
    },
    close: () => federation.close(),
  };
}

/** A number of seconds as people read it: 0.4 s, 12 s, 3 min 5 s, 2 h 10 min. */
export function formatSeconds(seconds: number): string {
  if (seconds < 10) return `${seconds.toFixed(1)} s`;
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** Writes to stdout and waits until it is flushed (process.exit right after must not cut it off). */
export function print(text: string): Promise<void> {
  return new Promise((resolve, reject) => process.stdout.write(text, (err) => (err ? reject(err) : resolve())));
}
