// npm run quality:report -- [--province ID] [--format html|json] [--out FILE]
// The data-quality report of a province's catalogue (目录质量: duplicates, completeness, timeliness;
// docs/DATA-QUALITY.md), asked of the running gateway (catalogueQuality) as that province's
// administrator, as mirror:status does. Without --province, every configured province's, each asked
// with its own administrator's credentials (a province sees only its own report). JSON, or one
// self-contained HTML page (scripts/quality-report/html.ts). While it waits: a progress bar on a
// terminal (stderr), one plain line per province otherwise, nothing at all under CI.
import { writeFileSync } from 'node:fs';
import cliProgress from 'cli-progress';
import { UsageError, command, stackConfigFrom } from '../common/cli.js';
import type { ProvinceConfig } from '../common/config.js';
import { ADMIN_OPTIONS, ADMIN_OPTIONS_USAGE, adminSession, formatSeconds, print, provinceArg } from './admin-client.js';
import { QUALITY } from './admin-operations.js';
import type { QualityFailure, QualityReportAnswer } from '../domain/quality/answer.js';
import { renderQualityHtml } from './quality-report/html.js';

const COMMAND = {
  name: 'quality:report',
  usage:
    `usage: npm run quality:report -- [--province ID] [--format html|json] [--out FILE] ${ADMIN_OPTIONS_USAGE}\n` +
    '  The data-quality report (duplicates, completeness, timeliness) of the province, or of every province\n' +
    '  without --province, each asked of the gateway as that province’s administrator.\n' +
    '  --format: json (default) or html (default when FILE ends in .html); --out: write to FILE, not stdout.\n' +
    '  Exit 0: every report made; 1: a province’s report could not be made (the others are still written).',
};

const FORMATS = ['html', 'json'] as const;
type Format = (typeof FORMATS)[number];

function formatArg(format: string | undefined, out: string | undefined): Format {
  if (format === undefined) return out && /\.html?$/i.test(out) ? 'html' : 'json';
  const f = format.toLowerCase();
  if (!(FORMATS as readonly string[]).includes(f)) throw new UsageError(`--format: "${format}"; one of: ${FORMATS.join(', ')}`);
  return f as Format;
}

interface Progress {
  start(p: ProvinceConfig): void;
  done(p: ProvinceConfig, outcome: string, ok: boolean): void;
  stop(): void;
}

/** Waiting for the gateway (one request per province): shown on stderr, so stdout stays the report. */
function progress(total: number): Progress {
  if (process.env.CI) return { start() {}, done() {}, stop() {} };
  if (!process.stderr.isTTY) {
    // Failures are not printed here: they are written once the report is out, for every view.
    return { start() {}, done: (p, outcome, ok) => ok && process.stderr.write(`quality:report: ${p.enumValue}: ${outcome}\n`), stop() {} };
  }
  const bar = new cliProgress.SingleBar(
    { format: ' {bar} {value}/{total} provinces  {note}', stream: process.stderr, hideCursor: true, barsize: 20, fps: 5 },
    cliProgress.Presets.shades_classic,
  );
  let value = 0;
  bar.start(total, 0, { note: '' });
  return {
    start: (p) => bar.update(value, { note: `asking for ${p.enumValue}'s report…` }),
    done: (p, outcome) => {
      value += 1;
      bar.update(value, { note: `${p.enumValue}: ${outcome}` });
    },
    stop: () => bar.stop(),
  };
}

const findingsOf = (r: QualityReportAnswer) => r.duplicates.length + r.completeness.length + r.timeliness.length;

command({ ...COMMAND, options: { ...ADMIN_OPTIONS, format: { type: 'string' }, out: { type: 'string' } } }, async ({ values }) => {
  const cfg = stackConfigFrom(values);
  const provinces = values.province === undefined ? cfg.provinces : [provinceArg(cfg, 'province', values.province)];
  const format = formatArg(values.format, values.out);
  // Every session is opened (and its files checked) before anything is asked: a usage problem first.
  const sessions = provinces.map((p) => adminSession({ ...values, province: p.id }));
  const reports: QualityReportAnswer[] = [];
  const failures: QualityFailure[] = [];
  const view = progress(provinces.length);
  try {
    for (const session of sessions) {
      const p = session.province;
      view.start(p);
      const started = Date.now();
      try {
        const r = await session.run<{ catalogueQuality: QualityReportAnswer }>(QUALITY);
        reports.push(r.catalogueQuality);
        const missing = r.catalogueQuality.unavailable.length ? `; not compared with ${r.catalogueQuality.unavailable.join(', ')} (unavailable)` : '';
        view.done(
          p,
          `${r.catalogueQuality.summary.entriesChecked} entries checked, ${findingsOf(r.catalogueQuality)} findings in ${formatSeconds((Date.now() - started) / 1000)}${missing}`,
          true,
        );
      } catch (err) {
        failures.push({ province: p.enumValue, error: (err as Error).message });
        view.done(p, 'failed', false);
      }
    }
  } finally {
    view.stop();
    await Promise.all(sessions.map((s) => s.close()));
  }
  const generatedAt = new Date().toISOString();
  const text =
    format === 'html'
      ? renderQualityHtml(reports, { generatedAt, failures, provinceNames: Object.fromEntries(cfg.provinces.map((p) => [p.enumValue, p.name])) })
      : `${JSON.stringify({ generatedAt, reports, ...(failures.length ? { failures } : {}) }, null, 2)}\n`;
  if (values.out) writeFileSync(values.out, text);
  else await print(text);
  for (const f of failures) process.stderr.write(`quality:report: ${f.province}: ${f.error}\n`);
  return failures.length ? 1 : 0;
});
