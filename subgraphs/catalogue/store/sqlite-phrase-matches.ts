// How many entries a search phrase matches, and for a phrase of many matches the matches
// themselves, kept on the store's connection until its data changes. A page then checks each row
// against a table of the matches (a b-tree lookup) instead of re-running the FTS phrase query,
// which collected every match again for every page: at 100,000 entries 营业执照 matches ~8,000
// (1.2 ms to count them, ~2.5 ms to collect them, 0.3 ms for the page walking the table); at
// 3,500 entries its ~290 matches took 0.7 ms a page, 0.3 ms now. The tables are TEMP (SQLite:
// private to this connection, never in the store's file), a fixed set of slots so the statements
// that read them stay prepared; the least recently used phrase gives its slot up.
import type Database from 'better-sqlite3';
import { BoundedCache } from '../../../common/bounded-cache.js';

interface Slot {
  table: string;
  fill: Database.Statement<[string]>;
  empty: Database.Statement<[]>;
}

export class PhraseMatches {
  private readonly slots: Slot[] = [];
  private readonly free: Slot[] = [];
  private readonly count: Database.Statement<[string], { n: number }>;
  /** Phrases of few matches: their count only (FTS finds them again cheaply). */
  private readonly few = new BoundedCache<true>(1000);
  /** Phrases of more matches, each holding a slot it gives back when it leaves. */
  private readonly many: BoundedCache<{ matches: number; slot: Slot | null }>;

  constructor(
    db: Database.Database,
    private readonly keepAbove: number,
    slots = 16,
  ) {
    for (let i = 0; i < slots; i++) {
      const table = `phrase_hits_${i}`;
      db.exec(`CREATE TEMP TABLE IF NOT EXISTS ${table} (r INTEGER PRIMARY KEY)`);
      const slot = {
        table: `temp.${table}`,
        fill: db.prepare<[string]>(`INSERT INTO temp.${table} (r) SELECT rowid FROM entries_fts WHERE entries_fts MATCH ?`),
        empty: db.prepare<[]>(`DELETE FROM temp.${table}`),
      };
      this.slots.push(slot);
      this.free.push(slot);
    }
    this.count = db.prepare('SELECT count(*) AS n FROM entries_fts WHERE entries_fts MATCH ?');
    this.many = new BoundedCache(slots, (m) => {
      if (!m.slot) return;
      m.slot.empty.run();
      this.free.push(m.slot);
      m.slot = null;
    });
  }

  /**
   * The TEMP table of the phrase's matching rowids (column `r`), or null for a phrase of few
   * matches (or when every slot is taken); call inside the transaction that reads the page.
   */
  tableOf(phrase: string): string | null {
    const many = this.many.get(phrase);
    if (many) return many.slot?.table ?? null;
    if (this.few.get(phrase)) return null;
    const matches = this.count.get(phrase)!.n;
    if (matches <= this.keepAbove) {
      this.few.set(phrase, true);
      return null;
    }
    const entry: { matches: number; slot: Slot | null } = { matches, slot: null };
    // Full: setting it evicts the least recently used such phrase, whose slot is then free.
    this.many.set(phrase, entry);
    const slot = this.free.pop() ?? null;
    if (slot) {
      slot.fill.run(phrase);
      entry.slot = slot;
    }
    return slot?.table ?? null;
  }

  /** The data changed: forget every phrase and empty the tables. */
  clear(): void {
    this.few.clear();
    this.many.clear();
  }
}
