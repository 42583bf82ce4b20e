// One total order for directory rows, shared by the stores (SQL ORDER BY name, id with
// binary collation = Unicode code point order) and the gateway's k-way merge. JS's `<`
// compares UTF-16 code units, which disagrees with code point order above U+FFFF, so
// compare by code point explicitly.
export interface SortKey {
  name: string;
  id: string;
}

/** A UTF-16 unit's rank in code point order: surrogates (U+D800–DFFF) after U+E000–FFFF. */
const rank = (unit: number) => (unit < 0xd800 ? unit : unit >= 0xe000 ? unit - 0x800 : unit + 0x2000);

/**
 * Code point order without decoding: strings first differ at one UTF-16 unit, and only there can
 * unit order and code point order disagree (a surrogate, i.e. a code point above U+FFFF, against
 * U+E000–FFFF), which `rank` corrects.
 */
function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return x < 0xd800 && y < 0xd800 ? x - y : rank(x) - rank(y);
  }
  return a.length - b.length;
}

export function compareSortKeys(a: SortKey, b: SortKey): number {
  return compareCodePoints(a.name, b.name) || compareCodePoints(a.id, b.id);
}
