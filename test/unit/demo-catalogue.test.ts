import { strict as assert } from 'node:assert';
import { generateDemoCatalogue, generateDemoEntries, demoDepartments, type DemoDefectRecord } from '../../domain/demo/catalogue.js';
import { demoQualityDefects, demoRepeatedNames, seededQualityDefects } from '../../domain/demo/quality-defects.js';
import { validateEntryRecord, type CatalogueEntryRecord } from '../../domain/catalogue.js';
import { personalInfoOf } from '../../domain/grading.js';
import { analyzeQuality, TWO_CYCLES_DAYS } from '../../domain/quality/analyze.js';
import { validateUscc } from '../../domain/uscc.js';
import { parseEntryId } from '../../domain/entry-id.js';

// Same values as config/provinces/*.json.
const PROVINCES = [
  { divisionCode: '500000', provinceName: '重庆市', count: 3534, seed: 500000 },
  { divisionCode: '510000', provinceName: '四川省', count: 1646, seed: 510000 },
] as const;

describe('demo data', () => {
  const sets = new Map<string, CatalogueEntryRecord[]>();
  const logs = new Map<string, DemoDefectRecord[]>();
  before(() => {
    for (const p of PROVINCES) {
      const c = generateDemoCatalogue(p);
      sets.set(p.divisionCode, c.entries);
      logs.set(p.divisionCode, c.defects);
    }
  });
  const entries = (division: string) => sets.get(division) as CatalogueEntryRecord[];
  // Entries whose provider the demo deliberately records wrongly (seeded PROVIDER_CODE_INVALID).
  const badProvider = (division: string) => new Set((logs.get(division) ?? []).filter((d) => d.kind === 'PROVIDER_CODE_INVALID').map((d) => d.id));

  it('generates the real catalogue sizes: 3534 Chongqing and 1646 Sichuan', () => {
    assert.equal(entries('500000').length, 3534);
    assert.equal(entries('510000').length, 1646);
  });

  it('is deterministic: the same seed gives byte-identical output', () => {
    for (const p of PROVINCES) {
      const again = generateDemoEntries(p);
      assert.deepEqual(again, entries(p.divisionCode));
      assert.equal(JSON.stringify(again), JSON.stringify(entries(p.divisionCode)));
    }
  });

  it('differs for a different seed', () => {
    const p = PROVINCES[0];
    const other = generateDemoEntries({ ...p, seed: p.seed + 1 });
    assert.notDeepEqual(other, entries(p.divisionCode));
    assert.notDeepEqual(
      demoDepartments({ ...p, seed: p.seed + 1 }).map((d) => d.uscc),
      demoDepartments(p).map((d) => d.uscc),
    );
  });

  it('does not depend on the count for the records it shares', () => {
    const p = PROVINCES[1];
    assert.deepEqual(generateDemoEntries({ ...p, count: 100 }), entries(p.divisionCode).slice(0, 100));
  });

  for (const p of PROVINCES) {
    describe(p.provinceName, () => {
      it('passes validateEntryRecord for every record', () => {
        const bad: string[] = [];
        for (const e of entries(p.divisionCode)) {
          const r = validateEntryRecord(e);
          if (!r.ok) bad.push(`${e.id}: ${r.issues.join('; ')}`);
        }
        assert.deepEqual(bad.slice(0, 5), []);
      });

      it('has unique ids that parse as original entries of the province', () => {
        const list = entries(p.divisionCode);
        assert.equal(new Set(list.map((e) => e.id)).size, list.length);
        for (const e of list) {
          const id = parseEntryId(e.id);
          assert.ok(id.ok && id.value.kind === 'ORIGINAL' && id.value.divisionCode === p.divisionCode, e.id);
        }
      });

      it('names 营业执照 in at least 4% of entries, some of them unconditionally shared and daily', () => {
        const list = entries(p.divisionCode);
        const licence = list.filter((e) => e.name.includes('营业执照'));
        assert.ok(licence.length >= 0.04 * list.length, `${licence.length} of ${list.length}`);
        assert.ok(licence.filter((e) => e.sharingType === 'UNCONDITIONAL' && e.updateCycle === 'DAILY').length >= 5);
      });

      it('uses valid provider USCCs inside the province, fixed per department (apart from the seeded provider defects)', () => {
        const prefix = p.divisionCode.slice(0, 2);
        const byName = new Map<string, string>();
        const seeded = badProvider(p.divisionCode);
        assert.equal(seeded.size, 3);
        for (const e of entries(p.divisionCode)) {
          if (seeded.has(e.id)) continue;
          const u = validateUscc(e.providerCode);
          assert.ok(u.ok, e.providerCode);
          assert.equal(u.divisionCode.slice(0, 2), prefix);
          assert.equal(e.providerDivisionCode, u.divisionCode);
          assert.equal(e.providerCode.slice(0, 2), '11'); // 机构编制 / 机关
          const seen = byName.get(e.providerName);
          if (seen) assert.equal(seen, e.providerCode, e.providerName);
          byName.set(e.providerName, e.providerCode);
        }
      });

      it('has 40–60 departments named for the province, with distinct codes', () => {
        const deps = demoDepartments(p);
        assert.ok(deps.length >= 40 && deps.length <= 60, String(deps.length));
        assert.equal(new Set(deps.map((d) => d.uscc)).size, deps.length);
        assert.equal(new Set(deps.map((d) => d.name)).size, deps.length);
        const provincial = deps.filter((d) => d.divisionCode === p.divisionCode);
        assert.ok(provincial.length >= 40);
        for (const d of provincial) assert.ok(d.name.startsWith(p.provinceName), d.name);
        assert.ok(
          deps.some((d) => d.divisionCode !== p.divisionCode),
          'some district/city-level departments',
        );
      });

      it('mixes sharing types about 60/30/10 and withdraws about 1%', () => {
        const list = entries(p.divisionCode);
        const share = (t: string) => list.filter((e) => e.sharingType === t).length / list.length;
        assert.ok(share('UNCONDITIONAL') > 0.52 && share('UNCONDITIONAL') < 0.68);
        assert.ok(share('CONDITIONAL') > 0.24 && share('CONDITIONAL') < 0.36);
        assert.ok(share('NOT_SHARED') > 0.06 && share('NOT_SHARED') < 0.14);
        const withdrawn = list.filter((e) => e.status === 'WITHDRAWN').length / list.length;
        assert.ok(withdrawn > 0 && withdrawn < 0.03);
      });

      it('has realistic field shapes', () => {
        const list = entries(p.divisionCode);
        for (const e of list) {
          assert.ok(e.dataItems.length >= 3 && e.dataItems.length <= 12, e.id);
          assert.equal(new Set(e.dataItems.map((d) => d.name)).size, e.dataItems.length, e.id);
          assert.ok(e.publishDate >= '2018-01-01' && e.publishDate <= '2025-12-31', e.publishDate);
          assert.ok(e.createdAt.startsWith(e.publishDate));
          assert.equal(e.version, 1);
          assert.equal(e.kind, 'ORIGINAL');
        }
        const codes = new Set(list.map((e) => e.resourceCode));
        for (const e of list) for (const c of e.relatedCodes) assert.ok(codes.has(c) && c !== e.resourceCode, c);
        for (const k of ['1', '2', '3'])
          assert.ok(
            list.some((e) => e.classification.startsWith(k)),
            `category ${k}`,
          );
        assert.ok(list.filter((e) => e.classification.startsWith('3')).length > list.length / 2);
        assert.ok(list.some((e) => e.classification.length === 9));
        assert.ok(new Set(list.map((e) => e.name)).size > 200);
      });
    });
  }

  it('keeps every date at or before `now` when given', () => {
    const now = new Date('2022-06-30T12:00:00Z');
    const list = generateDemoEntries({ ...PROVINCES[0], count: 2000, now });
    for (const e of list) {
      assert.ok(e.publishDate <= '2022-06-30');
      assert.ok(Date.parse(e.updatedAt) <= now.getTime(), e.updatedAt);
      assert.ok(validateEntryRecord(e).ok);
    }
  });

  it('refuses counts a 6-digit sequence cannot number', () => {
    assert.throws(() => generateDemoEntries({ ...PROVINCES[0], count: 1_000_000 }), RangeError);
    assert.throws(() => generateDemoEntries({ ...PROVINCES[0], count: -1 }), RangeError);
    assert.deepEqual(generateDemoEntries({ ...PROVINCES[0], count: 0 }), []);
  });

  it('generates 100,000 entries in a few seconds', () => {
    const t = process.hrtime.bigint();
    const list = generateDemoEntries({ ...PROVINCES[0], count: 100_000, seed: 7 });
    const ms = Number(process.hrtime.bigint() - t) / 1e6;
    assert.equal(list.length, 100_000);
    assert.equal(new Set(list.map((e) => e.id)).size, 100_000);
    assert.ok(ms < 8000, `${ms} ms`);
  });

  describe('names, grades, timeliness and the seeded quality defects (docs/DATA-QUALITY.md)', () => {
    // A fixed seeding time: output is deterministic for a given `now`.
    const NOW = new Date('2026-11-20T02:30:00Z');
    const REAL = [
      { province: 'chongqing', ...PROVINCES[0], now: NOW },
      { province: 'sichuan', ...PROVINCES[1], now: NOW },
    ];
    const data = new Map<string, { entries: CatalogueEntryRecord[]; defects: DemoDefectRecord[] }>();
    before(() => {
      for (const p of REAL) data.set(p.province, generateDemoCatalogue(p));
    });
    const of = (province: string) => data.get(province)!;

    it('is deterministic for a given now, and ids and seeded defects do not depend on it', () => {
      for (const p of REAL) {
        assert.deepEqual(generateDemoCatalogue(p), of(p.province));
        const later = generateDemoCatalogue({ ...p, now: new Date('2027-03-01T00:00:00Z') });
        assert.deepEqual(
          later.entries.map((e) => e.id),
          of(p.province).entries.map((e) => e.id),
        );
        assert.deepEqual(later.defects, of(p.province).defects);
      }
    });

    it('keeps the ids the README and tests cite, shared and 一般数据', () => {
      const sc = of('sichuan').entries;
      const cq = of('chongqing').entries;
      for (const id of ['510000:102002/000040', '510000:332001/000004']) {
        const e = sc.find((x) => x.id === id);
        assert.ok(e && e.grade === 'GENERAL' && e.sharingType === 'UNCONDITIONAL' && e.status === 'ACTIVE', id);
      }
      assert.ok(cq.some((e) => e.id === '500000:203003/000001'));
    });

    for (const p of REAL) {
      describe(p.provinceName, () => {
        it('names every entry distinctly, apart from the seeded duplicates that copy a name verbatim', () => {
          const { entries: list, defects } = of(p.province);
          const repeated = demoRepeatedNames(defects);
          assert.ok(repeated >= 1);
          assert.equal(new Set(list.map((e) => e.name)).size, list.length - repeated);
          // Before distinct naming: 1,354 of 3,534 and 779 of 1,646.
          assert.equal(new Set(list.map((e) => e.name)).size, p.province === 'chongqing' ? 3532 : 1644);
          const seen = new Map<string, string>();
          const copies = new Set(defects.flatMap((d) => (d.kind === 'WITHIN_DUPLICATE' && d.naming === 'SAME' ? [d.id] : [])));
          for (const e of list) {
            if (seen.has(e.name)) assert.ok(copies.has(e.id), `${e.id} repeats ${seen.get(e.name)}: ${e.name}`);
            else seen.set(e.name, e.id);
            assert.ok([...e.name].length <= 200);
          }
        });

        it('grades by subject: ~75 % 一般, ~20–25 % 重要, 1–2 % 核心; sharing and opening within the grade', () => {
          const list = of(p.province).entries;
          const share = (g: string) => list.filter((e) => e.grade === g).length / list.length;
          assert.ok(share('GENERAL') > 0.7 && share('GENERAL') < 0.8, String(share('GENERAL')));
          assert.ok(share('IMPORTANT') > 0.18 && share('IMPORTANT') < 0.28, String(share('IMPORTANT')));
          assert.ok(share('CORE') >= 0.008 && share('CORE') <= 0.025, String(share('CORE')));
          for (const e of list) {
            if (e.grade === 'CORE') assert.deepEqual([e.sharingType, e.openType], ['NOT_SHARED', 'NOT_OPEN'], e.id);
            if (e.grade === 'IMPORTANT') assert.notEqual(e.sharingType, 'UNCONDITIONAL', e.id);
            if (e.grade === 'IMPORTANT') assert.notEqual(e.openType, 'OPEN', e.id);
            // Sensitive personal information is never 一般数据 (PIPL 第二十八条).
            if (e.dataItems.some((d) => d.personalInfo === 'SENSITIVE')) assert.notEqual(e.grade, 'GENERAL', e.id);
            for (const d of e.dataItems) assert.equal(d.personalInfo, personalInfoOf(d.name), `${e.id} ${d.name}`);
          }
          assert.ok(list.some((e) => e.dataItems.some((d) => d.personalInfo === 'PERSONAL')));
        });

        it('keeps every clean entry updated within two of its update cycles before now', () => {
          const { entries: list, defects } = of(p.province);
          const stale = new Set(defects.filter((d) => d.kind === 'STALE').map((d) => d.id));
          for (const e of list) {
            assert.ok(Date.parse(e.updatedAt) <= NOW.getTime() && Date.parse(e.createdAt) <= Date.parse(e.updatedAt), e.id);
            if (e.updateCycle === 'IRREGULAR') continue;
            const age = (NOW.getTime() - Date.parse(e.updatedAt)) / 86_400_000;
            if (stale.has(e.id)) assert.ok(age > TWO_CYCLES_DAYS[e.updateCycle], e.id);
            else assert.ok(age <= TWO_CYCLES_DAYS[e.updateCycle], `${e.id} ${e.updateCycle} ${age} days`);
          }
        });

        it('seeds 10–30 defective entries covering every finding demo data can hold', () => {
          const expected = demoQualityDefects(
            p,
            REAL.filter((o) => o !== p),
          );
          const own = new Set(expected.flatMap((d) => d.ids.filter((id) => id.startsWith(p.divisionCode))));
          const originals = new Set(of(p.province).defects.flatMap((d) => (d.kind === 'WITHIN_DUPLICATE' ? [d.originalId] : [])));
          const defective = [...own].filter((id) => !originals.has(id));
          assert.ok(defective.length >= 10 && defective.length <= 30, String(defective.length));
          const issues = new Set<string>(expected.map((d) => d.issue));
          for (const i of ['WITHIN_PROVINCE', 'CROSS_PROVINCE', 'MISSING_ABSTRACT', 'NO_DATA_ITEMS', 'CONDITION_MISSING', 'PROVIDER_CODE_INVALID', 'STALE']) {
            assert.ok(issues.has(i), i);
          }
          for (const e of of(p.province).entries) assert.ok(validateEntryRecord(e).ok, e.id);
        });

        it('the analysis finds exactly the seeded defects: no more, no less', () => {
          const other = REAL.find((o) => o !== p)!;
          const visible = of(other.province).entries.filter((e) => e.status === 'ACTIVE' && e.sharingType !== 'NOT_SHARED' && e.grade !== 'CORE');
          const report = analyzeQuality({
            province: p.province,
            entries: of(p.province).entries,
            others: [{ province: other.province, entries: visible }],
            asOf: NOW,
          });
          const got = [
            ...report.duplicates.map((g) => `duplicate ${g.scope} ${g.entries.map((e) => e.id).join(' ')}`),
            ...report.completeness.map((f) => `completeness ${f.issue} ${f.entry.id}`),
            ...report.timeliness.map((f) => `timeliness ${f.issue} ${f.entry.id}`),
          ].sort();
          const want = demoQualityDefects(p, [other])
            .map((d) => `${d.kind} ${d.issue} ${d.ids.join(' ')}`)
            .sort();
          assert.deepEqual(got, want);
          assert.equal(report.summary.entriesChecked, of(p.province).entries.filter((e) => e.status === 'ACTIVE').length);
        });
      });
    }

    it('seededQualityDefects(province) reads the configured seeds and sizes, whatever the seeding time', () => {
      for (const p of REAL) {
        assert.deepEqual(
          seededQualityDefects(p.province),
          demoQualityDefects(
            p,
            REAL.filter((o) => o !== p),
          ),
        );
      }
      assert.throws(() => seededQualityDefects('guizhou'), /unknown province/);
    });
  });
});
