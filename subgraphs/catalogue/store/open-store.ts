// Chooses the store backend for a province: PostgreSQL when the config names a database
// (`databaseUrl`, from DATABASE_URL; one schema per province, so provinces can share a database),
// else SQLite in the data directory.
import { rmSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import type { ProvinceConfig, StackConfig } from '../../../common/config.js';
import { PostgresCertificateStore, SqliteCertificateStore, certificateStoreFile, type CertificateStore } from '../certificates/certificate-store.js';
import { PostgresCatalogueStore, quoteIdent } from './postgres-store.js';
import { SqliteCatalogueStore } from './sqlite-store.js';
import type { CatalogueStore } from './store.js';

function storeFileFor(cfg: StackConfig, province: ProvinceConfig): string {
  return path.join(cfg.dataDir, `${province.id}.sqlite`);
}

/** The PostgreSQL schema holding a province's catalogue (province ids may contain '-'). */
function pgSchemaFor(province: ProvinceConfig): string {
  return `catalogue_${province.id.replace(/-/g, '_')}`;
}

export async function openStore(cfg: StackConfig, province: ProvinceConfig): Promise<CatalogueStore> {
  const url = cfg.databaseUrl;
  if (url) return PostgresCatalogueStore.open(url, pgSchemaFor(province));
  return new SqliteCatalogueStore(storeFileFor(cfg, province));
}

/** The province's e-certificate library, on the same backend as its catalogue. */
export async function openCertificateStore(cfg: StackConfig, province: ProvinceConfig): Promise<CertificateStore> {
  const url = cfg.databaseUrl;
  if (!url) return new SqliteCertificateStore(certificateStoreFile(cfg.dataDir, province.id));
  // Opening the catalogue store applies the schema migrations, certificates table included.
  await (await PostgresCatalogueStore.open(url, pgSchemaFor(province))).close();
  return new PostgresCertificateStore(url, `${quoteIdent(pgSchemaFor(province))}.certificates`);
}

/** Where a province's catalogue lives, for messages: the SQLite file or the PostgreSQL schema. */
export function storeLocation(cfg: StackConfig, province: ProvinceConfig): string {
  return cfg.databaseUrl ? `PostgreSQL schema ${pgSchemaFor(province)}` : storeFileFor(cfg, province);
}

/**
 * Empties a province's catalogue (entries and idempotency records; its e-certificate library is
 * kept), for `npm run seed -- --force`. SQLite: the catalogue file is removed. PostgreSQL: the two
 * tables are truncated in one statement (the schema and its migrations stay).
 */
export async function resetCatalogue(cfg: StackConfig, province: ProvinceConfig): Promise<void> {
  const url = cfg.databaseUrl;
  if (!url) {
    const file = storeFileFor(cfg, province);
    for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
    return;
  }
  // Opening applies the migrations, so the tables exist even on a fresh database.
  await (await PostgresCatalogueStore.open(url, pgSchemaFor(province))).close();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const s = quoteIdent(pgSchemaFor(province));
    await client.query(`TRUNCATE ${s}.entries, ${s}.idempotency_keys, ${s}.changes`);
  } finally {
    await client.end();
  }
}
