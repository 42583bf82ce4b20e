// Verifies chains on either backend against their signed checkpoints (npm run audit:verify):
//   1. every checkpoint's signature, with the public key of the instance the chain belongs to;
//   2. the chain from record 1: consecutive seqs, each record linked to the one before and
//      matching its own hash, and each checkpointed record still carrying the checkpointed hash
//      (a chain rewritten from an edited record on, hashes and all, fails here);
//   3. no checkpoint past the end: a tail cut off after a checkpoint is detected;
//   4. on PostgreSQL, the chain's head row agrees with its last record.
// The first problem found is the one reported, in that order of the walk.
import Database from 'better-sqlite3';
import pg from 'pg';
import { EMPTY_HEAD, rowProblem, type ChainHead, type ChainRow } from './chain.js';
import { verifyCheckpoint, type ChainKeys, type CheckpointPayload } from './checkpoints.js';
import { describePgUrl, pgChains, pgCheckpoints, pgErrorText, pgHead, pgRows } from './postgres-chain.js';
import { sqliteChainName, sqliteCheckpoints, sqliteRows } from './sqlite-chain.js';

export interface ChainReport {
  chain: string;
  location: string;
  ok: boolean;
  /** Records that verify (before the first broken one). */
  records: number;
  head: ChainHead;
  /** Checkpoints whose signature verifies, and the last of them within the chain. */
  checkpoints: number;
  lastCheckpoint: CheckpointPayload | null;
  /** Why the chain does not verify, and the first record concerned where there is one. */
  reason?: string;
  brokenAt?: number;
}

type StoredCheckpoint = { seq: number; hash: string; at: string; jws: string };

export async function verifyChain(
  chain: string,
  location: string,
  rows: Iterable<ChainRow> | AsyncIterable<ChainRow>,
  stored: StoredCheckpoint[],
  trust: (chain: string) => Promise<ChainKeys>,
  storedHead?: ChainHead | null,
): Promise<ChainReport> {
  const report: ChainReport = { chain, location, ok: false, records: 0, head: EMPTY_HEAD, checkpoints: 0, lastCheckpoint: null };
  const broken = (reason: string, brokenAt?: number): ChainReport => ({ ...report, reason, ...(brokenAt ? { brokenAt } : {}) });

  const valid: CheckpointPayload[] = [];
  let forged: string | null = null;
  if (stored.length > 0) {
    let keys: ChainKeys;
    try {
      keys = await trust(chain);
    } catch (err) {
      return broken(`its checkpoints cannot be verified: ${(err as Error).message}`);
    }
    for (const cp of stored) {
      const check = await verifyCheckpoint(cp.jws, chain, keys);
      const problem = !check.ok
        ? check.reason
        : check.payload.seq !== cp.seq || check.payload.hash !== cp.hash
          ? `the stored row (#${cp.seq}) differs from what was signed (#${check.payload.seq})`
          : null;
      if (problem) forged ??= `checkpoint #${cp.seq} is forged or altered: ${problem}`;
      else if (check.ok) valid.push(check.payload);
    }
    valid.sort((a, b) => a.seq - b.seq);
  }

  let next = 0; // the first valid checkpoint not yet reached by the walk
  let prev: ChainHead = EMPTY_HEAD;
  for await (const row of rows) {
    const problem = rowProblem(prev, row);
    if (problem) return broken(`first broken record #${prev.seq + 1} (${problem})`, prev.seq + 1);
    while (next < valid.length && valid[next]!.seq <= row.seq) {
      const cp = valid[next]!;
      if (cp.seq === row.seq && cp.hash !== row.hash) {
        return broken(`first broken record #${row.seq} (differs from the checkpoint signed at ${cp.at}: the chain was rewritten)`, row.seq);
      }
      report.lastCheckpoint = cp;
      report.checkpoints += 1;
      next += 1;
    }
    prev = row;
    report.records = row.seq;
    report.head = { seq: row.seq, hash: row.hash };
  }
  if (forged) return broken(forged);
  const past = valid[valid.length - 1];
  if (past && past.seq > prev.seq) {
    return broken(`truncated: the chain ends at #${prev.seq} but a checkpoint signed at ${past.at} covers #${past.seq}`, prev.seq + 1);
  }
  if (storedHead === null && prev.seq > 0) return broken(`the chain has records but no head row`);
  if (storedHead && (storedHead.seq !== prev.seq || storedHead.hash !== prev.hash)) {
    return broken(`the chain's head row names #${storedHead.seq} but its records end at #${prev.seq}`, Math.min(storedHead.seq, prev.seq) + 1);
  }
  return { ...report, ok: true };
}

/** One SQLite chain file (its checkpoints are in the same file). */
export async function verifySqliteChain(file: string, trust: (chain: string) => Promise<ChainKeys>): Promise<ChainReport> {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return await verifyChain(sqliteChainName(file), file, sqliteRows(db), sqliteCheckpoints(db), trust);
  } finally {
    db.close();
  }
}

/** Every chain in the given PostgreSQL schemas; a schema without audit tables is skipped (listed in `missing`). */
export async function verifyPostgresChains(
  url: string,
  schemas: string[],
  trust: (chain: string) => Promise<ChainKeys>,
): Promise<{ reports: ChainReport[]; missing: string[] }> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  try {
    await c.connect();
  } catch (err) {
    await c.end().catch(() => {});
    throw new Error(`PostgreSQL ${describePgUrl(url)}: ${pgErrorText(err)}`);
  }
  try {
    const reports: ChainReport[] = [];
    const missing: string[] = [];
    for (const schema of schemas) {
      const chains = await pgChains(c, schema);
      if (chains === null) {
        missing.push(schema);
        continue;
      }
      for (const chain of chains) {
        const location = `PostgreSQL ${describePgUrl(url)} ${schema}/${chain}`;
        const [stored, head] = [await pgCheckpoints(c, schema, chain), await pgHead(c, schema, chain)];
        reports.push(await verifyChain(chain, location, pgRows(c, schema, chain), stored, trust, head));
      }
    }
    return { reports, missing };
  } finally {
    await c.end();
  }
}
