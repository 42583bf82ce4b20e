import { strict as assert } from 'node:assert';
import { CATEGORY_NAMES, parseClassification, isClassificationPrefix } from '../../domain/classification.js';

function reason(code: string): string {
  const r = parseClassification(code);
  assert.equal(r.ok, false, `expected ${code} to be rejected`);
  return (r as { ok: false; reason: string }).reason;
}

describe('classification (政务信息资源目录编制指南(试行) 2017)', () => {
  it('names the three categories', () => {
    assert.deepEqual(CATEGORY_NAMES, { '1': '基础信息资源', '2': '主题信息资源', '3': '部门信息资源' });
  });

  it('parses 类项目 (6 digits)', () => {
    assert.deepEqual(parseClassification('301001'), {
      ok: true,
      value: { code: '301001', category: '3', item: '01', catalog: '001', detail: null, categoryName: '部门信息资源' },
    });
  });

  it('parses 类项目细目 (9 digits)', () => {
    const r = parseClassification('299999999');
    assert.ok(r.ok);
    assert.equal(r.value.category, '2');
    assert.equal(r.value.item, '99');
    assert.equal(r.value.catalog, '999');
    assert.equal(r.value.detail, '999');
    assert.equal(r.value.categoryName, '主题信息资源');
    assert.equal(parseClassification('102001003').ok, true);
  });

  it('rejects a category other than 1, 2, 3', () => {
    for (const c of ['001001', '401001', '901001']) assert.match(reason(c), /类/);
  });

  it('rejects zero segments', () => {
    assert.match(reason('300001'), /项/);
    assert.match(reason('301000'), /目/);
    assert.match(reason('301001000'), /细目/);
  });

  it('rejects wrong lengths and non-digits', () => {
    for (const c of ['', '3', '30100', '3010010', '30100100', '3010010010', '30100a', '301 01', '３01001', '-01001', '3010.1']) {
      assert.match(reason(c), /6 or 9 digits/, JSON.stringify(c));
    }
  });

  it('accepts prefixes on segment boundaries', () => {
    for (const p of ['1', '2', '3', '301', '301001', '301001001']) assert.equal(isClassificationPrefix(p), true, p);
  });

  it('rejects prefixes off the boundaries or with bad segments', () => {
    for (const p of ['', '30', '3010', '30100', '3010010', '3010010010', '4', '0', '300', '301000', '301001000', '3a1', ' 3']) {
      assert.equal(isClassificationPrefix(p), false, JSON.stringify(p));
    }
  });
});
