// Demo data at the real scale (DESIGN.md §3), generated from the province's fixed seed
// the first time its store is empty.
import type { ProvinceConfig } from '../../common/config.js';
import { generateDemoEntries } from '../../domain/demo-data.js';
import type { CatalogueStore } from './store/store.js';

export async function ensureDemoData(store: CatalogueStore, province: ProvinceConfig, entries = province.demo.entries): Promise<number> {
  if ((await store.countEntries()) > 0) return 0;
  const BATCH = 5000;
  let written = 0;
  const records = generateDemoEntries({
    divisionCode: province.divisionCode,
    provinceName: province.name,
    count: entries,
    seed: province.demo.seed,
  });
  for (let i = 0; i < records.length; i += BATCH) {
    await store.insertEntries(records.slice(i, i + BATCH));
    written += Math.min(BATCH, records.length - i);
  }
  return written;
}
