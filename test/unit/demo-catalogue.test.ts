import { strict as assert } from 'node:assert';
import { generateDemoEntries, demoDepartments } from '../../domain/demo/catalogue.js';
import { validateEntryRecord, type CatalogueEntryRecord } from '../../domain/catalogue.js';
import { validateUscc } from '../../domain/uscc.js';
import { parseEntryId } from '../../domain/entry-id.js';

// Same values as config/provinces/*.json.
const PROVINCES = [
  { divisionCode: '500000', provinceName: '重庆市', count: 3534, seed: 500000 },
  { divisionCode: '510000', provinceName: '四川省', count: 1646, seed: 510000 },
] as const;

describe('demo data', () => {
  const sets = new Map<string, CatalogueEntryRecord[]>();
  before(() => {
    for (const p of PROVINCES) sets.set(p.divisionCode, generateDemoEntries(p));
  });
  const entries = (division: string) => sets.get(division) as CatalogueEntryRecord[];

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

      it('names 营业执照 in at least 3% of entries, some of them unconditionally shared and daily', () => {
        const list = entries(p.divisionCode);
        const licence = list.filter((e) => e.name.includes('营业执照'));
        assert.ok(licence.length >= 0.03 * list.length, `${licence.length} of ${list.length}`);
        assert.ok(licence.filter((e) => e.sharingType === 'UNCONDITIONAL' && e.updateCycle === 'DAILY').length >= 5);
      });

      it('uses valid provider USCCs inside the province, fixed per department', () => {
        const prefix = p.divisionCode.slice(0, 2);
        const byName = new Map<string, string>();
        for (const e of entries(p.divisionCode)) {
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
});
