// The console's shell: reads the session (what certificate the browser presented), signs in with
// that certificate's province IdP when there is no token in memory, and routes between the pages the
// certificate's role may use. Without a usable certificate it says what is missing.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { finishLogin, grantedScopes, isLoginCallback, LoginError, startLogin } from './auth.js';
import { ErrorNotice, Notice } from './components/notice.js';
import { type ConsoleContext, Ctx } from './context.js';
import { run, setUnauthenticatedHandler } from './graphql.js';
import { I18nContext, initialLang, type Lang, makeI18n, type PageId, rememberLang, useI18n } from './i18n/index.js';
import ProvincesOp from './operations/Provinces.graphql';
import { AdminPage } from './pages/admin.js';
import { CertificateProblem } from './pages/certificate-problem.js';
import { CounterPage } from './pages/counter.js';
import { DirectoryPage } from './pages/directory.js';
import { OperatorPage } from './pages/operator.js';
import { QualityPage } from './pages/quality.js';
import { hrefOf, linkClick, navigate, pageOf, useLocation } from './router.js';
import { type ClientRole, loadSession, type ProvinceEndpoints, roleOf, type Session } from './session.js';
import type { ProvinceInfo } from './types.js';

/** The pages each role may use, its home page first. */
const PAGES_OF: Record<ClientRole, PageId[]> = {
  counter: ['counter', 'directory', 'operator'],
  app: ['directory', 'operator'],
  admin: ['admin', 'directory', 'operator'],
};
const NAV_ORDER: PageId[] = ['counter', 'directory', 'admin', 'quality', 'operator'];
/**
 * Pages that follow the token's scope rather than the certificate's role: in the navigation only for
 * a token that holds the scope; opened by its URL without it, the page asks and the gateway refuses.
 */
const SCOPE_PAGES: Partial<Record<PageId, string>> = { quality: 'catalogue:admin' };
/** The role a page is meant for, when it is not the caller's. */
const PAGE_ROLE: Record<PageId, ClientRole> = { counter: 'counter', directory: 'app', admin: 'admin', quality: 'admin', operator: 'app' };

function inNavigation(ctx: ConsoleContext, page: PageId): boolean {
  const scope = SCOPE_PAGES[page];
  return scope ? ctx.scopes.includes(scope) : PAGES_OF[ctx.role].includes(page);
}

type Boot =
  | { kind: 'loading' }
  | { kind: 'session-error'; error: unknown }
  | { kind: 'certificate'; session: Session; notPerson?: string }
  | { kind: 'signing-in'; province: ProvinceEndpoints }
  | { kind: 'login-error'; session: Session; own: ProvinceEndpoints; role: ClientRole; message: string }
  | { kind: 'ready'; ctx: ConsoleContext };

const here = () => location.pathname + location.search;

async function boot(set: (b: Boot) => void): Promise<void> {
  let session: Session;
  try {
    session = await loadSession();
  } catch (error) {
    set({ kind: 'session-error', error });
    return;
  }
  const cert = session.certificate;
  if (cert.status !== 'ok') {
    set({ kind: 'certificate', session });
    return;
  }
  const role = roleOf(cert);
  const own = session.provinces.find((p) => p.id === cert.provinceId);
  if (!role || !own) {
    set({ kind: 'certificate', session, notPerson: 'subject' in cert ? cert.subject : cert.status });
    return;
  }
  const signIn = async () => {
    set({ kind: 'signing-in', province: own });
    try {
      await startLogin(own, role, here());
    } catch (err) {
      set({ kind: 'login-error', session, own, role, message: err instanceof Error ? err.message : String(err) });
    }
  };
  setUnauthenticatedHandler(() => void signIn());
  const url = new URL(location.href);
  if (!isLoginCallback(url)) {
    await signIn();
    return;
  }
  try {
    navigate(await finishLogin(url, session.provinces), true);
  } catch (err) {
    navigate(url.pathname, true);
    set({ kind: 'login-error', session, own, role, message: err instanceof LoginError ? err.message : String(err) });
    return;
  }
  let provinces = new Map<string, ProvinceInfo>();
  try {
    const r = await run<{ provinces: ProvinceInfo[] }>(ProvincesOp);
    provinces = new Map((r.data?.provinces ?? []).map((p) => [p.province, p]));
  } catch {
    // Names then come from session.json; a province's division code is unknown until it answers.
  }
  const names = new Map(session.provinces.map((p) => [p.enumValue, p.name]));
  set({ kind: 'ready', ctx: { session, role, own, scopes: grantedScopes(), provinces, names } });
}

function Header({ ctx }: { ctx: ConsoleContext | null }) {
  const { t, lang, setLang } = useI18n();
  const url = useLocation();
  const current = pageOf(url.pathname);
  const pages = ctx ? NAV_ORDER.filter((p) => inNavigation(ctx, p)) : [];
  return (
    <header class="site container-fluid no-print">
      <a class="skip" href="#main">
        {t.app.skip}
      </a>
      <nav aria-label={t.app.nav}>
        <ul>
          <li class="brand">
            <strong>{t.app.title}</strong> <span class="muted">{t.app.subtitle}</span>
          </li>
        </ul>
        <ul>
          {pages.map((p) => (
            <li key={p}>
              <a href={hrefOf(p)} onClick={linkClick} aria-current={current === p ? 'page' : undefined}>
                {t.app.pages[p]}
              </a>
            </li>
          ))}
          <li>
            <button
              type="button"
              class="outline secondary small"
              lang={lang === 'zh' ? 'en' : 'zh-CN'}
              aria-label={t.app.switchLanguageLabel}
              onClick={() => setLang(lang === 'zh' ? 'en' : 'zh')}
            >
              {t.app.switchLanguage}
            </button>
          </li>
        </ul>
      </nav>
      {ctx && (
        <p class="who" data-testid="who">
          {t.app.signedIn(ctx.own.name, ctx.own.platform, t.app.roles[ctx.role])}
        </p>
      )}
    </header>
  );
}

function Pages({ ctx }: { ctx: ConsoleContext }) {
  const { t } = useI18n();
  const url = useLocation();
  const page = pageOf(url.pathname);
  const home = PAGES_OF[ctx.role][0]!;
  useEffect(() => {
    if (page === '') navigate(hrefOf(home), true);
  }, [page, home]);
  if (page === '') return null;
  if (page === null) return <Notice kind="warning">{t.app.notFound}</Notice>;
  if (!SCOPE_PAGES[page] && !PAGES_OF[ctx.role].includes(page)) return <Notice kind="warning">{t.app.needsRole(t.app.roles[PAGE_ROLE[page]])}</Notice>;
  switch (page) {
    case 'counter':
      return <CounterPage />;
    case 'directory':
      return <DirectoryPage />;
    case 'admin':
      return <AdminPage />;
    case 'quality':
      return <QualityPage />;
    case 'operator':
      return <OperatorPage />;
  }
}

function Body({ state }: { state: Boot }) {
  const { t } = useI18n();
  switch (state.kind) {
    case 'loading':
      return <p aria-busy="true">{t.app.loading}</p>;
    case 'session-error':
      return (
        <>
          <h1>{t.app.sessionFailed}</h1>
          <ErrorNotice error={state.error} />
          <button type="button" onClick={() => location.reload()}>
            {t.app.retry}
          </button>
        </>
      );
    case 'certificate':
      return <CertificateProblem certificate={state.session.certificate} notPerson={state.notPerson} />;
    case 'signing-in':
      return <p aria-busy="true">{t.app.signingIn(state.province.platform)}</p>;
    case 'login-error':
      return (
        <article data-testid="login-error">
          <h1>{t.app.loginFailed}</h1>
          <Notice kind="error">{state.message}</Notice>
          <button type="button" onClick={() => void startLogin(state.own, state.role, here()).catch(() => location.reload())}>
            {t.app.loginAgain}
          </button>
        </article>
      );
    case 'ready':
      return <Pages ctx={state.ctx} />;
  }
}

export function App() {
  const [lang, setLangState] = useState<Lang>(initialLang);
  const [state, setState] = useState<Boot>({ kind: 'loading' });
  const i18n = useMemo(
    () =>
      makeI18n(lang, (l) => {
        rememberLang(l);
        setLangState(l);
      }),
    [lang],
  );
  useEffect(() => {
    rememberLang(lang);
    document.title = `${i18n.t.app.title} · ${i18n.t.app.subtitle}`;
  }, [lang]);
  useEffect(() => {
    void boot(setState);
  }, []);
  const ctx = state.kind === 'ready' ? state.ctx : null;
  return (
    <I18nContext.Provider value={i18n}>
      <Ctx.Provider value={ctx}>
        <Header ctx={ctx} />
        <main id="main" class="container" tabIndex={-1}>
          <Body state={state} />
        </main>
        <footer class="container no-print">
          <small class="muted">{i18n.t.app.footer}</small>
        </footer>
      </Ctx.Provider>
    </I18nContext.Provider>
  );
}
