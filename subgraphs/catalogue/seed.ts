// Demo data at the real scale (docs/DESIGN.md §3), generated from the province's fixed seed
// the first time its store is empty, dated from the seeding time.
import type { ProvinceConfig } from '../../common/config.js';
import { generateDemoEntries } from '../../domain/demo/catalogue.js';
import { sealCertificate } from '../../domain/certificate-seal.js';
import type { CertificateRecord } from '../../domain/certificate.js';
import { generateDemoCertificates, type DemoCertificate } from '../../domain/demo/certificates.js';
import type { CertificateStore } from './certificates/certificate-store.js';
import type { SealKeys } from './certificates/seal-keys.js';
import type { CatalogueStore } from './store/store.js';

/**
 * Seeds the province's demo catalogue the first time its store is empty. `now` is the seeding time:
 * every entry's last update is recent for its update cycle as of then (docs/DATA-QUALITY.md), apart
 * from the seeded STALE defects.
 */
export async function ensureDemoData(store: CatalogueStore, province: ProvinceConfig, entries = province.demo.entries, now = new Date()): Promise<number> {
  if ((await store.countEntries()) > 0) return 0;
  const BATCH = 5000;
  let written = 0;
  const records = generateDemoEntries({
    divisionCode: province.divisionCode,
    provinceName: province.name,
    count: entries,
    seed: province.demo.seed,
    now,
  });
  for (let i = 0; i < records.length; i += BATCH) {
    await store.insertEntries(records.slice(i, i + BATCH));
    written += Math.min(BATCH, records.length - i);
  }
  return written;
}

/**
 * A province's demo e-certificates with the holder IDs a counter would be shown: deterministic from
 * the province's seed and its holder-ID salt (the store holds only their keyed hashes).
 */
export function demoCertificatesOf(province: ProvinceConfig, holderSalt: Buffer | string, count = province.demo.certificates ?? 300): DemoCertificate[] {
  return generateDemoCertificates({ divisionCode: province.divisionCode, provinceName: province.name, count, seed: province.demo.seed, salt: holderSalt });
}

/** Demo e-certificates, sealed with the province's seal key, the first time the library is empty. */
export async function ensureDemoCertificates(
  certificates: CertificateStore,
  province: ProvinceConfig,
  keys: SealKeys,
  count = province.demo.certificates ?? 300,
): Promise<number> {
  if ((await certificates.count()) > 0 || count === 0) return 0;
  const demo = demoCertificatesOf(province, keys.holderSalt, count);
  const sealed: CertificateRecord[] = [];
  for (const { record } of demo) sealed.push({ ...record, seal: await sealCertificate(record, keys.key, keys.kid) });
  await certificates.insert(sealed);
  return sealed.length;
}
