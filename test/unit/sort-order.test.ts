// The directory's total order (common/order.ts): Unicode code point order, which the stores' binary
// collation gives and the gateway's k-way merge must agree with. Checked against decoding every
// code point, on hand-picked strings and on random ones across the BMP/supplementary boundary.
import { strict as assert } from 'node:assert';
import { compareSortKeys } from '../../common/order.js';

/** The obvious implementation: decode and compare code point by code point. */
function byDecoding(a: string, b: string): number {
  const x = [...a].map((c) => c.codePointAt(0)!);
  const y = [...b].map((c) => c.codePointAt(0)!);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

const sign = (n: number) => Math.sign(n);
const key = (name: string, id = 'x') => ({ name, id });

describe('directory sort order (code point order)', () => {
  it('puts a supplementary character after U+E000–FFFF, unlike UTF-16 unit order', () => {
    const names = ['𠀀', 'ｱ', '豈', 'a', 'A', '营业执照', '营业执照登记', ''];
    const sorted = names
      .map((n) => key(n))
      .sort(compareSortKeys)
      .map((k) => k.name);
    assert.deepEqual(sorted, ['', 'A', 'a', '营业执照', '营业执照登记', '豈', 'ｱ', '𠀀']);
  });

  it('agrees with decoding on random strings mixing ASCII, CJK, U+E000–FFFF and surrogate pairs', () => {
    let seed = 42;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const pool = ['a', 'z', '营', '执', '\uE000', '\uFFEE', '𠀀', '𪚥', '😀'];
    const word = () => Array.from({ length: rnd(4) }, () => pool[rnd(pool.length)]).join('');
    for (let i = 0; i < 5000; i++) {
      const a = word();
      const b = word();
      assert.equal(sign(compareSortKeys(key(a), key(b))), sign(byDecoding(a, b)), `${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
    }
  });

  it('orders by id when the names are equal', () => {
    assert.ok(compareSortKeys(key('同名', '500000:1/000001'), key('同名', '500000:1/000002')) < 0);
    assert.equal(compareSortKeys(key('同名', 'a'), key('同名', 'a')), 0);
  });
});
