// 目录质量: the data-quality report of the administrator's own province (catalogueQuality, scope
// catalogue:admin; domain/quality/report.ts, docs/DATA-QUALITY.md): a summary with the findings per
// kind as bars, then duplicates (一数一源), completeness and timeliness, each entry linked to the
// directory's view of it. The report reads whole catalogues, so the page says it is working while it
// waits, and checks again on request.
import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { ErrorNotice, Notice } from '../components/notice.js';
import { useConsole } from '../context.js';
import { run } from '../graphql.js';
import { useI18n } from '../i18n/index.js';
import CatalogueQualityOp from '../operations/CatalogueQuality.graphql';
import { hrefOf, linkClick } from '../router.js';
import type { CompletenessIssue, DuplicateScope, QualityEntry, QualityReport, TimelinessIssue } from '../types.js';

const SCOPES: DuplicateScope[] = ['WITHIN_PROVINCE', 'CROSS_PROVINCE'];
const COMPLETENESS: CompletenessIssue[] = ['MISSING_ABSTRACT', 'NO_DATA_ITEMS', 'CONDITION_MISSING', 'PROVIDER_CODE_INVALID'];
const TIMELINESS: TimelinessIssue[] = ['STALE', 'MIRROR_NOT_REVIEWED'];
type Kind = DuplicateScope | CompletenessIssue | TimelinessIssue;
type Part = 'duplicates' | 'completeness' | 'timeliness';
const PART_OF: Record<Kind, Part> = {
  WITHIN_PROVINCE: 'duplicates',
  CROSS_PROVINCE: 'duplicates',
  MISSING_ABSTRACT: 'completeness',
  NO_DATA_ITEMS: 'completeness',
  CONDITION_MISSING: 'completeness',
  PROVIDER_CODE_INVALID: 'completeness',
  STALE: 'timeliness',
  MIRROR_NOT_REVIEWED: 'timeliness',
};
const ALL = '';

function entryHref(id: string): string {
  return `${hrefOf('directory')}?entry=${encodeURIComponent(id)}`;
}

function EntryLink({ entry, own }: { entry: QualityEntry; own: string }) {
  const { names } = useConsole();
  return (
    <>
      <a href={entryHref(entry.id)} onClick={linkClick} data-entry={entry.id}>
        {entry.name}
      </a>
      <br />
      <small class="mono muted">{entry.id}</small>
      {entry.province !== own && <small class="muted"> · {names.get(entry.province) ?? entry.province}</small>}
      <br />
      <small class="muted">{entry.providerName}</small>
    </>
  );
}

/** One horizontal bar per finding kind, its length against the largest count (inline SVG, no style attributes). */
function KindBars({ counts }: { counts: { kind: Kind; label: string; count: number }[] }) {
  const { t, num } = useI18n();
  const max = Math.max(1, ...counts.map((c) => c.count));
  return (
    <table class="quality-bars" data-testid="quality-bars">
      <caption class="visually-hidden">{t.quality.byKind}</caption>
      <thead class="visually-hidden">
        <tr>
          <th scope="col">{t.quality.kind}</th>
          <th scope="col">{t.quality.count}</th>
        </tr>
      </thead>
      <tbody>
        {counts.map((c) => (
          <tr key={c.kind} data-kind={c.kind} class={`bar-${PART_OF[c.kind]}`}>
            <th scope="row">{c.label}</th>
            <td>
              <svg class="bar" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true" focusable="false">
                <rect x="0" y="0" height="10" width={(100 * c.count) / max} />
              </svg>
              <span class="bar-count" data-testid="bar-count">
                {num(c.count)}
              </span>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Section({ part, count, children }: { part: Part; count: string; children: ComponentChildren }) {
  const { t } = useI18n();
  return (
    <section aria-labelledby={`quality-${part}`} data-testid={`quality-${part}`}>
      <h2 id={`quality-${part}`}>
        {t.quality[part]}{' '}
        <small class="muted" data-testid="section-count">
          {count}
        </small>
      </h2>
      {children}
    </section>
  );
}

function Report({ report, kind }: { report: QualityReport; kind: Kind | typeof ALL }) {
  const { t, time } = useI18n();
  const own = report.province;
  const shown = <T extends { issue?: Kind; scope?: Kind }>(rows: T[]) => (kind === ALL ? rows : rows.filter((r) => (r.issue ?? r.scope) === kind));
  const duplicates = shown(report.duplicates);
  const completeness = shown(report.completeness);
  const timeliness = shown(report.timeliness);
  const show = (part: Part) => kind === ALL || PART_OF[kind] === part;
  return (
    <>
      {show('duplicates') && (
        <Section part="duplicates" count={`${t.quality.groups(duplicates.length)} · ${t.quality.duplicateEntries(report.summary.duplicateEntries)}`}>
          {duplicates.length === 0 ? (
            <p>{t.quality.none}</p>
          ) : (
            <div class="table-wrap">
              <table class="striped">
                <thead>
                  <tr>
                    <th scope="col">{t.quality.scope}</th>
                    <th scope="col">{t.quality.entries}</th>
                    <th scope="col">{t.quality.sharedDataItems}</th>
                    <th scope="col">{t.quality.reason}</th>
                  </tr>
                </thead>
                <tbody>
                  {duplicates.map((g) => (
                    <tr key={g.entries.map((e) => e.id).join(' ')} data-issue={g.scope} data-ids={g.entries.map((e) => e.id).join(' ')}>
                      <td>
                        {t.quality.scopes[g.scope]}
                        <br />
                        <small class="muted">{t.quality.similarity(g.nameSimilarity.toFixed(2))}</small>
                      </td>
                      <td class="entry-cell">
                        <ol class="group-entries">
                          {g.entries.map((e, i) => (
                            <li key={e.id}>
                              <EntryLink entry={e} own={own} />
                              {i === 0 && g.entries.length > 1 && (
                                <>
                                  {' '}
                                  <span class="badge">{t.quality.keep}</span>
                                </>
                              )}
                            </li>
                          ))}
                        </ol>
                      </td>
                      <td>{g.sharedDataItems.join('、')}</td>
                      <td lang="en">
                        <small>{g.reason}</small>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </Section>
      )}
      {show('completeness') && (
        <Section part="completeness" count={t.quality.findings(completeness.length)}>
          {completeness.length === 0 ? (
            <p>{t.quality.none}</p>
          ) : (
            <div class="table-wrap">
              <table class="striped">
                <thead>
                  <tr>
                    <th scope="col">{t.quality.issue}</th>
                    <th scope="col">{t.quality.entry}</th>
                    <th scope="col">{t.quality.detail}</th>
                  </tr>
                </thead>
                <tbody>
                  {completeness.map((f) => (
                    <tr key={`${f.issue} ${f.entry.id}`} data-issue={f.issue} data-ids={f.entry.id}>
                      <td>{t.quality.completenessIssues[f.issue]}</td>
                      <td class="entry-cell">
                        <EntryLink entry={f.entry} own={own} />
                      </td>
                      <td lang="en">
                        <small>{f.detail}</small>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </Section>
      )}
      {show('timeliness') && (
        <Section part="timeliness" count={t.quality.findings(timeliness.length)}>
          {timeliness.length === 0 ? (
            <p>{t.quality.none}</p>
          ) : (
            <div class="table-wrap">
              <table class="striped">
                <thead>
                  <tr>
                    <th scope="col">{t.quality.issue}</th>
                    <th scope="col">{t.quality.entry}</th>
                    <th scope="col">{t.quality.updateCycle}</th>
                    <th scope="col">{t.quality.lastUpdated}</th>
                    <th scope="col">{t.quality.overdue}</th>
                  </tr>
                </thead>
                <tbody>
                  {timeliness.map((f) => (
                    <tr key={`${f.issue} ${f.entry.id}`} data-issue={f.issue} data-ids={f.entry.id}>
                      <td>{t.quality.timelinessIssues[f.issue]}</td>
                      <td class="entry-cell">
                        <EntryLink entry={f.entry} own={own} />
                      </td>
                      <td>{t.directory.updateCycles[f.updateCycle]}</td>
                      <td>{time(f.lastUpdated)}</td>
                      <td>
                        {f.overdueDays !== null && <strong class="warn">{t.quality.overdueDays(f.overdueDays)}</strong>}
                        {f.pendingSourceVersion !== null && <span>{t.quality.pendingVersion(f.pendingSourceVersion)}</span>}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </Section>
      )}
    </>
  );
}

export function QualityPage() {
  const { t, time, num } = useI18n();
  const { own, names } = useConsole();
  const [report, setReport] = useState<QualityReport | null>(null);
  const [busy, setBusy] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const [kind, setKind] = useState<Kind | typeof ALL>(ALL);

  const check = useCallback(async () => {
    setBusy(true);
    setError(null);
    try {
      const r = await run<{ catalogueQuality: QualityReport }>(CatalogueQualityOp, { province: own.enumValue });
      setReport(r.data!.catalogueQuality);
    } catch (err) {
      setReport(null);
      setError(err);
    } finally {
      setBusy(false);
    }
  }, [own.enumValue]);
  useEffect(() => {
    void check();
  }, [check]);

  const nameList = (ps: string[]) => ps.map((p) => names.get(p) ?? p).join('、');
  const counts = report
    ? [
        ...SCOPES.map((s) => ({ kind: s as Kind, label: t.quality.scopes[s], count: report.duplicates.filter((g) => g.scope === s).length })),
        ...COMPLETENESS.map((i) => ({
          kind: i as Kind,
          label: t.quality.completenessIssues[i],
          count: report.summary.completeness.find((c) => c.issue === i)?.count ?? 0,
        })),
        ...TIMELINESS.map((i) => ({
          kind: i as Kind,
          label: t.quality.timelinessIssues[i],
          count: report.summary.timeliness.find((c) => c.issue === i)?.count ?? 0,
        })),
      ]
    : [];

  return (
    <>
      <hgroup>
        <h1>{t.quality.title}</h1>
        <p>{t.quality.lede(own.name)}</p>
      </hgroup>
      <div class="quality-bar-top">
        <button type="button" class="secondary" onClick={() => void check()} disabled={busy} aria-busy={busy}>
          {t.quality.rerun}
        </button>
        {report && (
          <span class="muted" data-testid="as-of">
            {t.quality.asOf(time(report.asOf))}
          </span>
        )}
      </div>
      {busy && (
        <p aria-busy="true" data-testid="quality-checking">
          {t.quality.checking}
        </p>
      )}
      {error !== null && <ErrorNotice error={error} />}
      {report && (
        <div aria-busy={busy} data-testid="quality-report" class={busy ? 'stale' : undefined}>
          <section aria-labelledby="quality-summary" data-testid="quality-summary">
            <h2 id="quality-summary">{t.quality.summary}</h2>
            <p data-testid="entries-checked">{t.quality.entriesChecked(num(report.summary.entriesChecked))}</p>
            <p data-testid="compared-with">{report.comparedWith.length > 0 ? t.quality.comparedWith(nameList(report.comparedWith)) : t.quality.comparedNone}</p>
            {report.unavailable.length > 0 && <Notice kind="warning">{t.quality.unavailable(nameList(report.unavailable))}</Notice>}
            <KindBars counts={counts} />
          </section>
          <label class="quality-filter">
            {t.quality.filter}
            <select name="kind" value={kind} onChange={(e) => setKind(e.currentTarget.value as Kind | typeof ALL)}>
              <option value={ALL}>{t.quality.filterAll}</option>
              {counts.map((c) => (
                <option key={c.kind} value={c.kind}>
                  {t.quality.kindOption(c.label, num(c.count))}
                </option>
              ))}
            </select>
          </label>
          <Report report={report} kind={kind} />
        </div>
      )}
    </>
  );
}
