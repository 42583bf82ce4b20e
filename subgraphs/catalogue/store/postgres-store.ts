// PostgreSQL backend (docs/DESIGN.md §6), chosen by DATABASE_URL. Each province lives in its own
// schema so several provinces can share one database. It must answer exactly like the SQLite
// backend, because the gateway merges slices from both:
//   - order: name then id by Unicode code point = COLLATE "C" on UTF-8 (common/order.ts);
//   - search: pg_trgm GIN indexes serve ILIKE substring matching. SQLite matches terms of 3+
//     characters through FTS5 trigram (Unicode case folding) and shorter ones through LIKE
//     (ASCII-only folding); here the former is ILIKE under the column's database collation,
//     the latter ILIKE under "C", which folds ASCII only.
import pg from 'pg';
import type { PoolClient } from 'pg';
import type { CatalogueEntryRecord, MirrorState, OpenType, SharingType } from '../../../domain/catalogue.js';
import type { DataGrade } from '../../../domain/grading.js';
import { facetCounts, type CatalogueStore, type IdempotencyRecord, type MirrorWriteResult, type SliceQuery, type SliceResult } from './store.js';
import { gradeExisting } from './grade-migration.js';
import { changeOf, type ChangeKind, type ChangesPage, type ChangesQuery } from './change-feed.js';
import { ENTRY_COLUMNS, LISTING_COLUMNS, columnValue, rowToListing, rowToRecord, type EntryRow } from './entry-columns.js';
import { decideRegisterMirror, decideUpdate, decideWithdrawMirror, written, type EntryPatch, type WriteDecision } from './write-rules.js';
import {
  CURSOR_COLUMNS,
  JOB_COLUMNS,
  LISTED_STATES_SQL,
  decideAcceptChange,
  decideMirrorWrite,
  emptyCursor,
  leaseFreeFor,
  mirrorWriteId,
  tallyCursor,
  tallyJob,
  type BatchResult,
  type JobDecision,
  type MirrorBatch,
  type MountJobRecord,
  type MountJobState,
  type SyncCursorRecord,
  type WorkerLease,
} from './mirror-sync.js';
import { objectToValues, rowToObject } from './entry-columns.js';

const SCHEMA_NAME = /^[a-z][a-z0-9_]{0,62}$/;

// One lock for every catalogue schema in the database: migrations are rare, and a single key
// also serialises CREATE EXTENSION between provinces starting at the same time.
const MIGRATION_LOCK_KEY = 0x43617461; // "Cata"

/**
 * Migrations, in order; index i brings the schema to version i + 1. Never edit one that has
 * shipped: add another. `s` is the quoted schema, `trgm` the quoted schema holding pg_trgm.
 */
type Migration = (s: string, trgm: string) => string | { sql: string; rows: (c: PoolClient) => Promise<void> };

export const MIGRATIONS: Migration[] = [
  (s, trgm) => `
    CREATE TABLE ${s}.entries (
      -- ids are ASCII; "C" makes the primary key and keyset comparisons byte-wise.
      id text COLLATE "C" PRIMARY KEY,
      resource_code text NOT NULL,
      division_code text NOT NULL,
      kind text NOT NULL CHECK (kind IN ('ORIGINAL','MIRROR')),
      -- The database collation (not "C") so ILIKE folds case like FTS5 does; ordering says COLLATE "C".
      name text NOT NULL,
      classification text NOT NULL,
      provider_name text NOT NULL,
      provider_code text NOT NULL,
      provider_division_code text NOT NULL,
      abstract text NOT NULL,
      format text NOT NULL CHECK (format IN ('DATABASE','ELECTRONIC_FILE','SPREADSHEET','IMAGE','STREAM','OTHER')),
      data_items jsonb NOT NULL CHECK (jsonb_typeof(data_items) = 'array'),
      sharing_type text NOT NULL CHECK (sharing_type IN ('UNCONDITIONAL','CONDITIONAL','NOT_SHARED')),
      sharing_condition text,
      sharing_method text NOT NULL CHECK (sharing_method IN ('API','FILE_DOWNLOAD','DATABASE_EXCHANGE','ONLINE_QUERY')),
      open_type text NOT NULL CHECK (open_type IN ('OPEN','CONDITIONAL_OPEN','NOT_OPEN')),
      update_cycle text NOT NULL CHECK (update_cycle IN ('REALTIME','DAILY','WEEKLY','MONTHLY','QUARTERLY','YEARLY','IRREGULAR')),
      -- Dates and timestamps stay text: the record's exact ISO strings must round-trip.
      publish_date text NOT NULL,
      related_codes jsonb NOT NULL CHECK (jsonb_typeof(related_codes) = 'array'),
      version bigint NOT NULL CHECK (version >= 1),
      status text NOT NULL CHECK (status IN ('ACTIVE','WITHDRAWN')),
      created_at text NOT NULL,
      updated_at text NOT NULL,
      mirror_source_id text,
      mirror_registered_source_version bigint,
      mirror_registered_by text,
      mirror_registered_at text
    );
    CREATE INDEX entries_order ON ${s}.entries (name COLLATE "C", id COLLATE "C");
    CREATE INDEX entries_provider ON ${s}.entries (provider_code);
    CREATE INDEX entries_classification ON ${s}.entries (classification COLLATE "C");
    CREATE INDEX entries_name_trgm ON ${s}.entries USING gin (name ${trgm}.gin_trgm_ops);
    CREATE INDEX entries_abstract_trgm ON ${s}.entries USING gin (abstract ${trgm}.gin_trgm_ops);
    CREATE INDEX entries_provider_name_trgm ON ${s}.entries USING gin (provider_name ${trgm}.gin_trgm_ops);
  `,
  // v2: answers to idempotent writes (Idempotency-Key), so a retried request gets the same answer.
  (s) => `
    CREATE TABLE ${s}.idempotency_keys (
      key text COLLATE "C" PRIMARY KEY,
      request_hash text NOT NULL,
      status int NOT NULL,
      body text NOT NULL,
      created_at text NOT NULL
    );
  `,
  // v3: the province's e-certificate library (sealed records; holder IDs only as keyed hashes).
  (s) => `
    CREATE TABLE ${s}.certificates (
      id text COLLATE "C" PRIMARY KEY,
      issuer_division_code text NOT NULL,
      status text NOT NULL,
      -- The record as JSON text, byte for byte as written (the seal is checked against its fields).
      record text NOT NULL
    );
  `,
  // v4: the change feed (store/change-feed.ts). Existing entries enter it as CREATED, oldest first.
  (s) => `
    CREATE TABLE ${s}.changes (
      position bigserial PRIMARY KEY,
      entry_id text COLLATE "C" NOT NULL,
      kind text NOT NULL CHECK (kind IN ('CREATED','UPDATED','WITHDRAWN','UNSHARED')),
      version bigint NOT NULL,
      at text NOT NULL,
      visible_to_others boolean NOT NULL
    );
    CREATE INDEX changes_visible ON ${s}.changes (visible_to_others, position);
    INSERT INTO ${s}.changes (entry_id, kind, version, at, visible_to_others)
      SELECT id, 'CREATED', version, updated_at, sharing_type <> 'NOT_SHARED' FROM ${s}.entries ORDER BY updated_at, id;
  `,
  // v5: mount jobs, feed cursors and the sync worker's lease (store/mirror-sync.ts); each mirror's
  // standing against its source (existing mirrors were registered in step).
  (s) => `
    ALTER TABLE ${s}.entries ADD COLUMN mirror_state text CHECK (mirror_state IN ('CURRENT','CHANGED','WITHDRAWN','UNSHARED'));
    ALTER TABLE ${s}.entries ADD COLUMN mirror_pending_source_version bigint;
    UPDATE ${s}.entries SET mirror_state = 'CURRENT' WHERE kind = 'MIRROR';
    CREATE TABLE ${s}.mount_jobs (
      id text COLLATE "C" PRIMARY KEY,
      source text NOT NULL,
      filter jsonb NOT NULL,
      state text NOT NULL CHECK (state IN ('QUEUED','RUNNING','DONE','FAILED','CANCELLED')),
      total bigint,
      mounted bigint NOT NULL,
      skipped bigint NOT NULL,
      failed bigint NOT NULL,
      cursor text,
      created_by text NOT NULL,
      created_at text NOT NULL,
      started_at text,
      finished_at text,
      last_error text,
      attempts int NOT NULL,
      next_attempt_at text,
      updated_at text NOT NULL
    );
    CREATE INDEX mount_jobs_created ON ${s}.mount_jobs (created_at, id);
    CREATE TABLE ${s}.sync_cursors (
      source text PRIMARY KEY,
      cursor text,
      checked_at text,
      last_change_at text,
      last_error text,
      attempts int NOT NULL,
      next_attempt_at text,
      applied bigint NOT NULL
    );
    CREATE TABLE ${s}.worker_lease (name text PRIMARY KEY, owner text NOT NULL, until text NOT NULL);
  `,
  // v6: GB/T 43697 grades, personal-information levels of data items (store/grade-migration.ts), the
  // approval a mirror was mounted under, and a job's approval.
  (s) => ({
    sql: `
      ALTER TABLE ${s}.entries ADD COLUMN grade text NOT NULL DEFAULT 'GENERAL' CHECK (grade IN ('GENERAL','IMPORTANT','CORE'));
      ALTER TABLE ${s}.entries ADD COLUMN mirror_approval_ref text;
      ALTER TABLE ${s}.mount_jobs ADD COLUMN approval_ref text;
    `,
    rows: async (c) => {
      const { rows } = await c.query<{ id: string; data_items: UngradedItems; sharing_type: SharingType; open_type: OpenType }>(
        `SELECT id, data_items, sharing_type, open_type FROM ${s}.entries`,
      );
      for (let i = 0; i < rows.length; i += INSERT_BATCH) {
        const ids: string[] = [];
        const items: string[] = [];
        const grades: DataGrade[] = [];
        for (const r of rows.slice(i, i + INSERT_BATCH)) {
          const g = gradeExisting({ dataItems: r.data_items, sharingType: r.sharing_type, openType: r.open_type });
          ids.push(r.id);
          items.push(JSON.stringify(g.dataItems));
          grades.push(g.grade);
        }
        await c.query(
          `UPDATE ${s}.entries e SET data_items = u.items, grade = u.grade
             FROM unnest($1::text[], $2::jsonb[], $3::text[]) AS u(id, items, grade) WHERE e.id = u.id`,
          [ids, items, grades],
        );
      }
    },
  }),
];

type UngradedItems = Parameters<typeof gradeExisting>[0]['dataItems'];

export const POSTGRES_SCHEMA_VERSION = MIGRATIONS.length;

/** Column, its PostgreSQL type (for UNNEST and parameter casts), and how to read it from a record. */
const PG_TYPES = { text: 'text', json: 'jsonb', int: 'int8' } as const;
const COLUMNS = ENTRY_COLUMNS.map((column) => [column[0], PG_TYPES[column[2]], (r: CatalogueEntryRecord) => columnValue(r, column)] as const);
const COLUMN_LIST = COLUMNS.map(([c]) => c).join(', ');

// Rows per INSERT … SELECT FROM unnest(…): big enough to amortise round trips, small enough
// to keep each statement's arrays modest.
const INSERT_BATCH = 5000;

type Row = EntryRow;

/** jsonb arrives parsed; int8 as a string (entry-columns.ts turns it into a number). */
const fromRow = (row: Row): CatalogueEntryRecord => rowToRecord(row, (parsed) => parsed);

/** A page's columns, and each row as JSON by column name (rowToListing decodes it). */
const LISTING_SELECT = LISTING_COLUMNS.map(([column]) => `e.${column}`).join(', ');
const LISTING_JSON = LISTING_COLUMNS.map(([column]) => `'${column}', p.${column}`).join(', ');

/** Escape LIKE wildcards so user text matches literally (backslash is PostgreSQL's default LIKE escape). */
function likeEscape(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** Double-quoted identifier; callers have already validated the name. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** The URL without credentials, for error messages. */
function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname || 'localhost'}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return '(unparseable DATABASE_URL)';
  }
}

/** Node reports a refused dual-stack connect as an AggregateError with an empty message. */
function errorText(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0) return err.errors.map(errorText).join('; ');
  if (err instanceof Error) return err.message || String((err as NodeJS.ErrnoException).code ?? err.name);
  return String(err);
}

/** WHERE clause shared by the page and the counts; same semantics as the SQLite backend's. */
function whereClause(q: SliceQuery, params: unknown[]): string {
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const parts: string[] = [];
  const inList = (col: string, values: readonly string[] | null | undefined) => {
    if (values && values.length > 0) parts.push(`${col} = ANY(${p(values)}::text[])`);
  };
  if (!q.includeWithdrawn) parts.push(`e.status = 'ACTIVE'`);
  // Mirrors whose source left are kept for administrators, not listed (as in the SQLite backend).
  if (!q.includeWithdrawn && !(q.kinds?.length === 1 && q.kinds[0] === 'ORIGINAL'))
    parts.push(`(e.mirror_state IS NULL OR e.mirror_state IN ${LISTED_STATES_SQL})`);
  inList('e.mirror_state', q.mirrorStates);
  if (q.hideNotShared) parts.push(`e.sharing_type <> 'NOT_SHARED'`);
  // policy.ts: a mirror whose source became NOT_SHARED is its own province's alone.
  if (q.hideNotShared && q.includeWithdrawn) parts.push(`(e.mirror_state IS NULL OR e.mirror_state <> 'UNSHARED')`);
  // policy.ts: 核心数据 never leaves its province, whatever its sharing type says.
  if (q.hideNotShared) parts.push(`e.grade <> 'CORE'`);
  inList('e.sharing_type', q.sharingTypes);
  inList('e.grade', q.grades);
  inList('e.update_cycle', q.updateCycles);
  inList('e.format', q.formats);
  inList('e.kind', q.kinds);
  if (q.providerCode) parts.push(`e.provider_code = ${p(q.providerCode)}`);
  // A prefix LIKE under "C" can use the classification btree index.
  if (q.classificationPrefix) parts.push(`e.classification COLLATE "C" LIKE ${p(`${likeEscape(q.classificationPrefix)}%`)}`);
  for (const term of (q.search ?? '').split(/\s+/u).filter(Boolean)) {
    const n = p(`%${likeEscape(term)}%`);
    // Same split as SQLite: 3+ code points went to FTS5 trigram (Unicode case folding, served
    // here by the trigram indexes), shorter terms to LIKE (ASCII-only folding = ILIKE under "C").
    const coll = [...term].length >= 3 ? '' : ' COLLATE "C"';
    parts.push(`(e.name${coll} ILIKE ${n} OR e.abstract${coll} ILIKE ${n} OR e.provider_name${coll} ILIKE ${n})`);
  }
  return parts.length ? parts.join(' AND ') : 'TRUE';
}

export class PostgresCatalogueStore implements CatalogueStore {
  readonly backend = 'postgres';
  private closed = false;
  private readonly table: string;

  private constructor(
    private readonly pool: pg.Pool,
    readonly schema: string,
  ) {
    this.table = `${quoteIdent(schema)}.entries`;
  }

  /**
   * Connects, creates the schema if needed and applies pending migrations. Fails (with the pool
   * closed) if PostgreSQL is unreachable or pg_trgm cannot be created.
   */
  static async open(url: string, schema: string): Promise<PostgresCatalogueStore> {
    if (!SCHEMA_NAME.test(schema)) {
      throw new Error(`PostgreSQL store: schema name ${JSON.stringify(schema)} must match ${SCHEMA_NAME}`);
    }
    // Without a connect timeout an unroutable host would hang startup forever.
    const pool = new pg.Pool({ connectionString: url, connectionTimeoutMillis: 10_000 });
    // An idle client dying (server restart) emits 'error' on the pool; unhandled, it would
    // crash the process. The pool drops that client and the next query reconnects.
    pool.on('error', () => {});
    const store = new PostgresCatalogueStore(pool, schema);
    try {
      await store.migrate();
    } catch (err) {
      await pool.end().catch(() => {});
      throw new Error(`PostgreSQL store ${describeUrl(url)} schema ${schema}: ${errorText(err)}`, { cause: err });
    }
    return store;
  }

  private async migrate(): Promise<void> {
    const s = quoteIdent(this.schema);
    await this.tx(async (c) => {
      // Held to the end of this transaction: a second process waits here, then sees our work.
      await c.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
      // CREATE … IF NOT EXISTS still demands CREATE privilege, so look first: a runtime role
      // with only DML rights can then start against an already migrated schema.
      const log = await c.query<{ t: string | null }>('SELECT to_regclass($1) AS t', [`${s}.schema_migrations`]);
      if (log.rows[0]?.t == null) {
        await c.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
        await c.query(`CREATE TABLE IF NOT EXISTS ${s}.schema_migrations (version int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
      }
      const { rows } = await c.query<{ v: number | null }>(`SELECT max(version) AS v FROM ${s}.schema_migrations`);
      const current = rows[0]?.v ?? 0;
      if (current > MIGRATIONS.length) {
        throw new Error(`schema version ${current} is newer than this build (${MIGRATIONS.length})`);
      }
      if (current === MIGRATIONS.length) return;
      const trgm = quoteIdent(await this.ensureTrgm(c));
      for (let v = current; v < MIGRATIONS.length; v++) {
        const m = MIGRATIONS[v]!(s, trgm);
        await c.query(typeof m === 'string' ? m : m.sql);
        if (typeof m !== 'string') await m.rows(c);
        await c.query(`INSERT INTO ${s}.schema_migrations (version, applied_at) VALUES ($1, now())`, [v + 1]);
      }
    });
  }

  /** Makes sure pg_trgm is installed; returns the schema that holds its operator classes. */
  private async ensureTrgm(c: PoolClient): Promise<string> {
    const find = () =>
      c.query<{ nspname: string }>(`SELECT n.nspname FROM pg_extension x JOIN pg_namespace n ON n.oid = x.extnamespace WHERE x.extname = 'pg_trgm'`);
    let found = await find();
    if (found.rows.length === 0) {
      try {
        await c.query('CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public');
      } catch (err) {
        throw new Error(
          `the pg_trgm extension is required for catalogue search and could not be created (${errorText(err)}); ` +
            'have a privileged user run CREATE EXTENSION pg_trgm SCHEMA public in this database',
        );
      }
      found = await find();
    }
    return found.rows[0]!.nspname;
  }

  /** Runs fn in a transaction on one pooled connection; rolls back on any error. */
  private async tx<T>(fn: (c: PoolClient) => Promise<T>): Promise<T> {
    const c = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await c.query('BEGIN');
      const out = await fn(c);
      await c.query('COMMIT');
      return out;
    } catch (err) {
      // A connection that cannot even roll back is discarded rather than reused.
      await c.query('ROLLBACK').catch((e: Error) => {
        broken = e;
      });
      throw err;
    } finally {
      c.release(broken);
    }
  }

  async countEntries(): Promise<number> {
    const { rows } = await this.pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${this.table}`);
    return Number(rows[0]!.n);
  }

  async insertEntries(records: CatalogueEntryRecord[]): Promise<void> {
    if (records.length === 0) return;
    // Column arrays through unnest(): one statement per batch whatever the row count, and no
    // 65,535-parameter ceiling as with a multi-row VALUES list.
    const sql = `INSERT INTO ${this.table} (${COLUMN_LIST}) ` + `SELECT * FROM unnest(${COLUMNS.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ')})`;
    await this.tx(async (c) => {
      for (let i = 0; i < records.length; i += INSERT_BATCH) {
        const batch = records.slice(i, i + INSERT_BATCH);
        await c.query(
          sql,
          COLUMNS.map(([, , get]) => batch.map(get)),
        );
      }
      await this.recordChanges(
        c,
        records.map((r) => ({ before: null, after: r })),
      );
    });
  }

  /**
   * The feed entries of a transaction's writes. A position (bigserial) is taken only under a lock
   * held until commit, so positions become visible in the order they were given: a reader never
   * skips a position that commits after a higher one (which plain sequences allow).
   */
  private async recordChanges(c: PoolClient, writes: { before: CatalogueEntryRecord | null; after: CatalogueEntryRecord }[]): Promise<void> {
    if (writes.length === 0) return;
    await c.query('SELECT pg_advisory_xact_lock(7301, hashtext($1))', [this.schema]);
    const changes = writes.map(({ before, after }) => ({ after, change: changeOf(before, after) }));
    await c.query(
      `INSERT INTO ${quoteIdent(this.schema)}.changes (entry_id, kind, version, at, visible_to_others)
       SELECT * FROM unnest($1::text[], $2::text[], $3::int8[], $4::text[], $5::boolean[])`,
      [
        changes.map((w) => w.after.id),
        changes.map((w) => w.change.kind),
        changes.map((w) => w.after.version),
        changes.map((w) => w.after.updatedAt),
        changes.map((w) => w.change.visibleToOthers),
      ],
    );
  }

  async changes(q: ChangesQuery): Promise<ChangesPage> {
    const { rows } = await this.pool.query<{ position: string; entry_id: string; kind: ChangeKind; version: string; at: string }>(
      `SELECT position, entry_id, kind, version, at FROM ${quoteIdent(this.schema)}.changes
       WHERE position > $1 ${q.othersOnly ? 'AND visible_to_others' : ''} ORDER BY position LIMIT $2`,
      [q.after ?? 0, q.limit + 1],
    );
    const items = rows
      .slice(0, q.limit)
      .map((r) => ({ position: Number(r.position), entryId: r.entry_id, kind: r.kind, version: Number(r.version), at: r.at }));
    return { items, hasMore: rows.length > q.limit };
  }

  async getEntry(id: string): Promise<CatalogueEntryRecord | null> {
    const { rows } = await this.pool.query<Row>(`SELECT * FROM ${this.table} WHERE id = $1`, [id]);
    return rows[0] ? fromRow(rows[0]) : null;
  }

  async getEntries(ids: string[]): Promise<Map<string, CatalogueEntryRecord>> {
    const out = new Map<string, CatalogueEntryRecord>();
    if (ids.length === 0) return out;
    const { rows } = await this.pool.query<Row>(`SELECT * FROM ${this.table} WHERE id = ANY($1::text[])`, [ids]);
    const byId = new Map(rows.map((r) => [r.id, r]));
    // Insertion order follows the request, as in the SQLite backend.
    for (const id of ids) {
      const r = byId.get(id);
      if (r) out.set(id, fromRow(r));
    }
    return out;
  }

  async slice(q: SliceQuery): Promise<SliceResult> {
    const params: unknown[] = [];
    const where = whereClause(q, params);
    let keyset = '';
    if (q.after) {
      params.push(q.after.name, q.after.id);
      // Row comparison = (name > a OR (name = a AND id > b)), and matches the (name, id) index.
      keyset = ` AND (e.name COLLATE "C", e.id COLLATE "C") > ($${params.length - 1}, $${params.length})`;
    }
    params.push(q.limit);
    const limit = `$${params.length}`;
    // Page and counts in one statement, so they come from the same snapshot (total agrees
    // with the items) in one round trip.
    const sql = `
      SELECT
        (SELECT coalesce(json_agg(json_build_object(${LISTING_JSON}) ORDER BY p.name COLLATE "C", p.id COLLATE "C"), '[]'::json)
           FROM (SELECT ${LISTING_SELECT} FROM ${this.table} e WHERE ${where}${keyset}
                 ORDER BY e.name COLLATE "C", e.id COLLATE "C" LIMIT ${limit}) p) AS items,
        (SELECT coalesce(json_agg(json_build_object('t', c.t, 'g', c.g, 'n', c.n)), '[]'::json)
           FROM (SELECT e.sharing_type AS t, e.grade AS g, count(*)::int AS n FROM ${this.table} e WHERE ${where} GROUP BY e.sharing_type, e.grade) c) AS counts`;
    const { rows } = await this.pool.query<{ items: Record<string, unknown>[]; counts: { t: SharingType; g: DataGrade; n: number }[] }>(sql, params);
    const { items, counts } = rows[0]!;
    return { items: items.map(rowToListing), ...facetCounts(counts) };
  }

  private async lockRow(c: PoolClient, id: string): Promise<CatalogueEntryRecord | null> {
    const { rows } = await c.query<Row>(`SELECT * FROM ${this.table} WHERE id = $1 FOR UPDATE`, [id]);
    return rows[0] ? fromRow(rows[0]) : null;
  }

  /** Rewrites every column of an existing row; returns it as stored. */
  private async replaceRow(c: PoolClient, r: CatalogueEntryRecord): Promise<CatalogueEntryRecord> {
    const sets = COLUMNS.slice(1).map(([col, type], i) => `${col} = $${i + 2}::${type}`);
    const { rows } = await c.query<Row>(
      `UPDATE ${this.table} SET ${sets.join(', ')} WHERE id = $1 RETURNING *`,
      COLUMNS.map(([, , get]) => get(r)),
    );
    return fromRow(rows[0]!);
  }

  async registerMirror(record: CatalogueEntryRecord): Promise<MirrorWriteResult> {
    return this.tx((c) => this.writeDecided(c, record.id, (current) => decideRegisterMirror(current, record)));
  }

  async withdrawMirror(id: string, expectedVersion: number | null, at: string): Promise<MirrorWriteResult> {
    return this.tx((c) => this.writeDecided(c, id, (current) => decideWithdrawMirror(current, id, expectedVersion, at)));
  }

  async updateEntry(id: string, expectedVersion: number | null, patch: EntryPatch, at: string): Promise<MirrorWriteResult> {
    return this.tx((c) => this.writeDecided(c, id, (current) => decideUpdate(current, id, expectedVersion, patch, at)));
  }

  async acceptMirrorChange(id: string, snapshot: CatalogueEntryRecord, at: string): Promise<MirrorWriteResult> {
    return this.tx((c) => this.writeDecided(c, id, (current) => decideAcceptChange(current, id, snapshot, at)));
  }

  async mirrorStateCounts(): Promise<Partial<Record<MirrorState, number>>> {
    const { rows } = await this.pool.query<{ s: MirrorState; n: number }>(
      `SELECT mirror_state AS s, count(*)::int AS n FROM ${this.table} WHERE kind = 'MIRROR' AND status = 'ACTIVE' GROUP BY mirror_state`,
    );
    return Object.fromEntries(rows.map((r) => [r.s, r.n]));
  }

  /** Inside a transaction: lock the row, decide (write-rules.ts), store. */
  private async writeDecided(c: PoolClient, id: string, decide: (current: CatalogueEntryRecord | null) => WriteDecision): Promise<MirrorWriteResult> {
    let before = await this.lockRow(c, id);
    let decision = decide(before);
    if (decision.write && decision.insert) {
      // FOR UPDATE cannot lock a row that does not exist yet: a concurrent registration may
      // insert first. ON CONFLICT waits for it, then we lock and judge its row instead.
      const fresh = decision.record;
      const ins = await c.query(
        `INSERT INTO ${this.table} (${COLUMN_LIST}) VALUES (${COLUMNS.map(([, type], i) => `$${i + 1}::${type}`).join(', ')})
         ON CONFLICT (id) DO NOTHING`,
        COLUMNS.map(([, , get]) => get(fresh)),
      );
      if (ins.rowCount === 1) {
        await this.recordChanges(c, [{ before: null, after: fresh }]);
        return written(decision);
      }
      before = await this.lockRow(c, id);
      decision = decide(before);
    }
    return this.store(c, before, decision);
  }

  // --- mount jobs, feed cursors, the worker lease (store/mirror-sync.ts) ---

  private t(name: string): string {
    return `${quoteIdent(this.schema)}.${name}`;
  }

  private upsertSql(table: string, columns: readonly (readonly [string, string, string])[], key: string): string {
    const names = columns.map(([c]) => c);
    const casts = columns.map(([, , kind], i) => `$${i + 1}::${kind === 'json' ? 'jsonb' : kind === 'int' ? 'int8' : 'text'}`);
    return `INSERT INTO ${this.t(table)} (${names.join(', ')}) VALUES (${casts.join(', ')})
      ON CONFLICT (${key}) DO UPDATE SET ${names
        .filter((c) => c !== key)
        .map((c) => `${c} = EXCLUDED.${c}`)
        .join(', ')}`;
  }

  private readonly jobFromRow = (row: Record<string, unknown>) => rowToObject<MountJobRecord>(JOB_COLUMNS, row, (v) => v);
  private readonly cursorFromRow = (row: Record<string, unknown>) => rowToObject<SyncCursorRecord>(CURSOR_COLUMNS, row, (v) => v);

  private async putJob(c: PoolClient | pg.Pool, job: MountJobRecord): Promise<void> {
    await c.query(this.upsertSql('mount_jobs', JOB_COLUMNS, 'id'), objectToValues(JOB_COLUMNS, job));
  }

  private async putCursor(c: PoolClient | pg.Pool, cursor: SyncCursorRecord): Promise<void> {
    await c.query(this.upsertSql('sync_cursors', CURSOR_COLUMNS, 'source'), objectToValues(CURSOR_COLUMNS, cursor));
  }

  private async lockJob(c: PoolClient, id: string): Promise<MountJobRecord | null> {
    const { rows } = await c.query(`SELECT * FROM ${this.t('mount_jobs')} WHERE id = $1 FOR UPDATE`, [id]);
    return rows[0] ? this.jobFromRow(rows[0]) : null;
  }

  /** The lease row, locked for the transaction (inserted first if there is none, so there is a row to lock). */
  private async lockLease(c: PoolClient): Promise<WorkerLease | null> {
    const { rows } = await c.query<WorkerLease>(`SELECT owner, until FROM ${this.t('worker_lease')} WHERE name = 'sync' FOR UPDATE`);
    return rows[0] ?? null;
  }

  async createMountJob(job: MountJobRecord): Promise<void> {
    const names = JOB_COLUMNS.map(([c]) => c);
    await this.pool.query(
      `INSERT INTO ${this.t('mount_jobs')} (${names.join(', ')}) VALUES (${JOB_COLUMNS.map(([, , k], i) => `$${i + 1}::${k === 'json' ? 'jsonb' : k === 'int' ? 'int8' : 'text'}`).join(', ')})`,
      objectToValues(JOB_COLUMNS, job),
    );
  }

  async mountJobs(q: { ids?: string[]; states?: readonly MountJobState[]; limit: number }): Promise<MountJobRecord[]> {
    const params: unknown[] = [];
    const parts: string[] = [];
    if (q.ids) {
      params.push(q.ids);
      parts.push(`id = ANY($${params.length}::text[])`);
    }
    if (q.states) {
      params.push(q.states);
      parts.push(`state = ANY($${params.length}::text[])`);
    }
    params.push(q.limit);
    const { rows } = await this.pool.query(
      `SELECT * FROM ${this.t('mount_jobs')} ${parts.length ? `WHERE ${parts.join(' AND ')}` : ''} ORDER BY created_at DESC, id DESC LIMIT $${params.length}`,
      params,
    );
    return rows.map(this.jobFromRow);
  }

  async changeMountJob(id: string, decide: (job: MountJobRecord | null) => JobDecision): Promise<JobDecision> {
    return this.tx(async (c) => {
      const decision = decide(await this.lockJob(c, id));
      if (decision.write) await this.putJob(c, decision.job);
      return decision;
    });
  }

  async syncCursors(): Promise<SyncCursorRecord[]> {
    const { rows } = await this.pool.query(`SELECT * FROM ${this.t('sync_cursors')} ORDER BY source`);
    return rows.map(this.cursorFromRow);
  }

  async saveSyncCursor(cursor: SyncCursorRecord): Promise<void> {
    await this.putCursor(this.pool, cursor);
  }

  async acquireWorkerLease(owner: string, now: string, until: string): Promise<{ ok: boolean; lease: WorkerLease }> {
    return this.tx(async (c) => {
      // Two workers taking a missing lease at once: the primary key lets one insert, the other waits and sees it.
      await c.query(`INSERT INTO ${this.t('worker_lease')} (name, owner, until) VALUES ('sync', $1, $2) ON CONFLICT (name) DO NOTHING`, [owner, now]);
      const lease = await this.lockLease(c);
      if (lease && !leaseFreeFor(lease, owner, now)) return { ok: false, lease };
      await c.query(`UPDATE ${this.t('worker_lease')} SET owner = $1, until = $2 WHERE name = 'sync'`, [owner, until]);
      return { ok: true, lease: { owner, until } };
    });
  }

  async releaseWorkerLease(owner: string): Promise<void> {
    await this.pool.query(`DELETE FROM ${this.t('worker_lease')} WHERE name = 'sync' AND owner = $1`, [owner]);
  }

  async applyMirrorBatch(batch: MirrorBatch): Promise<BatchResult> {
    return this.tx(async (c): Promise<BatchResult> => {
      // The lease row stays locked to the commit: a worker taking over waits for this page to land.
      if ((await this.lockLease(c))?.owner !== batch.owner) return { ok: false, reason: 'the sync lease is held by another worker' };
      const p = batch.progress;
      const job = 'job' in p ? await this.lockJob(c, p.job.id) : null;
      if ('job' in p && job?.state !== 'RUNNING' && job?.state !== 'QUEUED') return { ok: false, reason: `mount job is ${job?.state ?? 'gone'}` };
      const outcomes: MirrorWriteResult[] = [];
      const changed: string[] = [];
      for (const w of batch.writes) {
        let wrote: string | null = null;
        outcomes.push(
          await this.writeDecided(c, mirrorWriteId(w), (current) => {
            const d = decideMirrorWrite(current, w, batch.at);
            wrote = d.write ? d.record.id : null;
            return d;
          }),
        );
        if (wrote) changed.push(wrote);
      }
      if ('job' in p) {
        const next = tallyJob(job!, outcomes, p.job, batch.at);
        await this.putJob(c, next);
        return { ok: true, outcomes, changed, job: next, cursor: null };
      }
      const { rows } = await c.query(`SELECT * FROM ${this.t('sync_cursors')} WHERE source = $1 FOR UPDATE`, [p.source.id]);
      const next = tallyCursor(rows[0] ? this.cursorFromRow(rows[0]) : emptyCursor(p.source.id), p.source, batch.at);
      await this.putCursor(c, next);
      return { ok: true, outcomes, changed, job: null, cursor: next };
    });
  }

  /** Stores a decided write (write-rules.ts) on the locked row. */
  private async store(c: PoolClient, before: CatalogueEntryRecord | null, decision: WriteDecision): Promise<MirrorWriteResult> {
    if (!decision.write) return decision.result;
    const record = await this.replaceRow(c, decision.record);
    await this.recordChanges(c, [{ before, after: record }]);
    return { ok: true, record, created: decision.created };
  }

  async getIdempotencyRecord(key: string): Promise<IdempotencyRecord | null> {
    const { rows } = await this.pool.query<{ request_hash: string; status: number; body: string }>(
      `SELECT request_hash, status, body FROM ${quoteIdent(this.schema)}.idempotency_keys WHERE key = $1`,
      [key],
    );
    const r = rows[0];
    return r ? { requestHash: r.request_hash, status: r.status, body: r.body } : null;
  }

  async saveIdempotencyRecord(key: string, r: IdempotencyRecord, at: string): Promise<void> {
    await this.pool.query(
      `INSERT INTO ${quoteIdent(this.schema)}.idempotency_keys (key, request_hash, status, body, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (key) DO NOTHING`,
      [key, r.requestHash, r.status, r.body, at],
    );
  }

  async close(): Promise<void> {
    // pg's Pool.end() throws if called twice; closing is idempotent here.
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}
