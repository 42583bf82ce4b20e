// SQLite backend (better-sqlite3 12.x). WAL with synchronous=FULL so an acknowledged
// write survives a crash (docs/DESIGN.md §5); Chinese substring search through FTS5 with the
// trigram tokenizer (terms shorter than three characters fall back to LIKE, which trigram
// cannot index).
import Database from 'better-sqlite3';
import { BoundedCache } from '../../../common/bounded-cache.js';
import { changeOf, type ChangeKind, type ChangesPage, type ChangesQuery } from './change-feed.js';
import { ENTRY_COLUMNS, ENTRY_COLUMN_NAMES, LISTING_COLUMNS, columnValue, rowToListing, rowToRecord, type EntryRow } from './entry-columns.js';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { CatalogueEntryRecord, MirrorState, OpenType, SharingType } from '../../../domain/catalogue.js';
import type { DataGrade } from '../../../domain/grading.js';
import { gradeExisting } from './grade-migration.js';
import { PhraseMatches } from './sqlite-phrase-matches.js';
import { facetCounts, type CatalogueStore, type IdempotencyRecord, type MirrorWriteResult, type SliceQuery, type SliceResult } from './store.js';
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

/** A migration: SQL, or SQL and then a pass in code over the rows (same transaction). */
type Migration = string | { sql: string; rows: (db: Database.Database) => void };

/** A term matching more rows than this has its matches kept on the connection (sqlite-phrase-matches.ts). */
const KEPT_MATCHES_ABOVE = 100;

/**
 * Walk the (name, id) index, or sort the matches? A walk reads about `limit × entries / matches`
 * rows to find a page, a sort reads every match and sorts them, about four times the cost of a
 * walked row (measured: 营业执照 in Sichuan's 1,646 entries, 131 matches, a walk of ~260 rows in
 * 0.10 ms against 0.15 ms sorted). With a page of 21: a walk above ~725 matches at 100,000 entries,
 * above ~95 at 1,646.
 */
const SORTED_ROW_COST = 4;
function walkPays(matches: number, limit: number, entries: number): boolean {
  return SORTED_ROW_COST * matches * matches > limit * entries;
}

export const MIGRATIONS: Migration[] = [
  `CREATE TABLE entries (
     id TEXT PRIMARY KEY,
     resource_code TEXT NOT NULL,
     division_code TEXT NOT NULL,
     kind TEXT NOT NULL CHECK (kind IN ('ORIGINAL','MIRROR')),
     name TEXT NOT NULL,
     classification TEXT NOT NULL,
     provider_name TEXT NOT NULL,
     provider_code TEXT NOT NULL,
     provider_division_code TEXT NOT NULL,
     abstract TEXT NOT NULL,
     format TEXT NOT NULL,
     data_items TEXT NOT NULL,
     sharing_type TEXT NOT NULL CHECK (sharing_type IN ('UNCONDITIONAL','CONDITIONAL','NOT_SHARED')),
     sharing_condition TEXT,
     sharing_method TEXT NOT NULL,
     open_type TEXT NOT NULL,
     update_cycle TEXT NOT NULL,
     publish_date TEXT NOT NULL,
     related_codes TEXT NOT NULL,
     version INTEGER NOT NULL CHECK (version >= 1),
     status TEXT NOT NULL CHECK (status IN ('ACTIVE','WITHDRAWN')),
     created_at TEXT NOT NULL,
     updated_at TEXT NOT NULL,
     mirror_source_id TEXT,
     mirror_registered_source_version INTEGER,
     mirror_registered_by TEXT,
     mirror_registered_at TEXT
   ) STRICT;
   CREATE INDEX entries_order ON entries (name, id);
   CREATE INDEX entries_provider ON entries (provider_code);
   CREATE INDEX entries_classification ON entries (classification);
   CREATE VIRTUAL TABLE entries_fts USING fts5(
     name, abstract, provider_name, content='entries', content_rowid='rowid', tokenize='trigram'
   );
   CREATE TRIGGER entries_ai AFTER INSERT ON entries BEGIN
     INSERT INTO entries_fts(rowid, name, abstract, provider_name) VALUES (new.rowid, new.name, new.abstract, new.provider_name);
   END;
   CREATE TRIGGER entries_ad AFTER DELETE ON entries BEGIN
     INSERT INTO entries_fts(entries_fts, rowid, name, abstract, provider_name) VALUES ('delete', old.rowid, old.name, old.abstract, old.provider_name);
   END;
   CREATE TRIGGER entries_au AFTER UPDATE OF name, abstract, provider_name ON entries BEGIN
     INSERT INTO entries_fts(entries_fts, rowid, name, abstract, provider_name) VALUES ('delete', old.rowid, old.name, old.abstract, old.provider_name);
     INSERT INTO entries_fts(rowid, name, abstract, provider_name) VALUES (new.rowid, new.name, new.abstract, new.provider_name);
   END;`,
  // v2: answers to idempotent writes (Idempotency-Key), so a retried request gets the same answer.
  `CREATE TABLE idempotency_keys (
     key TEXT PRIMARY KEY,
     request_hash TEXT NOT NULL,
     status INTEGER NOT NULL,
     body TEXT NOT NULL,
     created_at TEXT NOT NULL
   ) STRICT;`,
  // v3: facet counts read an index instead of the table.
  `CREATE INDEX entries_facets ON entries (status, kind, sharing_type);`,
  // v4: the change feed (store/change-feed.ts). Existing entries enter it as CREATED, oldest first.
  `CREATE TABLE changes (
     position INTEGER PRIMARY KEY AUTOINCREMENT,
     entry_id TEXT NOT NULL,
     kind TEXT NOT NULL CHECK (kind IN ('CREATED','UPDATED','WITHDRAWN','UNSHARED')),
     version INTEGER NOT NULL,
     at TEXT NOT NULL,
     visible_to_others INTEGER NOT NULL CHECK (visible_to_others IN (0, 1))
   ) STRICT;
   CREATE INDEX changes_visible ON changes (visible_to_others, position);
   INSERT INTO changes (entry_id, kind, version, at, visible_to_others)
     SELECT id, 'CREATED', version, updated_at, sharing_type <> 'NOT_SHARED' FROM entries ORDER BY updated_at, id;`,
  // v5: mount jobs, feed cursors and the sync worker's lease (store/mirror-sync.ts); each mirror's
  // standing against its source (existing mirrors were registered in step).
  `ALTER TABLE entries ADD COLUMN mirror_state TEXT CHECK (mirror_state IN ('CURRENT','CHANGED','WITHDRAWN','UNSHARED'));
   ALTER TABLE entries ADD COLUMN mirror_pending_source_version INTEGER;
   UPDATE entries SET mirror_state = 'CURRENT' WHERE kind = 'MIRROR';
   CREATE TABLE mount_jobs (
     id TEXT PRIMARY KEY,
     source TEXT NOT NULL,
     filter TEXT NOT NULL,
     state TEXT NOT NULL CHECK (state IN ('QUEUED','RUNNING','DONE','FAILED','CANCELLED')),
     total INTEGER,
     mounted INTEGER NOT NULL,
     skipped INTEGER NOT NULL,
     failed INTEGER NOT NULL,
     cursor TEXT,
     created_by TEXT NOT NULL,
     created_at TEXT NOT NULL,
     started_at TEXT,
     finished_at TEXT,
     last_error TEXT,
     attempts INTEGER NOT NULL,
     next_attempt_at TEXT,
     updated_at TEXT NOT NULL
   ) STRICT;
   CREATE INDEX mount_jobs_created ON mount_jobs (created_at, id);
   CREATE TABLE sync_cursors (
     source TEXT PRIMARY KEY,
     cursor TEXT,
     checked_at TEXT,
     last_change_at TEXT,
     last_error TEXT,
     attempts INTEGER NOT NULL,
     next_attempt_at TEXT,
     applied INTEGER NOT NULL
   ) STRICT;
   CREATE TABLE worker_lease (name TEXT PRIMARY KEY, owner TEXT NOT NULL, until TEXT NOT NULL) STRICT;`,
  // v6: GB/T 43697 grades, personal-information levels of data items (store/grade-migration.ts), the
  // approval a mirror was mounted under, and a job's approval; facet counts by grade from the index.
  {
    sql: `ALTER TABLE entries ADD COLUMN grade TEXT NOT NULL DEFAULT 'GENERAL' CHECK (grade IN ('GENERAL','IMPORTANT','CORE'));
     ALTER TABLE entries ADD COLUMN mirror_approval_ref TEXT;
     ALTER TABLE mount_jobs ADD COLUMN approval_ref TEXT;
     DROP INDEX entries_facets;
     CREATE INDEX entries_facets ON entries (status, kind, sharing_type, grade);`,
    rows: (db) => {
      const update = db.prepare('UPDATE entries SET data_items = ?, grade = ? WHERE id = ?');
      const rows = db.prepare('SELECT id, data_items, sharing_type, open_type FROM entries').all() as {
        id: string;
        data_items: string;
        sharing_type: SharingType;
        open_type: OpenType;
      }[];
      for (const r of rows) {
        const g = gradeExisting({ dataItems: JSON.parse(r.data_items), sharingType: r.sharing_type, openType: r.open_type });
        update.run(JSON.stringify(g.dataItems), g.grade, r.id);
      }
    },
  },
];

const SCHEMA_VERSION = MIGRATIONS.length;

type Row = EntryRow;

/** insertEntries of at least this many rows is a bulk load, given a page cache of BULK_LOAD_CACHE_KIB. */
const BULK_LOAD_ROWS = 1000;
const BULK_LOAD_CACHE_KIB = 128 * 1024;

/** JSON columns are TEXT in SQLite. */
/** A page's columns: each row with its listing fields. */
const LISTING_SELECT = LISTING_COLUMNS.map(([column]) => `e.${column}`).join(', ');

const fromRow = (row: Row): CatalogueEntryRecord => rowToRecord(row, (text) => JSON.parse(text as string));

function recordToParams(record: CatalogueEntryRecord): Record<string, unknown> {
  return Object.fromEntries(ENTRY_COLUMNS.map((column) => [column[0], columnValue(record, column)]));
}

const COLUMNS = ENTRY_COLUMN_NAMES;

/** Escape LIKE wildcards so user text matches literally. */
function likePattern(term: string): string {
  return `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Build the WHERE clause shared by the page query and the counts (both backends use the same shape). */
function whereClause(q: SliceQuery, matchTable: (phrase: string) => string | null = () => null): { sql: string; params: unknown[]; phrases: string[] } {
  const parts: string[] = [];
  const params: unknown[] = [];
  const phrases: string[] = [];
  const inList = (col: string, values: readonly string[] | null | undefined) => {
    if (!values || values.length === 0) return;
    parts.push(`${col} IN (${values.map(() => '?').join(',')})`);
    params.push(...values);
  };
  if (!q.includeWithdrawn) parts.push(`e.status = 'ACTIVE'`);
  // Mirrors whose source left are kept for administrators, not listed (a listing of originals only
  // skips the test, so its counts still come from the facet index).
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
  if (q.providerCode) {
    parts.push('e.provider_code = ?');
    params.push(q.providerCode);
  }
  if (q.classificationPrefix) {
    parts.push('substr(e.classification, 1, ?) = ?');
    params.push(q.classificationPrefix.length, q.classificationPrefix);
  }
  for (const term of (q.search ?? '').split(/\s+/u).filter(Boolean)) {
    if ([...term].length >= 3) {
      // An FTS5 string literal: the term as one phrase, quotes doubled.
      const phrase = `"${term.replace(/"/g, '""')}"`;
      phrases.push(phrase);
      // A phrase's matches already collected on this connection (sqlite-phrase-matches.ts).
      const table = matchTable(phrase);
      if (table) parts.push(`e.rowid IN (SELECT r FROM ${table})`);
      else {
        parts.push('e.rowid IN (SELECT rowid FROM entries_fts WHERE entries_fts MATCH ?)');
        params.push(phrase);
      }
    } else {
      parts.push(`(e.name LIKE ? ESCAPE '\\' OR e.abstract LIKE ? ESCAPE '\\' OR e.provider_name LIKE ? ESCAPE '\\')`);
      const p = likePattern(term);
      params.push(p, p, p);
    }
  }
  return { sql: parts.length ? parts.join(' AND ') : '1=1', params, phrases };
}

export class SqliteCatalogueStore implements CatalogueStore {
  readonly backend = 'sqlite';
  private readonly db: Database.Database;
  private readonly getStmt: Database.Statement<[string], Row>;
  private readonly insertStmt: Database.Statement<Record<string, unknown>>;
  private readonly replaceStmt: Database.Statement<Record<string, unknown>>;
  private readonly changeStmt: Database.Statement<[string, string, number, string, number]>;
  private readonly countCache = new BoundedCache<Pick<SliceResult, 'total' | 'bySharingType' | 'byGrade'>>(1000);
  /**
   * Listing statements by SQL text: a filter's shape (which columns, how many values) gives a
   * few distinct texts, and preparing one costs more than running it on a small page.
   */
  private readonly statements = new BoundedCache<Database.Statement>(500);
  private readonly phrases: PhraseMatches;
  /** PRAGMA data_version when the counts and phrase matches were kept: another connection's commit changes it. */
  private derivedDataVersion = -1;
  private entries: number | null = null;
  // Prepared once: db.pragma() and db.transaction() would prepare or wrap anew on every page.
  private readonly dataVersionStmt: Database.Statement;
  /** One read transaction: the data version checked, the phrase matches and the page all see one snapshot. */
  private readonly readSlice: Database.Transaction<(q: SliceQuery) => SliceResult>;

  constructor(readonly file: string) {
    if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    // FULL: the WAL is fsynced at every commit, so an acknowledged write is on disk.
    this.db.pragma('synchronous = FULL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    this.migrate();
    // TEMP tables (phrases' matches, sqlite-phrase-matches.ts) in memory, not in temporary files.
    this.db.pragma('temp_store = MEMORY');
    this.phrases = new PhraseMatches(this.db, KEPT_MATCHES_ABOVE);
    // Planner statistics, refreshed when SQLite judges them stale (bounded work): without them a
    // filtered page at 100,000 entries sorts every match instead of walking the (name, id) index.
    this.db.pragma('analysis_limit = 1000');
    this.db.pragma('optimize = 0x10002');
    this.dataVersionStmt = this.db.prepare('PRAGMA data_version').pluck();
    this.readSlice = this.db.transaction((q: SliceQuery) => {
      this.checkDataVersion();
      return this.sliceNow(q);
    });
    this.getStmt = this.db.prepare('SELECT * FROM entries WHERE id = ?');
    this.insertStmt = this.db.prepare(`INSERT INTO entries (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map((c) => `@${c}`).join(', ')})`);
    this.changeStmt = this.db.prepare('INSERT INTO changes (entry_id, kind, version, at, visible_to_others) VALUES (?, ?, ?, ?, ?)');
    this.replaceStmt = this.db.prepare(
      `UPDATE entries SET ${COLUMNS.filter((c) => c !== 'id')
        .map((c) => `${c} = @${c}`)
        .join(', ')} WHERE id = @id`,
    );
  }

  private statement(sql: string): Database.Statement {
    let stmt = this.statements.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      this.statements.set(sql, stmt);
    }
    return stmt;
  }

  private migrate(): void {
    const current = this.db.pragma('user_version', { simple: true }) as number;
    if (current > SCHEMA_VERSION) {
      throw new Error(`store ${this.file}: schema version ${current} is newer than this build (${SCHEMA_VERSION})`);
    }
    for (let v = current; v < SCHEMA_VERSION; v++) {
      this.db.transaction(() => {
        const m = MIGRATIONS[v]!;
        this.db.exec(typeof m === 'string' ? m : m.sql);
        if (typeof m !== 'string') m.rows(this.db);
        this.db.pragma(`user_version = ${v + 1}`);
      })();
    }
  }

  async countEntries(): Promise<number> {
    return (this.db.prepare('SELECT count(*) AS n FROM entries').get() as { n: number }).n;
  }

  async insertEntries(records: CatalogueEntryRecord[]): Promise<void> {
    this.dataChanged();
    const tx = this.db.transaction((rs: CatalogueEntryRecord[]) => {
      for (const r of rs) {
        this.insertStmt.run(recordToParams(r));
        this.recordChange(null, r);
      }
    });
    // A bulk load (seeding, an import) grows the trigram index, whose segment merges re-read it: with
    // SQLite's default 2 MB page cache every re-read goes to the OS (seeding 40,000 entries took 95 s,
    // 13 s with this). The larger cache lasts for the load only.
    const bulk = records.length >= BULK_LOAD_ROWS;
    const cacheSize = bulk ? (this.db.pragma('cache_size', { simple: true }) as number) : 0;
    if (bulk) this.db.pragma(`cache_size = -${BULK_LOAD_CACHE_KIB}`);
    try {
      tx(records);
    } finally {
      if (bulk) this.db.pragma(`cache_size = ${cacheSize}`);
    }
  }

  async getEntry(id: string): Promise<CatalogueEntryRecord | null> {
    const row = this.getStmt.get(id);
    return row ? fromRow(row) : null;
  }

  async getEntries(ids: string[]): Promise<Map<string, CatalogueEntryRecord>> {
    const out = new Map<string, CatalogueEntryRecord>();
    for (const id of ids) {
      const row = this.getStmt.get(id);
      if (row) out.set(id, fromRow(row));
    }
    return out;
  }

  /** What is derived from the data (counts, phrase matches) no longer holds: a write here. */
  private dataChanged(): void {
    this.countCache.clear();
    this.phrases.clear();
    this.entries = null;
  }

  /** Rows in the store, withdrawn included (the plan choice's scale), kept with the derived data. */
  private entryCount(): number {
    this.entries ??= (this.statement('SELECT count(*) AS n FROM entries').get() as { n: number }).n;
    return this.entries;
  }

  /** A commit by another connection (the sync worker's process) since the derived data was kept. */
  private checkDataVersion(): void {
    const dataVersion = this.dataVersionStmt.get() as number;
    if (dataVersion !== this.derivedDataVersion) {
      this.dataChanged();
      this.derivedDataVersion = dataVersion;
    }
  }

  async slice(q: SliceQuery): Promise<SliceResult> {
    return this.readSlice(q);
  }

  private sliceNow(q: SliceQuery): SliceResult {
    const logical = whereClause(q);
    const tables = new Map(logical.phrases.map((ph) => [ph, this.phrases.tableOf(ph)]));
    const where = [...tables.values()].some((t) => t !== null) ? whereClause(q, (ph) => tables.get(ph) ?? null) : logical;
    // Plan choice, from how many rows the filter matches (its counts, kept until the data changes).
    // Many: walk the (name, id) index in order and stop after `limit` matches, instead of collecting
    // and sorting every match; the cost then depends on the page size, not on how much the catalogue
    // has grown. Few: sort them. SQLite's own choice, without statistics, took an equality on the
    // facets index for selective and sorted all ~89,000 active originals of a 100,000-entry
    // catalogue for every page of a listing without a search term (192 ms a page, 7 ms walked).
    const counts = this.counts(logical, where);
    const walk = walkPays(counts.total, q.limit, this.entryCount());
    let pageSql = `SELECT ${LISTING_SELECT} FROM entries e${walk ? ' INDEXED BY entries_order' : ''} WHERE ${where.sql}`;
    const pageParams = [...where.params];
    if (q.after) {
      // A row value comparison lets SQLite seek in the (name, id) index instead of rescanning.
      pageSql += ' AND (e.name, e.id) > (?, ?)';
      pageParams.push(q.after.name, q.after.id);
    }
    pageSql += ' ORDER BY e.name, e.id LIMIT ?';
    pageParams.push(q.limit);
    const items = (this.statement(pageSql).all(...pageParams) as Record<string, unknown>[]).map(rowToListing);
    return { items, ...counts };
  }

  /**
   * Totals per sharing type for a filter. Counting every match is the expensive part of a
   * page at scale and does not depend on the cursor, so results are kept until the data changes
   * (a write through this store, or another connection's commit: dataChanged, checkDataVersion).
   */
  private counts(
    logical: { sql: string; params: unknown[] },
    where: { sql: string; params: unknown[] },
  ): Pick<SliceResult, 'total' | 'bySharingType' | 'byGrade'> {
    // Kept by the filter as asked (`logical`), counted with the phrase tables where there are some (`where`).
    const key = JSON.stringify([logical.sql, logical.params]);
    const hit = this.countCache.get(key);
    if (hit) return hit;
    const rows = this.statement(
      `SELECT e.sharing_type AS t, e.grade AS g, count(*) AS n FROM entries e WHERE ${where.sql} GROUP BY e.sharing_type, e.grade`,
    ).all(...where.params) as { t: SharingType; g: DataGrade; n: number }[];
    const result = facetCounts(rows);
    this.countCache.set(key, result);
    return result;
  }

  async registerMirror(record: CatalogueEntryRecord): Promise<MirrorWriteResult> {
    return this.decideAndWrite(record.id, (current) => decideRegisterMirror(current, record));
  }

  async withdrawMirror(id: string, expectedVersion: number | null, at: string): Promise<MirrorWriteResult> {
    return this.decideAndWrite(id, (current) => decideWithdrawMirror(current, id, expectedVersion, at));
  }

  async updateEntry(id: string, expectedVersion: number | null, patch: EntryPatch, at: string): Promise<MirrorWriteResult> {
    return this.decideAndWrite(id, (current) => decideUpdate(current, id, expectedVersion, patch, at));
  }

  async acceptMirrorChange(id: string, snapshot: CatalogueEntryRecord, at: string): Promise<MirrorWriteResult> {
    return this.decideAndWrite(id, (current) => decideAcceptChange(current, id, snapshot, at));
  }

  async mirrorStateCounts(): Promise<Partial<Record<MirrorState, number>>> {
    const rows = this.db
      .prepare(`SELECT mirror_state AS s, count(*) AS n FROM entries WHERE kind = 'MIRROR' AND status = 'ACTIVE' GROUP BY mirror_state`)
      .all() as { s: MirrorState; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.s, r.n]));
  }

  /** Reads the row, decides (write-rules.ts) and stores the outcome in one transaction. */
  private decideAndWrite(id: string, decide: (current: CatalogueEntryRecord | null) => WriteDecision): MirrorWriteResult {
    this.dataChanged();
    // IMMEDIATE: take the write lock before reading the row. A deferred transaction that reads and
    // then writes fails at once with SQLITE_BUSY (busy_timeout does not apply) when another
    // connection — the sync worker's process — committed in between.
    return this.db.transaction(() => this.writeDecided(id, decide)).immediate();
  }

  /** Inside a transaction: read, decide, store. */
  private writeDecided(id: string, decide: (current: CatalogueEntryRecord | null) => WriteDecision): MirrorWriteResult {
    const row = this.getStmt.get(id);
    const before = row ? fromRow(row) : null;
    const decision = decide(before);
    if (!decision.write) return decision.result;
    if (decision.insert) this.insertStmt.run(recordToParams(decision.record));
    else this.replaceStmt.run(recordToParams(decision.record));
    this.recordChange(before, decision.record);
    return written(decision);
  }

  // --- mount jobs, feed cursors, the worker lease (store/mirror-sync.ts) ---

  private readonly jobColumns = JOB_COLUMNS.map(([c]) => c);
  private jobFromRow = (row: Record<string, unknown>) => rowToObject<MountJobRecord>(JOB_COLUMNS, row, (t) => JSON.parse(t as string));
  private cursorFromRow = (row: Record<string, unknown>) => rowToObject<SyncCursorRecord>(CURSOR_COLUMNS, row, (t) => JSON.parse(t as string));

  private putJob(job: MountJobRecord): void {
    this.db
      .prepare(`INSERT OR REPLACE INTO mount_jobs (${this.jobColumns.join(', ')}) VALUES (${this.jobColumns.map(() => '?').join(', ')})`)
      .run(...objectToValues(JOB_COLUMNS, job));
  }

  private putCursor(cursor: SyncCursorRecord): void {
    this.db
      .prepare(`INSERT OR REPLACE INTO sync_cursors (${CURSOR_COLUMNS.map(([c]) => c).join(', ')}) VALUES (${CURSOR_COLUMNS.map(() => '?').join(', ')})`)
      .run(...objectToValues(CURSOR_COLUMNS, cursor));
  }

  private getJob(id: string): MountJobRecord | null {
    const row = this.db.prepare('SELECT * FROM mount_jobs WHERE id = ?').get(id) as Record<string, unknown> | undefined;
    return row ? this.jobFromRow(row) : null;
  }

  private getLease(): WorkerLease | null {
    return (this.db.prepare(`SELECT owner, until FROM worker_lease WHERE name = 'sync'`).get() as WorkerLease | undefined) ?? null;
  }

  async createMountJob(job: MountJobRecord): Promise<void> {
    this.db
      .prepare(`INSERT INTO mount_jobs (${this.jobColumns.join(', ')}) VALUES (${this.jobColumns.map(() => '?').join(', ')})`)
      .run(...objectToValues(JOB_COLUMNS, job));
  }

  async mountJobs(q: { ids?: string[]; states?: readonly MountJobState[]; limit: number }): Promise<MountJobRecord[]> {
    const parts: string[] = [];
    const params: unknown[] = [];
    if (q.ids) {
      parts.push(`id IN (${q.ids.map(() => '?').join(',') || "''"})`);
      params.push(...q.ids);
    }
    if (q.states) {
      parts.push(`state IN (${q.states.map(() => '?').join(',') || "''"})`);
      params.push(...q.states);
    }
    const rows = this.db
      .prepare(`SELECT * FROM mount_jobs ${parts.length ? `WHERE ${parts.join(' AND ')}` : ''} ORDER BY created_at DESC, id DESC LIMIT ?`)
      .all(...params, q.limit) as Record<string, unknown>[];
    return rows.map(this.jobFromRow);
  }

  async changeMountJob(id: string, decide: (job: MountJobRecord | null) => JobDecision): Promise<JobDecision> {
    return this.db
      .transaction(() => {
        const decision = decide(this.getJob(id));
        if (decision.write) this.putJob(decision.job);
        return decision;
      })
      .immediate();
  }

  async syncCursors(): Promise<SyncCursorRecord[]> {
    return (this.db.prepare('SELECT * FROM sync_cursors ORDER BY source').all() as Record<string, unknown>[]).map(this.cursorFromRow);
  }

  async saveSyncCursor(cursor: SyncCursorRecord): Promise<void> {
    this.putCursor(cursor);
  }

  async acquireWorkerLease(owner: string, now: string, until: string): Promise<{ ok: boolean; lease: WorkerLease }> {
    return this.db
      .transaction(() => {
        const lease = this.getLease();
        if (lease && !leaseFreeFor(lease, owner, now)) return { ok: false, lease };
        this.db.prepare(`INSERT OR REPLACE INTO worker_lease (name, owner, until) VALUES ('sync', ?, ?)`).run(owner, until);
        return { ok: true, lease: { owner, until } };
      })
      .immediate();
  }

  async releaseWorkerLease(owner: string): Promise<void> {
    this.db.prepare(`DELETE FROM worker_lease WHERE name = 'sync' AND owner = ?`).run(owner);
  }

  async applyMirrorBatch(batch: MirrorBatch): Promise<BatchResult> {
    this.dataChanged();
    return this.db
      .transaction((): BatchResult => {
        if (this.getLease()?.owner !== batch.owner) return { ok: false, reason: 'the sync lease is held by another worker' };
        const p = batch.progress;
        const job = 'job' in p ? this.getJob(p.job.id) : null;
        if ('job' in p && job?.state !== 'RUNNING' && job?.state !== 'QUEUED') return { ok: false, reason: `mount job is ${job?.state ?? 'gone'}` };
        const changed: string[] = [];
        const outcomes = batch.writes.map((w) =>
          this.writeDecided(mirrorWriteId(w), (current) => {
            const d = decideMirrorWrite(current, w, batch.at);
            if (d.write) changed.push(d.record.id);
            return d;
          }),
        );
        if ('job' in p) {
          const next = tallyJob(job!, outcomes, p.job, batch.at);
          this.putJob(next);
          return { ok: true, outcomes, changed, job: next, cursor: null };
        }
        const row = this.db.prepare('SELECT * FROM sync_cursors WHERE source = ?').get(p.source.id) as Record<string, unknown> | undefined;
        const next = tallyCursor(row ? this.cursorFromRow(row) : emptyCursor(p.source.id), p.source, batch.at);
        this.putCursor(next);
        return { ok: true, outcomes, changed, job: null, cursor: next };
      })
      .immediate();
  }

  /** The feed entry of a write, in the write's transaction (SQLite has one writer: positions commit in order). */
  private recordChange(before: CatalogueEntryRecord | null, after: CatalogueEntryRecord): void {
    const change = changeOf(before, after);
    this.changeStmt.run(after.id, change.kind, after.version, after.updatedAt, change.visibleToOthers ? 1 : 0);
  }

  async changes(q: ChangesQuery): Promise<ChangesPage> {
    const rows = this.db
      .prepare(
        `SELECT position, entry_id, kind, version, at FROM changes WHERE position > ? ${q.othersOnly ? 'AND visible_to_others = 1' : ''} ORDER BY position LIMIT ?`,
      )
      .all(q.after ?? 0, q.limit + 1) as { position: number; entry_id: string; kind: ChangeKind; version: number; at: string }[];
    const items = rows.slice(0, q.limit).map((r) => ({ position: r.position, entryId: r.entry_id, kind: r.kind, version: r.version, at: r.at }));
    return { items, hasMore: rows.length > q.limit };
  }

  async getIdempotencyRecord(key: string): Promise<IdempotencyRecord | null> {
    const row = this.db.prepare('SELECT request_hash, status, body FROM idempotency_keys WHERE key = ?').get(key) as
      | { request_hash: string; status: number; body: string }
      | undefined;
    return row ? { requestHash: row.request_hash, status: row.status, body: row.body } : null;
  }

  async saveIdempotencyRecord(key: string, r: IdempotencyRecord, at: string): Promise<void> {
    this.db
      .prepare('INSERT OR IGNORE INTO idempotency_keys (key, request_hash, status, body, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(key, r.requestHash, r.status, r.body, at);
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
