// Loads and validates the stack's configuration: one JSON file per province in
// config/provinces/, plus config/gateway.json. Adding a province is a new file here
// plus its certificates; no code changes (docs/DESIGN.md §2).
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { SCOPES } from './identity/caller.js';

/**
 * The project directory (the one holding package.json): `common/..` when run from source under
 * tsx, `dist/common/../..` when run from the compiled build (`npm run build`).
 */
export const ROOT_DIR = (() => {
  const start = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return start;
  }
})();

const provinceSchema = z.strictObject({
  id: z.string().regex(/^[a-z][a-z0-9-]{1,30}$/, 'lower-case identifier'),
  // GB/T 2260 province-level division code: two significant digits then 0000.
  divisionCode: z.string().regex(/^[1-9]\d0000$/, 'a GB/T 2260 province code such as 500000'),
  name: z.string().min(1),
  shortName: z.string().min(1),
  platform: z.strictObject({ name: z.string().min(1), romanized: z.string().min(1) }),
  // Used to name the province's GraphQL types (ChongqingCatalogueEntry, …).
  typePrefix: z.string().regex(/^[A-Z][A-Za-z0-9]{1,30}$/, 'PascalCase GraphQL name'),
  enumValue: z.string().regex(/^[A-Z][A-Z0-9_]{1,30}$/, 'GraphQL enum value'),
  subgraph: z.strictObject({
    host: z.string().min(1).default('localhost'),
    port: z.number().int().min(0).max(65535),
    url: z.string().url().optional(),
  }),
  idp: z.strictObject({
    // RFC 8414 §2 issuer identifier: the `iss` of the province's tokens. Dev: the dev IdP's origin.
    issuer: z.string().min(1),
    // Where the province's IdP publishes its public keys: a file path (relative to the
    // config directory) or an https:// URL. Default: the dev PKI file.
    jwks: z.string().optional(),
    // Trust anchors (PEM file) for an https:// JWKS URL: the IdP's own CA, not the system store.
    // Default: the province CA of the PKI (the dev IdP's server certificate is issued by it).
    jwksCa: z.string().optional(),
    jwksCooldownMs: z.number().int().min(0).max(3600_000).optional(),
    // How often an https:// key set is refetched in the background (default 5 minutes).
    jwksRefreshMs: z
      .number()
      .int()
      .min(100)
      .max(24 * 3600_000)
      .optional(),
    jwksMaxStaleMs: z
      .number()
      .int()
      .min(0)
      .max(7 * 24 * 3600_000)
      .optional(),
    // The province's dev IdP (idp/, started by `npm start`): where it listens and its registered
    // clients. Absent in production configs, which name a real IdP by `issuer` and `jwks`.
    dev: z
      .strictObject({
        host: z.string().min(1).default('localhost'),
        port: z.number().int().min(0).max(65535),
        // RFC 6749 §2 client registrations, by client id.
        clients: z.record(
          z.string().regex(/^[a-z][a-z0-9-]{0,30}$/, 'lower-case client id'),
          z.strictObject({
            // The certificate the client authenticates with (RFC 8705 §2.1 tls_client_auth), matched
            // by its SHA-256 thumbprint: a path relative to the province's certificate folder.
            certificate: z.string().min(1),
            // The scopes it may be given (RFC 6749 §3.3).
            scopes: z.array(z.enum(SCOPES)).min(1),
            // Where the authorization endpoint may send a person back (RFC 6749 §3.1.2), compared
            // exactly; none: the client cannot use the authorization code grant.
            redirectUris: z.array(z.string().url().startsWith('https://')).default([]),
          }),
        ),
      })
      .optional(),
  }),
  // Revocation of the province's client certificates (RFC 5280 §5): where its CA publishes its
  // CRL, a file path (relative to the config directory) or an https:// URL. Default: the dev PKI
  // file. The CRL must verify against the province CA (gateway/identity/revocation.ts).
  crl: z
    .strictObject({
      source: z.string().min(1).optional(),
      // Trust anchors (PEM file) for an https:// source: the CRL endpoint's own CA, not the system store.
      ca: z.string().min(1).optional(),
      // How often an https:// source is refetched (default 5 minutes); files are re-read on change.
      refreshMs: z
        .number()
        .int()
        .min(100)
        .max(24 * 3600_000)
        .optional(),
      // How long past its nextUpdate a CRL is still used (the source unreachable); then every
      // client of the province is refused (default 24 hours).
      graceMs: z
        .number()
        .int()
        .min(0)
        .max(7 * 24 * 3600_000)
        .optional(),
    })
    .optional(),
  // The province's sync worker (目录互挂, 增量同步): what a change of a mounted source does to its
  // mirror (follow: take it; review: CHANGED until an administrator accepts it), how often the
  // other provinces' change feeds are read, and how long its lease outlives a silent worker.
  sync: z
    .strictObject({
      onSourceChange: z.enum(['follow', 'review']).default('follow'),
      pollMs: z.number().int().min(50).max(600_000).default(500),
      leaseMs: z.number().int().min(1000).max(600_000).default(15_000),
      // Changes read per feed page (the gateway allows up to 1000).
      feedPage: z.number().int().min(1).max(1000).default(500),
      // The gateway's GraphQL URL as the worker reaches it (default: from config/gateway.json).
      gatewayUrl: z.string().url().optional(),
      // The province IdP's OAuth token endpoint (client credentials, RFC 8705 tls_client_auth),
      // default: the `token_endpoint` of the issuer's RFC 8414 metadata; its CA (PEM file, relative
      // to the config directory), default: the province CA of the PKI; the worker's client id
      // (default `sync`).
      tokenEndpoint: z.string().url().startsWith('https://').optional(),
      tokenEndpointCa: z.string().min(1).optional(),
      clientId: z.string().min(1).optional(),
    })
    .default({ onSourceChange: 'follow', pollMs: 500, leaseMs: 15_000, feedPage: 500 }),
  demo: z.strictObject({
    entries: z.number().int().min(0),
    seed: z.number().int(),
    // Demo e-certificates generated on first start (default 300).
    certificates: z.number().int().min(0).max(100_000).optional(),
  }),
});

export type ProvinceConfig = z.infer<typeof provinceSchema> & { file: string };

// A token bucket (in its GCRA form): `perSecond` requests a second sustained, at most `burst` at once.
const rateBucketSchema = z.strictObject({
  perSecond: z.number().positive().max(1_000_000),
  burst: z.number().int().min(1).max(1_000_000),
});

const gatewaySchema = z.strictObject({
  host: z.string().default('localhost'),
  port: z.number().int().min(0).max(65535).default(4000),
  // RFC 9068 `aud`: tokens must name this gateway.
  audience: z.string().min(1),
  // The gateway's public origin as its callers reach it (https, no path): the base of the IRIs of the
  // DCAT-AP export (GET /catalogue/dcat; they must stay stable, so set it to the deployed name) and
  // of the access URL its distributions name (<publicUrl>/graphql).
  publicUrl: z
    .string()
    .url()
    .regex(/^https:\/\/[^/?#\s]+$/, 'an https:// origin without a path, query or fragment, e.g. https://gateway.example.gov.cn')
    .default('https://localhost:4000'),
  subgraphTimeoutMs: z.number().int().min(100).max(120000).default(5000),
  maxPageSize: z.number().int().min(1).max(1000).default(100),
  breaker: z
    .strictObject({
      failureThreshold: z.number().int().min(1).max(1000).default(5),
      openMs: z.number().int().min(100).max(600_000).default(10_000),
    })
    .default({ failureThreshold: 5, openMs: 10_000 }),
  limits: z
    .strictObject({
      maxDepth: z.number().int().min(2).max(100).default(12),
      maxAliases: z.number().int().min(0).max(1000).default(30),
      maxTokens: z.number().int().min(100).max(100_000).default(2000),
      maxBodyBytes: z
        .number()
        .int()
        .min(1024)
        .max(10 * 1024 * 1024)
        .default(64 * 1024),
    })
    .default({ maxDepth: 12, maxAliases: 30, maxTokens: 2000, maxBodyBytes: 64 * 1024 }),
  // Introspection is for development; production configs turn it off.
  introspection: z.boolean().default(false),
  // Mask internal detail in errors (stack traces, subgraph URLs); only a dev config disables it.
  maskErrors: z.boolean().default(true),
  // Rate limits per caller and per province (gateway/policy/rate-limits.ts, docs/OPERATIONS.md): shared
  // by every replica through Redis at `redisUrl` (RATE_LIMIT_REDIS_URL overrides it, for a URL with a
  // password); without it, or while Redis cannot be reached, each replica limits on its own.
  rateLimit: z
    .strictObject({
      perCaller: rateBucketSchema.optional(),
      perProvince: rateBucketSchema.optional(),
      redisUrl: z
        .string()
        .regex(/^rediss?:\/\/\S+$/, 'a redis:// or rediss:// URL')
        .optional(),
      // Prefix of the Redis keys, so that installations (or test runs) sharing a Redis do not share budgets.
      keyPrefix: z.string().min(1).max(100).default('chuanyu:ratelimit:'),
      // How long a decision may wait for Redis before this replica decides alone.
      redisTimeoutMs: z.number().int().min(5).max(5000).default(100),
    })
    .refine((r) => r.perCaller || r.perProvince, 'name perCaller, perProvince or both')
    .optional(),
  // Trusted documents, an operation allowlist (gateway/policy/trusted-documents.ts, docs/OPERATIONS.md):
  // Apollo persisted-query manifests, paths relative to the config directory. `enforce` runs only
  // their documents, `log` runs anything and records what is not in them, `off` checks nothing (the
  // manifests' documents are still served by id).
  trustedDocuments: z
    .strictObject({
      mode: z.enum(['off', 'log', 'enforce']).default('off'),
      manifests: z.array(z.string().min(1)).default([]),
    })
    .refine((t) => t.mode !== 'enforce' || t.manifests.length > 0, 'mode "enforce" needs at least one manifest (it would refuse every request)')
    .default({ mode: 'off', manifests: [] }),
  // Demand control (gateway/policy/demand-control.ts): an operation whose estimated cost is over
  // `maxCost` is refused (QUERY_TOO_EXPENSIVE). `weights` ("Type.field": cost) add to and override the
  // built-in ones; `defaultListSize` is the size of a list without a `first` or `ids` argument.
  demandControl: z
    .strictObject({
      maxCost: z.number().int().min(1).max(100_000_000).default(5000),
      defaultListSize: z.number().int().min(1).max(10_000).default(10),
      weights: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*$/, '"Type.field"'), z.number().min(0).max(1_000_000)).default({}),
    })
    .default({ maxCost: 5000, defaultListSize: 10, weights: {} }),
});

export type GatewayConfig = z.infer<typeof gatewaySchema>;

export interface StackConfig {
  configDir: string;
  certsDir: string;
  dataDir: string;
  /** PostgreSQL for the province stores (DATABASE_URL); none: SQLite files in `dataDir`. */
  databaseUrl?: string;
  gateway: GatewayConfig;
  provinces: ProvinceConfig[];
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`config: cannot read ${file}: ${(err as Error).message}`);
  }
}

// Objects are strict: a misspelt key ("introspecton") would otherwise be dropped without a word
// and leave the default in force. Each unknown key is named by its full path.
function formatIssues(file: string, error: z.ZodError): string {
  return error.issues
    .flatMap((i) =>
      i.code === 'unrecognized_keys'
        ? i.keys.map((k) => `config: ${file}: ${[...i.path, k].join('.')}: unknown key`)
        : [`config: ${file}: ${i.path.join('.') || '(root)'}: ${i.message}`],
    )
    .join('\n');
}

export interface LoadOptions {
  configDir?: string;
  certsDir?: string;
  dataDir?: string;
  databaseUrl?: string;
}

export function loadStackConfig(opts: LoadOptions = {}): StackConfig {
  const configDir = path.resolve(opts.configDir ?? process.env.CHUANYU_CONFIG_DIR ?? path.join(ROOT_DIR, 'config'));
  const certsDir = path.resolve(opts.certsDir ?? process.env.CHUANYU_CERTS_DIR ?? path.join(ROOT_DIR, 'certs', 'dev'));
  const dataDir = path.resolve(opts.dataDir ?? process.env.CHUANYU_DATA_DIR ?? path.join(ROOT_DIR, 'data'));

  const gatewayFile = path.join(configDir, 'gateway.json');
  const rawGateway = existsSync(gatewayFile) ? readJson(gatewayFile) : {};
  const g = gatewaySchema.safeParse(rawGateway);
  if (!g.success) throw new Error(formatIssues(gatewayFile, g.error));
  const gateway = g.data;
  if (process.env.GATEWAY_PORT) gateway.port = Number(process.env.GATEWAY_PORT);
  if (process.env.RATE_LIMIT_REDIS_URL && gateway.rateLimit) gateway.rateLimit.redisUrl = process.env.RATE_LIMIT_REDIS_URL;

  const provDir = path.join(configDir, 'provinces');
  if (!existsSync(provDir)) throw new Error(`config: ${provDir} does not exist`);
  const provinces: ProvinceConfig[] = [];
  for (const name of readdirSync(provDir)
    .filter((n) => n.endsWith('.json'))
    .sort()) {
    const file = path.join(provDir, name);
    const p = provinceSchema.safeParse(readJson(file));
    if (!p.success) throw new Error(formatIssues(file, p.error));
    provinces.push({ ...p.data, file });
  }
  if (provinces.length === 0) throw new Error(`config: no province files in ${provDir}`);
  for (const key of ['id', 'divisionCode', 'typePrefix', 'enumValue'] as const) {
    const seen = new Map<string, string>();
    for (const p of provinces) {
      const other = seen.get(p[key]);
      if (other) throw new Error(`config: ${p.file}: ${key} "${p[key]}" is also used by ${other}`);
      seen.set(p[key], p.file);
    }
  }
  // The one place the environment chooses the store backend.
  const databaseUrl = opts.databaseUrl ?? (process.env.DATABASE_URL || undefined);
  return { configDir, certsDir, dataDir, gateway, provinces, ...(databaseUrl ? { databaseUrl } : {}) };
}

export function provinceByDivision(cfg: StackConfig, divisionCode: string): ProvinceConfig | undefined {
  // Any division code inside a province (e.g. 500103) maps to it by its first two digits.
  const prefix = divisionCode.slice(0, 2);
  return cfg.provinces.find((p) => p.divisionCode.slice(0, 2) === prefix);
}

export function provinceById(cfg: StackConfig, id: string): ProvinceConfig | undefined {
  const needle = id.trim();
  return cfg.provinces.find((p) => p.id === needle.toLowerCase() || p.divisionCode === needle || p.enumValue === needle.toUpperCase());
}

export function subgraphUrl(p: ProvinceConfig): string {
  return p.subgraph.url ?? `https://${p.subgraph.host}:${p.subgraph.port}/graphql`;
}
