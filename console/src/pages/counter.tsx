// 证照核验: a counter clerk checks another province's e-certificate for the person in front of them.
// The identifier is checked as it is typed (the gateway's own GB/T 36904 code); the issuing province
// answers with a result and a receipt it signs, which is checked here against that province's
// published seal keys (cached, so offline too) by domain/receipt-check.ts, the gateway's and the CLI's
// own check, and can be downloaded and printed.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { type ReceiptCheck, receiptIssuer, verifyReceipt } from '../../../domain/receipt-check.js';
import { ErrorNotice, Notice } from '../components/notice.js';
import { useConsole } from '../context.js';
import { run } from '../graphql.js';
import { useI18n } from '../i18n/index.js';
import { checkIdentifier } from '../identifier.js';
import CertificateDetailsOp from '../operations/CertificateDetails.graphql';
import VerifyCertificateOp from '../operations/VerifyCertificate.graphql';
import { type SealKeys, sealKeys } from '../seal-keys.js';
import type { CertificateDetails, HolderIdType, Verification } from '../types.js';

const HOLDER_ID_TYPES: HolderIdType[] = ['RESIDENT_ID', 'USCC', 'PASSPORT'];

interface ReceiptOutcome {
  check: ReceiptCheck;
  keys: SealKeys | null;
}

/** Fetches (or takes from the cache) the issuing province's seal keys and checks the receipt. */
async function checkWithPublishedKeys(receipt: string): Promise<ReceiptOutcome> {
  const province = receiptIssuer(receipt);
  const keys = province ? await sealKeys(province) : null;
  const check = await verifyReceipt(receipt, (p) => (p === province && keys ? keys.jwks : undefined));
  return { check, keys };
}

function ReceiptVerdict({ outcome }: { outcome: ReceiptOutcome }) {
  const { t, time } = useI18n();
  const { session } = useConsole();
  const { check, keys } = outcome;
  const provinceName = (id: string) => session.provinces.find((p) => p.id === id)?.name ?? id;
  return (
    <div class="receipt-verdict" data-testid="receipt-verdict">
      {check.ok ? (
        <Notice kind="ok">{t.counter.receiptOk(provinceName(check.province), check.kid)}</Notice>
      ) : (
        <Notice kind="error">{keys === null && check.reason.startsWith('no published') ? t.counter.noKeys : t.counter.receiptBad(check.reason)}</Notice>
      )}
      {keys && <p class="muted">{keys.from === 'network' ? t.counter.keysFetched(time(keys.fetchedAt)) : t.counter.keysCached(time(keys.fetchedAt))}</p>}
      {check.ok && (
        <dl class="facts">
          <dt>{t.counter.claimCertificate}</dt>
          <dd class="mono">{check.claims.certificateId}</dd>
          <dt>{t.counter.claimResult}</dt>
          <dd>
            {t.counter.results[check.claims.result][0]} ({check.claims.result})
          </dd>
          <dt>{t.counter.claimPurpose}</dt>
          <dd>{check.claims.purpose}</dd>
          <dt>{t.counter.claimRequester}</dt>
          <dd>
            {provinceName(check.claims.requester.province)} · {check.claims.requester.subject}
          </dd>
          <dt>{t.counter.claimCheckedAt}</dt>
          <dd>{time(check.claims.checkedAt)}</dd>
        </dl>
      )}
    </div>
  );
}

function ReceiptFileCheck() {
  const { t } = useI18n();
  const [text, setText] = useState('');
  const [outcome, setOutcome] = useState<ReceiptOutcome | null>(null);
  const [missing, setMissing] = useState(false);
  const onFile = async (e: Event) => {
    const file = (e.currentTarget as HTMLInputElement).files?.[0];
    if (file) setText((await file.text()).trim());
  };
  const onCheck = async (e: Event) => {
    e.preventDefault();
    setOutcome(null);
    setMissing(text.trim() === '');
    if (text.trim() !== '') setOutcome(await checkWithPublishedKeys(text.trim()));
  };
  return (
    <section class="no-print" aria-labelledby="receipt-file-title">
      <h2 id="receipt-file-title">{t.counter.fileTitle}</h2>
      <p class="muted">{t.counter.fileLede}</p>
      <form onSubmit={onCheck}>
        <label>
          {t.counter.file}
          <input type="file" accept=".jws,.txt,application/jose" onChange={onFile} />
        </label>
        <label>
          {t.counter.paste}
          <textarea rows={3} class="mono" value={text} onInput={(e) => setText(e.currentTarget.value)} />
        </label>
        <button type="submit" class="secondary">
          {t.counter.checkFile}
        </button>
      </form>
      {missing && <Notice kind="warning">{t.counter.noReceipt}</Notice>}
      {outcome && <ReceiptVerdict outcome={outcome} />}
    </section>
  );
}

interface Submitted {
  verification: Verification;
  purpose: string;
  details: CertificateDetails | null;
}

function Result({ submitted, receipt, onAnother }: { submitted: Submitted; receipt: ReceiptOutcome | null; onAnother: () => void }) {
  const { t, time } = useI18n();
  const { names } = useConsole();
  const v = submitted.verification;
  const [title, text] = t.counter.results[v.result];
  const issuer = names.get(v.issuingProvince) ?? v.issuingProvince;
  const downloadUrl = useMemo(() => (v.receipt ? URL.createObjectURL(new Blob([`${v.receipt}\n`], { type: 'application/jose' })) : null), [v.receipt]);
  useEffect(() => () => (downloadUrl ? URL.revokeObjectURL(downloadUrl) : undefined), [downloadUrl]);
  const matches =
    receipt?.check.ok === true &&
    receipt.check.claims.certificateId === v.identifier &&
    receipt.check.claims.result === v.result &&
    receipt.check.claims.purpose === submitted.purpose &&
    receipt.check.claims.jti === v.requestId;
  const d = submitted.details;
  return (
    <section class="result" aria-labelledby="result-title" data-result={v.result}>
      <header class="print-only">
        <h1>{t.counter.printTitle}</h1>
        <p>{t.counter.printedAt(time(new Date().toISOString()))}</p>
      </header>
      <div class={`verdict verdict-${v.result}`} data-testid="verdict">
        <h2 id="result-title" tabIndex={-1}>
          {title} <span class="code">{v.result}</span>
        </h2>
        <p>{text}</p>
        <p class="muted">{v.checkedAt ? t.counter.checkedBy(issuer, time(v.checkedAt)) : t.counter.notChecked(issuer)}</p>
      </div>
      <dl class="facts">
        <dt>{t.counter.identifier}</dt>
        <dd class="mono">{v.identifier}</dd>
        <dt>{t.counter.purpose}</dt>
        <dd>{submitted.purpose}</dd>
        <dt>{t.counter.requestId}</dt>
        <dd class="mono">{v.requestId}</dd>
      </dl>
      {d && (
        <>
          <h3>{t.counter.details}</h3>
          <dl class="facts" data-testid="certificate-details">
            <dt>{t.counter.typeName}</dt>
            <dd>{d.typeName}</dd>
            <dt>{t.counter.number}</dt>
            <dd class="mono">{d.number}</dd>
            <dt>{t.counter.holder}</dt>
            <dd>{d.holder.name}</dd>
            <dt>{t.counter.holderIdMasked}</dt>
            <dd class="mono">
              {t.counter.holderIdTypes[d.holder.idType]} {d.holder.idMasked}
            </dd>
            <dt>{t.counter.issuer}</dt>
            <dd>
              {d.issuer.name} · {d.region.name}
            </dd>
            <dt>{t.counter.validity}</dt>
            <dd>
              {d.validFrom} – {d.validTo ?? t.counter.longTerm}
            </dd>
            <dt>{t.counter.certificateStatus}</dt>
            <dd>{t.counter.certificateStatuses[d.status]}</dd>
          </dl>
        </>
      )}
      {v.receipt && (
        <>
          <h3>{t.counter.receipt}</h3>
          <p class="muted no-print">{t.counter.receiptLede}</p>
          {receipt ? <ReceiptVerdict outcome={receipt} /> : <p aria-busy="true">{t.counter.checking}</p>}
          {receipt?.check.ok && <Notice kind={matches ? 'ok' : 'error'}>{matches ? t.counter.matches : t.counter.mismatch}</Notice>}
          <p class="receipt-text mono print-only">{v.receipt}</p>
        </>
      )}
      <div class="actions no-print">
        {downloadUrl && (
          <a class="download" href={downloadUrl} download={`receipt-${v.requestId}.jws`}>
            {t.counter.download}
          </a>
        )}
        <button type="button" class="secondary" onClick={() => print()}>
          {t.counter.print}
        </button>
        <button type="button" class="contrast" onClick={onAnother}>
          {t.counter.another}
        </button>
      </div>
    </section>
  );
}

export function CounterPage() {
  const { t } = useI18n();
  const { provinces } = useConsole();
  const [identifier, setIdentifier] = useState('');
  const [purpose, setPurpose] = useState('');
  const [holderIdType, setHolderIdType] = useState<HolderIdType>('RESIDENT_ID');
  const [holderId, setHolderId] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [submitted, setSubmitted] = useState<Submitted | null>(null);
  const [receipt, setReceipt] = useState<ReceiptOutcome | null>(null);

  const check = identifier === '' ? null : checkIdentifier(identifier);
  const issuing = check?.ok ? [...provinces.values()].find((p) => p.divisionCode.slice(0, 2) === check.divisionCode.slice(0, 2)) : undefined;
  const identifierUsable = check?.ok === true && issuing !== undefined;
  const [tried, setTried] = useState(false);

  const onSubmit = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    // The button stays usable (and reachable by keyboard); what is missing is said and focused.
    const firstMissing = !identifierUsable ? 'identifier' : purpose.trim() === '' ? 'purpose' : holderId.trim() === '' ? 'holderId' : null;
    if (firstMissing) {
      setTried(true);
      document.getElementById(firstMissing)?.focus();
      return;
    }
    setBusy(true);
    setError(null);
    setReceipt(null);
    try {
      const input = { identifier, purpose: purpose.trim(), holderIdType, holderId: holderId.trim() };
      const r = await run<{ verifyCertificate: Verification }>(VerifyCertificateOp, { input });
      const verification = r.data!.verifyCertificate;
      let details: CertificateDetails | null = null;
      if (verification.result !== 'ISSUER_UNAVAILABLE' && verification.result !== 'NOT_FOUND') {
        details = (await run<{ certificate: CertificateDetails | null }>(CertificateDetailsOp, { identifier }).catch(() => null))?.data?.certificate ?? null;
      }
      setSubmitted({ verification, purpose: input.purpose, details });
      setHolderId('');
      if (verification.receipt) setReceipt(await checkWithPublishedKeys(verification.receipt));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  useEffect(() => {
    if (submitted) document.getElementById('result-title')?.focus();
  }, [submitted]);

  const another = () => {
    setSubmitted(null);
    setReceipt(null);
    setTried(false);
    setIdentifier('');
    setPurpose('');
    setTimeout(() => document.getElementById('identifier')?.focus());
  };

  return (
    <>
      <hgroup class="no-print">
        <h1>{t.counter.title}</h1>
        <p>{t.counter.lede}</p>
      </hgroup>
      {submitted ? (
        <Result submitted={submitted} receipt={receipt} onAnother={another} />
      ) : (
        <form class="counter-form" onSubmit={onSubmit} noValidate>
          <label for="identifier">{t.counter.identifier}</label>
          <input
            id="identifier"
            name="identifier"
            class="mono"
            autoComplete="off"
            spellcheck={false}
            value={identifier}
            aria-invalid={check === null ? undefined : identifierUsable ? 'false' : 'true'}
            aria-describedby="identifier-check"
            onInput={(e) => setIdentifier(e.currentTarget.value)}
          />
          <small id="identifier-check" data-testid="identifier-check">
            {check === null
              ? tried
                ? t.counter.problems.empty
                : t.counter.identifierHint
              : !check.ok
                ? t.counter.problems[check.problem]
                : issuing
                  ? t.counter.identifierOk(issuing.name, check.divisionCode)
                  : t.counter.identifierForeign(check.divisionCode)}
          </small>
          <label for="purpose">{t.counter.purpose}</label>
          <input
            id="purpose"
            name="purpose"
            maxLength={500}
            value={purpose}
            aria-invalid={tried && purpose.trim() === '' ? 'true' : undefined}
            aria-describedby="purpose-hint"
            onInput={(e) => setPurpose(e.currentTarget.value)}
          />
          <small id="purpose-hint">{t.counter.purposeHint}</small>
          <div class="grid">
            <label>
              {t.counter.holderIdType}
              <select name="holderIdType" value={holderIdType} onChange={(e) => setHolderIdType(e.currentTarget.value as HolderIdType)}>
                {HOLDER_ID_TYPES.map((k) => (
                  <option key={k} value={k}>
                    {t.counter.holderIdTypes[k]}
                  </option>
                ))}
              </select>
            </label>
            <label>
              {t.counter.holderId}
              <input
                id="holderId"
                name="holderId"
                class="mono"
                aria-invalid={tried && holderId.trim() === '' ? 'true' : undefined}
                autoComplete="off"
                value={holderId}
                aria-describedby="holder-hint"
                onInput={(e) => setHolderId(e.currentTarget.value)}
              />
              <small id="holder-hint">{t.counter.holderIdHint}</small>
            </label>
          </div>
          <button type="submit" aria-busy={busy}>
            {busy ? t.counter.submitting : t.counter.submit}
          </button>
          {error !== null && <ErrorNotice error={error} />}
        </form>
      )}
      <ReceiptFileCheck />
    </>
  );
}
