// K-way merge of per-province slices into one page. Each province returns up to
// `first + 1` rows after the cursor in the shared (name, id) order; the merged page is the
// first `first` rows of their union, so paging visits every entry exactly once.
import { compareSortKeys, type SortKey } from '../../../common/order.js';

export interface ProvinceSlice<T extends SortKey> {
  province: string;
  items: T[];
}

export type MergedRow<T extends SortKey> = T & { province: string };

export function mergeSlices<T extends SortKey>(slices: ProvinceSlice<T>[], first: number): { rows: MergedRow<T>[]; hasNextPage: boolean } {
  const all: MergedRow<T>[] = [];
  for (const s of slices) for (const item of s.items) all.push({ ...item, province: s.province });
  all.sort(compareSortKeys);
  return { rows: all.slice(0, first), hasNextPage: all.length > first };
}
