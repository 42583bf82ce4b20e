// 运行状态: the gateway as an operator sees it. Readiness per province (reachable, circuit breaker,
// CRL) from /readyz; the province's sync lag per source (mirrorSyncStatus, administrators only);
// the audit chain's commits; and small charts of request rate and refusals by reason, sampled from
// the gateway's own /metrics by this page every few seconds.
import { useEffect, useState } from 'preact/hooks';
import { Chart } from '../components/chart.js';
import { ErrorNotice, Notice } from '../components/notice.js';
import { useConsole } from '../context.js';
import { run } from '../graphql.js';
import { type BreakerState, type CrlFreshness, useI18n } from '../i18n/index.js';
import { fetchGatewayFigures, type GatewayFigures } from '../metrics.js';
import MirrorSyncStatusOp from '../operations/MirrorSyncStatus.graphql';
import type { MirrorSyncStatus } from '../types.js';

const SAMPLE_MS = 2000;
const WINDOW = 90; // samples kept (3 minutes)

interface Readiness {
  status: string;
  supergraph?: string;
  provinces: Record<
    string,
    { reachable: boolean; breaker: BreakerState; revocation: { state: CrlFreshness; crlNumber?: string; nextUpdate?: string; revoked?: number } }
  >;
}

interface Series {
  t: number[];
  requests: number[];
  refusals: Record<string, (number | null)[]>;
}

function rates(prev: GatewayFigures, next: GatewayFigures, seconds: number) {
  const perSecond = (a: number, b: number) => Math.max(0, b - a) / seconds;
  const refusals: Record<string, number> = {};
  for (const reason of new Set([...Object.keys(prev.refusals), ...Object.keys(next.refusals)])) {
    refusals[reason] = perSecond(prev.refusals[reason] ?? 0, next.refusals[reason] ?? 0);
  }
  return { requests: perSecond(prev.requests, next.requests), refusals };
}

function useReadiness() {
  const [ready, setReady] = useState<Readiness | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let live = true;
    const load = async () => {
      try {
        // 503 still carries the same JSON (not ready, or draining).
        const res = await fetch('/readyz', { cache: 'no-store', credentials: 'same-origin' });
        const body = (await res.json()) as Readiness;
        if (live) {
          setReady(body);
          setError(null);
        }
      } catch (err) {
        if (live) setError(err);
      }
    };
    void load();
    const timer = setInterval(load, SAMPLE_MS * 2);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, []);
  return { ready, error };
}

function useMetricsSeries() {
  const [series, setSeries] = useState<Series>({ t: [], requests: [], refusals: {} });
  const [figures, setFigures] = useState<GatewayFigures | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let live = true;
    let last: { at: number; f: GatewayFigures } | null = null;
    const sample = async () => {
      try {
        const f = await fetchGatewayFigures();
        const at = Date.now() / 1000;
        if (!live) return;
        setFigures(f);
        setError(null);
        if (last) {
          const r = rates(last.f, f, Math.max(0.001, at - last.at));
          setSeries((s) => {
            const n = s.t.length;
            const refusals: Record<string, (number | null)[]> = {};
            for (const reason of new Set([...Object.keys(s.refusals), ...Object.keys(r.refusals)])) {
              const before = s.refusals[reason] ?? new Array<number | null>(n).fill(null);
              refusals[reason] = [...before, r.refusals[reason] ?? 0].slice(-WINDOW);
            }
            return { t: [...s.t, at].slice(-WINDOW), requests: [...s.requests, r.requests].slice(-WINDOW), refusals };
          });
        }
        last = { at, f };
      } catch (err) {
        if (live) setError(err);
      }
    };
    void sample();
    const timer = setInterval(sample, SAMPLE_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, []);
  return { series, figures, error };
}

function SyncLag() {
  const { t, time } = useI18n();
  const { names } = useConsole();
  const [status, setStatus] = useState<MirrorSyncStatus | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let live = true;
    const load = () =>
      run<{ mirrorSyncStatus: MirrorSyncStatus }>(MirrorSyncStatusOp)
        .then((r) => live && setStatus(r.data?.mirrorSyncStatus ?? null))
        .catch((err) => live && setError(err));
    void load();
    const timer = setInterval(load, SAMPLE_MS * 2);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, []);
  if (error !== null) return <ErrorNotice error={error} />;
  if (!status) return <p aria-busy="true">{t.app.loading}</p>;
  return (
    <div class="table-wrap">
      <table data-testid="sync-lag">
        <thead>
          <tr>
            <th scope="col">{t.operator.source}</th>
            <th scope="col">{t.operator.lag}</th>
            <th scope="col">{t.operator.changesRead}</th>
            <th scope="col">{t.operator.syncError}</th>
          </tr>
        </thead>
        <tbody>
          {status.sources.map((s) => (
            <tr key={s.source}>
              <td>{names.get(s.source) ?? s.source}</td>
              <td>{s.lagSeconds === null ? t.operator.never : `${t.operator.lagSeconds(s.lagSeconds)} · ${time(s.checkedAt)}`}</td>
              <td>{s.changesRead}</td>
              <td>{s.lastError ?? '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function OperatorPage() {
  const { t, time } = useI18n();
  const { session, role } = useConsole();
  const { ready, error: readyError } = useReadiness();
  const { series, figures, error: metricsError } = useMetricsSeries();
  const reasons = Object.keys(series.refusals).sort();
  const byId = new Map(session.provinces.map((p) => [p.id, p]));

  return (
    <>
      <hgroup>
        <h1>{t.operator.title}</h1>
        <p>{t.operator.lede}</p>
      </hgroup>
      <section aria-labelledby="ready-title">
        <h2 id="ready-title">
          {t.operator.readiness}{' '}
          {ready && (
            <mark class={`badge ${ready.status === 'ready' ? 'badge-ok' : 'badge-bad'}`} data-testid="readiness">
              {t.operator.overall[ready.status] ?? ready.status}
            </mark>
          )}
        </h2>
        {readyError !== null && <ErrorNotice error={readyError} />}
        {ready && (
          <div class="table-wrap">
            <table data-testid="provinces">
              <thead>
                <tr>
                  <th scope="col">{t.operator.province}</th>
                  <th scope="col">{t.operator.reachable}</th>
                  <th scope="col">{t.operator.breaker}</th>
                  <th scope="col">{t.operator.crl}</th>
                </tr>
              </thead>
              <tbody>
                {Object.entries(ready.provinces).map(([id, p]) => (
                  <tr key={id} data-province={id}>
                    <td>{byId.get(id)?.name ?? id}</td>
                    <td class={p.reachable ? 'ok' : 'bad'}>{p.reachable ? t.operator.yes : t.operator.no}</td>
                    <td class={p.breaker === 'closed' ? 'ok' : 'bad'}>{t.operator.breakers[p.breaker] ?? p.breaker}</td>
                    <td class={p.revocation.state === 'current' ? 'ok' : 'bad'}>
                      {t.operator.crls[p.revocation.state] ?? p.revocation.state}
                      {p.revocation.crlNumber && (
                        <>
                          <br />
                          <small class="muted">{t.operator.crlDetail(p.revocation.crlNumber, time(p.revocation.nextUpdate), p.revocation.revoked ?? 0)}</small>
                        </>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <section aria-labelledby="sync-title">
        <h2 id="sync-title">{t.operator.sync}</h2>
        {role === 'admin' ? <SyncLag /> : <p class="muted">{t.operator.syncAdminOnly}</p>}
      </section>
      <section aria-labelledby="audit-title">
        <h2 id="audit-title">{t.operator.audit}</h2>
        <p data-testid="audit">
          {figures?.audit ? t.operator.auditRecords(figures.audit.records, figures.audit.batches) : figures ? t.operator.auditUnknown : t.app.loading}
        </p>
        {figures?.chain && (
          <p data-testid="audit-chain">
            {figures.chain.checkpointSeq === null
              ? t.operator.chainNoCheckpoint(figures.chain.name, figures.chain.headSeq)
              : t.operator.chainCheckpoint(
                  figures.chain.name,
                  figures.chain.headSeq,
                  figures.chain.checkpointSeq,
                  figures.chain.checkpointAt ? time(figures.chain.checkpointAt.toISOString()) : '—',
                )}
            {figures.chain.checkpointFailures > 0 && <strong> {t.operator.chainFailures(figures.chain.checkpointFailures)}</strong>}
          </p>
        )}
        <p class="muted">{t.operator.auditNote}</p>
      </section>
      <section aria-labelledby="charts-title">
        <h2 id="charts-title">{t.operator.charts}</h2>
        <p class="muted">{t.operator.sampling(SAMPLE_MS / 1000)}</p>
        {metricsError !== null && <ErrorNotice error={metricsError} />}
        <div class="grid charts">
          <figure>
            <figcaption>{t.operator.requests}</figcaption>
            <Chart label={t.operator.requests} series={[t.operator.requestSeries]} data={[series.t, series.requests]} />
          </figure>
          <figure>
            <figcaption>{t.operator.refusals}</figcaption>
            {reasons.length === 0 ? (
              <Notice kind="info">{t.operator.noRefusals}</Notice>
            ) : (
              <Chart label={t.operator.refusals} series={reasons} data={[series.t, ...reasons.map((r) => series.refusals[r]!)]} />
            )}
          </figure>
        </div>
      </section>
    </>
  );
}
