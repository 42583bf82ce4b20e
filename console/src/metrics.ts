// The gateway's own Prometheus metrics (GET /metrics, text exposition format 0.0.4), sampled by the
// operator page: request rate from chuanyu_gateway_request_duration_seconds_count, refusals by reason
// from chuanyu_gateway_refusals_total, the audit chain's commits from chuanyu_audit_committed, its head
// and last signed checkpoint from chuanyu_audit_chain_head_seq / chuanyu_audit_checkpoint_*.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parseMetrics(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = LINE.exec(line.trim());
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(LABEL)) labels[l[1]!] = l[2]!.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
    const value = Number(m[3]);
    if (!Number.isNaN(value) || m[3] === 'NaN') out.push({ name: m[1]!, labels, value });
  }
  return out;
}

export interface GatewayFigures {
  /** Total GraphQL requests counted so far (all provinces, operations and outcomes). */
  requests: number;
  /** Refusals so far, per reason. */
  refusals: Record<string, number>;
  audit: { records: number; batches: number } | null;
  /** The chain's head and the last checkpoint signed over it (null before the first). */
  chain: { name: string; headSeq: number; checkpointSeq: number | null; checkpointAt: Date | null; checkpointFailures: number } | null;
}

export function gatewayFigures(samples: Sample[]): GatewayFigures {
  let requests = 0;
  const refusals: Record<string, number> = {};
  let records: number | null = null;
  let batches: number | null = null;
  let chain: GatewayFigures['chain'] = null;
  const chainOf = (name: string) => {
    chain ??= { name, headSeq: 0, checkpointSeq: null, checkpointAt: null, checkpointFailures: 0 };
    return chain;
  };
  for (const s of samples) {
    const name = s.labels.chain ?? 'gateway';
    if (s.name === 'chuanyu_audit_chain_head_seq') chainOf(name).headSeq = s.value;
    else if (s.name === 'chuanyu_audit_checkpoint_seq') chainOf(name).checkpointSeq = s.value;
    else if (s.name === 'chuanyu_audit_checkpoint_timestamp_seconds') chainOf(name).checkpointAt = new Date(s.value * 1000);
    else if (s.name === 'chuanyu_audit_checkpoint_failures') chainOf(name).checkpointFailures = s.value;
    else if (s.name === 'chuanyu_gateway_request_duration_seconds_count') requests += s.value;
    else if (s.name === 'chuanyu_gateway_refusals_total') {
      const reason = s.labels.reason ?? 'unknown';
      refusals[reason] = (refusals[reason] ?? 0) + s.value;
    } else if (s.name === 'chuanyu_audit_committed') {
      if (s.labels.unit === 'records') records = s.value;
      if (s.labels.unit === 'batches') batches = s.value;
    }
  }
  return { requests, refusals, audit: records === null || batches === null ? null : { records, batches }, chain };
}

export async function fetchGatewayFigures(): Promise<GatewayFigures> {
  const res = await fetch('/metrics', { cache: 'no-store', credentials: 'same-origin' });
  if (!res.ok) throw new Error(`/metrics: HTTP ${res.status}`);
  return gatewayFigures(parseMetrics(await res.text()));
}
