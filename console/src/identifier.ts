// The GB/T 36904 identifier check as the counter types: the same code the gateway runs before it
// routes a verification (domain/certificate-id.ts, ISO/IEC 7064 MOD 37,36 check character), so the
// page and the gateway never disagree about what is well-formed.
import { parseCertificateId } from '../../domain/certificate-id.js';
import type { IdentifierProblem } from './i18n/zh.js';

export type IdentifierCheck = { ok: true; divisionCode: string; issuerCode: string } | { ok: false; problem: IdentifierProblem };

// The domain's reasons are English sentences for logs and API errors; the page says them in its own
// language, by kind.
const KINDS: [RegExp, IdentifierProblem][] = [
  [/is empty/, 'empty'],
  [/longer than/, 'tooLong'],
  [/must start with/, 'root'],
  [/segments/, 'segments'],
  [/must be .* characters?, got/, 'length'],
  [/illegal character/, 'characters'],
  [/unified social credit code/, 'issuer'],
  [/check character/, 'check'],
  [/division/, 'division'],
];

export function checkIdentifier(s: string): IdentifierCheck {
  const r = parseCertificateId(s);
  if (r.ok) return { ok: true, divisionCode: r.value.divisionCode, issuerCode: r.value.issuerCode };
  return { ok: false, problem: KINDS.find(([re]) => re.test(r.reason))?.[1] ?? 'other' };
}
