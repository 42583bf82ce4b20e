// The hash chain itself, the same for every backend (docs/DESIGN.md §4; docs/ARCHITECTURE.md
// "Audit"): record `seq` carries `hash = SHA-256(prevHash \n seq \n at \n body)` over the canonical
// JSON body, and `prevHash` is the hash of record `seq - 1` (64 zeros for record 1). Altering,
// removing or reordering a record breaks the chain at that point; truncating its tail does not,
// which is what signed checkpoints are for (checkpoints.ts).
import { createHash } from 'node:crypto';

export type AuditRecord = Record<string, unknown>;

export const GENESIS_HASH = '0'.repeat(64);

/** Where a chain stands: its last record (seq 0 and the genesis hash for an empty chain). */
export interface ChainHead {
  seq: number;
  hash: string;
}

export const EMPTY_HEAD: ChainHead = { seq: 0, hash: GENESIS_HASH };

/** One stored record, as both backends keep it. `at` and `body` are text so the hash input is exactly what is stored. */
export interface ChainRow {
  seq: number;
  at: string;
  body: string;
  prevHash: string;
  hash: string;
}

/** Canonical JSON: keys sorted at every level, so the hash does not depend on key order. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value as object)
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
}

export function chainHash(prevHash: string, seq: number, at: string, body: string): string {
  return createHash('sha256').update(`${prevHash}\n${seq}\n${at}\n${body}`).digest('hex');
}

/** The rows that append `records` after `head`, stamped now. */
export function linkRecords(head: ChainHead, records: readonly AuditRecord[], now: () => Date = () => new Date()): ChainRow[] {
  let { seq, hash } = head;
  return records.map((r) => {
    seq += 1;
    const at = now().toISOString();
    const body = canonicalJson(r);
    const row = { seq, at, body, prevHash: hash, hash: chainHash(hash, seq, at, body) };
    hash = row.hash;
    return row;
  });
}

/** Why a row does not continue the chain after `prev`, or null. */
export function rowProblem(prev: ChainHead, row: ChainRow): string | null {
  if (row.seq !== prev.seq + 1) return `record ${prev.seq + 1} is missing`;
  if (row.prevHash !== prev.hash) return 'previous-hash link does not match';
  if (chainHash(prev.hash, row.seq, row.at, row.body) !== row.hash) return 'record content does not match its hash';
  return null;
}

/**
 * Where one chain is stored (SQLite file, PostgreSQL table): row access only. Group commit,
 * checkpoints and fail-closed appends are `AuditLog`'s (audit-log.ts), the same for every backend.
 */
export interface ChainBackend {
  readonly chain: string;
  /** For messages: the file, or the PostgreSQL schema and chain (never credentials). */
  readonly location: string;
  /** Opens the chain (creating its tables) and says where it stands. */
  ready(): Promise<ChainHead>;
  /**
   * Appends the records after the stored head, read under the chain's write lock, in one
   * transaction; resolves with the new head only after COMMIT returned (the records are durable).
   */
  write(records: readonly AuditRecord[]): Promise<ChainHead>;
  storeCheckpoint(checkpoint: { seq: number; hash: string; at: string; jws: string }): Promise<void>;
  close(): Promise<void>;
  /** Called once if the backend can never write again (the SQLite writer thread died). */
  onFatal(listener: (err: Error) => void): void;
}
