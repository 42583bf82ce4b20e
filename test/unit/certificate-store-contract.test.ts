// The e-certificate library behaves the same on SQLite and on the real local PostgreSQL:
// sealed records round-trip byte for byte (their seals still verify), and survive a reopen.
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createSigningKey } from '../../common/pki/dev-pki.js';
import { sealCertificate, verifySeal } from '../../domain/certificate-seal.js';
import type { CertificateRecord } from '../../domain/certificate.js';
import { generateDemoCertificates } from '../../domain/demo/certificates.js';
import { PostgresCertificateStore, SqliteCertificateStore, type CertificateStore } from '../../subgraphs/catalogue/certificates/certificate-store.js';
import { PostgresCatalogueStore } from '../../subgraphs/catalogue/store/postgres-store.js';

const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

interface Backend {
  open(): Promise<CertificateStore>;
  dispose(): Promise<void>;
}

function contract(name: string, make: () => Promise<Backend>) {
  describe(`CertificateStore contract: ${name}`, () => {
    let backend: Backend;
    let records: CertificateRecord[];
    let jwks: Awaited<ReturnType<typeof createSigningKey>>['jwks'];

    before(async () => {
      backend = await make();
      const key = await createSigningKey();
      jwks = key.jwks;
      const demo = generateDemoCertificates({ divisionCode: '510000', provinceName: '四川省', count: 25, seed: 7, salt: randomBytes(32) });
      records = await Promise.all(demo.map(async ({ record }) => ({ ...record, seal: await sealCertificate(record, key.privatePem, key.kid) })));
    });
    after(async () => backend?.dispose());

    it('stores, counts and returns sealed records unchanged; seals still verify; data survives a reopen', async () => {
      const store = await backend.open();
      assert.equal(await store.count(), 0);
      await store.insert(records);
      assert.equal(await store.count(), records.length);
      for (const r of records.slice(0, 5)) {
        const got = await store.get(r.id);
        assert.deepEqual(got, r);
        assert.deepEqual(await verifySeal(got!, jwks), { ok: true });
      }
      assert.equal(await store.get('1.2.156.3005.2.nope'), null);
      await store.close();
      const again = await backend.open();
      assert.equal(await again.count(), records.length);
      assert.deepEqual(await again.get(records[7]!.id), records[7]);
      await again.close();
    });

    it('refuses a duplicate identifier and keeps nothing of the failed batch', async () => {
      const store = await backend.open();
      await assert.rejects(store.insert([records[0]!]));
      assert.equal(await store.count(), records.length);
      await store.close();
    });
  });
}

contract('SQLite', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'chuanyu-certstore-'));
  return {
    open: async () => new SqliteCertificateStore(path.join(dir, 'certs.sqlite')),
    dispose: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

contract('PostgreSQL', async () => {
  const schema = `test_${randomBytes(6).toString('hex')}`;
  // The catalogue store's migrations create the certificates table.
  await (await PostgresCatalogueStore.open(PG_URL, schema)).close();
  return {
    open: async () => new PostgresCertificateStore(PG_URL, `"${schema}".certificates`),
    dispose: async () => {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`DROP SCHEMA "${schema}" CASCADE`);
      await c.end();
    },
  };
});
