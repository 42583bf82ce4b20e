// Chooses the store backend for a province: SQLite in the data directory by default.
import path from 'node:path';
import type { ProvinceConfig, StackConfig } from '../../../common/config.js';
import { SqliteCatalogueStore } from './sqlite-store.js';
import type { CatalogueStore } from './store.js';

export function storeFileFor(cfg: StackConfig, province: ProvinceConfig): string {
  return path.join(cfg.dataDir, `${province.id}.sqlite`);
}

export async function openStore(cfg: StackConfig, province: ProvinceConfig): Promise<CatalogueStore> {
  return new SqliteCatalogueStore(storeFileFor(cfg, province));
}
