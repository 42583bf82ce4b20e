// 目录检索: search the federated directory (or one province's catalogue, mirrors included and
// marked), narrow by province, sharing type and data grade (GB/T 43697) with counts, page by the gateway's cursors (a stack of
// them, so Previous returns exactly the page seen), and open an entry: read live from its province,
// and for a mirror its source read live from the source province.
import { useEffect, useState } from 'preact/hooks';
import { ErrorNotice, Notice, PartialNotice } from '../components/notice.js';
import { useConsole } from '../context.js';
import { type GraphQLErrorInfo, run, unavailableProvinces } from '../graphql.js';
import { useI18n } from '../i18n/index.js';
import DirectorySearchOp from '../operations/DirectorySearch.graphql';
import EntryDetailsOp from '../operations/EntryDetails.graphql';
import ProvinceCatalogueOp from '../operations/ProvinceCatalogue.graphql';
import { hrefOf, linkClick, navigate, useLocation } from '../router.js';
import type { DataGrade, DirectoryPage as DirectoryAnswer, EntryDetails, EntrySummary, SharingType } from '../types.js';

const PAGE_SIZE = 10;
const ALL = 'ALL';

interface Query {
  search: string;
  scope: string;
  provinces: string[];
  sharingTypes: SharingType[];
  grades: DataGrade[];
}

function toggle<T>(list: T[], value: T, on: boolean): T[] {
  return on ? [...list, value] : list.filter((v) => v !== value);
}

function entryHref(id: string): string {
  return `${hrefOf('directory')}?entry=${encodeURIComponent(id)}`;
}

/** One page of the directory (all provinces) or of one province's catalogue, for a query. */
async function fetchPage(query: Query, paging: { first: number; after: string | null }): Promise<{ page: DirectoryAnswer | null; errors: GraphQLErrorInfo[] }> {
  const filter = {
    ...(query.scope === ALL && query.provinces.length ? { provinces: query.provinces } : {}),
    ...(query.sharingTypes.length ? { sharingTypes: query.sharingTypes } : {}),
    ...(query.grades.length ? { grades: query.grades } : {}),
  };
  const vars = { search: query.search || null, filter, ...paging };
  if (query.scope === ALL) {
    const r = await run<{ directory: DirectoryAnswer }>(DirectorySearchOp, vars);
    return { page: r.data?.directory ?? null, errors: r.errors };
  }
  const r = await run<{ provinceCatalogue: DirectoryAnswer }>(ProvinceCatalogueOp, { ...vars, province: query.scope });
  return { page: r.data?.provinceCatalogue ?? null, errors: r.errors };
}

function Badges({ e }: { e: Pick<EntrySummary, 'kind' | 'mirrorSourceId' | 'mountedIn' | 'status'> }) {
  const { t } = useI18n();
  const { names, provinces } = useConsole();
  const sourceDivision = e.mirrorSourceId?.slice(0, 6);
  const source = [...provinces.values()].find((p) => p.divisionCode === sourceDivision);
  return (
    <>
      {e.kind === 'MIRROR' && (
        <mark class="badge badge-mirror" title={source ? t.directory.mirrorOf(source.name) : undefined}>
          {t.directory.mirror}
          {source ? ` · ${t.directory.mirrorOf(source.name)}` : ''}
        </mark>
      )}
      {e.mountedIn.length > 0 && <span class="badge badge-mounted">{t.directory.mountedIn(e.mountedIn.map((p) => names.get(p) ?? p).join('、'))}</span>}
      {e.status === 'WITHDRAWN' && <span class="badge badge-withdrawn">{t.directory.statuses.WITHDRAWN}</span>}
    </>
  );
}

function EntryPanel({ id, onClose }: { id: string; onClose: () => void }) {
  const { t, time } = useI18n();
  const { names } = useConsole();
  const [entry, setEntry] = useState<EntryDetails | null | undefined>(undefined);
  const [partial, setPartial] = useState<string[]>([]);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let live = true;
    setEntry(undefined);
    setError(null);
    run<{ entry: EntryDetails | null }>(EntryDetailsOp, { id })
      .then((r) => {
        if (!live) return;
        setEntry(r.data?.entry ?? null);
        setPartial(unavailableProvinces(r.errors));
      })
      .catch((err) => live && setError(err));
    return () => {
      live = false;
    };
  }, [id]);
  useEffect(() => {
    if (entry) document.getElementById('entry-title')?.focus();
  }, [entry]);
  const f = t.directory.fields;
  return (
    <article class="entry-panel" aria-labelledby="entry-title" data-testid="entry-panel">
      {error !== null && <ErrorNotice error={error} />}
      <PartialNotice provinces={partial} names={names} />
      {entry === undefined && error === null && <p aria-busy="true">{t.app.loading}</p>}
      {entry === null && <Notice kind="warning">{t.directory.none}</Notice>}
      {entry && (
        <>
          <header>
            <h2 id="entry-title" tabIndex={-1}>
              {entry.name}
            </h2>
            <p class="muted">
              {t.directory.live(entry.region.name, entry.region.platform)} · <Badges e={entry} />
            </p>
          </header>
          <dl class="facts">
            <dt>{f.id}</dt>
            <dd class="mono">{entry.id}</dd>
            <dt>{f.kind}</dt>
            <dd>{t.directory.kinds[entry.kind]}</dd>
            <dt>{f.status}</dt>
            <dd>{t.directory.statuses[entry.status]}</dd>
            <dt>{f.classification}</dt>
            <dd>
              {entry.classification.code} {entry.classification.categoryName} / {entry.classification.item} / {entry.classification.catalog}
              {entry.classification.detail ? ` / ${entry.classification.detail}` : ''}
            </dd>
            <dt>{f.provider}</dt>
            <dd>
              {entry.provider.name} <span class="mono muted">{entry.provider.creditCode}</span>
            </dd>
            <dt>{f.abstract}</dt>
            <dd>{entry.abstract}</dd>
            <dt>{f.format}</dt>
            <dd>{t.directory.formats[entry.format]}</dd>
            <dt>{f.grade}</dt>
            <dd data-testid="grade">
              <mark class={`badge badge-grade-${entry.grade.toLowerCase()}`}>{t.directory.grades[entry.grade]}</mark>
            </dd>
            <dt>{f.sharingType}</dt>
            <dd>{t.directory.sharingTypes[entry.sharingType]}</dd>
            {entry.sharingCondition && (
              <>
                <dt>{f.sharingCondition}</dt>
                <dd>{entry.sharingCondition}</dd>
              </>
            )}
            <dt>{f.updateCycle}</dt>
            <dd>{t.directory.updateCycles[entry.updateCycle]}</dd>
            <dt>{f.version}</dt>
            <dd>
              v{entry.version} · {f.updatedAt} {time(entry.updatedAt)}
            </dd>
            <dt>{f.mountedIn}</dt>
            <dd>{entry.mountedIn.length > 0 ? entry.mountedIn.map((p) => names.get(p) ?? p).join('、') : t.directory.notMounted}</dd>
            <dt>{f.dataItems}</dt>
            <dd data-testid="data-items">
              {entry.dataItems.map((d, i) => (
                <span key={d.name}>
                  {i > 0 ? '、' : ''}
                  {d.name}
                  {d.personalInfo !== 'NONE' && (
                    <mark class={`badge badge-pi-${d.personalInfo.toLowerCase()}`} title={t.directory.personalInfo[d.personalInfo]}>
                      {t.directory.personalInfo[d.personalInfo]}
                    </mark>
                  )}
                </span>
              ))}
            </dd>
          </dl>
          {entry.kind === 'MIRROR' && (
            <section class="live-source" aria-labelledby="source-title" data-testid="live-source">
              <h3 id="source-title">{t.directory.liveSource}</h3>
              <p>
                {t.directory.sourceState}: <strong>{entry.mirrorSourceState ? t.directory.sourceStates[entry.mirrorSourceState] : '—'}</strong>
              </p>
              {entry.mirrorSource && (
                <dl class="facts">
                  <dt>{f.id}</dt>
                  <dd class="mono">
                    <a href={entryHref(entry.mirrorSource.id)} onClick={linkClick}>
                      {entry.mirrorSource.id}
                    </a>
                  </dd>
                  <dt>{t.directory.name}</dt>
                  <dd>{entry.mirrorSource.name}</dd>
                  <dt>{f.version}</dt>
                  <dd>
                    v{entry.mirrorSource.version} · {t.directory.statuses[entry.mirrorSource.status]} · {time(entry.mirrorSource.updatedAt)}
                  </dd>
                  <dt>{t.directory.region}</dt>
                  <dd>
                    {entry.mirrorSource.region.name} · {entry.mirrorSource.region.platform}
                  </dd>
                </dl>
              )}
            </section>
          )}
        </>
      )}
      <button type="button" class="secondary" onClick={onClose}>
        {t.directory.close}
      </button>
    </article>
  );
}

export function DirectoryPage() {
  const { t, num } = useI18n();
  const { session, names } = useConsole();
  const url = useLocation();
  const openEntry = url.searchParams.get('entry');
  const [text, setText] = useState('');
  const [query, setQuery] = useState<Query>({ search: '', scope: ALL, provinces: [], sharingTypes: [], grades: [] });
  // after-cursors of the pages seen: cursors[i] is the `after` of page i + 1 (null for the first).
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [page, setPage] = useState<DirectoryAnswer | null>(null);
  const [partial, setPartial] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const after = cursors[cursors.length - 1] ?? null;
  useEffect(() => {
    let live = true;
    setBusy(true);
    setError(null);
    fetchPage(query, { first: PAGE_SIZE, after })
      .then((r) => {
        if (!live) return;
        setPage(r.page);
        setPartial(unavailableProvinces(r.errors));
      })
      .catch((err) => live && setError(err))
      .finally(() => live && setBusy(false));
    return () => {
      live = false;
    };
  }, [query, after]);

  // A facet's counts leave out its own selection (what checking one more box would add): asked for
  // separately, once per query, only when that facet has boxes checked.
  const [facetCounts, setFacetCounts] = useState<Partial<DirectoryAnswer['facets']>>({});
  useEffect(() => {
    let live = true;
    setFacetCounts({});
    const one = { first: 1, after: null };
    const asks: Promise<Partial<DirectoryAnswer['facets']>>[] = [];
    if (query.scope === ALL && query.provinces.length > 0)
      asks.push(fetchPage({ ...query, provinces: [] }, one).then((r) => ({ provinces: r.page?.facets.provinces })));
    if (query.sharingTypes.length > 0) asks.push(fetchPage({ ...query, sharingTypes: [] }, one).then((r) => ({ sharingTypes: r.page?.facets.sharingTypes })));
    if (query.grades.length > 0) asks.push(fetchPage({ ...query, grades: [] }, one).then((r) => ({ grades: r.page?.facets.grades })));
    Promise.all(asks)
      .then((parts) => live && setFacetCounts(Object.assign({}, ...parts)))
      .catch(() => {});
    return () => {
      live = false;
    };
  }, [query]);
  const facets = page
    ? {
        provinces: facetCounts.provinces ?? page.facets.provinces,
        sharingTypes: facetCounts.sharingTypes ?? page.facets.sharingTypes,
        grades: facetCounts.grades ?? page.facets.grades,
      }
    : null;

  const restart = (q: Query) => {
    setQuery(q);
    setCursors([null]);
  };
  const onSearch = (e: Event) => {
    e.preventDefault();
    restart({ ...query, search: text.trim() });
  };
  const pages = page ? Math.max(1, Math.ceil(page.totalCount / PAGE_SIZE)) : 1;
  const pageNo = cursors.length;
  const closeEntry = () => {
    navigate(hrefOf('directory'));
    setTimeout(() => document.getElementById('results-title')?.focus());
  };

  return (
    <>
      <hgroup>
        <h1>{t.directory.title}</h1>
        <p>{t.directory.lede}</p>
      </hgroup>
      <form class="search" onSubmit={onSearch}>
        <label for="search">{t.directory.search}</label>
        {/* biome-ignore lint/a11y/noRedundantRoles: Pico CSS draws an input and its button as one control for role="group" */}
        <fieldset role="group">
          <input
            id="search"
            type="search"
            name="search"
            placeholder={t.directory.searchPlaceholder}
            value={text}
            onInput={(e) => setText(e.currentTarget.value)}
          />
          <button type="submit">{t.directory.submit}</button>
        </fieldset>
      </form>
      <div class="directory">
        <aside class="facets" aria-label={t.directory.filters}>
          <label for="scope">{t.directory.scope}</label>
          <select id="scope" name="scope" value={query.scope} onChange={(e) => restart({ ...query, scope: e.currentTarget.value, provinces: [] })}>
            <option value={ALL}>{t.directory.scopeAll}</option>
            {session.provinces.map((p) => (
              <option key={p.enumValue} value={p.enumValue}>
                {t.directory.scopeProvince(p.name)}
              </option>
            ))}
          </select>
          {query.scope === ALL && (
            <fieldset>
              <legend>{t.directory.facetProvinces}</legend>
              {(facets?.provinces ?? []).map((f) => (
                <label key={f.province}>
                  <input
                    type="checkbox"
                    name="province"
                    value={f.province}
                    checked={query.provinces.includes(f.province)}
                    onChange={(e) => restart({ ...query, provinces: toggle(query.provinces, f.province, e.currentTarget.checked) })}
                  />
                  {f.name} <span class="count">{f.available ? num(f.count) : t.directory.unavailable}</span>
                </label>
              ))}
            </fieldset>
          )}
          <fieldset>
            <legend>{t.directory.facetSharing}</legend>
            {(facets?.sharingTypes ?? []).map((f) => (
              <label key={f.sharingType}>
                <input
                  type="checkbox"
                  name="sharingType"
                  value={f.sharingType}
                  checked={query.sharingTypes.includes(f.sharingType)}
                  onChange={(e) => restart({ ...query, sharingTypes: toggle(query.sharingTypes, f.sharingType, e.currentTarget.checked) })}
                />
                {t.directory.sharingTypes[f.sharingType]} <span class="count">{num(f.count)}</span>
              </label>
            ))}
          </fieldset>
          <fieldset>
            <legend>{t.directory.facetGrade}</legend>
            {(facets?.grades ?? []).map((f) => (
              <label key={f.grade}>
                <input
                  type="checkbox"
                  name="grade"
                  value={f.grade}
                  checked={query.grades.includes(f.grade)}
                  onChange={(e) => restart({ ...query, grades: toggle(query.grades, f.grade, e.currentTarget.checked) })}
                />
                {t.directory.grades[f.grade]} <span class="count">{num(f.count)}</span>
              </label>
            ))}
          </fieldset>
        </aside>
        <section class="results" aria-labelledby="results-title" aria-busy={busy}>
          <h2 id="results-title" tabIndex={-1}>
            {t.directory.results} {page && <small data-testid="total">{t.directory.total(page.totalCount)}</small>}
          </h2>
          {error !== null && <ErrorNotice error={error} />}
          <PartialNotice provinces={partial} names={names} />
          {page && page.edges.length === 0 && <p>{t.directory.none}</p>}
          {page && page.edges.length > 0 && (
            <div class="table-wrap">
              <table class="striped" data-testid="results">
                <thead>
                  <tr>
                    <th scope="col">{t.directory.name}</th>
                    <th scope="col">{t.directory.provider}</th>
                    <th scope="col">{t.directory.region}</th>
                    <th scope="col">{t.directory.sharingType}</th>
                    <th scope="col">{t.directory.grade}</th>
                    <th scope="col">{t.directory.updateCycle}</th>
                  </tr>
                </thead>
                <tbody>
                  {page.edges.map(({ cursor, node }) =>
                    node ? (
                      <tr key={cursor} data-id={node.id}>
                        <td>
                          <a href={entryHref(node.id)} onClick={linkClick}>
                            {node.name}
                          </a>{' '}
                          <Badges e={node} />
                        </td>
                        <td>{node.provider.name}</td>
                        <td>{node.region.name}</td>
                        <td>{t.directory.sharingTypes[node.sharingType]}</td>
                        <td>{t.directory.grades[node.grade]}</td>
                        <td>{t.directory.updateCycles[node.updateCycle]}</td>
                      </tr>
                    ) : null,
                  )}
                </tbody>
              </table>
            </div>
          )}
          {page && (
            <nav class="pager" aria-label={t.directory.page(pageNo, pages)}>
              <button type="button" class="secondary" disabled={cursors.length <= 1} onClick={() => !busy && setCursors(cursors.slice(0, -1))}>
                {t.directory.prev}
              </button>
              <span data-testid="page">{t.directory.page(pageNo, pages)}</span>
              <button
                type="button"
                class="secondary"
                disabled={!page.pageInfo.hasNextPage}
                onClick={() => !busy && setCursors([...cursors, page.pageInfo.endCursor])}
              >
                {t.directory.next}
              </button>
            </nav>
          )}
        </section>
      </div>
      {openEntry && <EntryPanel id={openEntry} onClose={closeEntry} />}
    </>
  );
}
