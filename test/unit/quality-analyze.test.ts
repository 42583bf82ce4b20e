// The data-quality analysis (domain/quality/analyze.ts) on small hand-made catalogues: each check's
// positive and negative cases, as docs/DATA-QUALITY.md states the rules; then the scale it must keep.
import { strict as assert } from 'node:assert';
import { validateEntryRecord, type CatalogueEntryRecord, type DataItem } from '../../domain/catalogue.js';
import { demoDepartments, generateDemoEntries } from '../../domain/demo/catalogue.js';
import { personalInfoOf } from '../../domain/grading.js';
import { analyzeQuality, providerCodeError } from '../../domain/quality/analyze.js';
import { sameResourceSimilarity } from '../../domain/quality/names.js';
import type { QualityInput, QualityReport } from '../../domain/quality/report.js';
import { makeUscc } from '../../domain/uscc.js';

const ASOF = new Date('2026-11-20T08:00:00Z');
const DAY = 86_400_000;
const ago = (days: number) => new Date(ASOF.getTime() - days * DAY).toISOString();

const CQ_DEPTS = demoDepartments({ divisionCode: '500000', provinceName: '重庆市', seed: 500000 });
const SC_DEPTS = demoDepartments({ divisionCode: '510000', provinceName: '四川省', seed: 510000 });
const dept = (list: typeof CQ_DEPTS, key: string) => list.find((d) => d.key === key && d.place === null)!;
const CQ_MARKET = dept(CQ_DEPTS, 'market');
const CQ_HEALTH = dept(CQ_DEPTS, 'health');
const SC_MARKET = dept(SC_DEPTS, 'market');

const items = (...names: string[]): DataItem[] => names.map((name) => ({ name, dataType: 'STRING', personalInfo: personalInfoOf(name) }));
const LICENCE_ITEMS = items('统一社会信用代码', '企业名称', '法定代表人', '注册资本', '成立日期', '登记机关');

let seq = 0;
/** A valid original entry of a province (validated, so the analysis sees what the write rules let through). */
function entry(over: Partial<CatalogueEntryRecord> & { division?: '500000' | '510000' } = {}): CatalogueEntryRecord {
  seq += 1;
  const { division = '500000', ...rest } = over;
  const d = division === '500000' ? CQ_MARKET : SC_MARKET;
  const resourceCode = `301001/${String(seq).padStart(6, '0')}`;
  const rec: CatalogueEntryRecord = {
    id: `${division}:${resourceCode}`,
    resourceCode,
    divisionCode: division,
    kind: 'ORIGINAL',
    name: '企业营业执照信息',
    classification: '301001',
    providerName: d.name,
    providerCode: d.uscc,
    providerDivisionCode: d.divisionCode,
    abstract: '市场主体登记形成的企业营业执照信息，包括统一社会信用代码、企业名称、法定代表人等，每日更新。',
    format: 'DATABASE',
    dataItems: LICENCE_ITEMS,
    sharingType: 'UNCONDITIONAL',
    sharingCondition: null,
    sharingMethod: 'API',
    openType: 'NOT_OPEN',
    updateCycle: 'DAILY',
    publishDate: '2024-03-01',
    relatedCodes: [],
    grade: 'GENERAL',
    version: 1,
    status: 'ACTIVE',
    createdAt: '2024-03-01T02:00:00.000Z',
    updatedAt: ago(1),
    mirrorSourceId: null,
    mirrorRegisteredSourceVersion: null,
    mirrorRegisteredBy: null,
    mirrorRegisteredAt: null,
    mirrorState: null,
    mirrorPendingSourceVersion: null,
    mirrorApprovalRef: null,
    ...rest,
  };
  const v = validateEntryRecord(rec);
  assert.ok(v.ok, v.ok ? '' : v.issues.join('; '));
  return rec;
}

/** Chongqing's mirror of a Sichuan entry, in a given mirror state. */
function mirrorOf(source: CatalogueEntryRecord, state: 'CURRENT' | 'CHANGED' = 'CURRENT'): CatalogueEntryRecord {
  const rec: CatalogueEntryRecord = {
    ...source,
    id: `500000:mirror:${source.id}`,
    divisionCode: '500000',
    kind: 'MIRROR',
    mirrorSourceId: source.id,
    mirrorRegisteredSourceVersion: 1,
    mirrorRegisteredBy: 'chongqing:admin',
    mirrorRegisteredAt: ago(30),
    mirrorState: state,
    mirrorPendingSourceVersion: state === 'CHANGED' ? 2 : null,
    updatedAt: ago(30),
  };
  const v = validateEntryRecord(rec);
  assert.ok(v.ok, v.ok ? '' : v.issues.join('; '));
  return rec;
}

function analyse(own: CatalogueEntryRecord[], others: CatalogueEntryRecord[] = []): QualityReport {
  const input: QualityInput = { province: 'chongqing', entries: own, others: [{ province: 'sichuan', entries: others }], asOf: ASOF };
  return analyzeQuality(input);
}
const groupIds = (r: QualityReport) => r.duplicates.map((g) => [g.scope, ...g.entries.map((e) => e.id)]);
const findings = (r: QualityReport) => [...r.completeness, ...r.timeliness].map((f) => [f.issue, f.entry.id]);

describe('analyzeQuality (domain/quality/analyze.ts)', () => {
  describe('names', () => {
    it('one subject in other words is one resource; a place, year or qualifier of scope makes another', () => {
      const p = { providerName: CQ_MARKET.name };
      const same = (a: string, b: string) => sameResourceSimilarity({ ...p, name: a }, { ...p, name: b });
      assert.equal(same('企业营业执照信息', '企业营业执照信息'), 1);
      assert.ok((same('个体工商户营业执照信息', '个体工商户营业执照登记信息') ?? 0) >= 0.85);
      // The threshold's price: a short subject with two characters more falls below it.
      assert.equal(same('企业营业执照信息', '企业营业执照登记信息'), null);
      assert.equal(same('企业营业执照信息', `${CQ_MARKET.name}企业营业执照信息`), 1, 'the provider’s own name in front says nothing');
      assert.equal(same('企业营业执照信息', '企业营业执照数据'), 1, 'a final 信息/数据 says nothing');
      assert.equal(same('万州区企业营业执照信息', '涪陵区企业营业执照信息'), null);
      assert.equal(same('企业营业执照信息', '万州区企业营业执照信息'), null);
      assert.equal(same('企业营业执照信息（2023年度）', '企业营业执照信息（2024年度）'), null);
      assert.equal(same('企业营业执照信息', '企业营业执照变更信息'), null);
      assert.equal(same('企业营业执照信息（增量）', '企业营业执照信息（全量）'), null);
      assert.equal(same('企业变更登记信息', '企业注销登记信息'), null);
      // Two subjects a character apart are two resources (农药 and 兽药 licences).
      assert.equal(same('农药经营许可证信息', '兽药经营许可证信息'), null);
      assert.equal(same('药品生产许可证变更信息', '化妆品生产许可证变更信息'), null);
    });
  });

  describe('duplicates within the province', () => {
    it('groups one resource catalogued twice by the same department (near-identical names, overlapping items)', () => {
      const a = entry({ name: '个体工商户营业执照登记信息' });
      const b = entry({ name: '个体工商户营业执照信息', dataItems: LICENCE_ITEMS.slice(0, 5) });
      const other = entry({ name: '食品经营许可证信息', dataItems: items('许可证编号', '经营者名称', '统一社会信用代码') });
      const r = analyse([b, other, a]);
      assert.deepEqual(groupIds(r), [['WITHIN_PROVINCE', a.id, b.id]]);
      const g = r.duplicates[0]!;
      assert.deepEqual(
        g.sharedDataItems,
        LICENCE_ITEMS.slice(0, 5).map((i) => i.name),
      );
      assert.ok(g.nameSimilarity >= 0.85 && g.nameSimilarity < 1, String(g.nameSimilarity));
      assert.deepEqual(g.entries[0], { id: a.id, province: 'chongqing', name: a.name, providerName: CQ_MARKET.name, providerCode: CQ_MARKET.uscc });
      assert.match(g.reason, /catalogued 2 times by 重庆市市场监督管理局/);
      assert.equal(r.summary.duplicateGroups, 1);
      assert.equal(r.summary.duplicateEntries, 2);
    });

    it('joins three catalogings of one resource into one group', () => {
      const a = entry({ name: '个体工商户营业执照信息' });
      const b = entry({ name: '个体工商户营业执照基本信息' });
      const c = entry({ name: `${CQ_MARKET.name}个体工商户营业执照信息` });
      assert.deepEqual(groupIds(analyse([a, b, c])), [['WITHIN_PROVINCE', a.id, b.id, c.id]]);
    });

    it('is not a duplicate: another provider, another scope, other data items, withdrawn, or a mirror', () => {
      const a = entry();
      const otherProvider = entry({
        name: '企业营业执照信息',
        providerName: CQ_HEALTH.name,
        providerCode: CQ_HEALTH.uscc,
        providerDivisionCode: CQ_HEALTH.divisionCode,
      });
      const place = entry({ name: '万州区企业营业执照信息' });
      const year = entry({ name: '企业营业执照信息（2024年度）', updateCycle: 'YEARLY' });
      const changes = entry({ name: '企业营业执照变更信息' });
      const disjoint = entry({ name: '企业营业执照信息', dataItems: items('证照标识', '发证机关', '证照状态', '电子证照文件') });
      const withdrawn = entry({ status: 'WITHDRAWN' });
      const sc = entry({ division: '510000' });
      const mirror = mirrorOf(sc);
      assert.deepEqual(groupIds(analyse([a, otherProvider, place, year, changes, disjoint, withdrawn, mirror], [sc])), []);
    });
  });

  describe('duplicates across provinces', () => {
    it('each province cataloguing its own business licences is not a duplicate', () => {
      const cq = entry();
      const sc = entry({ division: '510000' });
      assert.deepEqual(groupIds(analyse([cq], [sc])), []);
    });

    it('a joint 川渝 resource both provinces catalogue as originals is one', () => {
      const joint = items('统一社会信用代码', '市场主体名称', '迁出地登记机关', '迁入地登记机关', '迁移日期');
      const cq = entry({ name: '川渝市场主体跨省迁移登记信息', dataItems: joint });
      const sc = entry({ division: '510000', name: '川渝市场主体跨省迁移登记信息', dataItems: joint.slice(0, 4) });
      const r = analyse([cq], [sc]);
      assert.deepEqual(groupIds(r), [['CROSS_PROVINCE', cq.id, sc.id]]);
      assert.deepEqual(
        r.duplicates[0]!.entries.map((e) => e.province),
        ['chongqing', 'sichuan'],
      );
      assert.equal(r.summary.duplicateEntries, 1, 'own entries only');
      assert.deepEqual(r.comparedWith, ['sichuan']);
    });

    it('a mirror and its own source are the intended form, never a duplicate; nor is what the province may not see', () => {
      const joint = items('统一社会信用代码', '市场主体名称', '迁出地登记机关', '迁入地登记机关');
      const sc = entry({ division: '510000', name: '川渝市场主体跨省迁移登记信息', dataItems: joint });
      assert.deepEqual(groupIds(analyse([mirrorOf(sc)], [sc])), []);
      // Another province's NOT_SHARED, CORE or withdrawn entries are not compared even if passed.
      const cq = entry({ name: '川渝市场主体跨省迁移登记信息', dataItems: joint });
      const hidden = [
        entry({
          division: '510000',
          name: sc.name,
          dataItems: joint,
          sharingType: 'NOT_SHARED',
          sharingCondition: '依据《中华人民共和国数据安全法》第二十一条，不予共享',
        }),
        entry({ division: '510000', name: sc.name, dataItems: joint, grade: 'CORE', sharingType: 'NOT_SHARED', sharingCondition: '属于核心数据，不予共享' }),
        entry({ division: '510000', name: sc.name, dataItems: joint, status: 'WITHDRAWN' }),
      ];
      assert.deepEqual(groupIds(analyse([cq], hidden)), []);
    });
  });

  describe('completeness', () => {
    it('MISSING_ABSTRACT: a placeholder or the name again; not a real abstract', () => {
      const bad = [
        entry({ abstract: '暂无' }),
        entry({ abstract: '-' }),
        entry({ abstract: '待补充。' }),
        entry({ abstract: '企业营业执照信息。', name: '企业营业执照信息（查询）' }),
      ];
      const good = entry({ name: '企业营业执照信息（增量）', abstract: '企业营业执照信息：每日新增和变更的市场主体。' });
      const r = analyse([...bad, good]);
      assert.deepEqual(
        findings(r),
        bad.map((e) => ['MISSING_ABSTRACT', e.id]),
      );
      assert.match(r.completeness[0]!.detail, /placeholder: “暂无”/);
      assert.match(r.completeness[3]!.detail, /only repeats the name/);
    });

    it('NO_DATA_ITEMS: only placeholders; one real item is enough', () => {
      const bad = entry({ dataItems: items('字段1', '字段2', '其他', '备注') });
      const mixed = entry({ name: '企业营业执照信息（全量）', dataItems: items('字段1', '统一社会信用代码', '备注') });
      assert.deepEqual(findings(analyse([bad, mixed])), [['NO_DATA_ITEMS', bad.id]]);
    });

    it('CONDITION_MISSING: a condition (or 不予共享 basis) that states none', () => {
      const c1 = entry({ sharingType: 'CONDITIONAL', sharingCondition: '有条件共享' });
      const c2 = entry({ name: '企业营业执照信息（全量）', sharingType: 'CONDITIONAL', sharingCondition: '详见共享协议' });
      const n1 = entry({ name: '企业营业执照信息（存量）', sharingType: 'NOT_SHARED', sharingCondition: '按规定' });
      const ok = entry({ name: '企业营业执照信息（核验）', sharingType: 'CONDITIONAL', sharingCondition: '仅提供核验接口服务，不提供批量数据' });
      const r = analyse([c1, c2, n1, ok]);
      assert.deepEqual(findings(r), [
        ['CONDITION_MISSING', c1.id],
        ['CONDITION_MISSING', c2.id],
        ['CONDITION_MISSING', n1.id],
      ]);
      assert.match(r.completeness[2]!.detail, /不予共享 without its legal or policy basis/);
    });

    it('PROVIDER_CODE_INVALID: a well-formed code that is not a state organ’s or institution’s, or one code under two names', () => {
      const body = '12345678';
      const enterprise = makeUscc(`91500103${body}X`);
      const institution = makeUscc(`12500000${body}X`);
      assert.match(providerCodeError(enterprise)!, /工商 \(9\) as 企业 \(1\)/);
      assert.equal(providerCodeError(institution), null);
      assert.equal(providerCodeError(CQ_MARKET.uscc), null);
      const byEnterprise = entry({ providerCode: enterprise, providerDivisionCode: '500103' });
      const byInstitution = entry({
        name: '企业营业执照信息（全量）',
        providerName: '重庆市市场监管信息中心',
        providerCode: institution,
        providerDivisionCode: '500000',
      });
      const usual = [entry({ name: '企业营业执照信息（增量）' }), entry({ name: '企业营业执照信息（存量）' })];
      const former = entry({ name: '企业营业执照信息（查询）', providerName: '重庆市工商行政管理局' });
      const r = analyse([byEnterprise, byInstitution, ...usual, former]);
      assert.deepEqual(findings(r), [
        ['PROVIDER_CODE_INVALID', byEnterprise.id],
        ['PROVIDER_CODE_INVALID', former.id],
      ]);
      assert.match(r.completeness[1]!.detail, /recorded under 2 names: 重庆市市场监督管理局 \(2\), 重庆市工商行政管理局 \(1\)/);
    });
  });

  describe('timeliness', () => {
    it('STALE: older than two update cycles; 不定期 never; withdrawn and mirrors not', () => {
      const daily = entry({ updatedAt: ago(3) });
      const fresh = entry({ name: '企业营业执照信息（增量）', updatedAt: ago(1.9) });
      const yearly = entry({ name: '企业营业执照信息（2024年度）', updateCycle: 'YEARLY', updatedAt: ago(700) });
      const monthly = entry({ name: '企业营业执照信息（全量）', updateCycle: 'MONTHLY', updatedAt: ago(100) });
      const irregular = entry({
        name: '企业营业执照信息（存量）',
        updateCycle: 'IRREGULAR',
        publishDate: '2020-01-06',
        createdAt: '2020-01-06T02:00:00.000Z',
        updatedAt: ago(2000),
      });
      const withdrawn = entry({ name: '企业营业执照信息（查询）', status: 'WITHDRAWN', updatedAt: ago(400) });
      const sc = entry({ division: '510000', updatedAt: ago(400) });
      const r = analyse([daily, fresh, yearly, monthly, irregular, withdrawn, mirrorOf(sc)], [sc]);
      assert.deepEqual(findings(r), [
        ['STALE', daily.id],
        ['STALE', monthly.id],
      ]);
      const [d, m] = r.timeliness;
      assert.deepEqual([d!.overdueDays, d!.updateCycle, d!.lastUpdated, d!.pendingSourceVersion], [1, 'DAILY', daily.updatedAt, null]);
      assert.equal(m!.overdueDays, 39);
      assert.match(m!.detail, /每月 \(MONTHLY\).*39 days past two cycles \(61 days\)/);
    });

    it('MIRROR_NOT_REVIEWED: a mirror whose source changed and no administrator accepted it', () => {
      const s1 = entry({ division: '510000' });
      const s2 = entry({ division: '510000', name: '食品经营许可证信息' });
      const changed = mirrorOf(s1, 'CHANGED');
      const r = analyse([changed, mirrorOf(s2)], [s1, s2]);
      assert.deepEqual(findings(r), [['MIRROR_NOT_REVIEWED', changed.id]]);
      const f = r.timeliness[0]!;
      assert.deepEqual([f.pendingSourceVersion, f.overdueDays, f.lastUpdated], [2, null, changed.updatedAt]);
    });
  });

  it('summarises, and orders deterministically whatever the input order', () => {
    const list = [
      entry({ name: '个体工商户营业执照信息', abstract: '暂无' }),
      entry({ name: '个体工商户营业执照登记信息' }),
      entry({ name: '食品经营许可证信息', dataItems: items('许可证编号', '经营者名称', '统一社会信用代码'), updatedAt: ago(10) }),
      entry({ name: '食品生产许可证信息', dataItems: items('字段1', '字段2', '字段3') }),
    ];
    const r = analyse(list);
    assert.deepEqual(r.summary, {
      entriesChecked: 4,
      duplicateGroups: 1,
      duplicateEntries: 2,
      completeness: { MISSING_ABSTRACT: 1, NO_DATA_ITEMS: 1, CONDITION_MISSING: 0, PROVIDER_CODE_INVALID: 0 },
      timeliness: { STALE: 1, MIRROR_NOT_REVIEWED: 0 },
    });
    assert.equal(r.asOf, ASOF.toISOString());
    assert.equal(r.province, 'chongqing');
    assert.deepEqual(analyse([...list].reverse()), r);
  });

  it('analyses 100,000 own and 100,000 others’ entries in a few seconds', function () {
    this.timeout(120_000);
    const now = new Date('2026-11-20T02:30:00Z');
    const own = generateDemoEntries({ divisionCode: '500000', provinceName: '重庆市', seed: 500000, count: 100_000, now });
    const others = generateDemoEntries({ divisionCode: '510000', provinceName: '四川省', seed: 510000, count: 100_000, now }).filter(
      (e) => e.status === 'ACTIVE' && e.sharingType !== 'NOT_SHARED' && e.grade !== 'CORE',
    );
    const t = process.hrtime.bigint();
    const r = analyzeQuality({ province: 'chongqing', entries: own, others: [{ province: 'sichuan', entries: others }], asOf: now });
    const ms = Number(process.hrtime.bigint() - t) / 1e6;
    process.stdout.write(`      (100,000 + ${others.length} entries analysed in ${Math.round(ms)} ms)\n`);
    assert.ok(r.summary.entriesChecked > 98_000);
    // Blocking keeps it far from all pairs (10^10); the demo at this size holds only its seeded defects.
    assert.equal(r.duplicates.length, 6);
    assert.ok(ms < 15_000, `${ms} ms`);
  });
});
