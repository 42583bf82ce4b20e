// The audit writer thread: owns the chain file, commits each batch in one transaction and
// acknowledges it only after the commit (and its fsync) returned.
import { parentPort, workerData } from 'node:worker_threads';
import { AuditChainWriter, type AuditRecord } from './audit-log.js';

const writer = new AuditChainWriter((workerData as { file: string }).file);

parentPort!.on('message', (m: { id?: number; records?: AuditRecord[]; close?: boolean }) => {
  if (m.close) {
    writer.close();
    process.exit(0);
  }
  try {
    writer.write(m.records ?? []);
    parentPort!.postMessage({ id: m.id });
  } catch (err) {
    parentPort!.postMessage({ id: m.id, error: (err as Error).message });
  }
});
