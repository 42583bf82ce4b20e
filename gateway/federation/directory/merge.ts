// K-way merge of per-province slices into one page. Each province returns up to
// `first + 1` rows after the cursor in the shared (name, id) order; the merged page is the
// first `first` rows of their union, so paging visits every entry exactly once.
import { compareSortKeys, type SortKey } from '../../../common/order.js';

export interface ProvinceSlice<T extends SortKey> {
  province: string;
  items: T[];
}

/** A row of the page and the province it came from (the row itself is not copied). */
export interface MergedRow<T extends SortKey> {
  province: string;
  row: T;
}

export function mergeSlices<T extends SortKey>(slices: ProvinceSlice<T>[], first: number): { rows: MergedRow<T>[]; hasNextPage: boolean } {
  const all: MergedRow<T>[] = [];
  for (const s of slices) for (const row of s.items) all.push({ province: s.province, row });
  // Sorting the union rather than trusting each slice's order: a province's order is its store's,
  // and a page must still come out in the one shared order.
  all.sort((a, b) => compareSortKeys(a.row, b.row));
  return { rows: all.slice(0, first), hasNextPage: all.length > first };
}
