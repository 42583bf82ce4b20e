// One total order for directory rows, shared by the stores (SQL ORDER BY name, id with
// binary collation = Unicode code point order) and the gateway's k-way merge. JS's `<`
// compares UTF-16 code units, which disagrees with code point order above U+FFFF, so
// compare by code point explicitly.
export interface SortKey {
  name: string;
  id: string;
}

function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done) return y.done ? 0 : -1;
    if (y.done) return 1;
    const cx = x.value.codePointAt(0)!;
    const cy = y.value.codePointAt(0)!;
    if (cx !== cy) return cx < cy ? -1 : 1;
  }
}

export function compareSortKeys(a: SortKey, b: SortKey): number {
  return compareCodePoints(a.name, b.name) || compareCodePoints(a.id, b.id);
}
