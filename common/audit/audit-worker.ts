// The audit writer thread: owns the chain file, commits each batch in one transaction and
// acknowledges it only after the commit (and its fsync) returned (sqlite-chain.ts).
import { parentPort, workerData } from 'node:worker_threads';
import type { AuditRecord } from './chain.js';
import { AuditChainWriter } from './sqlite-chain.js';

const writer = new AuditChainWriter((workerData as { file: string }).file);
parentPort!.postMessage({ ready: writer.head() });

type Message =
  | { op: 'write'; id: number; records: AuditRecord[] }
  | { op: 'checkpoint'; id: number; checkpoint: { seq: number; hash: string; at: string; jws: string } }
  | { op: 'close' };

parentPort!.on('message', (m: Message) => {
  if (m.op === 'close') {
    writer.close();
    process.exit(0);
  }
  try {
    if (m.op === 'write') parentPort!.postMessage({ id: m.id, head: writer.write(m.records) });
    else {
      writer.storeCheckpoint(m.checkpoint);
      parentPort!.postMessage({ id: m.id });
    }
  } catch (err) {
    parentPort!.postMessage({ id: m.id, error: (err as Error).message });
  }
});
