// What a browser without a usable client certificate sees: which certificate is missing or why the
// one it presented cannot be used, from what the gateway's TLS layer saw (session.json), not a blank
// error. Nothing else on the console works without one (/graphql and the IdPs refuse it).
import { useI18n } from '../i18n/index.js';
import type { CertificateSeen } from '../session.js';

export function CertificateProblem({ certificate, notPerson }: { certificate: CertificateSeen; notPerson?: string }) {
  const { t } = useI18n();
  const [title, text] = notPerson
    ? [t.certificate.otherReason[0], t.certificate.notPerson(notPerson)]
    : (t.certificate.reasons[certificate.status] ?? t.certificate.otherReason);
  return (
    <article class="certificate-problem" data-testid="certificate-problem" data-status={certificate.status}>
      <header>
        <h1>{t.certificate.title}</h1>
      </header>
      <h2>{title}</h2>
      <p>{text}</p>
      <p class="muted">{t.certificate.what}</p>
      <p>
        <small>
          {t.certificate.reasonCode}: <code>{certificate.status}</code>
        </small>
      </p>
      <footer>
        <button type="button" onClick={() => location.reload()}>
          {t.certificate.recheck}
        </button>
      </footer>
    </article>
  );
}
