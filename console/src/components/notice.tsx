// One way to say that something went wrong, or is incomplete, in the page's language.
import type { ComponentChildren } from 'preact';
import { RequestFailed } from '../graphql.js';
import { useI18n } from '../i18n/index.js';

export function Notice({ kind, children }: { kind: 'error' | 'warning' | 'ok' | 'info'; children: ComponentChildren }) {
  return (
    <p class={`notice notice-${kind}`} role={kind === 'error' || kind === 'warning' ? 'alert' : 'status'}>
      {children}
    </p>
  );
}

/** A failed request, said plainly: unreachable, refused with its code, or its message. */
export function ErrorNotice({ error }: { error: unknown }) {
  const { t } = useI18n();
  if (error instanceof RequestFailed) {
    if (error.status === 0) return <Notice kind="error">{t.app.networkError}</Notice>;
    if (error.code && error.code !== 'INTERNAL_SERVER_ERROR') {
      return (
        <Notice kind="error">
          {t.app.refused(error.code)} {error.message}
        </Notice>
      );
    }
  }
  return <Notice kind="error">{t.app.error(error instanceof Error ? error.message : String(error))}</Notice>;
}

/** The provinces a partial answer is missing, by name. */
export function PartialNotice({ provinces, names }: { provinces: string[]; names: Map<string, string> }) {
  const { t } = useI18n();
  if (provinces.length === 0) return null;
  return <Notice kind="warning">{t.app.partial(provinces.map((p) => names.get(p) ?? p).join('、'))}</Notice>;
}
