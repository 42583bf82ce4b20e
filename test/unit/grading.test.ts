// GB/T 43697-2024 grades as the catalogue enforces them: at write (validation and updateEntry), at
// mount (checkMirrorSource, jobs' grades) and in the sync decisions (a grade change that takes a
// mirror's basis away unshares it).
import { strict as assert } from 'node:assert';
import { validateEntryRecord, type CatalogueEntryRecord } from '../../domain/catalogue.js';
import { generateDemoEntries } from '../../domain/demo/catalogue.js';
import { approvalRefError, gradeOpeningError, gradeSharingError, mirrorBasisError, mountableGrades, personalInfoOf } from '../../domain/grading.js';
import { checkMirrorSource, mirrorFromSource } from '../../subgraphs/catalogue/mirror-snapshot.js';
import { decideAcceptChange, decideSourceChange, jobGrades } from '../../subgraphs/catalogue/store/mirror-sync.js';
import { decideRegisterMirror, decideUpdate } from '../../subgraphs/catalogue/store/write-rules.js';

const T0 = '2026-03-01T00:00:00.000Z';
const T1 = '2026-03-02T00:00:00.000Z';
const CQ = { divisionCode: '500000', enumValue: 'CHONGQING' };
const APPROVAL = '渝数审〔2026〕12号';

/** A Sichuan original, 一般数据 and shared unconditionally. */
const general: CatalogueEntryRecord = {
  ...generateDemoEntries({ divisionCode: '510000', provinceName: '四川省', seed: 510000, count: 1 })[0]!,
  grade: 'GENERAL',
  sharingType: 'UNCONDITIONAL',
  sharingCondition: null,
  openType: 'OPEN',
  status: 'ACTIVE',
};
const important: CatalogueEntryRecord = {
  ...general,
  version: general.version + 1,
  grade: 'IMPORTANT',
  sharingType: 'CONDITIONAL',
  sharingCondition: '经数据主管部门审批后共享',
  openType: 'NOT_OPEN',
};

const issues = (r: CatalogueEntryRecord): string[] => {
  const v = validateEntryRecord(r);
  return v.ok ? [] : v.issues;
};

describe('data grades (GB/T 43697-2024)', () => {
  describe('rules', () => {
    it('CORE is never shared or opened; IMPORTANT at most CONDITIONAL and CONDITIONAL_OPEN; GENERAL anything', () => {
      assert.match(gradeSharingError('CORE', 'CONDITIONAL') ?? '', /at most NOT_SHARED/);
      assert.equal(gradeSharingError('CORE', 'NOT_SHARED'), null);
      assert.match(gradeSharingError('IMPORTANT', 'UNCONDITIONAL') ?? '', /at most CONDITIONAL/);
      assert.equal(gradeSharingError('IMPORTANT', 'CONDITIONAL'), null);
      assert.equal(gradeSharingError('IMPORTANT', 'NOT_SHARED'), null);
      assert.equal(gradeSharingError('GENERAL', 'UNCONDITIONAL'), null);
      assert.match(gradeOpeningError('IMPORTANT', 'OPEN') ?? '', /at most CONDITIONAL_OPEN/);
      assert.match(gradeOpeningError('CORE', 'CONDITIONAL_OPEN') ?? '', /at most NOT_OPEN/);
    });

    it('a record breaking its grade is refused, naming the field', () => {
      assert.deepEqual(issues(important), []);
      assert.deepEqual(issues({ ...important, sharingType: 'UNCONDITIONAL', sharingCondition: null }), [
        'sharingType: IMPORTANT (重要数据) entries may be at most CONDITIONAL, not UNCONDITIONAL (GB/T 43697-2024)',
      ]);
      const core = issues({ ...general, grade: 'CORE', sharingType: 'CONDITIONAL', sharingCondition: '条件', openType: 'NOT_OPEN' });
      assert.deepEqual(core, ['sharingType: CORE (核心数据) entries may be at most NOT_SHARED, not CONDITIONAL (GB/T 43697-2024)']);
      assert.match(issues({ ...general, grade: 'SECRET' as never }).join(), /^grade: must be one of GENERAL, IMPORTANT, CORE/);
      assert.match(issues({ ...general, dataItems: [{ name: '姓名', dataType: 'STRING' } as never] }).join(), /dataItems\[0\]\.personalInfo: must be one of/);
    });

    it('approval references are 发文字号 (GB/T 9704): 机关代字〔年份〕序号号', () => {
      for (const ok of [APPROVAL, '川数据审批〔2025〕7号', 'ABC〔2026〕100号']) assert.equal(approvalRefError(ok), null, ok);
      for (const bad of [
        '渝数审[2026]12号',
        '渝数审(2026)12号',
        '渝数审〔26〕12号',
        '渝数审〔2026〕012号',
        '〔2026〕12号',
        '渝数审〔2026〕12',
        ' 渝数审〔2026〕12号',
        `${'渝'.repeat(30)}〔2026〕1号`,
      ]) {
        assert.notEqual(approvalRefError(bad), null, bad);
      }
    });

    it('mounting: CORE never, IMPORTANT with an approval, GENERAL always', () => {
      assert.notEqual(mirrorBasisError('CORE', APPROVAL), null);
      assert.notEqual(mirrorBasisError('IMPORTANT', null), null);
      assert.equal(mirrorBasisError('IMPORTANT', APPROVAL), null);
      assert.deepEqual(mountableGrades(null), ['GENERAL']);
      assert.deepEqual(mountableGrades(APPROVAL), ['GENERAL', 'IMPORTANT']);
      assert.deepEqual(jobGrades({ filter: { grades: ['IMPORTANT'] }, approvalRef: null }), []);
      assert.deepEqual(jobGrades({ filter: { grades: ['IMPORTANT', 'CORE'] }, approvalRef: APPROVAL }), ['IMPORTANT']);
      assert.deepEqual(jobGrades({ filter: {}, approvalRef: APPROVAL }), ['GENERAL', 'IMPORTANT']);
    });

    it('personal information from item names (migration and demo data only)', () => {
      assert.equal(personalInfoOf('公民身份号码'), 'SENSITIVE');
      assert.equal(personalInfoOf('诊断结果'), 'SENSITIVE');
      assert.equal(personalInfoOf('姓名'), 'PERSONAL');
      assert.equal(personalInfoOf('联系电话'), 'PERSONAL');
      assert.equal(personalInfoOf('统一社会信用代码'), 'NONE');
      assert.equal(personalInfoOf('注册资本'), 'NONE');
    });
  });

  describe('at write: updateEntry checks the whole record', () => {
    it('raising the grade alone is refused; with the sharing it needs it is stored', () => {
      const refused = decideUpdate(general, general.id, null, { grade: 'IMPORTANT' }, T1);
      assert.ok(!refused.write && !refused.result.ok && refused.result.code === 'BAD_USER_INPUT');
      assert.match(refused.result.ok ? '' : refused.result.message, /sharingType: IMPORTANT .* at most CONDITIONAL/);
      const ok = decideUpdate(
        general,
        general.id,
        null,
        { grade: 'IMPORTANT', sharingType: 'CONDITIONAL', sharingCondition: '经审批后共享', openType: 'NOT_OPEN' },
        T1,
      );
      assert.ok(ok.write);
      assert.deepEqual([ok.record.grade, ok.record.sharingType, ok.record.version], ['IMPORTANT', 'CONDITIONAL', general.version + 1]);
    });

    it('becoming UNCONDITIONAL drops the condition; a CONDITIONAL without one is refused', () => {
      const back = decideUpdate(important, important.id, null, { grade: 'GENERAL', sharingType: 'UNCONDITIONAL' }, T1);
      assert.ok(back.write);
      assert.equal(back.record.sharingCondition, null);
      const bare = decideUpdate(general, general.id, null, { sharingType: 'CONDITIONAL' }, T1);
      assert.ok(!bare.write && !bare.result.ok);
      assert.match(bare.result.ok ? '' : bare.result.message, /sharingCondition: is required when sharingType is CONDITIONAL/);
    });
  });

  describe('at mount', () => {
    it('an IMPORTANT source needs an approval, recorded on the mirror', () => {
      const refused = checkMirrorSource(important, CQ, null);
      assert.ok(!refused.ok);
      assert.equal(refused.code, 'APPROVAL_REQUIRED');
      const ok = checkMirrorSource(important, CQ, APPROVAL);
      assert.ok(ok.ok);
      const m = mirrorFromSource(ok.source, CQ, 'chongqing:admin', T0, APPROVAL);
      assert.equal(m.mirrorApprovalRef, APPROVAL);
      assert.deepEqual(issues(m), []);
      // Without its approval the same mirror is not a valid listed record.
      assert.match(issues({ ...m, mirrorApprovalRef: null }).join(), /^mirrorApprovalRef: IMPORTANT .* only with an approval reference/);
    });

    it('a CORE source is never mounted, approval or not', () => {
      const core = { ...general, grade: 'CORE' as const, sharingType: 'CONDITIONAL' as const, sharingCondition: '错标', openType: 'NOT_OPEN' as const };
      const r = checkMirrorSource(core, CQ, APPROVAL);
      assert.ok(!r.ok);
      assert.equal(r.code, 'BAD_USER_INPUT', 'a CORE record that is not NOT_SHARED is not even a valid record');
      const coreNotShared = { ...core, sharingType: 'NOT_SHARED' as const };
      const r2 = checkMirrorSource(coreNotShared, CQ, APPROVAL);
      assert.ok(!r2.ok);
      assert.equal(r2.code, 'MIRROR_SOURCE_UNAVAILABLE');
    });
  });

  describe('in sync: a grade change that takes the basis away unshares the mirror', () => {
    const mirror = mirrorFromSource(general, CQ, 'chongqing:admin', T0, null);
    const raised = mirrorFromSource(important, CQ, 'chongqing:sync', T1, null);

    for (const policy of ['follow', 'review'] as const) {
      it(`${policy}: GENERAL → IMPORTANT without an approval: UNSHARED, content kept, once`, () => {
        const d = decideSourceChange(mirror, { state: 'ACTIVE', snapshot: raised }, policy, T1);
        assert.ok(d.write);
        assert.deepEqual([d.record.mirrorState, d.record.grade, d.record.name, d.record.version], ['UNSHARED', 'GENERAL', mirror.name, 2]);
        assert.deepEqual(issues(d.record), []);
        assert.equal(decideSourceChange(d.record, { state: 'ACTIVE', snapshot: raised }, policy, T1).write, false);
      });
    }

    it('with an approval the mirror follows the raised grade and keeps its approval', () => {
      const approved = mirrorFromSource(general, CQ, 'chongqing:admin', T0, APPROVAL);
      const d = decideSourceChange(approved, { state: 'ACTIVE', snapshot: raised }, 'follow', T1);
      assert.ok(d.write);
      assert.deepEqual([d.record.mirrorState, d.record.grade, d.record.mirrorApprovalRef], ['CURRENT', 'IMPORTANT', APPROVAL]);
      assert.deepEqual(issues(d.record), []);
    });

    it('accepting a change to IMPORTANT without an approval is refused', () => {
      const changed = { ...mirror, mirrorState: 'CHANGED' as const, mirrorPendingSourceVersion: important.version };
      const d = decideAcceptChange(changed, changed.id, raised, T1);
      assert.ok(!d.write && !d.result.ok);
      assert.equal(d.result.ok ? '' : d.result.code, 'APPROVAL_REQUIRED');
    });

    it('registering again with an approval mounts the unshared mirror afresh', () => {
      const unshared = { ...mirror, version: 2, mirrorState: 'UNSHARED' as const };
      const again = mirrorFromSource(important, CQ, 'chongqing:admin', T1, APPROVAL);
      const d = decideRegisterMirror(unshared, again);
      assert.ok(d.write);
      assert.deepEqual(
        [d.record.mirrorState, d.record.grade, d.record.mirrorApprovalRef, d.record.version, d.record.createdAt],
        ['CURRENT', 'IMPORTANT', APPROVAL, 3, T0],
      );
      // A mounted mirror registered again is unchanged (idempotent).
      assert.equal(decideRegisterMirror(d.record, again).write, false);
    });
  });
});
