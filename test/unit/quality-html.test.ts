// The HTML data-quality report (quality:report --format html): self-contained (nothing fetched), every
// finding with its entry id, Chinese labels beside the API names, and the provinces' text escaped.
import { strict as assert } from 'node:assert';
import { COMPLETENESS_ISSUES, TIMELINESS_ISSUES } from '../../domain/quality/report.js';
import type { EntryRefAnswer, QualityReportAnswer } from '../../domain/quality/answer.js';
import { barChart, esc, renderQualityHtml } from '../../scripts/quality-report/html.js';

const HOSTILE = `<script>alert("x")</script> & 'q' <img src=x onerror=alert(1)>`;

const entry = (id: string, name: string, province = 'CHONGQING'): EntryRefAnswer => ({
  id,
  province,
  name,
  providerName: '重庆市市场监督管理局',
  providerCode: '11500000MB1234567X',
});

function report(): QualityReportAnswer {
  return {
    province: 'CHONGQING',
    asOf: '2026-01-15T00:00:00.000Z',
    comparedWith: [],
    unavailable: ['SICHUAN'],
    summary: {
      entriesChecked: 42,
      duplicateGroups: 1,
      duplicateEntries: 2,
      completeness: COMPLETENESS_ISSUES.map((issue) => ({ issue, count: issue === 'MISSING_ABSTRACT' ? 1 : 0 })),
      timeliness: TIMELINESS_ISSUES.map((issue) => ({ issue, count: 1 })),
    },
    duplicates: [
      {
        scope: 'WITHIN_PROVINCE',
        entries: [entry('500000:101001/000001', '企业营业执照信息'), entry('500000:101001/000002', HOSTILE)],
        nameSimilarity: 0.91,
        sharedDataItems: ['统一社会信用代码', '企业名称'],
        reason: 'same provider, names 0.91 alike',
      },
    ],
    completeness: [{ issue: 'MISSING_ABSTRACT', entry: entry('500000:101001/000003', '无摘要的资源'), detail: `abstract is blank ${HOSTILE}` }],
    timeliness: [
      {
        issue: 'STALE',
        entry: entry('500000:101001/000004', '陈旧资源'),
        updateCycle: 'DAILY',
        lastUpdated: '2025-01-01T00:00:00.000Z',
        overdueDays: 377.4,
        pendingSourceVersion: null,
        detail: 'DAILY, last updated 379 days ago',
      },
      {
        issue: 'MIRROR_NOT_REVIEWED',
        entry: entry('500000:mirror:510000:301001/000123', '互挂资源'),
        updateCycle: 'MONTHLY',
        lastUpdated: '2025-12-01T00:00:00.000Z',
        overdueDays: null,
        pendingSourceVersion: 3,
        detail: 'source version 3 waits for review',
      },
    ],
  };
}

describe('quality:report HTML', () => {
  const html = renderQualityHtml([report()], {
    generatedAt: '2026-01-15T00:00:01.000Z',
    provinceNames: { CHONGQING: '重庆市', SICHUAN: '四川省' },
    failures: [{ province: 'SICHUAN', error: 'PROVINCE_UNAVAILABLE: <b>down</b>' }],
  });

  it('esc() escapes the five HTML specials, and nothing else', () => {
    assert.equal(esc(`&<>"'`), '&amp;&lt;&gt;&quot;&#39;');
    assert.equal(esc('营业执照 a-b'), '营业执照 a-b');
  });

  it('is one self-contained page: no scripts, no external URLs, inline CSS and SVG', () => {
    assert.match(html, /^<!doctype html>\n<html lang="zh-CN">/);
    assert.match(html, /<meta charset="utf-8">/);
    assert.doesNotMatch(html, /https?:\/\//);
    assert.doesNotMatch(html, /<script|<link|@import|url\(/i);
    assert.doesNotMatch(html, /<[^>]*\s(?:src|href)=/i, 'no element loads or links anything');
    assert.match(html, /<style>/);
    // The summary chart and three per report (duplicates, completeness, timeliness).
    assert.equal((html.match(/<svg class="chart"/g) ?? []).length, 4);
  });

  it('escapes the provinces’ text wherever it appears (names, details, errors)', () => {
    assert.ok(!html.includes(HOSTILE), 'the hostile name appears only escaped');
    assert.ok(!html.includes('<img'), 'no markup from the data');
    assert.ok(html.includes(esc(HOSTILE)));
    assert.ok(html.includes('PROVINCE_UNAVAILABLE: &lt;b&gt;down&lt;/b&gt;'));
  });

  it('lists every finding with its entry id, and Chinese labels beside the API names', () => {
    for (const id of ['500000:101001/000001', '500000:101001/000002', '500000:101001/000003', '500000:101001/000004', '500000:mirror:510000:301001/000123']) {
      assert.ok(html.includes(`<code>${id}</code>`), id);
    }
    assert.match(html, /摘要缺失 <span class="api">MISSING_ABSTRACT<\/span>/);
    assert.match(html, /互挂目录源已变更待审核 <span class="api">MIRROR_NOT_REVIEWED<\/span>/);
    assert.match(html, /省内重复编目 <span class="api">WITHIN_PROVINCE<\/span>/);
    assert.match(html, /每日 <span class="api">DAILY<\/span>/);
    assert.match(html, /重庆市 <span class="api">CHONGQING<\/span>/);
    assert.match(html, /<td class="num">377<\/td>/, 'overdue days rounded');
  });

  it('says which provinces could not be compared', () => {
    assert.match(html, /class="warn">未能连接，未比对跨省重复 <span class="api">unavailable<\/span>: 四川省 <span class="api">SICHUAN<\/span>/);
  });

  it('barChart: bars proportional to the largest, zero drawn empty, the numbers in the titles', () => {
    const svg = barChart('t', [
      { zh: '甲', api: 'A', value: 10 },
      { zh: '乙', api: 'B', value: 5 },
      { zh: '丙', api: 'C', value: 0 },
    ]);
    const widths = [...svg.matchAll(/<rect [^>]*width="(\d+)"/g)].map((m) => Number(m[1]));
    assert.deepEqual(widths, [320, 160, 0]);
    assert.match(svg, /<title>乙 B: 5<\/title>/);
  });

  it('an empty report renders with “none” in place of each table', () => {
    const empty = { ...report(), duplicates: [], completeness: [], timeliness: [], unavailable: [] };
    const page = renderQualityHtml([empty], { generatedAt: 'now' });
    assert.equal((page.match(/class="none"/g) ?? []).length, 3);
    assert.doesNotMatch(page, /class="warn"/);
  });
});
