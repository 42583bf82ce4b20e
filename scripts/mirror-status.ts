// npm run mirror:status -- --province <id> [--json]
// What the province holds of other provinces' catalogues, through the gateway as its administrator:
// its mirrors per state, how far behind each source province's change feed its sync worker is, and
// its latest mount jobs (newest first). A plain-text table, or the gateway's answer as JSON.
import { command } from '../common/cli.js';
import { ADMIN_OPTIONS, ADMIN_OPTIONS_USAGE, adminSession, formatSeconds, print, type MountJob } from './admin-client.js';
import { STATUS, STATUS_JOBS } from './admin-operations.js';

const COMMAND = {
  name: 'mirror:status',
  usage:
    `usage: npm run mirror:status -- --province ID [--json] ${ADMIN_OPTIONS_USAGE}\n` +
    '  The province’s mirrors per state, its sync lag per source province and its latest 20 mount jobs.\n' +
    '  --json prints { mirrorSyncStatus, mountJobs } as the gateway answers them.',
};

interface MirrorSyncStatus {
  province: string;
  states: { state: string; count: number }[];
  sources: {
    source: string;
    checkedAt: string | null;
    lagSeconds: number | null;
    lastChangeAt: string | null;
    lastError: string | null;
    nextAttemptAt: string | null;
    changesRead: number;
  }[];
}

/** Columns padded to their widest cell, numbers right-aligned; the last column (free text) is not padded. */
function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  const numeric = headers.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number'));
  return cells
    .map((r) =>
      r
        .map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : i === r.length - 1 ? c : c.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd(),
    )
    .map((line) => `  ${line}\n`)
    .join('');
}

const STATE_MEANING: Record<string, string> = {
  CURRENT: 'in step with its source',
  CHANGED: 'its source changed: waiting for review (acceptMirrorChange)',
  WITHDRAWN: 'its source was withdrawn',
  UNSHARED: 'its source is no longer shared (NOT_SHARED)',
};

const time = (iso: string | null) => (iso ? iso.replace(/\.\d{3}Z$/, 'Z') : '-');
const problem = (lastError: string | null, nextAttemptAt: string | null) =>
  lastError ? `${lastError}${nextAttemptAt ? `; next attempt at ${time(nextAttemptAt)}` : ''}` : '-';

function statusText(status: MirrorSyncStatus, jobs: MountJob[]): string {
  const states = table(
    ['STATE', 'MIRRORS', 'MEANING'],
    status.states.map((s) => [s.state, s.count, STATE_MEANING[s.state] ?? '']),
  );
  const sources = table(
    ['SOURCE', 'LAG', 'CHECKED AT', 'LAST CHANGE AT', 'CHANGES READ', 'PROBLEM'],
    status.sources.map((s) => [
      s.source,
      s.lagSeconds === null ? 'never synced' : formatSeconds(s.lagSeconds),
      time(s.checkedAt),
      time(s.lastChangeAt),
      s.changesRead,
      problem(s.lastError, s.nextAttemptAt),
    ]),
  );
  const jobRows = jobs.map((j) => [
    j.id,
    j.source,
    j.state,
    j.mounted,
    j.skipped,
    j.failed,
    j.total ?? '?',
    time(j.createdAt),
    time(j.finishedAt),
    problem(j.lastError, j.nextAttemptAt),
  ]);
  const jobTable = jobs.length
    ? table(['JOB', 'SOURCE', 'STATE', 'MOUNTED', 'SKIPPED', 'FAILED', 'TOTAL', 'CREATED', 'FINISHED', 'PROBLEM'], jobRows)
    : '  (none)\n';
  return (
    `${status.province} mirrors by state (not counting mirrors the province withdrew)\n${states}\n` +
    `sync lag per source province (how long since its change feed was read to the end)\n${sources}\n` +
    `mount jobs, newest first (at most ${STATUS_JOBS})\n${jobTable}`
  );
}

command({ ...COMMAND, options: { ...ADMIN_OPTIONS, json: { type: 'boolean' } } }, async ({ values }) => {
  const session = adminSession(values);
  try {
    const r = await session.run<{ mirrorSyncStatus: MirrorSyncStatus; mountJobs: MountJob[] }>(STATUS);
    await print(
      values.json
        ? `${JSON.stringify({ mirrorSyncStatus: r.mirrorSyncStatus, mountJobs: r.mountJobs }, null, 2)}\n`
        : statusText(r.mirrorSyncStatus, r.mountJobs),
    );
  } finally {
    await session.close();
  }
});
