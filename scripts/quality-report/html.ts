// The data-quality report as one self-contained HTML page (quality:report --format html): readable
// offline and attachable to a mail, so nothing is fetched (no CDN, fonts or scripts; inline CSS and
// inline SVG, which in HTML needs no namespace URL). Chinese labels with the API names beside them.
// Entry names, providers and details are the provinces' data, untrusted here: every text goes
// through esc().
import { UPDATE_CYCLE_LABELS } from '../../domain/catalogue.js';
import {
  COMPLETENESS_ISSUES,
  COMPLETENESS_ISSUE_LABELS,
  DUPLICATE_SCOPES,
  DUPLICATE_SCOPE_LABELS,
  TIMELINESS_ISSUES,
  TIMELINESS_ISSUE_LABELS,
} from '../../domain/quality/report.js';
import type { EntryRefAnswer, QualityFailure, QualityReportAnswer } from '../../domain/quality/answer.js';

export interface HtmlOptions {
  /** When the report was made (ISO 8601). */
  generatedAt: string;
  /** Province enum value → its name (CHONGQING → 重庆市); an unknown one is shown as the enum value. */
  provinceNames?: Readonly<Record<string, string>>;
  failures?: readonly QualityFailure[];
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text for HTML element content and attribute values (double- or single-quoted alike). */
export function esc(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** A Chinese label with its API name beside it. */
const label = (zh: string, api: string) => `${esc(zh)} <span class="api">${esc(api)}</span>`;

interface Bar {
  zh: string;
  api: string;
  value: number;
}

const BAR_ROW = 26;
const LABEL_W = 300;
const BAR_W = 320;

/** A horizontal bar chart as inline SVG; its numbers are also in the table beside it (and in <title>). */
export function barChart(title: string, bars: readonly Bar[]): string {
  const max = Math.max(1, ...bars.map((b) => b.value));
  const height = bars.length * BAR_ROW + 8;
  const rows = bars
    .map((b, i) => {
      const y = 4 + i * BAR_ROW;
      const w = b.value === 0 ? 0 : Math.max(2, Math.round((b.value / max) * BAR_W));
      return (
        `<g><title>${esc(`${b.zh} ${b.api}: ${b.value}`)}</title>` +
        `<text x="${LABEL_W - 8}" y="${y + 17}" text-anchor="end" class="bar-label">${esc(b.zh)} <tspan class="api">${esc(b.api)}</tspan></text>` +
        `<rect x="${LABEL_W}" y="${y + 4}" width="${w}" height="${BAR_ROW - 8}" rx="2" class="bar"/>` +
        `<text x="${LABEL_W + w + 6}" y="${y + 17}" class="bar-value">${b.value}</text></g>`
      );
    })
    .join('');
  return `<svg class="chart" role="img" aria-label="${esc(title)}" viewBox="0 0 ${LABEL_W + BAR_W + 60} ${height}" width="${LABEL_W + BAR_W + 60}" height="${height}"><title>${esc(title)}</title>${rows}</svg>`;
}

const name = (opts: HtmlOptions, province: string) => {
  const zh = opts.provinceNames?.[province];
  return zh ? label(zh, province) : esc(province);
};

const entryCells = (e: EntryRefAnswer) =>
  `<td><code>${esc(e.id)}</code></td><td>${esc(e.name)}</td><td>${esc(e.providerName)}<br><code class="small">${esc(e.providerCode)}</code></td>`;

function table(headers: [string, string][], rows: string[]): string {
  if (rows.length === 0) return '<p class="none">无 <span class="api">none</span></p>';
  const head = headers.map(([zh, api]) => `<th>${label(zh, api)}</th>`).join('');
  return `<div class="scroll"><table><thead><tr>${head}</tr></thead><tbody>${rows.map((r) => `<tr>${r}</tr>`).join('')}</tbody></table></div>`;
}

const findings = (r: QualityReportAnswer) => r.duplicates.length + r.completeness.length + r.timeliness.length;

function summarySection(reports: readonly QualityReportAnswer[], opts: HtmlOptions): string {
  const count = <T extends string>(list: { issue: T; count: number }[], issue: T) => list.find((c) => c.issue === issue)?.count ?? 0;
  // One row per measure, one column per province: the issues' labels are long, the provinces few.
  const measures: { zh: string; api: string; of: (r: QualityReportAnswer) => number }[] = [
    { zh: '检查条目', api: 'entriesChecked', of: (r) => r.summary.entriesChecked },
    { zh: '重复组', api: 'duplicateGroups', of: (r) => r.summary.duplicateGroups },
    { zh: '重复条目', api: 'duplicateEntries', of: (r) => r.summary.duplicateEntries },
    ...COMPLETENESS_ISSUES.map((i) => ({ zh: COMPLETENESS_ISSUE_LABELS[i], api: i, of: (r: QualityReportAnswer) => count(r.summary.completeness, i) })),
    ...TIMELINESS_ISSUES.map((i) => ({ zh: TIMELINESS_ISSUE_LABELS[i], api: i, of: (r: QualityReportAnswer) => count(r.summary.timeliness, i) })),
  ];
  const head = `<tr><th>${label('指标', 'measure')}</th>${reports.map((r) => `<th class="num">${name(opts, r.province)}</th>`).join('')}</tr>`;
  const body = measures
    .map((m) => `<tr><th scope="row">${label(m.zh, m.api)}</th>${reports.map((r) => `<td class="num">${m.of(r)}</td>`).join('')}</tr>`)
    .join('');
  const summaryTable = `<div class="scroll"><table class="summary"><thead>${head}</thead><tbody>${body}</tbody></table></div>`;
  const charts = reports
    .map((r) => {
      const zh = opts.provinceNames?.[r.province] ?? r.province;
      const chart = barChart(`${zh} ${r.province}: 问题汇总 findings`, [
        { zh: '重复组', api: 'duplicates', value: r.duplicates.length },
        { zh: '完整性问题', api: 'completeness', value: r.completeness.length },
        { zh: '及时性问题', api: 'timeliness', value: r.timeliness.length },
      ]);
      return `<figure><figcaption>${name(opts, r.province)}</figcaption>${chart}</figure>`;
    })
    .join('');
  return `<section id="summary"><h2>${label('各省汇总', 'summary')}</h2>${summaryTable}<div class="charts">${charts}</div></section>`;
}

function duplicatesPart(r: QualityReportAnswer): string {
  const chart = barChart(
    `${r.province} 重复编目 duplicates`,
    DUPLICATE_SCOPES.map((s) => ({ zh: DUPLICATE_SCOPE_LABELS[s], api: s, value: r.duplicates.filter((g) => g.scope === s).length })),
  );
  const rows = r.duplicates.map((g, i) => {
    const entries = g.entries
      .map((e) => `<li><code>${esc(e.id)}</code> ${esc(e.name)} <span class="muted">(${esc(e.providerName)}, ${esc(e.province)})</span></li>`)
      .join('');
    return (
      `<td class="num">${i + 1}</td><td>${label(DUPLICATE_SCOPE_LABELS[g.scope] ?? g.scope, g.scope)}</td><td><ol>${entries}</ol></td>` +
      `<td class="num">${g.nameSimilarity.toFixed(2)}</td><td>${g.sharedDataItems.map(esc).join('、')}</td><td>${esc(g.reason)}</td>`
    );
  });
  return (
    `<h3>${label('重复编目', 'duplicates')}</h3>${chart}` +
    table(
      [
        ['组', '#'],
        ['范围', 'scope'],
        ['条目（第一条建议保留）', 'entries'],
        ['名称相似度', 'nameSimilarity'],
        ['共有信息项', 'sharedDataItems'],
        ['原因', 'reason'],
      ],
      rows,
    )
  );
}

function completenessPart(r: QualityReportAnswer): string {
  const chart = barChart(
    `${r.province} 完整性 completeness`,
    COMPLETENESS_ISSUES.map((i) => ({ zh: COMPLETENESS_ISSUE_LABELS[i], api: i, value: r.completeness.filter((f) => f.issue === i).length })),
  );
  const rows = r.completeness.map(
    (f) => `<td>${label(COMPLETENESS_ISSUE_LABELS[f.issue] ?? f.issue, f.issue)}</td>${entryCells(f.entry)}<td>${esc(f.detail)}</td>`,
  );
  return (
    `<h3>${label('完整性', 'completeness')}</h3>${chart}` +
    table(
      [
        ['问题', 'issue'],
        ['条目编号', 'id'],
        ['名称', 'name'],
        ['提供方', 'provider'],
        ['说明', 'detail'],
      ],
      rows,
    )
  );
}

function timelinessPart(r: QualityReportAnswer): string {
  const chart = barChart(
    `${r.province} 及时性 timeliness`,
    TIMELINESS_ISSUES.map((i) => ({ zh: TIMELINESS_ISSUE_LABELS[i], api: i, value: r.timeliness.filter((f) => f.issue === i).length })),
  );
  const rows = r.timeliness.map(
    (f) =>
      `<td>${label(TIMELINESS_ISSUE_LABELS[f.issue] ?? f.issue, f.issue)}</td>${entryCells(f.entry)}` +
      `<td>${label(UPDATE_CYCLE_LABELS[f.updateCycle] ?? f.updateCycle, f.updateCycle)}</td><td>${esc(f.lastUpdated)}</td>` +
      `<td class="num">${f.overdueDays === null ? '–' : esc(Math.round(f.overdueDays))}</td><td class="num">${f.pendingSourceVersion ?? '–'}</td><td>${esc(f.detail)}</td>`,
  );
  return (
    `<h3>${label('及时性', 'timeliness')}</h3>${chart}` +
    table(
      [
        ['问题', 'issue'],
        ['条目编号', 'id'],
        ['名称', 'name'],
        ['提供方', 'provider'],
        ['更新周期', 'updateCycle'],
        ['最后更新', 'lastUpdated'],
        ['逾期天数', 'overdueDays'],
        ['待审核源版本', 'pendingSourceVersion'],
        ['说明', 'detail'],
      ],
      rows,
    )
  );
}

function reportSection(r: QualityReportAnswer, opts: HtmlOptions): string {
  const compared = r.comparedWith.length ? r.comparedWith.map((p) => name(opts, p)).join('、') : '无 <span class="api">none</span>';
  const unavailable = r.unavailable.length
    ? `<p class="warn">${label('未能连接，未比对跨省重复', 'unavailable')}: ${r.unavailable.map((p) => name(opts, p)).join('、')}</p>`
    : '';
  return (
    `<section id="report-${esc(r.province)}"><h2>${name(opts, r.province)}</h2>` +
    `<p class="meta">${label('评估时点', 'asOf')}: ${esc(r.asOf)} · ${label('检查条目', 'entriesChecked')}: ${r.summary.entriesChecked} · ` +
    `${label('问题数', 'findings')}: ${findings(r)} · ${label('跨省比对', 'comparedWith')}: ${compared}</p>${unavailable}` +
    `${duplicatesPart(r)}${completenessPart(r)}${timelinessPart(r)}</section>`
  );
}

const CSS = `
:root { color-scheme: light; --fg: #1d2733; --muted: #5b6775; --line: #d5dbe3; --bar: #2f6db5; --warn: #9a4b00; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1200px; padding: 24px; color: var(--fg); background: #fff;
  font: 14px/1.55 "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC", system-ui, sans-serif; }
h1 { font-size: 24px; margin: 0 0 4px; } h2 { font-size: 20px; margin: 32px 0 8px; border-bottom: 2px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 16px; margin: 24px 0 8px; }
.api { color: var(--muted); font: 12px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.muted, .meta { color: var(--muted); } .small { font-size: 11px; }
.warn { color: var(--warn); background: #fff4e5; border: 1px solid #f0c48a; padding: 6px 10px; border-radius: 4px; }
.none { color: var(--muted); }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; margin: 8px 0 16px; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f3f5f8; font-weight: 600; } td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
table.summary { width: auto; min-width: 50%; }
td ol { margin: 0; padding-left: 20px; }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; word-break: break-all; }
.charts { display: flex; flex-wrap: wrap; gap: 16px; } figure { margin: 0; } figcaption { font-weight: 600; }
svg.chart { max-width: 100%; height: auto; margin: 4px 0 8px; }
svg .bar { fill: var(--bar); } svg .bar-label { font-size: 13px; fill: var(--fg); } svg .bar-value { font-size: 13px; fill: var(--fg); }
svg .api { font-size: 11px; fill: var(--muted); }
@media print { body { max-width: none; padding: 0; } h2 { break-before: page; } #summary h2 { break-before: auto; } }
`;

/** The whole page: a summary of every province, then each province's findings. */
export function renderQualityHtml(reports: readonly QualityReportAnswer[], opts: HtmlOptions): string {
  const failures = opts.failures?.length
    ? `<section id="failures"><h2>${label('未能生成', 'failures')}</h2><ul>${opts.failures
        .map((f) => `<li>${name(opts, f.province)}: ${esc(f.error)}</li>`)
        .join('')}</ul></section>`
    : '';
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>政务数据资源目录质量报告 Catalogue quality report</title>
<style>${CSS}</style>
</head>
<body>
<header><h1>${label('政务数据资源目录质量报告', 'catalogueQuality')}</h1>
<p class="meta">${label('生成时间', 'generatedAt')}: ${esc(opts.generatedAt)} · ${label('规则', 'rules')}: docs/DATA-QUALITY.md</p></header>
${summarySection(reports, opts)}
${failures}
${reports.map((r) => reportSection(r, opts)).join('\n')}
</body>
</html>
`;
}
