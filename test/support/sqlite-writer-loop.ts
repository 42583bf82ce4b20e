// A second process writing the same SQLite store in a loop (as the sync worker does beside the
// subgraph), for the two-writer test: commits feed-cursor rows until told to stop.
import { SqliteCatalogueStore } from '../../subgraphs/catalogue/store/sqlite-store.js';
import { emptyCursor } from '../../subgraphs/catalogue/store/mirror-sync.js';

const store = new SqliteCatalogueStore(process.argv[2]!);
let n = 0;
let running = true;
process.on('message', () => {
  running = false;
});
process.send?.({ ready: true });
// A pause of a millisecond between commits, as the worker always has (a page fetched through the
// gateway between two commits): SQLite's lock is not fair, and a writer committing back to back with no
// pause at all can keep the other process's busy handler waiting past busy_timeout on a loaded machine.
// Hundreds of commits still land between the other process's reads and writes, which is the case tested.
while (running) {
  await store.saveSyncCursor({ ...emptyCursor('sichuan'), applied: n++ });
  await new Promise((r) => setTimeout(r, 1));
}
await store.close();
process.send?.({ commits: n });
process.exit(0);
