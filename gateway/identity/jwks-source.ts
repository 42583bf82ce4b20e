// A province IdP's public keys. Read from a local JWKS file and re-read when the file
// changes (checked at most once a second), so a new IdP key (new kid) is accepted
// without a restart; a JWKS that fails to parse keeps the last good keys. Or fetched from the
// IdP's https:// JWKS URL (RFC 8414 `jwks_uri`), trusting only the IdP's CA: the dev IdP's
// (idp/server.ts) by default, whose server certificate the province CA issues.
import { createLocalJWKSet, errors, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { provincePaths } from '../../common/pki/paths.js';
import { TrustedFetch } from '../../common/tls/trusted-fetch.js';

export interface JwksSource {
  keys(): JWTVerifyGetKey;
  /** Changes whenever the key set is replaced, so results verified with old keys can be dropped. */
  generation(): number;
  start?(): Promise<void>;
  close?(): Promise<void>;
}

class FileJwksSource implements JwksSource {
  private current: JWTVerifyGetKey;
  private gen = 0;
  private mtimeMs = 0;
  private checkedAt = 0;

  constructor(
    readonly file: string,
    private readonly recheckMs = 1000,
  ) {
    this.current = this.load();
  }

  private load(): JWTVerifyGetKey {
    const st = statSync(this.file);
    const jwks = JSON.parse(readFileSync(this.file, 'utf8')) as JSONWebKeySet;
    if (!Array.isArray(jwks.keys) || jwks.keys.length === 0) throw new Error(`${this.file}: JWKS has no keys`);
    // Only public EC P-256 signing keys: a private member or another key type is a config error.
    for (const k of jwks.keys) {
      if ('d' in k) throw new Error(`${this.file}: JWKS must hold public keys only`);
    }
    this.mtimeMs = st.mtimeMs;
    this.gen += 1;
    return createLocalJWKSet(jwks);
  }

  generation(): number {
    return this.gen;
  }

  keys(): JWTVerifyGetKey {
    const now = Date.now();
    if (now - this.checkedAt >= this.recheckMs) {
      this.checkedAt = now;
      try {
        if (statSync(this.file).mtimeMs !== this.mtimeMs) this.current = this.load();
      } catch {
        // Keep the last good key set; the IdP file being replaced is a transient state.
      }
    }
    return this.current;
  }
}

export interface HttpsJwksOptions {
  /** PEM trust anchors for the IdP's HTTPS endpoint (its own CA; the system store is not used). */
  ca?: Buffer | string;
  /** Refresh in the background once the keys are this old. */
  refreshMs?: number;
  /** After a fetch (successful or not), wait at least this long before an unknown kid triggers another. */
  cooldownMs?: number;
  /** Keep using the last good keys while the IdP is unreachable, for at most this long. */
  maxStaleMs?: number;
  timeoutMs?: number;
}

/** While no key set has been fetched yet (the IdP starting after the gateway), try again this often. */
const RETRY_WITHOUT_KEYS_MS = 1000;

/**
 * A province IdP's JWKS over HTTPS. Cached; refetched in the background every `refreshMs` (so a
 * withdrawn key stops working without a token having to ask), and when a token names an unknown
 * `kid` (rotation), at most once per cooldown (so forged kids cannot make us hammer the IdP); the
 * last good keys keep working for a bounded time while the IdP is down, then every token is
 * refused (fail closed). An IdP that is not up yet when the gateway starts is asked again every
 * second until it answers, so the gateway need not wait for it.
 */
class HttpsJwksSource implements JwksSource {
  private local: JWTVerifyGetKey | null = null;
  private localText = '';
  private gen = 0;
  private fetchedAt = 0;
  private attemptedAt = 0;
  private inflight: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly fetcher: TrustedFetch;
  private readonly refreshMs: number;
  private readonly cooldownMs: number;
  private readonly maxStaleMs: number;
  private readonly timeoutMs: number;

  constructor(
    readonly url: string,
    opts: HttpsJwksOptions = {},
  ) {
    if (!url.startsWith('https://')) throw new Error(`JWKS URL must be https: ${url}`);
    this.refreshMs = opts.refreshMs ?? 5 * 60_000;
    this.cooldownMs = opts.cooldownMs ?? 30_000;
    this.maxStaleMs = opts.maxStaleMs ?? 24 * 3600_000;
    this.timeoutMs = opts.timeoutMs ?? 5000;
    // A key set is small; 1 MiB is far more than any IdP publishes.
    this.fetcher = new TrustedFetch(url, opts.ca, this.timeoutMs, 1024 * 1024);
  }

  /** Fetch once; resolves even if the IdP is down (tokens are then refused until it answers). */
  async start(): Promise<void> {
    await this.refresh();
    this.schedule();
  }

  private schedule(): void {
    if (this.closed) return;
    this.timer = setTimeout(
      () => {
        void this.refresh().finally(() => this.schedule());
      },
      this.local ? this.refreshMs : RETRY_WITHOUT_KEYS_MS,
    );
    this.timer.unref();
  }

  private refresh(): Promise<void> {
    this.inflight ??= (async () => {
      this.attemptedAt = Date.now();
      try {
        const got = await this.fetcher.get('application/jwk-set+json, application/json');
        if (!got.ok) return;
        const text = got.body.toString('utf8');
        const jwks = JSON.parse(text) as JSONWebKeySet;
        if (!Array.isArray(jwks.keys) || jwks.keys.length === 0 || jwks.keys.some((k) => 'd' in k)) return;
        // A new generation only when the keys changed: it drops every cached token verification.
        if (text !== this.localText || !this.local) {
          this.local = createLocalJWKSet(jwks);
          this.localText = text;
          this.gen += 1;
        }
        this.fetchedAt = Date.now();
      } catch {
        // Keep the last good keys; staleness is bounded in keys().
      } finally {
        this.inflight = null;
      }
    })();
    return this.inflight;
  }

  generation(): number {
    // Past the staleness bound the keys are unusable: a new generation drops cached results.
    return Date.now() - this.fetchedAt > this.maxStaleMs ? -1 : this.gen;
  }

  keys(): JWTVerifyGetKey {
    return async (header, token) => {
      const now = Date.now();
      const cooldown = this.local ? this.cooldownMs : Math.min(this.cooldownMs, RETRY_WITHOUT_KEYS_MS);
      if (now - this.fetchedAt > this.refreshMs && now - this.attemptedAt > cooldown) {
        if (this.local && now - this.fetchedAt <= this.maxStaleMs) void this.refresh();
        else await this.refresh();
      }
      if (!this.local || Date.now() - this.fetchedAt > this.maxStaleMs) {
        throw new errors.JWKSNoMatchingKey('no current keys for this issuer');
      }
      try {
        return await this.local(header, token);
      } catch (err) {
        if (!(err instanceof errors.JWKSNoMatchingKey) || Date.now() - this.attemptedAt < this.cooldownMs) throw err;
        await this.refresh();
        return this.local(header, token);
      }
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await this.inflight;
    await this.fetcher.close();
  }
}

/**
 * The JWKS source a province's config names: https URL, file path, or the dev PKI file
 * (`defaultFile`, <certs dir>/<province>/idp/jwks.json). An https URL is trusted through
 * `idp.jwksCa`, else through the province CA of that same PKI (as the dev IdP's is).
 */
export function jwksSourceFor(
  p: { id: string; idp: { jwks?: string; jwksCa?: string; jwksCooldownMs?: number; jwksMaxStaleMs?: number; jwksRefreshMs?: number } },
  configDir: string,
  defaultFile: string,
): JwksSource {
  const where = p.idp.jwks;
  if (where?.startsWith('https://')) {
    // The dev PKI's folder of the province holds both the default JWKS file and its CA (common/pki/paths.ts).
    const certsDir = path.resolve(path.dirname(defaultFile), '..', '..');
    const pkiPaths = provincePaths(certsDir, p.id);
    if (!p.idp.jwksCa && pkiPaths.idpJwks !== path.resolve(defaultFile)) throw new Error(`province ${p.id}: idp.jwksCa is required with an https:// idp.jwks`);
    const caFile = p.idp.jwksCa ? path.resolve(configDir, p.idp.jwksCa) : pkiPaths.ca;
    return new HttpsJwksSource(where, {
      ca: readFileSync(caFile),
      cooldownMs: p.idp.jwksCooldownMs,
      maxStaleMs: p.idp.jwksMaxStaleMs,
      refreshMs: p.idp.jwksRefreshMs,
    });
  }
  if (where && /^[a-z]+:\/\//i.test(where)) throw new Error(`province ${p.id}: idp.jwks must be a file path or an https:// URL`);
  return new FileJwksSource(where ? path.resolve(configDir, where) : defaultFile);
}
