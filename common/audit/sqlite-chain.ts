// A chain in its own SQLite file (`<data dir>/audit/<chain>.sqlite`), written by a worker thread
// (audit-worker.ts) so the fsync never blocks the event loop. WAL with synchronous=FULL: a batch
// is on disk when its COMMIT returns (https://www.sqlite.org/pragma.html#pragma_synchronous).
// The tables refuse UPDATE and DELETE by trigger; checkpoints live in the same file.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { EMPTY_HEAD, linkRecords, rowProblem, type AuditRecord, type ChainBackend, type ChainHead, type ChainRow } from './chain.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS audit (
  seq INTEGER PRIMARY KEY,
  at TEXT NOT NULL,
  body TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
) STRICT;
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
CREATE TABLE IF NOT EXISTS checkpoints (
  seq INTEGER PRIMARY KEY,
  hash TEXT NOT NULL,
  at TEXT NOT NULL,
  jws TEXT NOT NULL
) STRICT;
CREATE TRIGGER IF NOT EXISTS checkpoints_no_update BEFORE UPDATE ON checkpoints BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS checkpoints_no_delete BEFORE DELETE ON checkpoints BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
`;

/** A SQLite chain is named by its file, as the instances have always named their files. */
export function sqliteChainName(file: string): string {
  return path.basename(file, '.sqlite');
}

/** Writes records to one chain file; runs inside the audit worker thread (audit-worker.ts). */
export class AuditChainWriter {
  private readonly db: Database.Database;
  private readonly insert: Database.Statement;
  private readonly last: Database.Statement;
  private readonly insertCheckpoint: Database.Statement;
  private readonly append: Database.Transaction<(records: readonly AuditRecord[]) => ChainHead>;

  constructor(readonly file: string) {
    mkdirSync(path.dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.exec(SCHEMA);
    this.last = this.db.prepare('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1');
    this.insert = this.db.prepare('INSERT INTO audit (seq, at, body, prev_hash, hash) VALUES (?, ?, ?, ?, ?)');
    this.insertCheckpoint = this.db.prepare('INSERT OR IGNORE INTO checkpoints (seq, hash, at, jws) VALUES (?, ?, ?, ?)');
    // Built once: better-sqlite3 wraps the function anew on every db.transaction() call.
    this.append = this.db.transaction((records: readonly AuditRecord[]) => {
      let head = this.head();
      for (const r of linkRecords(head, records)) {
        this.insert.run(r.seq, r.at, r.body, r.prevHash, r.hash);
        head = r;
      }
      return { seq: head.seq, hash: head.hash };
    });
  }

  head(): ChainHead {
    return (this.last.get() as ChainHead | undefined) ?? EMPTY_HEAD;
  }

  /**
   * One transaction (one fsync) for the whole batch. The head is read inside it, under SQLite's
   * write lock (BEGIN IMMEDIATE), so a second process on the same file continues the chain rather
   * than forking it.
   */
  write(records: readonly AuditRecord[]): ChainHead {
    return this.append.immediate(records);
  }

  storeCheckpoint(cp: { seq: number; hash: string; at: string; jws: string }): void {
    this.insertCheckpoint.run(cp.seq, cp.hash, cp.at, cp.jws);
  }

  close(): void {
    this.db.close();
  }
}

type FromWorker = { ready: ChainHead } | { id: number; head?: ChainHead; error?: string };

/** The main-thread side of a SQLite chain: each call is a message to the writer thread, answered after its commit. */
export class SqliteChainBackend implements ChainBackend {
  readonly chain: string;
  readonly location: string;
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (head?: ChainHead) => void; reject: (err: Error) => void }>();
  private nextId = 1;
  private readonly opened: Promise<ChainHead>;
  private fatal: Error | null = null;
  private fatalListeners: ((err: Error) => void)[] = [];

  constructor(readonly file: string) {
    this.chain = sqliteChainName(file);
    this.location = file;
    // Compiled (dist/…/sqlite-chain.js): the writer is plain JavaScript next to this file. From
    // source under tsx: a small boot file registers tsx inside the thread first (Node 20 does not
    // pass --import loaders on to worker threads).
    const compiled = import.meta.url.endsWith('.js');
    this.worker = new Worker(new URL(compiled ? './audit-worker.js' : './audit-worker-boot.mjs', import.meta.url), { workerData: { file } });
    let markOpen: (head: ChainHead) => void = () => {};
    let failOpen: (err: Error) => void = () => {};
    this.opened = new Promise((resolve, reject) => {
      markOpen = resolve;
      failOpen = reject;
    });
    // Nobody may ask whether it opened (a log that only appends): its failure still reaches the appends.
    this.opened.catch(() => {});
    this.worker.on('message', (m: FromWorker) => {
      if ('ready' in m) return markOpen(m.ready);
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (m.error) p?.reject(new Error(m.error));
      else p?.resolve(m.head);
    });
    const fail = (err: Error) => {
      if (this.fatal) return;
      this.fatal = err;
      failOpen(err);
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
      for (const l of this.fatalListeners) l(err);
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => {
      if (code !== 0) fail(new Error(`audit writer exited (${code})`));
    });
  }

  onFatal(listener: (err: Error) => void): void {
    if (this.fatal) listener(this.fatal);
    else this.fatalListeners.push(listener);
  }

  ready(): Promise<ChainHead> {
    return this.opened;
  }

  private call(message: Record<string, unknown>): Promise<ChainHead | undefined> {
    if (this.fatal) return Promise.reject(this.fatal);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...message, id });
    });
  }

  async write(records: readonly AuditRecord[]): Promise<ChainHead> {
    return (await this.call({ op: 'write', records }))!;
  }

  async storeCheckpoint(checkpoint: { seq: number; hash: string; at: string; jws: string }): Promise<void> {
    await this.call({ op: 'checkpoint', checkpoint });
  }

  async close(): Promise<void> {
    if (this.fatal) return;
    const exited = new Promise<void>((r) => this.worker.once('exit', () => r()));
    this.worker.postMessage({ op: 'close' });
    await exited;
  }
}

/** The records of a chain file in order, read without loading them all. */
export function* sqliteRows(db: Database.Database): Generator<ChainRow> {
  for (const r of db.prepare('SELECT seq, at, body, prev_hash AS prevHash, hash FROM audit ORDER BY seq').iterate()) yield r as ChainRow;
}

/** The stored checkpoints of a chain file (none in a file written before checkpoints existed). */
export function sqliteCheckpoints(db: Database.Database): { seq: number; hash: string; at: string; jws: string }[] {
  const has = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'checkpoints'").get();
  return has ? (db.prepare('SELECT seq, hash, at, jws FROM checkpoints ORDER BY seq').all() as { seq: number; hash: string; at: string; jws: string }[]) : [];
}

export type ChainCheck = { ok: true; records: number; lastHash: string } | { ok: false; records: number; brokenAt: number; reason: string };

/** Recompute the chain from the first record; name the first record that does not fit (the chain alone; verify.ts adds the checkpoints). */
export function verifyAuditFile(file: string): ChainCheck {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    let prev: ChainHead = EMPTY_HEAD;
    for (const row of sqliteRows(db)) {
      const problem = rowProblem(prev, row);
      if (problem) return { ok: false, records: prev.seq, brokenAt: prev.seq + 1, reason: problem };
      prev = row;
    }
    return { ok: true, records: prev.seq, lastHash: prev.hash };
  } finally {
    db.close();
  }
}
