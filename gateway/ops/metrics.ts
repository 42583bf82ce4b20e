// Prometheus metrics (prom-client): latency per caller province and operation, refusals by
// reason, subgraph latency and errors per province, breaker state. Labels are bounded sets
// (provinces from config, operations from the scope table, reasons from code), never
// client-chosen strings.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { BreakerState } from '../../common/circuit-breaker.js';
import type { AuditStats } from '../../common/audit/audit-log.js';
import type { VerifiedCrl } from '../../common/pki/crl.js';

const BREAKER_VALUE: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 };

export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly counter = <L extends string>(name: string, help: string, labelNames: readonly L[]) =>
    new Counter<L>({ name, help, labelNames, registers: [this.registry] });
  private readonly histogram = <L extends string>(name: string, help: string, labelNames: readonly L[], buckets: number[]) =>
    new Histogram<L>({ name, help, labelNames, buckets, registers: [this.registry] });

  readonly requestDuration = this.histogram(
    'chuanyu_gateway_request_duration_seconds',
    'GraphQL requests through the gateway, by caller province, operation (root fields) and outcome',
    ['province', 'operation', 'outcome'],
    [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  );
  readonly refusals = this.counter('chuanyu_gateway_refusals_total', 'Requests refused at ingress or by policy, by reason', ['reason']);
  readonly subgraphDuration = this.histogram(
    'chuanyu_subgraph_fetch_duration_seconds',
    'Calls from the gateway to province subgraphs, by province and kind (graphql entities, index API)',
    ['province', 'kind'],
    [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  );
  readonly subgraphErrors = this.counter(
    'chuanyu_subgraph_errors_total',
    'Failed calls to province subgraphs (unreachable, timeout, 5xx, circuit open), by province and kind',
    ['province', 'kind'],
  );
  readonly breakerState = new Gauge({
    name: 'chuanyu_circuit_breaker_state',
    help: 'Circuit breaker per province subgraph: 0 closed, 1 half-open, 2 open',
    labelNames: ['province'] as const,
    registers: [this.registry],
  });
  readonly crlRefusals = this.counter(
    'chuanyu_crl_refused_total',
    'CRLs not taken (unreadable, not signed by the province CA, older, or the source unreachable), by province',
    ['province'],
  );

  // Rate limits (gateway/policy/rate-limits.ts): each scope's decision per request; while Redis
  // cannot be reached the replica decides alone (its budgets are then its own, not the replicas' shared one).
  readonly rateLimitDecisions = this.counter(
    'chuanyu_rate_limit_decisions_total',
    'Rate-limit decisions by scope (caller, province) and decision (allowed, limited)',
    ['scope', 'decision'],
  );
  readonly rateLimitFallback = new Gauge({
    name: 'chuanyu_rate_limit_fallback_active',
    help: '1 while this replica limits on its own because Redis cannot be reached (budgets then per replica), else 0',
    registers: [this.registry],
  });
  readonly rateLimitRedisErrors = this.counter(
    'chuanyu_rate_limit_redis_errors_total',
    'Rate-limit decisions Redis did not answer (unreachable, timed out, refused), decided by the local limiter instead',
    [],
  );

  // Trusted documents (gateway/policy/trusted-documents.ts): each request's document against the
  // manifests (in `enforce` mode `unlisted` and `unknown_id` are refused), and the manifests' reloads.
  readonly trustedDocuments = this.counter(
    'chuanyu_trusted_documents_total',
    'Requests by trusted-documents mode (log, enforce) and outcome (trusted, unlisted: not in a manifest, unknown_id: an id no manifest holds)',
    ['mode', 'outcome'],
  );
  readonly trustedDocumentsReloads = this.counter(
    'chuanyu_trusted_documents_reloads_total',
    'Manifest reloads after a file changed, by outcome (ok; failed: the previous documents stay in force)',
    ['outcome'],
  );
  readonly trustedDocumentsLoaded = new Gauge({
    name: 'chuanyu_trusted_documents_loaded',
    help: 'Trusted documents in force (distinct ids over all manifests)',
    registers: [this.registry],
  });
  // Demand control (gateway/policy/demand-control.ts); its refusals are also
  // chuanyu_gateway_refusals_total{reason="query_too_expensive"}.
  readonly operationCost = this.histogram(
    'chuanyu_operation_cost',
    'Estimated cost of each resolved operation (demand control), refused or not',
    [],
    [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 50000],
  );
  // How often Apollo Server parses a document (cache misses); a trusted document's id never does.
  readonly documentsParsed = this.counter('chuanyu_graphql_documents_parsed_total', 'GraphQL documents parsed (not found in the document cache)', []);

  // Live reconfiguration (gateway/server.ts reload, gateway/generation.ts): each reload's outcome, and
  // the configuration in force (its generation: 1 at start, +1 per reload taken; its provinces).
  readonly configReloads = this.counter(
    'chuanyu_config_reloads_total',
    'Configuration reloads (SIGHUP, a watched config file, reload()), by outcome (ok; failed: refused, the previous configuration keeps serving)',
    ['outcome'],
  );
  readonly configGeneration = new Gauge({
    name: 'chuanyu_config_generation',
    help: 'Generation of the configuration serving new requests: 1 at start, +1 per reload taken',
    registers: [this.registry],
  });
  readonly configProvinces = new Gauge({
    name: 'chuanyu_config_provinces',
    help: 'Provinces of the configuration serving new requests (1 per province in force)',
    labelNames: ['province'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /**
   * A generation now serves: its number and provinces. The per-province series of a province no
   * longer configured (its breaker, its CRL gauges) go with it.
   */
  trackGeneration(generation: number, provinces: readonly { id: string }[], previous: readonly { id: string }[] = []): void {
    this.configGeneration.set(generation);
    const now = new Set(provinces.map((p) => p.id));
    for (const p of previous) {
      if (now.has(p.id)) continue;
      this.configProvinces.remove({ province: p.id });
      this.breakerState.remove({ province: p.id });
    }
    for (const id of now) this.configProvinces.set({ province: id }, 1);
  }

  private crlSource: { provinces: readonly string[]; crl: (province: string) => VerifiedCrl | null } | null = null;

  /**
   * Each province's CRL in force: when it was issued, when the next is due, how many entries. The
   * gauges are registered once; each generation names its provinces and CRLs again.
   */
  trackCrls(provinces: readonly string[], crl: (province: string) => VerifiedCrl | null): void {
    const registered = this.crlSource !== null;
    this.crlSource = { provinces, crl };
    if (registered) return;
    const each = (set: (province: string, c: VerifiedCrl) => void) => {
      const source = this.crlSource!;
      for (const p of source.provinces) {
        const c = source.crl(p);
        if (c) set(p, c);
      }
    };
    const gauges: Array<[name: string, help: string, value: (c: VerifiedCrl) => number]> = [
      [
        'chuanyu_crl_this_update_timestamp_seconds',
        'thisUpdate of the CRL in force per province (Unix time); absent while none is loaded',
        (c) => c.thisUpdate / 1000,
      ],
      [
        'chuanyu_crl_next_update_timestamp_seconds',
        'nextUpdate of the CRL in force per province (Unix time); past it plus the grace, the province is refused',
        (c) => c.nextUpdate / 1000,
      ],
      ['chuanyu_crl_revoked_certificates', 'Entries of the CRL in force per province', (c) => c.revoked.size],
    ];
    for (const [name, help, value] of gauges) {
      new Gauge({
        name,
        help,
        labelNames: ['province'] as const,
        registers: [this.registry],
        collect() {
          // Only the provinces in force: a removed province's series goes.
          this.reset();
          each((province, c) => this.set({ province }, value(c)));
        },
      });
    }
  }

  /**
   * The gateway's audit chain: the group commit (batches and records committed; records ÷ batches
   * = batch size), where the chain's head is, and its last signed checkpoint. A head far past the
   * last checkpoint, or a checkpoint older than its period, means the tail is not yet protected
   * against truncation (docs/ARCHITECTURE.md "Audit").
   */
  trackAudit(audit: { chain: string; stats: AuditStats }): void {
    const { chain, stats } = audit;
    new Gauge({
      name: 'chuanyu_audit_committed',
      help: 'Audit records and the batches (transactions) they were committed in, since start',
      labelNames: ['unit'] as const,
      registers: [this.registry],
      collect() {
        this.set({ unit: 'batches' }, stats.batches);
        this.set({ unit: 'records' }, stats.records);
      },
    });
    const gauges: Array<[name: string, help: string, value: () => number | null]> = [
      ['chuanyu_audit_chain_head_seq', 'Sequence number of the last record of this instance’s audit chain', () => stats.headSeq],
      [
        'chuanyu_audit_checkpoint_seq',
        'Sequence number the last signed checkpoint of this instance covers; absent before the first',
        () => stats.checkpointSeq || null,
      ],
      [
        'chuanyu_audit_checkpoint_timestamp_seconds',
        'When this instance last signed and stored a checkpoint of its audit chain (Unix time); absent before the first',
        () => (stats.checkpointAt ? stats.checkpointAt / 1000 : null),
      ],
      ['chuanyu_audit_checkpoint_failures', 'Checkpoints that could not be signed or stored, since start', () => stats.checkpointFailures],
    ];
    for (const [name, help, value] of gauges) {
      new Gauge({
        name,
        help,
        labelNames: ['chain'] as const,
        registers: [this.registry],
        collect() {
          const v = value();
          if (v !== null) this.set({ chain }, v);
        },
      });
    }
  }

  setBreaker(province: string, state: BreakerState): void {
    this.breakerState.set({ province }, BREAKER_VALUE[state]);
  }
}
