// `npm run audit:verify [-- FILE …]`: verify audit chains; with no argument, every chain in the data
// directory's audit/ folder. Exits 1 and names the first broken record if any chain fails.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { verifyAuditFile } from '../common/audit/audit-log.js';
import { loadStackConfig } from '../common/config.js';
import { UsageError, command } from '../common/cli.js';

command(
  {
    name: 'audit:verify',
    usage: 'usage: npm run audit:verify [-- [--data-dir DIR] [FILE …]]   (default: every chain in <data dir>/audit/)',
    options: { 'data-dir': { type: 'string' } },
    allowPositionals: true,
  },
  async ({ values, positionals }) => {
    let files = positionals;
    if (files.length === 0) {
      const dir = path.join(loadStackConfig({ dataDir: values['data-dir'] }).dataDir, 'audit');
      files = existsSync(dir)
        ? readdirSync(dir)
            .filter((f) => f.endsWith('.sqlite'))
            .map((f) => path.join(dir, f))
        : [];
      if (files.length === 0) throw new UsageError(`no audit logs in ${dir}`, false);
    }
    let failed = false;
    for (const f of files) {
      try {
        const r = verifyAuditFile(f);
        if (r.ok) process.stdout.write(`OK      ${f}: ${r.records} records, head ${r.lastHash.slice(0, 16)}…\n`);
        else {
          failed = true;
          process.stdout.write(`BROKEN  ${f}: first broken record #${r.brokenAt} (${r.reason}); ${r.records} records before it verify\n`);
        }
      } catch (err) {
        failed = true;
        process.stdout.write(`ERROR   ${f}: ${(err as Error).message}\n`);
      }
    }
    return failed ? 1 : 0;
  },
);
