// Chains in PostgreSQL (DATABASE_URL): one table of records for every chain of an owner, keyed by
// (chain, seq), in a schema of the owner's own (audit_gateway, audit_<province>; open-audit.ts), so
// gateway pods need no volume. Same rows, same hash as a SQLite chain (chain.ts).
//
// - Append-only: triggers refuse UPDATE, DELETE and TRUNCATE of records and checkpoints, and the
//   role that creates them gives up those privileges (REVOKE … FROM PUBLIC, CURRENT_USER).
// - Durable before acknowledged: a batch is one transaction; the append resolves once its COMMIT
//   returned, with synchronous_commit forced on for this connection whatever the server's default
//   (https://www.postgresql.org/docs/current/runtime-config-wal.html#GUC-SYNCHRONOUS-COMMIT).
// - One linear chain however many writers: `heads` holds each chain's last (seq, hash), and a batch
//   is inserted only by the statement that moves that row from the head it was linked to, under
//   the row's lock. The writer keeps the head it last wrote as a hint: one round trip per batch
//   while it is the only writer. When the head moved (a second replica writing the same chain, or
//   a restart), the batch is linked again to the head read under SELECT … FOR UPDATE. A restarted
//   writer continues from the stored head; two writers are serialised, never forked.
// - Fail closed: any error rejects the batch (and every append waiting on it) and drops the
//   connection; the next batch connects again and re-reads the head, as the outcome of a failed
//   COMMIT is unknown.
import pg from 'pg';
import { GENESIS_HASH, linkRecords, type AuditRecord, type ChainBackend, type ChainHead, type ChainRow } from './chain.js';

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** The URL without credentials, for messages. */
export function describePgUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname || 'localhost'}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return '(unparseable DATABASE_URL)';
  }
}

/** Node reports a refused dual-stack connect as an AggregateError with an empty message. */
export function pgErrorText(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0) return err.errors.map(pgErrorText).join('; ');
  if (err instanceof Error) return err.message || String((err as NodeJS.ErrnoException).code ?? err.name);
  return String(err);
}

// `at` and `body` are text, not timestamptz / jsonb: the hash covers the exact characters, and
// jsonb would re-serialise the body (key order, spacing). Query it with body::jsonb.
const MIGRATIONS: ((s: string) => string)[] = [
  (s) => `
    CREATE TABLE ${s}.records (
      chain text NOT NULL,
      seq bigint NOT NULL CHECK (seq > 0),
      at text NOT NULL,
      body text NOT NULL,
      prev_hash text NOT NULL,
      hash text NOT NULL,
      PRIMARY KEY (chain, seq)
    );
    CREATE TABLE ${s}.checkpoints (
      chain text NOT NULL,
      seq bigint NOT NULL,
      hash text NOT NULL,
      at text NOT NULL,
      jws text NOT NULL,
      PRIMARY KEY (chain, seq)
    );
    CREATE TABLE ${s}.heads (
      chain text PRIMARY KEY,
      seq bigint NOT NULL,
      hash text NOT NULL
    );
    CREATE FUNCTION ${s}.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'audit log is append-only' USING ERRCODE = 'insufficient_privilege'; END
    $$;
    CREATE TRIGGER records_append_only BEFORE UPDATE OR DELETE ON ${s}.records FOR EACH ROW EXECUTE FUNCTION ${s}.refuse_change();
    CREATE TRIGGER records_no_truncate BEFORE TRUNCATE ON ${s}.records FOR EACH STATEMENT EXECUTE FUNCTION ${s}.refuse_change();
    CREATE TRIGGER checkpoints_append_only BEFORE UPDATE OR DELETE ON ${s}.checkpoints FOR EACH ROW EXECUTE FUNCTION ${s}.refuse_change();
    CREATE TRIGGER checkpoints_no_truncate BEFORE TRUNCATE ON ${s}.checkpoints FOR EACH STATEMENT EXECUTE FUNCTION ${s}.refuse_change();
    REVOKE UPDATE, DELETE, TRUNCATE ON ${s}.records, ${s}.checkpoints FROM PUBLIC, CURRENT_USER;
  `,
];

const MIGRATION_LOCK = 7302;

/** Creates or migrates an audit schema; two processes starting together wait for each other. */
async function migrate(c: pg.Client, schema: string): Promise<void> {
  const s = quoteIdent(schema);
  await c.query('BEGIN');
  try {
    await c.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [MIGRATION_LOCK, schema]);
    // CREATE … IF NOT EXISTS still demands CREATE privilege, so look first: a role with only
    // INSERT and SELECT can write to a schema a DBA created.
    const log = await c.query<{ t: string | null }>('SELECT to_regclass($1) AS t', [`${s}.schema_migrations`]);
    if (log.rows[0]?.t == null) {
      await c.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
      await c.query(`CREATE TABLE IF NOT EXISTS ${s}.schema_migrations (version int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
    }
    const { rows } = await c.query<{ v: number | null }>(`SELECT max(version) AS v FROM ${s}.schema_migrations`);
    const current = rows[0]?.v ?? 0;
    if (current > MIGRATIONS.length) throw new Error(`audit schema version ${current} is newer than this build (${MIGRATIONS.length})`);
    for (let v = current; v < MIGRATIONS.length; v++) {
      await c.query(MIGRATIONS[v]!(s));
      await c.query(`INSERT INTO ${s}.schema_migrations (version) VALUES ($1)`, [v + 1]);
    }
    await c.query('COMMIT');
  } catch (err) {
    await c.query('ROLLBACK').catch(() => {});
    throw err;
  }
}

export interface PostgresChainOptions {
  /** How long a connection attempt may take before the append fails (default 5 s). */
  connectTimeoutMs?: number;
  /** How long one statement may take before the append fails (default 10 s). */
  queryTimeoutMs?: number;
}

export class PostgresChainBackend implements ChainBackend {
  readonly location: string;
  private readonly s: string;
  private client: pg.Client | null = null;
  private migrated = false;
  /** The head this writer last wrote or read: right unless another writer appended since. */
  private hint: ChainHead | null = null;
  private tail: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly url: string,
    readonly schema: string,
    readonly chain: string,
    private readonly opts: PostgresChainOptions = {},
  ) {
    if (!SCHEMA_NAME.test(schema)) throw new Error(`audit: PostgreSQL schema name ${JSON.stringify(schema)} must match ${SCHEMA_NAME}`);
    this.s = quoteIdent(schema);
    this.location = `PostgreSQL ${describePgUrl(url)} schema ${schema}, chain ${chain}`;
  }

  /** One operation at a time on the one connection: a checkpoint never lands inside a batch's transaction. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn, fn);
    this.tail = run.catch(() => {});
    return run;
  }

  private drop(c: pg.Client): void {
    if (this.client === c) {
      this.client = null;
      this.hint = null;
    }
    c.end().catch(() => {});
  }

  private async connection(): Promise<pg.Client> {
    if (this.closed) throw new Error('audit log is closed');
    if (this.client) return this.client;
    const c = new pg.Client({
      connectionString: this.url,
      connectionTimeoutMillis: this.opts.connectTimeoutMs ?? 5000,
      query_timeout: this.opts.queryTimeoutMs ?? 10_000,
      application_name: `chuanyu-audit ${this.chain}`.slice(0, 63),
    });
    // A connection that dies (server restart, network) emits 'error'; unhandled it would end the
    // process. The next batch connects again.
    c.on('error', () => this.drop(c));
    try {
      await c.connect();
      await c.query('SET synchronous_commit = on');
      if (!this.migrated) {
        await migrate(c, this.schema);
        this.migrated = true;
      }
      await c.query(`INSERT INTO ${this.s}.heads (chain, seq, hash) VALUES ($1, 0, $2) ON CONFLICT (chain) DO NOTHING`, [this.chain, GENESIS_HASH]);
    } catch (err) {
      c.end().catch(() => {});
      throw new Error(`audit: PostgreSQL ${describePgUrl(this.url)} schema ${this.schema}: ${pgErrorText(err)}`, { cause: err });
    }
    this.client = c;
    this.hint = null;
    return c;
  }

  private async readHead(c: pg.Client, lock: boolean): Promise<ChainHead> {
    const r = await c.query<{ seq: string; hash: string }>(`SELECT seq, hash FROM ${this.s}.heads WHERE chain = $1${lock ? ' FOR UPDATE' : ''}`, [this.chain]);
    const row = r.rows[0];
    if (!row) throw new Error(`audit: chain ${this.chain} has no head row in ${this.schema}.heads`);
    return { seq: Number(row.seq), hash: row.hash };
  }

  /** Inserts `rows` if and only if the chain's head is still `from`: one statement, atomic, under the head row's lock. */
  private async insertAfter(c: pg.Client, from: ChainHead, rows: ChainRow[]): Promise<boolean> {
    const to = rows[rows.length - 1]!;
    const r = await c.query(
      `WITH moved AS (
         UPDATE ${this.s}.heads SET seq = $4, hash = $5 WHERE chain = $1 AND seq = $2 AND hash = $3 RETURNING chain
       )
       INSERT INTO ${this.s}.records (chain, seq, at, body, prev_hash, hash)
       SELECT moved.chain, r.seq, r.at, r.body, r.prev_hash, r.hash
       FROM moved CROSS JOIN unnest($6::bigint[], $7::text[], $8::text[], $9::text[], $10::text[]) AS r(seq, at, body, prev_hash, hash)`,
      [
        this.chain,
        from.seq,
        from.hash,
        to.seq,
        to.hash,
        rows.map((x) => x.seq),
        rows.map((x) => x.at),
        rows.map((x) => x.body),
        rows.map((x) => x.prevHash),
        rows.map((x) => x.hash),
      ],
    );
    return r.rowCount === rows.length;
  }

  private wrote(rows: ChainRow[]): ChainHead {
    const last = rows[rows.length - 1]!;
    this.hint = { seq: last.seq, hash: last.hash };
    return this.hint;
  }

  ready(): Promise<ChainHead> {
    return this.serial(async () => {
      const c = await this.connection();
      try {
        this.hint = await this.readHead(c, false);
        return this.hint;
      } catch (err) {
        this.drop(c);
        throw err;
      }
    });
  }

  write(records: readonly AuditRecord[]): Promise<ChainHead> {
    return this.serial(async () => {
      const c = await this.connection();
      try {
        if (this.hint) {
          const rows = linkRecords(this.hint, records);
          if (await this.insertAfter(c, this.hint, rows)) return this.wrote(rows);
        }
        await c.query('BEGIN');
        try {
          const head = await this.readHead(c, true);
          const rows = linkRecords(head, records);
          if (!(await this.insertAfter(c, head, rows))) throw new Error(`audit: the head of chain ${this.chain} moved while locked`);
          await c.query('COMMIT');
          return this.wrote(rows);
        } catch (err) {
          await c.query('ROLLBACK').catch(() => {});
          throw err;
        }
      } catch (err) {
        this.drop(c);
        throw new Error(`audit: PostgreSQL ${describePgUrl(this.url)} schema ${this.schema}: ${pgErrorText(err)}`, { cause: err });
      }
    });
  }

  storeCheckpoint(cp: { seq: number; hash: string; at: string; jws: string }): Promise<void> {
    return this.serial(async () => {
      const c = await this.connection();
      try {
        await c.query(`INSERT INTO ${this.s}.checkpoints (chain, seq, hash, at, jws) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (chain, seq) DO NOTHING`, [
          this.chain,
          cp.seq,
          cp.hash,
          cp.at,
          cp.jws,
        ]);
      } catch (err) {
        this.drop(c);
        throw err;
      }
    });
  }

  onFatal(): void {
    // Nothing is fatal: every batch gets a fresh chance to connect.
  }

  async close(): Promise<void> {
    await this.serial(async () => {
      this.closed = true;
      const c = this.client;
      this.client = null;
      await c?.end().catch(() => {});
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Reading, for audit:verify (verify.ts)

/** The chains of an audit schema (those with a head, a record or a checkpoint), or null if the schema has none of the tables. */
export async function pgChains(c: pg.Client, schema: string): Promise<string[] | null> {
  const s = quoteIdent(schema);
  const t = await c.query<{ t: string | null }>('SELECT to_regclass($1) AS t', [`${s}.records`]);
  if (t.rows[0]?.t == null) return null;
  const r = await c.query<{ chain: string }>(
    `SELECT chain FROM ${s}.heads UNION SELECT chain FROM ${s}.checkpoints UNION SELECT DISTINCT chain FROM ${s}.records ORDER BY chain`,
  );
  return r.rows.map((x) => x.chain);
}

/** A chain's records in order, a page at a time (a keyset on seq, so memory stays flat). */
export async function* pgRows(c: pg.Client, schema: string, chain: string, page = 5000): AsyncGenerator<ChainRow> {
  const s = quoteIdent(schema);
  let after = 0;
  for (;;) {
    const r = await c.query<{ seq: string; at: string; body: string; prev_hash: string; hash: string }>(
      `SELECT seq, at, body, prev_hash, hash FROM ${s}.records WHERE chain = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
      [chain, after, page],
    );
    for (const row of r.rows) yield { seq: Number(row.seq), at: row.at, body: row.body, prevHash: row.prev_hash, hash: row.hash };
    if (r.rows.length < page) return;
    after = Number(r.rows.at(-1)!.seq);
  }
}

export async function pgCheckpoints(c: pg.Client, schema: string, chain: string): Promise<{ seq: number; hash: string; at: string; jws: string }[]> {
  const r = await c.query<{ seq: string; hash: string; at: string; jws: string }>(
    `SELECT seq, hash, at, jws FROM ${quoteIdent(schema)}.checkpoints WHERE chain = $1 ORDER BY seq`,
    [chain],
  );
  return r.rows.map((x) => ({ ...x, seq: Number(x.seq) }));
}

export async function pgHead(c: pg.Client, schema: string, chain: string): Promise<ChainHead | null> {
  const r = await c.query<{ seq: string; hash: string }>(`SELECT seq, hash FROM ${quoteIdent(schema)}.heads WHERE chain = $1`, [chain]);
  const row = r.rows[0];
  return row ? { seq: Number(row.seq), hash: row.hash } : null;
}
