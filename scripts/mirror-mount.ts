// npm run mirror:mount -- --province <id> --source <id> [--sharing-types UNCONDITIONAL,CONDITIONAL] [--approval-ref 审批文号] [--no-wait]
// Mounts another province's whole shared catalogue into the province's own (目录互挂) as one job,
// through the gateway as the province's administrator (mountCatalogue), then follows the job
// (mountJob, every 300 ms) until it is DONE, FAILED or CANCELLED: a progress bar on a terminal, plain
// lines when stdout is not one (CI, a pipe). The job runs in the province, by its sync worker:
// Ctrl-C only stops following it. Exit 0 for DONE, 1 for FAILED or CANCELLED (or a refusal), 2 for a
// usage error, 130 when interrupted.
import { JOB, MOUNT } from './admin-operations.js';
import { setTimeout as sleep } from 'node:timers/promises';
import cliProgress from 'cli-progress';
import { UsageError, command } from '../common/cli.js';
import type { ProvinceConfig } from '../common/config.js';
import { SHARING_TYPES } from '../domain/catalogue.js';
import { approvalRefError } from '../domain/grading.js';
import {
  ADMIN_OPTIONS,
  ADMIN_OPTIONS_USAGE,
  FederationUnavailable,
  adminSession,
  formatSeconds,
  print,
  provinceArg,
  type AdminSession,
  type MountJob,
} from './admin-client.js';

const COMMAND = {
  name: 'mirror:mount',
  usage:
    'usage: npm run mirror:mount -- --province ID --source ID [--sharing-types UNCONDITIONAL,CONDITIONAL] [--approval-ref REF] [--no-wait] ' +
    `${ADMIN_OPTIONS_USAGE}\n` +
    '  Mounts every entry of the source province that is shared with the province (and matches the sharing\n' +
    '  types) as one job, then shows its progress until it ends. Without --approval-ref (审批文号, e.g.\n' +
    '  渝数审〔2026〕12号) only GENERAL (一般数据) entries are mounted; with it IMPORTANT (重要数据) too (GB/T 43697).\n' +
    '  --no-wait prints the job id and exits.\n' +
    '  Exit 0: DONE; 1: FAILED, CANCELLED or refused; 2: usage; 130: Ctrl-C (the job keeps running).',
};

/** A NOT_SHARED entry is never shown to another province, so it can never be mounted. */
const MOUNTABLE_SHARING_TYPES = SHARING_TYPES.filter((t) => t !== 'NOT_SHARED');

const POLL_MS = 300;
/** A job still queued after this long: say that the province's sync worker may not be running. */
const QUEUED_HINT_MS = 10_000;
/** Plain output: a line when the state or the note changes, or at most this often for the counts alone. */
const PLAIN_EVERY_MS = 2000;
const FINISHED: ReadonlySet<string> = new Set(['DONE', 'FAILED', 'CANCELLED']);

function sharingTypesArg(value: string | undefined): string[] | null {
  if (value === undefined) return null;
  const types = [
    ...new Set(
      value
        .split(',')
        .map((t) => t.trim().toUpperCase())
        .filter(Boolean),
    ),
  ];
  if (types.length === 0) throw new UsageError('--sharing-types: name at least one sharing type');
  for (const t of types) {
    if (t === 'NOT_SHARED') throw new UsageError('--sharing-types: NOT_SHARED entries are not shared with other provinces and cannot be mounted');
    if (!(MOUNTABLE_SHARING_TYPES as readonly string[]).includes(t)) {
      throw new UsageError(`--sharing-types: unknown sharing type "${t}"; one or more of: ${MOUNTABLE_SHARING_TYPES.join(', ')}`);
    }
  }
  return types;
}

function approvalRefArg(value: string | undefined): string | null {
  if (value === undefined) return null;
  const err = approvalRefError(value);
  if (err !== null) throw new UsageError(`--approval-ref: ${err}`);
  return value;
}

const clock = (iso: string) => new Date(iso).toTimeString().slice(0, 8);

/** What the job is doing beyond its counters, in a few words (null: nothing to add). */
function noteFor(job: MountJob, ctx: { since: number; problem: string | null; province: ProvinceConfig }): string | null {
  if (ctx.problem) return `${ctx.problem}; still asking`;
  if (job.state === 'QUEUED') {
    return Date.now() - ctx.since > QUEUED_HINT_MS
      ? `still queued: is ${ctx.province.id}'s sync worker running? (npm start runs it; npm run sync -- --province ${ctx.province.id})`
      : `waiting for ${ctx.province.id}'s sync worker to start it`;
  }
  if (job.nextAttemptAt) return `waiting for ${job.source}: ${job.lastError ?? 'unreachable'}; next attempt at ${clock(job.nextAttemptAt)}`;
  if (job.lastError) return `last error: ${job.lastError}`;
  return null;
}

const doneOf = (job: MountJob) => job.mounted + job.skipped + job.failed;

interface ProgressView {
  show(job: MountJob, note: string | null): void;
  /** Leaves the last state on screen. */
  stop(): void;
}

/** On a terminal: one bar, redrawn in place (cli-progress). */
function barView(): ProgressView {
  const bar = new cliProgress.SingleBar(
    {
      format: ' {bar} {percentage}% {done}/{totalText} {state}{note}',
      stream: process.stdout,
      hideCursor: true,
      emptyOnZero: true,
      barsize: 30,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    show(job, note) {
      const payload = { done: doneOf(job), totalText: job.total ?? '?', state: job.state, note: note ? `  ${note}` : '' };
      if (!started) {
        bar.start(job.total ?? 0, doneOf(job), payload);
        started = true;
      } else {
        bar.setTotal(job.total ?? 0);
        bar.update(doneOf(job), payload);
      }
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

/** Not a terminal: a plain line when something changed (the counters alone: every PLAIN_EVERY_MS at most). */
function plainView(): ProgressView {
  let last = { key: '', counts: '', at: 0 };
  let pending: string | null = null;
  const line = (job: MountJob, note: string | null) =>
    `progress: ${doneOf(job)}/${job.total ?? '?'} ${job.state} (mounted ${job.mounted}, skipped ${job.skipped}, failed ${job.failed})${note ? ` - ${note}` : ''}\n`;
  return {
    show(job, note) {
      const key = `${job.state}|${note ?? ''}`;
      const counts = `${job.total}|${doneOf(job)}`;
      if (key === last.key && counts === last.counts) return;
      const text = line(job, note);
      if (key === last.key && Date.now() - last.at < PLAIN_EVERY_MS && !FINISHED.has(job.state)) {
        pending = text;
        return;
      }
      process.stdout.write(text);
      last = { key, counts, at: Date.now() };
      pending = null;
    },
    stop() {
      if (pending) process.stdout.write(pending);
      pending = null;
    },
  };
}

function summary(job: MountJob, startedAt: number): string {
  const created = Date.parse(job.createdAt);
  const finished = job.finishedAt ? Date.parse(job.finishedAt) : Number.NaN;
  const elapsed = Number.isFinite(created) && Number.isFinite(finished) ? (finished - created) / 1000 : (Date.now() - startedAt) / 1000;
  const of = job.total === null ? '' : ` of ${job.total}`;
  const error = job.lastError ? `\n  last error: ${job.lastError}` : '';
  return `${job.state}: ${job.mounted} mounted, ${job.skipped} skipped, ${job.failed} failed${of} in ${formatSeconds(elapsed)} (job ${job.id})${error}\n`;
}

function cancelHint(job: MountJob, province: ProvinceConfig): string {
  return (
    `stopped waiting; mount job ${job.id} keeps running in ${job.province} (${job.state}, ${doneOf(job)}/${job.total ?? '?'} so far).\n` +
    `  follow it:  npm run mirror:status -- --province ${province.id}\n` +
    `  cancel it:  mutation { cancelMountJob(id: "${job.id}") { state mounted } }   (as a ${province.id} administrator, catalogue:admin)\n`
  );
}

async function follow(session: AdminSession, created: MountJob): Promise<number> {
  const since = Date.now();
  const view = process.stdout.isTTY ? barView() : plainView();
  let interrupt = () => {};
  const interrupted = new Promise<'interrupted'>((resolve) => {
    interrupt = () => resolve('interrupted');
  });
  process.once('SIGINT', interrupt);
  let job = created;
  let problem: string | null = null;
  try {
    for (;;) {
      view.show(job, noteFor(job, { since, problem, province: session.province }));
      if (FINISHED.has(job.state)) break;
      if ((await Promise.race([sleep(POLL_MS).then(() => 'tick' as const), interrupted])) === 'interrupted') break;
      const poll = session.run<{ mountJob: MountJob | null }>(JOB, { id: job.id }).then(
        (r) => ({ job: r.mountJob }),
        (err: unknown) => {
          // The gateway or the province briefly away: keep asking; a refusal ends the wait.
          if (err instanceof FederationUnavailable) return { problem: err.message };
          throw err;
        },
      );
      const r = await Promise.race([poll, interrupted]);
      if (r === 'interrupted') break;
      if ('problem' in r) {
        problem = r.problem;
        continue;
      }
      if (!r.job) throw new Error(`mount job ${job.id} is no longer known to ${session.province.enumValue}`);
      problem = null;
      job = r.job;
    }
  } finally {
    view.stop();
    process.removeListener('SIGINT', interrupt);
  }
  if (!FINISHED.has(job.state)) {
    await print(cancelHint(job, session.province));
    return 130;
  }
  await print(summary(job, since));
  return job.state === 'DONE' ? 0 : 1;
}

command(
  {
    ...COMMAND,
    options: {
      ...ADMIN_OPTIONS,
      source: { type: 'string' },
      'sharing-types': { type: 'string' },
      'approval-ref': { type: 'string' },
      'no-wait': { type: 'boolean' },
    },
  },
  async ({ values }) => {
    const sharingTypes = sharingTypesArg(values['sharing-types']);
    const approvalRef = approvalRefArg(values['approval-ref']);
    const session = adminSession(values);
    try {
      const source = provinceArg(session.cfg, 'source', values.source);
      const filter = sharingTypes ? { sharingTypes } : null;
      const r = await session.run<{ mountCatalogue: MountJob }>(MOUNT, { source: source.enumValue, filter, approvalRef });
      const job = r.mountCatalogue;
      if (values['no-wait']) {
        await print(`${job.id}\n`);
        return 0;
      }
      const what = sharingTypes ? `entries shared ${sharingTypes.join(' or ')}` : 'every shared entry';
      const grades = job.approvalRef ? `GENERAL and IMPORTANT, approval ${job.approvalRef}` : 'GENERAL only: no approval reference';
      await print(`mount job ${job.id}: ${what} of ${job.source} into ${job.province} (${grades}), by ${job.createdBy}\n`);
      return await follow(session, job);
    } finally {
      await Promise.race([session.close(), sleep(1000)]);
    }
  },
);
