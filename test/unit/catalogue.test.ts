import { strict as assert } from 'node:assert';
import {
  type CatalogueEntryRecord,
  validateEntryRecord,
  entryRecordSchema,
  SHARING_TYPES,
  SHARING_METHODS,
  OPEN_TYPES,
  UPDATE_CYCLES,
  RESOURCE_FORMATS,
  DATA_TYPES,
  ENTRY_STATUSES,
  ENTRY_KINDS,
  SHARING_TYPE_LABELS,
  SHARING_METHOD_LABELS,
  OPEN_TYPE_LABELS,
  UPDATE_CYCLE_LABELS,
  RESOURCE_FORMAT_LABELS,
  DATA_TYPE_LABELS,
  ENTRY_STATUS_LABELS,
  ENTRY_KIND_LABELS,
} from '../../domain/catalogue.js';
import { makeUscc } from '../../domain/uscc.js';

const CQ_PROVIDER = makeUscc('11500000MB1F28580'); // a Chongqing 机关
const CQ_DISTRICT_PROVIDER = makeUscc('11500103009289870'); // 渝中区
const SC_PROVIDER = makeUscc('11510000MB1526783'); // a Sichuan 机关

function original(over: Partial<CatalogueEntryRecord> = {}): CatalogueEntryRecord {
  return {
    id: '500000:301001/000123',
    resourceCode: '301001/000123',
    divisionCode: '500000',
    kind: 'ORIGINAL',
    name: '企业营业执照信息',
    classification: '301001',
    providerName: '重庆市市场监督管理局',
    providerCode: CQ_PROVIDER,
    providerDivisionCode: '500000',
    abstract: '重庆市市场主体登记的营业执照信息。',
    format: 'DATABASE',
    dataItems: [
      { name: '统一社会信用代码', dataType: 'STRING', personalInfo: 'NONE' as const },
      { name: '成立日期', dataType: 'DATE', personalInfo: 'NONE' as const },
    ],
    sharingType: 'UNCONDITIONAL',
    sharingCondition: null,
    sharingMethod: 'API',
    openType: 'OPEN',
    updateCycle: 'DAILY',
    publishDate: '2024-02-29',
    relatedCodes: ['301002/000124', '510000:301001/000001'],
    grade: 'GENERAL',
    version: 1,
    status: 'ACTIVE',
    createdAt: '2024-02-29T02:00:00.000Z',
    updatedAt: '2024-03-01T02:00:00Z',
    mirrorSourceId: null,
    mirrorRegisteredSourceVersion: null,
    mirrorRegisteredBy: null,
    mirrorRegisteredAt: null,
    mirrorState: null,
    mirrorPendingSourceVersion: null,
    mirrorApprovalRef: null,
    ...over,
  };
}

function mirror(over: Partial<CatalogueEntryRecord> = {}): CatalogueEntryRecord {
  return original({
    id: '500000:mirror:510000:301001/000123',
    kind: 'MIRROR',
    providerName: '四川省市场监督管理局',
    providerCode: SC_PROVIDER,
    providerDivisionCode: '510000',
    mirrorSourceId: '510000:301001/000123',
    mirrorRegisteredSourceVersion: 3,
    mirrorRegisteredBy: 'cq-admin',
    mirrorRegisteredAt: '2025-01-02T03:04:05.000Z',
    mirrorState: 'CURRENT',
    mirrorPendingSourceVersion: null,
    mirrorApprovalRef: null,
    ...over,
  });
}

function issues(rec: unknown): string[] {
  const r = validateEntryRecord(rec);
  assert.equal(r.ok, false, 'expected the record to be rejected');
  return (r as { ok: false; issues: string[] }).issues;
}

function rejects(rec: unknown, pattern: RegExp): void {
  const list = issues(rec);
  assert.ok(
    list.some((i) => pattern.test(i)),
    `no issue matches ${pattern}: ${JSON.stringify(list)}`,
  );
}

function accepts(rec: unknown): void {
  const r = validateEntryRecord(rec);
  assert.ok(r.ok, r.ok ? '' : JSON.stringify(r.issues));
}

describe('catalogue entry record', () => {
  it('accepts a valid original entry and returns it unchanged', () => {
    const rec = original();
    const r = validateEntryRecord(rec);
    assert.ok(r.ok);
    assert.deepEqual(r.value, rec);
    assert.equal(entryRecordSchema.safeParse(rec).success, true);
  });

  it('accepts a district-level provider of the same province', () => {
    accepts(original({ providerCode: CQ_DISTRICT_PROVIDER, providerDivisionCode: '500103' }));
  });

  it('rejects non-objects', () => {
    assert.ok(issues(null).length > 0);
    assert.ok(issues('x').length > 0);
    assert.ok(issues([]).length > 0);
  });

  describe('sharing condition (国发〔2016〕51号)', () => {
    it('is required for CONDITIONAL and NOT_SHARED', () => {
      rejects(original({ sharingType: 'CONDITIONAL' }), /^sharingCondition: is required when sharingType is CONDITIONAL/);
      rejects(original({ sharingType: 'NOT_SHARED' }), /^sharingCondition: is required when sharingType is NOT_SHARED/);
      rejects(original({ sharingType: 'CONDITIONAL', sharingCondition: '' }), /^sharingCondition: must not be empty/);
      rejects(original({ sharingType: 'CONDITIONAL', sharingCondition: '  ' }), /^sharingCondition: must not be empty/);
      accepts(original({ sharingType: 'CONDITIONAL', sharingCondition: '仅用于政务服务事项办理，需经提供方审核' }));
      accepts(original({ sharingType: 'NOT_SHARED', sharingCondition: '依据《中华人民共和国保守国家秘密法》' }));
    });

    it('must be null for UNCONDITIONAL', () => {
      rejects(original({ sharingCondition: '仅用于政务服务' }), /^sharingCondition: must be null when sharingType is UNCONDITIONAL/);
    });

    it('is at most 500 characters', () => {
      accepts(original({ sharingType: 'CONDITIONAL', sharingCondition: '审'.repeat(500) }));
      rejects(original({ sharingType: 'CONDITIONAL', sharingCondition: '审'.repeat(501) }), /^sharingCondition: must be at most 500/);
    });
  });

  describe('text fields', () => {
    it('reject NUL and every other control character', () => {
      rejects(original({ name: '企业\u0000营业执照信息' }), /^name: must not contain control characters/);
      rejects(original({ abstract: '第一行\n第二行' }), /^abstract: must not contain control characters/);
      rejects(original({ abstract: 'tab\there' }), /^abstract: must not contain control characters/);
      rejects(original({ providerName: '重庆\u007f' }), /^providerName: must not contain control characters/);
      rejects(original({ providerName: '重庆\u0085' }), /^providerName: must not contain control characters/);
      rejects(
        original({ dataItems: [{ name: '名\u001b称', dataType: 'STRING', personalInfo: 'NONE' as const }] }),
        /^dataItems\[0\]\.name: must not contain control/,
      );
      rejects(original({ sharingType: 'CONDITIONAL', sharingCondition: '条件\r' }), /^sharingCondition: must not contain control/);
      rejects(mirror({ mirrorRegisteredBy: 'admin\u0000' }), /^mirrorRegisteredBy: must not contain control/);
    });

    it('reject unpaired surrogates', () => {
      rejects(original({ name: '企业\ud800信息' }), /^name: must be well-formed Unicode/);
    });

    it('enforce lengths in characters (code points)', () => {
      accepts(original({ name: '名'.repeat(200) }));
      accepts(original({ name: '𠀀'.repeat(200) })); // CJK Extension B: 2 UTF-16 units each
      rejects(original({ name: '名'.repeat(201) }), /^name: must be at most 200 characters \(got 201\)/);
      rejects(original({ name: '' }), /^name: must not be empty/);
      rejects(original({ name: '   ' }), /^name: must not be empty/);
      accepts(original({ abstract: '摘'.repeat(2000) }));
      rejects(original({ abstract: '摘'.repeat(2001) }), /^abstract: must be at most 2000/);
      rejects(original({ providerName: '局'.repeat(201) }), /^providerName: must be at most 200/);
      rejects(
        original({ dataItems: [{ name: '项'.repeat(101), dataType: 'STRING', personalInfo: 'NONE' as const }] }),
        /^dataItems\[0\]\.name: must be at most 100/,
      );
      rejects(original({ dataItems: [{ name: '', dataType: 'STRING', personalInfo: 'NONE' as const }] }), /^dataItems\[0\]\.name: must not be empty/);
    });

    it('reject non-strings', () => {
      rejects({ ...original(), name: 42 }, /^name: must be a string/);
    });
  });

  describe('provider (GB 32100)', () => {
    it('requires a valid unified social credit code', () => {
      const bad = `${CQ_PROVIDER.slice(0, 17)}${CQ_PROVIDER.endsWith('0') ? '1' : '0'}`;
      rejects(original({ providerCode: bad }), /^providerCode: not a valid unified social credit code: bad check character/);
      rejects(original({ providerCode: 'x' }), /^providerCode: .*wrong length/);
    });

    it('requires the provider to belong to the province', () => {
      rejects(
        original({ providerCode: SC_PROVIDER, providerDivisionCode: '510000' }),
        /^providerCode: provider must be registered in the resource's province \(500000\)/,
      );
    });

    it('requires providerDivisionCode to equal characters 3–8 of the code', () => {
      rejects(original({ providerDivisionCode: '500103' }), /^providerDivisionCode: must equal characters 3–8/);
      rejects(original({ providerDivisionCode: '5001' }), /^providerDivisionCode: must be 6 digits/);
    });
  });

  describe('codes and consistency', () => {
    it('requires a valid classification equal to the one in the resource code', () => {
      rejects(original({ classification: '401001' }), /^classification: 类/);
      rejects(original({ classification: '301002' }), /^classification: must equal the classification in the resource code/);
    });

    it('requires id, divisionCode, kind and resourceCode to agree', () => {
      rejects(original({ id: '510000:301001/000123' }), /^id: division code of the id must equal divisionCode/);
      rejects(original({ resourceCode: '301001/000124' }), /^resourceCode: must equal the resource code in the id/);
      rejects(original({ kind: 'MIRROR' }), /^kind: must be ORIGINAL for this id/);
      rejects(original({ divisionCode: '500100' }), /^divisionCode: must be a province code/);
      rejects(original({ id: '500000:mirror:500000:301001/000123' }), /^id: a mirror cannot mount its own province's entry/);
    });

    it('validates related codes', () => {
      rejects(original({ relatedCodes: ['nope'] }), /^relatedCodes\[0\]: must be a resource code/);
      rejects(original({ relatedCodes: Array.from({ length: 51 }, (_, i) => `301001/${String(i).padStart(6, '0')}`) }), /^relatedCodes: must list at most 50/);
      accepts(original({ relatedCodes: Array.from({ length: 50 }, (_, i) => `301001/${String(i).padStart(6, '0')}`) }));
    });

    it('bounds the number of data items', () => {
      rejects(original({ dataItems: [] }), /^dataItems: must list at least one/);
      const many = Array.from({ length: 201 }, (_, i) => ({ name: `信息项${i}`, dataType: 'STRING' as const, personalInfo: 'NONE' as const }));
      rejects(original({ dataItems: many }), /^dataItems: must list at most 200/);
      accepts(original({ dataItems: many.slice(0, 200) }));
    });

    it('rejects unknown enum values and lists the allowed ones', () => {
      rejects({ ...original(), updateCycle: 'SOMETIMES' }, /^updateCycle: must be one of REALTIME, DAILY/);
      rejects({ ...original(), sharingType: 'unconditional' }, /^sharingType: must be one of/);
      rejects({ ...original(), dataItems: [{ name: '名称', dataType: 'TEXT', personalInfo: 'NONE' as const }] }, /^dataItems\[0\]\.dataType: must be one of/);
    });

    it('rejects unknown fields without echoing long keys', () => {
      const key = `extra${'k'.repeat(500)}`;
      const list = issues({ ...original(), [key]: 1 });
      assert.ok(
        list.some((i) => /^record: unknown field "extrak+"$/.test(i)),
        JSON.stringify(list),
      );
      assert.ok(list.every((i) => i.length < 120));
    });

    it('requires a positive integer version', () => {
      rejects(original({ version: 0 }), /^version:/);
      rejects(original({ version: 1.5 }), /^version: must be an integer/);
    });
  });

  describe('dates', () => {
    it('requires a real calendar publish date', () => {
      rejects(original({ publishDate: '2023-02-29' }), /^publishDate: is not a real calendar date/);
      rejects(original({ publishDate: '2024-13-01' }), /^publishDate: is not a real calendar date/);
      rejects(original({ publishDate: '2024-04-31' }), /^publishDate: is not a real calendar date/);
      rejects(original({ publishDate: '2024-2-1' }), /^publishDate: must be a date YYYY-MM-DD/);
      rejects(original({ publishDate: '2024-02-01T00:00:00Z' }), /^publishDate: must be a date/);
      accepts(original({ publishDate: '2000-02-29' }));
    });

    it('requires ISO 8601 UTC timestamps, updatedAt not before createdAt', () => {
      rejects(original({ createdAt: '2024-02-29T10:00:00+08:00' }), /^createdAt: must be an ISO 8601 UTC timestamp/);
      rejects(original({ createdAt: '2024-02-30T00:00:00Z' }), /^createdAt: is not a real date and time/);
      rejects(original({ createdAt: '2024-02-28T24:00:00Z' }), /^createdAt: is not a real date and time/);
      rejects(original({ updatedAt: '2024-02-28T00:00:00Z' }), /^updatedAt: must not be before createdAt/);
    });
  });

  describe('mirrors', () => {
    it('accepts a mirror whose provider belongs to the source province', () => {
      accepts(mirror());
    });

    it('requires the mirror fields on a mirror and forbids them on an original', () => {
      rejects(mirror({ mirrorSourceId: null }), /^mirrorSourceId: is required for a mirror entry/);
      rejects(mirror({ mirrorRegisteredAt: null }), /^mirrorRegisteredAt: is required for a mirror entry/);
      rejects(mirror({ mirrorSourceId: '510000:301001/000124' }), /^mirrorSourceId: must equal the source entry named in the id/);
      rejects(original({ mirrorRegisteredBy: 'someone' }), /^mirrorRegisteredBy: must be null for an original entry/);
    });

    it("rejects a mirror whose provider is not in the source's province", () => {
      rejects(mirror({ providerCode: CQ_PROVIDER, providerDivisionCode: '500000' }), /provider must be registered in the resource's province \(510000\)/);
    });
  });

  it('has a Chinese label for every enum value', () => {
    const pairs: [readonly string[], Record<string, string>][] = [
      [SHARING_TYPES, SHARING_TYPE_LABELS],
      [SHARING_METHODS, SHARING_METHOD_LABELS],
      [OPEN_TYPES, OPEN_TYPE_LABELS],
      [UPDATE_CYCLES, UPDATE_CYCLE_LABELS],
      [RESOURCE_FORMATS, RESOURCE_FORMAT_LABELS],
      [DATA_TYPES, DATA_TYPE_LABELS],
      [ENTRY_STATUSES, ENTRY_STATUS_LABELS],
      [ENTRY_KINDS, ENTRY_KIND_LABELS],
    ];
    for (const [values, labels] of pairs) assert.deepEqual(Object.keys(labels), [...values]);
    assert.equal(SHARING_TYPE_LABELS.UNCONDITIONAL, '无条件共享');
    assert.equal(SHARING_TYPE_LABELS.CONDITIONAL, '有条件共享');
    assert.equal(SHARING_TYPE_LABELS.NOT_SHARED, '不予共享');
  });
});
