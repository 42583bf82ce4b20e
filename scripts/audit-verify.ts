// `npm run audit:verify [-- FILE …]`: verify audit chains; with no argument, every chain in
// the data directory's audit/ folder. Exit 1 and name the first broken record if any fails.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { loadStackConfig } from '../common/config.js';
import { verifyAuditFile } from '../common/audit/audit-log.js';

let files = process.argv.slice(2).filter((a) => a !== '--');
if (files.length === 0) {
  const dir = path.join(loadStackConfig().dataDir, 'audit');
  files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.sqlite')).map((f) => path.join(dir, f)) : [];
  if (files.length === 0) {
    process.stderr.write(`audit:verify: no audit logs in ${dir}\n`);
    process.exit(2);
  }
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
process.exit(failed ? 1 : 0);
