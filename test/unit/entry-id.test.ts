import { strict as assert } from 'node:assert';
import { parseEntryId, formatEntryId, mirrorEntryId, isValidEntryId, isResourceCode } from '../../domain/entry-id.js';

function reason(id: string): string {
  const r = parseEntryId(id);
  assert.equal(r.ok, false, `expected ${JSON.stringify(id)} to be rejected`);
  return (r as { ok: false; reason: string }).reason;
}

describe('entry ids', () => {
  it('parses an original entry id', () => {
    assert.deepEqual(parseEntryId('500000:301001/000123'), {
      ok: true,
      value: {
        id: '500000:301001/000123',
        divisionCode: '500000',
        kind: 'ORIGINAL',
        resourceCode: '301001/000123',
        sourceId: null,
        sourceDivisionCode: null,
      },
    });
    assert.equal(isValidEntryId('510000:102001003/999999'), true);
  });

  it('parses a mirror id', () => {
    assert.deepEqual(parseEntryId('500000:mirror:510000:301001/000123'), {
      ok: true,
      value: {
        id: '500000:mirror:510000:301001/000123',
        divisionCode: '500000',
        kind: 'MIRROR',
        resourceCode: '301001/000123',
        sourceId: '510000:301001/000123',
        sourceDivisionCode: '510000',
      },
    });
  });

  it('formats ids and refuses to format bad ones', () => {
    assert.equal(formatEntryId('500000', '301001/000123'), '500000:301001/000123');
    assert.equal(mirrorEntryId('500000', '510000:301001/000123'), '500000:mirror:510000:301001/000123');
    assert.throws(() => formatEntryId('500100', '301001/000123'), RangeError);
    assert.throws(() => formatEntryId('500000', '401001/000123'), RangeError);
    assert.throws(() => formatEntryId('500000', 'mirror:510000:301001/000123'), RangeError);
    assert.throws(() => mirrorEntryId('500000', '500000:301001/000123'), /own province/);
    assert.throws(() => mirrorEntryId('500000', '510000:mirror:440000:301001/000123'), /mirror/);
  });

  it('rejects empty and over-long ids without echoing them', () => {
    assert.match(reason(''), /empty/);
    const long = `500000:301001/000123${'9'.repeat(100)}`;
    const r = reason(long);
    assert.match(r, /longer than 64/);
    assert.ok(!r.includes('500000'));
    assert.equal(isValidEntryId('5'.repeat(65)), false);
  });

  it('rejects characters outside the grammar and names the position', () => {
    assert.match(reason('500000:301001/00012x'), /illegal character at position 20/);
    assert.match(reason('500000 :301001/000123'), /position 7/);
    assert.match(reason('500000:MIRROR:510000:301001/000123'), /illegal character/);
    assert.match(reason('500000：301001/000123'), /illegal character/);
    assert.match(reason('500000:301001/000123\u0000'), /illegal character at position 21/);
    assert.match(reason('500000:301001\\000123'), /illegal character/);
  });

  it('rejects division codes that are not province codes', () => {
    for (const d of ['000000', '050000', '500100', '500001', '50000', '5000000']) {
      assert.match(reason(`${d}:301001/000123`), /division code|resource code/, d);
    }
    assert.match(reason('500100:mirror:510000:301001/000123'), /division code/);
    assert.match(reason('500000:mirror:510100:301001/000123'), /source: division code/);
  });

  it('rejects a bad resource code or classification', () => {
    assert.match(reason('500000:401001/000123'), /classification/);
    assert.match(reason('500000:300001/000123'), /classification/);
    assert.match(reason('500000:301001000/000123'), /classification/);
    assert.match(reason('500000:3010010/000123'), /resource code/);
    assert.match(reason('500000:301001/00123'), /resource code/);
    assert.match(reason('500000:301001/0001234'), /resource code/);
    assert.match(reason('500000:301001'), /resource code/);
    assert.match(reason('500000:301001/'), /resource code/);
    assert.match(reason('500000:/000123'), /resource code/);
    assert.match(reason('500000:'), /resource code/);
    assert.match(reason(':301001/000123'), /division code/);
  });

  it('rejects malformed structure', () => {
    assert.match(reason('500000:301001/000123:1'), /expected/);
    assert.match(reason('500000:mirror'), /source/);
    assert.match(reason('500000:mirror:510000'), /source/);
    assert.match(reason('500000:mirror:510000:301001/000123:1'), /expected/);
    assert.match(reason('500000:mirro:510000:301001/000123'), /expected/);
  });

  it('refuses a mirror of a mirror', () => {
    assert.match(reason('500000:mirror:510000:mirror:440000:301001/000123'), /another mirror/);
    assert.match(reason('500000:mirror:510000:mirror:500000:301001/000123'), /another mirror/);
  });

  it('refuses a mirror of its own province', () => {
    assert.match(reason('500000:mirror:500000:301001/000123'), /own province/);
  });

  it('keeps every reason short and free of the input', () => {
    const inputs = [
      '500000:301001/0001239999999',
      '999999:301001/000123',
      '500000:mirror:510000:mirror:440000:301001/000123',
      `${'1'.repeat(64)}`,
      `${'x'.repeat(200)}`,
    ];
    for (const id of inputs) {
      const r = reason(id);
      assert.ok(r.length <= 100, r);
      assert.ok(!r.includes(id.slice(0, 20)), r);
    }
  });

  it('recognises resource codes', () => {
    assert.equal(isResourceCode('301001/000123'), true);
    assert.equal(isResourceCode('301001001/000123'), true);
    assert.equal(isResourceCode('401001/000123'), false);
    assert.equal(isResourceCode('500000:301001/000123'), false);
  });
});
