// The province's e-certificate library (电子证照库): sealed records, holder IDs only as keyed
// hashes. SQLite (WAL, synchronous=FULL) beside the catalogue store.
import Database from 'better-sqlite3';
import pg from 'pg';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { CertificateRecord } from '../../../domain/certificate.js';

export interface CertificateStore {
  count(): Promise<number>;
  insert(records: CertificateRecord[]): Promise<void>;
  get(id: string): Promise<CertificateRecord | null>;
  close(): Promise<void>;
}

export class SqliteCertificateStore implements CertificateStore {
  private readonly db: Database.Database;
  private readonly getStmt: Database.Statement<[string], { record: string }>;

  constructor(readonly file: string) {
    mkdirSync(path.dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.exec(`CREATE TABLE IF NOT EXISTS certificates (
      id TEXT PRIMARY KEY,
      issuer_division_code TEXT NOT NULL,
      status TEXT NOT NULL,
      record TEXT NOT NULL
    ) STRICT`);
    this.getStmt = this.db.prepare('SELECT record FROM certificates WHERE id = ?');
  }

  async count(): Promise<number> {
    return (this.db.prepare('SELECT count(*) AS n FROM certificates').get() as { n: number }).n;
  }

  async insert(records: CertificateRecord[]): Promise<void> {
    const stmt = this.db.prepare('INSERT INTO certificates (id, issuer_division_code, status, record) VALUES (?, ?, ?, ?)');
    this.db.transaction(() => {
      for (const r of records) stmt.run(r.id, r.issuerDivisionCode, r.status, JSON.stringify(r));
    })();
  }

  async get(id: string): Promise<CertificateRecord | null> {
    const row = this.getStmt.get(id);
    return row ? (JSON.parse(row.record) as CertificateRecord) : null;
  }

  async close(): Promise<void> {
    this.db.close();
  }
}

export function certificateStoreFile(dataDir: string, provinceId: string): string {
  return path.join(dataDir, `${provinceId}-certificates.sqlite`);
}

/**
 * PostgreSQL backend: the `certificates` table in the province's catalogue schema (created by
 * the catalogue store's migrations, which must have run: open the catalogue store first).
 */
export class PostgresCertificateStore implements CertificateStore {
  private readonly pool: pg.Pool;
  private closed = false;

  constructor(
    url: string,
    private readonly table: string,
  ) {
    this.pool = new pg.Pool({ connectionString: url, max: 5, connectionTimeoutMillis: 10_000 });
  }

  async count(): Promise<number> {
    const { rows } = await this.pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${this.table}`);
    return Number(rows[0]!.n);
  }

  async insert(records: CertificateRecord[]): Promise<void> {
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN');
      await c.query(
        `INSERT INTO ${this.table} (id, issuer_division_code, status, record)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])`,
        [records.map((r) => r.id), records.map((r) => r.issuerDivisionCode), records.map((r) => r.status), records.map((r) => JSON.stringify(r))],
      );
      await c.query('COMMIT');
    } catch (err) {
      await c.query('ROLLBACK');
      throw err;
    } finally {
      c.release();
    }
  }

  async get(id: string): Promise<CertificateRecord | null> {
    const { rows } = await this.pool.query<{ record: string }>(`SELECT record FROM ${this.table} WHERE id = $1`, [id]);
    return rows[0] ? (JSON.parse(rows[0].record) as CertificateRecord) : null;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}
