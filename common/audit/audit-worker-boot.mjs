// Entry point of the audit writer thread. Node 20 does not pass a loader given with --import
// on to worker threads, so the thread registers tsx itself before loading the TypeScript
// writer.
import { register } from 'tsx/esm/api';

register();
await import(new URL('./audit-worker.ts', import.meta.url).href);
