// `npm run audit:verify [-- FILE …]`: verify audit chains against their signed checkpoints
// (common/audit/verify.ts). SQLite: the files given, else every chain in <data dir>/audit/. With
// DATABASE_URL set: also every chain in PostgreSQL (the schemas audit_gateway and audit_<province>,
// or those named with --schema), and the SQLite files only when given or present. One line per
// chain: OK with its records and last checkpoint, or BROKEN with the reason. Exits 1 if any chain
// fails (or cannot be read).
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { auditPgSchemas, auditTrust } from '../common/audit/open-audit.js';
import { verifyPostgresChains, verifySqliteChain, type ChainReport } from '../common/audit/verify.js';
import { STACK_DIR_OPTIONS, UsageError, command, stackConfigFrom } from '../common/cli.js';

function line(r: ChainReport): string {
  if (!r.ok) {
    const before = r.brokenAt ? `; ${r.records} records before it verify` : `; ${r.records} records`;
    return `BROKEN  ${r.location}: ${r.reason}${before}\n`;
  }
  const cp = r.lastCheckpoint;
  const checkpoint = cp ? `last checkpoint #${cp.seq} signed ${cp.at} (${r.records - cp.seq} records after it)` : 'no checkpoint';
  return `OK      ${r.location}: ${r.records} records, head ${r.head.hash.slice(0, 16)}…, ${checkpoint}\n`;
}

command(
  {
    name: 'audit:verify',
    usage:
      'usage: npm run audit:verify [-- [--config-dir DIR] [--certs-dir DIR] [--data-dir DIR] [--schema NAME …] [FILE …]]\n' +
      '  SQLite: the FILEs, else every chain in <data dir>/audit/. With DATABASE_URL: also every chain in PostgreSQL\n' +
      '  (schemas audit_gateway and audit_<province>, or each --schema). Checkpoints verify with the public keys under --certs-dir.',
    options: { ...STACK_DIR_OPTIONS, schema: { type: 'string', multiple: true } },
    allowPositionals: true,
  },
  async ({ values, positionals }) => {
    const cfg = stackConfigFrom(values);
    const trust = (chain: string) => auditTrust(cfg, chain);
    if (values.schema && !cfg.databaseUrl) throw new UsageError('--schema needs DATABASE_URL');
    let files = positionals;
    const dir = path.join(cfg.dataDir, 'audit');
    if (files.length === 0 && existsSync(dir)) {
      files = readdirSync(dir)
        .filter((f) => f.endsWith('.sqlite'))
        .sort()
        .map((f) => path.join(dir, f));
    }
    if (files.length === 0 && !cfg.databaseUrl) throw new UsageError(`no audit logs in ${dir}`, false);
    let failed = false;
    let chains = 0;
    const report = (r: ChainReport) => {
      chains += 1;
      if (!r.ok) failed = true;
      process.stdout.write(line(r));
    };
    for (const f of files) {
      try {
        report(await verifySqliteChain(f, trust));
      } catch (err) {
        failed = true;
        process.stdout.write(`ERROR   ${f}: ${(err as Error).message}\n`);
      }
    }
    if (cfg.databaseUrl) {
      const { reports, missing } = await verifyPostgresChains(cfg.databaseUrl, values.schema ?? auditPgSchemas(cfg), trust);
      for (const r of reports) report(r);
      // A schema named on the command line must be there; the default ones may not all be used.
      if (values.schema && missing.length > 0) {
        failed = true;
        process.stdout.write(`ERROR   no audit tables in PostgreSQL schema ${missing.join(', ')}\n`);
      }
    }
    if (chains === 0 && !failed) throw new UsageError(`no audit chains${cfg.databaseUrl ? ' in PostgreSQL' : ''} or in ${dir}`, false);
    return failed ? 1 : 0;
  },
);
