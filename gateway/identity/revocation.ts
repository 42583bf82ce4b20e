// Client-certificate revocation (RFC 5280 §5, §6.3): per province one CRL, from a file (re-read
// when it or the province CA changes) or an HTTPS URL trusted through its own CA (refreshed
// periodically), mirroring the IdP key sources (gateway/identity/jwks-source.ts). A CRL is used
// only once it verifies against the province's CA (common/pki/crl.ts); a bad or older one is
// refused and the last good one stays in force. Requests pay a Set lookup, nothing is parsed.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { TrustedFetch } from '../../common/tls/trusted-fetch.js';
import type { StackConfig } from '../../common/config.js';
import { CrlError, verifyCrl, type VerifiedCrl } from '../../common/pki/crl.js';
import { provincePaths } from '../../common/pki/paths.js';

export type RevocationVerdict = 'good' | 'revoked' | 'unknown';

/**
 * The one rule. A certificate is `revoked` when the CRL of its issuer lists its serial; `unknown`
 * (refused: fail closed) when there is no usable CRL for it: none loaded yet, a CRL whose issuer
 * is not the certificate's issuer (e.g. the certificate was issued by an intermediate CA, whose
 * own CRL we do not have; RFC 5280 §6.3.3 (b) requires the CRL issuer to match the certificate
 * issuer), or a CRL past its nextUpdate by more than `graceMs` (§6.3.3 (a)(2): a CRL past
 * nextUpdate is not current; the grace bounds how long a CRL source may be unreachable).
 * A listed serial is `revoked` even when the CRL is stale: revocation does not expire.
 */
export function revocationVerdict(
  crl: VerifiedCrl | null,
  cert: { serial: string; issuerFingerprint256: string },
  now: number,
  graceMs: number,
): RevocationVerdict {
  if (!crl || crl.caFingerprint256 !== cert.issuerFingerprint256) return 'unknown';
  if (crl.revoked.has(cert.serial)) return 'revoked';
  return now > crl.nextUpdate + graceMs ? 'unknown' : 'good';
}

/** Whether a CRL is current, past nextUpdate but within the grace, or unusable (for /readyz, metrics). */
export function crlFreshness(crl: VerifiedCrl | null, now: number, graceMs: number): 'current' | 'grace' | 'stale' | 'missing' {
  if (!crl) return 'missing';
  if (now <= crl.nextUpdate) return 'current';
  return now <= crl.nextUpdate + graceMs ? 'grace' : 'stale';
}

export interface CrlSourceEvents {
  loaded?(crl: VerifiedCrl): void;
  refused?(message: string): void;
}

/**
 * What a CRL source shares: a candidate CRL replaces the current one only if it verifies against
 * the province CA and its CRL number is not lower (RFC 5280 §5.2.3: numbers increase; a lower one
 * is an older CRL, and replaying it could undo a revocation). After the CA itself changed, the
 * numbers of the new CA's CRLs start afresh.
 */
abstract class CrlHolder {
  protected crl: VerifiedCrl | null = null;

  constructor(
    /** The file or URL, for messages. */
    readonly where: string,
    protected readonly caFile: string,
    protected readonly events: CrlSourceEvents = {},
  ) {}

  current(): VerifiedCrl | null {
    return this.crl;
  }

  /** Check `bytes` and take them if acceptable; the reason if not. */
  protected async offer(bytes: Buffer): Promise<string | null> {
    let next: VerifiedCrl;
    try {
      next = await verifyCrl(bytes, readFileSync(this.caFile));
    } catch (err) {
      return err instanceof CrlError ? err.message : `cannot check it (${(err as Error).message})`;
    }
    const cur = this.crl;
    if (cur && cur.caFingerprint256 === next.caFingerprint256) {
      if (next.crlNumber < cur.crlNumber) return `CRL number ${next.crlNumber} is lower than the ${cur.crlNumber} in force`;
      if (next.crlNumber === cur.crlNumber) return next.der.equals(cur.der) ? null : `CRL number ${next.crlNumber} is already in force with other contents`;
    }
    this.crl = next;
    this.events.loaded?.(next);
    return null;
  }

  protected refuse(message: string): void {
    this.events.refused?.(`${this.where}: ${message}`);
  }

  abstract start(): Promise<void>;
  /** Re-read or refetch now. Never throws: a failure keeps the last good CRL. */
  abstract reload(): Promise<void>;
  /** Files whose change calls for reload() (besides the province CA, watched with the TLS files). */
  abstract files(): string[];
  async close(): Promise<void> {}
}

export class FileCrlSource extends CrlHolder {
  constructor(
    readonly file: string,
    caFile: string,
    events?: CrlSourceEvents,
  ) {
    super(file, caFile, events);
  }

  /** At start-up a missing or bad CRL is an error naming the file. */
  async start(): Promise<void> {
    let bytes: Buffer;
    try {
      bytes = readFileSync(this.file);
    } catch (err) {
      throw new Error(`CRL ${this.file}: cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    const problem = await this.offer(bytes);
    if (problem) throw new Error(`CRL ${this.file}: ${problem} (checked against ${this.caFile})`);
  }

  async reload(): Promise<void> {
    let bytes: Buffer;
    try {
      bytes = readFileSync(this.file);
    } catch (err) {
      // A file being replaced is a transient state: keep the CRL in force.
      this.refuse(`cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
      return;
    }
    const problem = await this.offer(bytes);
    if (problem) this.refuse(problem);
  }

  files(): string[] {
    return [this.file];
  }
}

export interface HttpsCrlOptions {
  /** PEM trust anchors for the CRL endpoint (its own CA; the system store is not used). */
  ca: Buffer | string;
  /** Refetch this often; sooner (every few seconds) while there is no current CRL. */
  refreshMs?: number;
  timeoutMs?: number;
  /** A response larger than this is not a CRL we take. */
  maxBytes?: number;
}

/**
 * A CRL published over HTTPS (DER, `application/pkix-crl` as RFC 2585 §4 has it, or PEM). Fetched
 * at start and then every `refreshMs`; an unreachable endpoint keeps the last good CRL, whose own
 * nextUpdate plus the grace bound how long (revocationVerdict).
 */
class HttpsCrlSource extends CrlHolder {
  private readonly fetcher: TrustedFetch;
  private readonly refreshMs: number;
  private timer: NodeJS.Timeout | null = null;
  private inflight: Promise<void> | null = null;
  private closed = false;

  constructor(
    readonly url: string,
    caFile: string,
    opts: HttpsCrlOptions,
    events?: CrlSourceEvents,
  ) {
    super(url, caFile, events);
    if (!url.startsWith('https://')) throw new Error(`CRL URL must be https: ${url}`);
    this.refreshMs = opts.refreshMs ?? 5 * 60_000;
    this.fetcher = new TrustedFetch(url, opts.ca, opts.timeoutMs ?? 5000, opts.maxBytes ?? 16 * 1024 * 1024);
  }

  /**
   * First fetch. An unreachable endpoint does not stop the gateway (that province's callers are
   * refused until a CRL arrives); a CRL that does not verify is a start-up error naming the URL.
   */
  async start(): Promise<void> {
    const got = await this.fetchOnce();
    this.schedule();
    if (got.kind === 'bad') throw new Error(`CRL ${this.url}: ${got.message} (checked against ${this.caFile})`);
    if (got.kind === 'unreachable') this.refuse(got.message);
  }

  reload(): Promise<void> {
    this.inflight ??= (async () => {
      try {
        const got = await this.fetchOnce();
        if (got.kind !== 'ok') this.refuse(got.message);
      } finally {
        this.inflight = null;
      }
    })();
    return this.inflight;
  }

  private async fetchOnce(): Promise<{ kind: 'ok' } | { kind: 'unreachable' | 'bad'; message: string }> {
    const got = await this.fetcher.get('application/pkix-crl, application/x-pem-file;q=0.5');
    if (!got.ok) return { kind: got.unreachable ? 'unreachable' : 'bad', message: got.message };
    const problem = await this.offer(got.body);
    return problem ? { kind: 'bad', message: problem } : { kind: 'ok' };
  }

  private schedule(): void {
    if (this.closed) return;
    const crl = this.crl;
    // Without a current CRL callers are being refused (or soon will be): try again soon.
    const delay = crl && Date.now() <= crl.nextUpdate ? this.refreshMs : Math.min(this.refreshMs, 5000);
    this.timer = setTimeout(() => {
      void this.reload().finally(() => this.schedule());
    }, delay);
    this.timer.unref();
  }

  files(): string[] {
    return [];
  }

  override async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await this.inflight;
    await this.fetcher.close();
  }
}

export type CrlSource = FileCrlSource | HttpsCrlSource;

export interface ProvinceCrlConfig {
  id: string;
  crl?: { source?: string; ca?: string; refreshMs?: number; graceMs?: number };
}

const DEFAULT_CRL_GRACE_MS = 24 * 3600_000;

/** The CRL source a province's config names: https URL (with its `ca`), file path, or the dev PKI file. */
export function crlSourceFor(p: ProvinceCrlConfig, configDir: string, defaults: { crlFile: string; caFile: string }, events?: CrlSourceEvents): CrlSource {
  const where = p.crl?.source;
  if (where?.startsWith('https://')) {
    if (!p.crl?.ca) throw new Error(`province ${p.id}: crl.ca (the CRL endpoint's CA, a PEM file) is required for an https:// crl.source`);
    return new HttpsCrlSource(where, defaults.caFile, { ca: readFileSync(path.resolve(configDir, p.crl.ca)), refreshMs: p.crl.refreshMs }, events);
  }
  if (where && /^[a-z]+:\/\//i.test(where)) throw new Error(`province ${p.id}: crl.source must be a file path or an https:// URL`);
  if (p.crl?.ca) throw new Error(`province ${p.id}: crl.ca applies only to an https:// crl.source`);
  return new FileCrlSource(where ? path.resolve(configDir, where) : defaults.crlFile, defaults.caFile, events);
}

/** What the client-certificate check asks per request (gateway/identity/client-certificate.ts). */
export interface RevocationCheck {
  verdict(provinceId: string, cert: { serial: string; issuerFingerprint256: string }): RevocationVerdict;
}

export interface CrlState {
  state: ReturnType<typeof crlFreshness>;
  crlNumber?: string;
  thisUpdate?: string;
  nextUpdate?: string;
  revoked?: number;
}

/** Every province's CRL source and grace. */
export class Revocation implements RevocationCheck {
  private readonly byProvince: Map<string, { source: CrlSource; graceMs: number }>;

  constructor(entries: Array<{ province: string; source: CrlSource; graceMs: number }>) {
    this.byProvince = new Map(entries.map((e) => [e.province, { source: e.source, graceMs: e.graceMs }]));
  }

  verdict(provinceId: string, cert: { serial: string; issuerFingerprint256: string }): RevocationVerdict {
    const p = this.byProvince.get(provinceId);
    return p ? revocationVerdict(p.source.current(), cert, Date.now(), p.graceMs) : 'unknown';
  }

  /** The CRL in force for a province, for metrics. */
  crl(provinceId: string): VerifiedCrl | null {
    return this.byProvince.get(provinceId)?.source.current() ?? null;
  }

  state(provinceId: string, now = Date.now()): CrlState {
    const p = this.byProvince.get(provinceId);
    const crl = p?.source.current() ?? null;
    if (!p || !crl) return { state: 'missing' };
    return {
      state: crlFreshness(crl, now, p.graceMs),
      crlNumber: crl.crlNumber.toString(),
      thisUpdate: new Date(crl.thisUpdate).toISOString(),
      nextUpdate: new Date(crl.nextUpdate).toISOString(),
      revoked: crl.revoked.size,
    };
  }

  /** Load every CRL; a bad one is an error naming its file or URL (all are reported at once). */
  async start(): Promise<void> {
    const results = await Promise.allSettled([...this.byProvince.values()].map((p) => p.source.start()));
    const problems = results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as Error).message] : []));
    if (problems.length) {
      await this.close();
      throw new Error(`revocation lists:\n  ${problems.join('\n  ')}`);
    }
  }

  async reload(): Promise<void> {
    await Promise.all([...this.byProvince.values()].map((p) => p.source.reload()));
  }

  files(): string[] {
    return [...this.byProvince.values()].flatMap((p) => p.source.files());
  }

  async close(): Promise<void> {
    await Promise.all([...this.byProvince.values()].map((p) => p.source.close()));
  }
}

/** Every configured province's CRL source (default: the dev PKI's `<province>/crl.pem`). */
export function revocationFromConfig(cfg: StackConfig, events: (provinceId: string) => CrlSourceEvents = () => ({})): Revocation {
  return new Revocation(
    cfg.provinces.map((p) => {
      const pp = provincePaths(cfg.certsDir, p.id);
      return {
        province: p.id,
        source: crlSourceFor(p, cfg.configDir, { crlFile: pp.crl, caFile: pp.ca }, events(p.id)),
        graceMs: p.crl?.graceMs ?? DEFAULT_CRL_GRACE_MS,
      };
    }),
  );
}
