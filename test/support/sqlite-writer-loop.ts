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
while (running) {
  await store.saveSyncCursor({ ...emptyCursor('sichuan'), applied: n++ });
  await new Promise((r) => setImmediate(r));
}
await store.close();
process.send?.({ commits: n });
process.exit(0);
