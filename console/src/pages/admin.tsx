// 目录互挂: the administrator's own province's mirrors by state (CURRENT, CHANGED, WITHDRAWN,
// UNSHARED as the sync worker keeps them, and UNAVAILABLE: the source province cannot be reached
// now), accepting a reviewed change or withdrawing a mirror; and mounting another province's whole
// shared catalogue as a job, whose progress is polled while it runs.
import { useCallback, useEffect, useState } from 'preact/hooks';
import { ErrorNotice, Notice, PartialNotice } from '../components/notice.js';
import { useConsole } from '../context.js';
import { run, unavailableProvinces } from '../graphql.js';
import { useI18n } from '../i18n/index.js';
import AcceptMirrorChangeOp from '../operations/AcceptMirrorChange.graphql';
import CancelMountJobOp from '../operations/CancelMountJob.graphql';
import MirrorSyncStatusOp from '../operations/MirrorSyncStatus.graphql';
import MirrorsOp from '../operations/Mirrors.graphql';
import MountCatalogueOp from '../operations/MountCatalogue.graphql';
import MountJobOp from '../operations/MountJob.graphql';
import MountJobsOp from '../operations/MountJobs.graphql';
import WithdrawMirrorOp from '../operations/WithdrawMirror.graphql';
import { hrefOf, linkClick } from '../router.js';
import type { MirrorListState, MirrorRow, MirrorState, MirrorSyncStatus, MountJob, SharingType } from '../types.js';

const LIST_STATES: MirrorListState[] = ['CURRENT', 'CHANGED', 'WITHDRAWN', 'UNSHARED', 'UNAVAILABLE'];
const PAGE = 20;
/** How many listed mirrors the UNAVAILABLE view checks live against their sources. */
const UNAVAILABLE_SCAN = 100;
const MOUNTABLE: SharingType[] = ['UNCONDITIONAL', 'CONDITIONAL'];
const OPEN_JOB = new Set(['QUEUED', 'RUNNING']);
const POLL_MS = 1000;

interface MirrorsAnswer {
  mirrors: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string | null }; nodes: (MirrorRow | null)[] };
}

function MirrorActions({ row, onDone }: { row: MirrorRow; onDone: (message: string) => void }) {
  const { t } = useI18n();
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const act = async (what: 'accept' | 'withdraw') => {
    setBusy(true);
    setError(null);
    try {
      if (what === 'accept') {
        const r = await run<{ acceptMirrorChange: { entry: { mirrorRegisteredSourceVersion: number | null } | null } }>(AcceptMirrorChangeOp, { id: row.id });
        onDone(t.admin.accepted(row.name, r.data?.acceptMirrorChange.entry?.mirrorRegisteredSourceVersion ?? row.mirrorPendingSourceVersion ?? 0));
      } else {
        await run(WithdrawMirrorOp, { id: row.id, expectedVersion: row.version });
        onDone(t.admin.withdrawn(row.name));
      }
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  return (
    <div class="row-actions">
      {row.mirrorState === 'CHANGED' && row.status === 'ACTIVE' && (
        <button type="button" class="small" disabled={busy} onClick={() => act('accept')}>
          {t.admin.accept}
        </button>
      )}
      {row.status === 'ACTIVE' &&
        (confirming ? (
          <>
            <button type="button" class="small contrast" disabled={busy} onClick={() => act('withdraw')}>
              {t.admin.confirmWithdraw}
            </button>
            <button type="button" class="small secondary outline" disabled={busy} onClick={() => setConfirming(false)}>
              {t.admin.cancel}
            </button>
          </>
        ) : (
          <button type="button" class="small secondary outline" onClick={() => setConfirming(true)}>
            {t.admin.withdraw}
          </button>
        ))}
      {error !== null && <ErrorNotice error={error} />}
    </div>
  );
}

function MirrorTable({ state, refresh, onChanged }: { state: MirrorListState; refresh: number; onChanged: (message: string) => void }) {
  const { t } = useI18n();
  const { names, provinces } = useConsole();
  const [rows, setRows] = useState<MirrorRow[] | null>(null);
  const [total, setTotal] = useState(0);
  const [next, setNext] = useState<string | null>(null);
  const [partial, setPartial] = useState<string[]>([]);
  const [error, setError] = useState<unknown>(null);

  const load = useCallback(
    async (after: string | null) => {
      setError(null);
      try {
        if (state === 'UNAVAILABLE') {
          const r = await run<MirrorsAnswer>(MirrorsOp, { states: ['CURRENT', 'CHANGED'], first: UNAVAILABLE_SCAN });
          const found = (r.data?.mirrors.nodes ?? []).filter((m): m is MirrorRow => m?.mirrorSourceState === 'UNAVAILABLE');
          setRows(found);
          setTotal(found.length);
          setNext(null);
          setPartial(unavailableProvinces(r.errors));
          return;
        }
        const r = await run<MirrorsAnswer>(MirrorsOp, { states: [state as MirrorState], first: PAGE, after });
        const m = r.data!.mirrors;
        const got = m.nodes.filter((n): n is MirrorRow => n !== null);
        setRows((prev) => (after && prev ? [...prev, ...got] : got));
        setTotal(m.totalCount);
        setNext(m.pageInfo.hasNextPage ? m.pageInfo.endCursor : null);
        setPartial(unavailableProvinces(r.errors));
      } catch (err) {
        setError(err);
      }
    },
    [state],
  );
  useEffect(() => {
    setRows(null);
    void load(null);
  }, [load, refresh]);

  const sourceName = (row: MirrorRow) => {
    if (row.mirrorSource) return row.mirrorSource.region.name;
    const division = row.mirrorSourceId?.slice(0, 6);
    return [...provinces.values()].find((p) => p.divisionCode === division)?.name ?? '—';
  };
  return (
    <div data-testid={`mirrors-${state}`}>
      {error !== null && <ErrorNotice error={error} />}
      <PartialNotice provinces={partial} names={names} />
      {state === 'UNAVAILABLE' && <p class="muted">{t.admin.unavailableNote(UNAVAILABLE_SCAN)}</p>}
      {rows === null && error === null && <p aria-busy="true">{t.app.loading}</p>}
      {rows?.length === 0 && <p>{t.admin.none}</p>}
      {rows && rows.length > 0 && (
        <>
          <p class="muted">{t.admin.count(rows.length, total)}</p>
          <div class="table-wrap">
            <table class="striped">
              <thead>
                <tr>
                  <th scope="col">{t.admin.name}</th>
                  <th scope="col">{t.admin.source}</th>
                  <th scope="col">{t.admin.registered}</th>
                  <th scope="col">{t.admin.sourceNow}</th>
                  <th scope="col">{t.admin.actions}</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((row) => (
                  <tr key={row.id} data-id={row.id}>
                    <td>
                      <a href={`${hrefOf('directory')}?entry=${encodeURIComponent(row.id)}`} onClick={linkClick}>
                        {row.name}
                      </a>
                      <br />
                      <small class="mono muted">{row.id}</small>
                    </td>
                    <td>{sourceName(row)}</td>
                    <td>v{row.mirrorRegisteredSourceVersion ?? '?'}</td>
                    <td>
                      {row.mirrorSource ? `v${row.mirrorSource.version}` : ''} {row.mirrorSourceState ? t.directory.sourceStates[row.mirrorSourceState] : ''}
                      {row.mirrorSource && row.mirrorSource.name !== row.name && (
                        <>
                          <br />
                          <small>{row.mirrorSource.name}</small>
                        </>
                      )}
                      {row.mirrorState === 'CHANGED' && row.mirrorPendingSourceVersion !== null && (
                        <>
                          <br />
                          <small>{t.admin.pending(row.mirrorPendingSourceVersion)}</small>
                        </>
                      )}
                    </td>
                    <td>
                      <MirrorActions row={row} onDone={onChanged} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {next && (
            <button type="button" class="secondary" onClick={() => load(next)}>
              {t.admin.more}
            </button>
          )}
        </>
      )}
    </div>
  );
}

function JobRow({ job, onCancel }: { job: MountJob; onCancel: (id: string) => void }) {
  const { t, time } = useI18n();
  const { names } = useConsole();
  const done = job.mounted + job.skipped + job.failed;
  const open = OPEN_JOB.has(job.state);
  return (
    <tr data-job={job.id} data-state={job.state}>
      <td>
        <span class="mono small">{job.id}</span>
        <br />
        <small class="muted">
          {names.get(job.source) ?? job.source} → {names.get(job.province) ?? job.province} · {t.admin.createdBy(job.createdBy, time(job.createdAt))}
          {job.approvalRef ? ` · ${t.admin.approvalOf(job.approvalRef)}` : ''}
        </small>
      </td>
      <td>
        <strong data-testid="job-state">{t.admin.jobStates[job.state]}</strong>
      </td>
      <td class="job-progress">
        {job.total === null ? <progress aria-label={t.admin.progress} /> : <progress aria-label={t.admin.progress} value={done} max={Math.max(job.total, 1)} />}
        <small data-testid="job-counts">{t.admin.counts(job.mounted, job.skipped, job.failed, job.total)}</small>
        {job.nextAttemptAt && open && <small class="warn">{t.admin.waiting(time(job.nextAttemptAt))}</small>}
        {job.lastError && (
          <small class="muted">
            {t.admin.lastError}: {job.lastError}
          </small>
        )}
      </td>
      <td>
        {open && (
          <button type="button" class="small secondary outline" onClick={() => onCancel(job.id)}>
            {t.admin.cancelJob}
          </button>
        )}
      </td>
    </tr>
  );
}

function MountSection({ onProgress }: { onProgress: () => void }) {
  const { t } = useI18n();
  const { session, own } = useConsole();
  const others = session.provinces.filter((p) => p.id !== own.id);
  const [source, setSource] = useState(others[0]?.enumValue ?? '');
  const [sharing, setSharing] = useState<SharingType[]>(MOUNTABLE);
  const [approvalRef, setApprovalRef] = useState('');
  const [jobs, setJobs] = useState<MountJob[] | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const loadJobs = useCallback(async () => {
    try {
      const r = await run<{ mountJobs: MountJob[] }>(MountJobsOp, { first: 10 });
      setJobs(r.data?.mountJobs ?? []);
    } catch (err) {
      setError(err);
    }
  }, []);
  useEffect(() => {
    void loadJobs();
  }, [loadJobs]);

  // Live progress: each open job is read again every second until it ends.
  const openIds = (jobs ?? []).filter((j) => OPEN_JOB.has(j.state)).map((j) => j.id);
  const openKey = openIds.join(' ');
  useEffect(() => {
    if (openIds.length === 0) return;
    const timer = setInterval(async () => {
      const answers = await Promise.all(openIds.map((id) => run<{ mountJob: MountJob | null }>(MountJobOp, { id }).catch(() => null)));
      const fresh = new Map(answers.flatMap((a) => (a?.data?.mountJob ? [[a.data.mountJob.id, a.data.mountJob] as const] : [])));
      setJobs((prev) => prev?.map((j) => fresh.get(j.id) ?? j) ?? prev);
      if ([...fresh.values()].some((j) => !OPEN_JOB.has(j.state))) onProgress();
    }, POLL_MS);
    return () => clearInterval(timer);
  }, [openKey]);

  const onMount = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setMessage(null);
    try {
      const r = await run<{ mountCatalogue: MountJob }>(MountCatalogueOp, {
        source,
        filter: { sharingTypes: sharing },
        approvalRef: approvalRef.trim() === '' ? null : approvalRef.trim(),
      });
      const job = r.data!.mountCatalogue;
      setMessage(t.admin.started(job.id));
      setJobs((prev) => [job, ...(prev ?? []).filter((j) => j.id !== job.id)]);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const onCancel = async (id: string) => {
    try {
      await run(CancelMountJobOp, { id });
      await loadJobs();
    } catch (err) {
      setError(err);
    }
  };

  return (
    <section aria-labelledby="mount-title">
      <h2 id="mount-title">{t.admin.mountTitle}</h2>
      <p class="muted">{t.admin.mountLede}</p>
      <form class="mount-form" onSubmit={onMount}>
        <div class="grid">
          <label>
            {t.admin.sourceProvince}
            <select name="source" value={source} onChange={(e) => setSource(e.currentTarget.value)}>
              {others.map((p) => (
                <option key={p.enumValue} value={p.enumValue}>
                  {p.name}（{p.platform}）
                </option>
              ))}
            </select>
          </label>
          <fieldset>
            <legend>{t.admin.sharingTypes}</legend>
            {MOUNTABLE.map((s) => (
              <label key={s}>
                <input
                  type="checkbox"
                  name="mountSharing"
                  value={s}
                  checked={sharing.includes(s)}
                  onChange={(e) => setSharing(e.currentTarget.checked ? [...sharing, s] : sharing.filter((x) => x !== s))}
                />
                {t.directory.sharingTypes[s]}
              </label>
            ))}
          </fieldset>
        </div>
        <label>
          {t.admin.approvalRef}
          <input
            name="approvalRef"
            value={approvalRef}
            placeholder="渝数审〔2026〕12号"
            aria-describedby="approval-hint"
            onInput={(e) => setApprovalRef(e.currentTarget.value)}
          />
          <small id="approval-hint">{t.admin.approvalHint}</small>
        </label>
        <button type="submit" aria-busy={busy} disabled={sharing.length === 0}>
          {t.admin.start}
        </button>
      </form>
      {message && <Notice kind="ok">{message}</Notice>}
      {error !== null && <ErrorNotice error={error} />}
      <h3>
        {t.admin.jobs} {openIds.length > 0 && <small class="muted">· {t.admin.live}</small>}
      </h3>
      {jobs?.length === 0 && <p>{t.admin.noJobs}</p>}
      {jobs && jobs.length > 0 && (
        <div class="table-wrap">
          <table data-testid="jobs">
            <thead>
              <tr>
                <th scope="col">{t.admin.job}</th>
                <th scope="col">{t.admin.jobState}</th>
                <th scope="col">{t.admin.progress}</th>
                <th scope="col">
                  <span class="visually-hidden">{t.admin.actions}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {jobs.map((j) => (
                <JobRow key={j.id} job={j} onCancel={onCancel} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

export function AdminPage() {
  const { t, num } = useI18n();
  const { own } = useConsole();
  const [state, setState] = useState<MirrorListState>('CURRENT');
  const [status, setStatus] = useState<MirrorSyncStatus | null>(null);
  const [refresh, setRefresh] = useState(0);
  const [message, setMessage] = useState<string | null>(null);

  useEffect(() => {
    run<{ mirrorSyncStatus: MirrorSyncStatus }>(MirrorSyncStatusOp)
      .then((r) => setStatus(r.data?.mirrorSyncStatus ?? null))
      .catch(() => setStatus(null));
  }, [refresh]);
  const count = (s: MirrorListState) => status?.states.find((x) => x.state === s)?.count;
  const changed = (m: string) => {
    setMessage(m);
    setRefresh((n) => n + 1);
  };

  return (
    <>
      <hgroup>
        <h1>{t.admin.title}</h1>
        <p>{t.admin.lede(own.name)}</p>
      </hgroup>
      <section aria-labelledby="mirrors-title">
        <h2 id="mirrors-title">{t.admin.mirrors}</h2>
        <fieldset class="state-tabs">
          <legend class="visually-hidden">{t.admin.stateTabs}</legend>
          {LIST_STATES.map((s) => {
            const n = count(s);
            return (
              <button
                key={s}
                type="button"
                class={s === state ? '' : 'secondary outline'}
                aria-pressed={s === state}
                data-state={s}
                onClick={() => {
                  // Choosing a state reads the mirrors and their counts again.
                  setState(s);
                  setMessage(null);
                  setRefresh((n) => n + 1);
                }}
              >
                {t.admin.states[s]} {n !== undefined && <span class="count">{num(n)}</span>}
              </button>
            );
          })}
        </fieldset>
        {message && <Notice kind="ok">{message}</Notice>}
        <MirrorTable key={state} state={state} refresh={refresh} onChanged={changed} />
      </section>
      <MountSection onProgress={() => setRefresh((n) => n + 1)} />
    </>
  );
}
