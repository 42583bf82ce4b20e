// Journey: a catalogue administrator mounts Sichuan's whole shared catalogue from the command line
// (npm run mirror:mount) and reads how the province's mirrors stand (npm run mirror:status). The real
// commands run as child processes against a real stack and a real sync worker, through the gateway as
// Chongqing's dev admin client; what they print is checked against the province's store.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { ROOT_DIR } from '../../common/config.js';
import { createSyncWorker } from '../../subgraphs/catalogue/sync/create-worker.js';
import type { SyncWorker } from '../../subgraphs/catalogue/sync/worker.js';
import { gql, startStack, type TestStack } from '../support/stack.js';

interface Run {
  code: number | null;
  out: string;
  err: string;
}

/** A command running as a child process (never spawnSync: the stack answers from this process). */
interface Running {
  /** Resolves once stdout has printed something matching `re`. */
  printed(re: RegExp, timeoutMs?: number): Promise<string>;
  signal(sig: NodeJS.Signals): void;
  done: Promise<Run>;
}

const SC_ADMIN = { province: 'sichuan', client: 'admin', scope: 'catalogue:read catalogue:admin' };
const CANCEL = `mutation($id: ID!) { cancelMountJob(id: $id) { state } }`;

describe('journey: the administrator’s command line for whole-catalogue mounting (mirror:mount, mirror:status)', function () {
  this.timeout(120_000);
  let stack: TestStack;
  let worker: SyncWorker;
  const gatewayUrl = () => `https://localhost:${stack.gateway.port}/graphql`;

  before(async () => {
    stack = await startStack({ entries: 200 });
    worker = createSyncWorker({ cfg: stack.cfg, province: stack.province('chongqing'), store: stack.stores.get('chongqing')!, gatewayUrl: gatewayUrl() });
    worker.start();
  });
  after(async () => {
    await worker?.stop();
    await stack?.close();
  });

  function start(script: 'mirror-mount' | 'mirror-status', ...args: string[]): Running {
    const dirs = ['--config-dir', stack.cfg.configDir, '--certs-dir', stack.cfg.certsDir, '--data-dir', stack.cfg.dataDir];
    const gateway = args.includes('--gateway-url') ? [] : ['--gateway-url', gatewayUrl()];
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT_DIR, 'scripts', `${script}.ts`), ...args, ...gateway, ...dirs], {
      cwd: ROOT_DIR,
      env: { ...process.env, APOLLO_TELEMETRY_DISABLED: '1', LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const watchers: (() => void)[] = [];
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      for (const w of watchers) w();
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      err += d;
    });
    const done = new Promise<Run>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code) => resolve({ code, out, err }));
    });
    return {
      done,
      signal: (sig) => child.kill(sig),
      printed: (re, timeoutMs = 30_000) =>
        new Promise<string>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`${script} did not print ${re} in ${timeoutMs} ms; stdout:\n${out}\nstderr:\n${err}`)), timeoutMs);
          const check = () => {
            const m = re.exec(out);
            if (m) {
              clearTimeout(timer);
              resolve(m[0]);
            }
          };
          watchers.push(check);
          check();
          void done.then(() => setTimeout(check, 0));
        }),
    };
  }
  const run = (script: 'mirror-mount' | 'mirror-status', ...args: string[]) => start(script, ...args).done;

  const sichuanUnconditional = async () =>
    (await stack.stores.get('sichuan')!.slice({ hideNotShared: true, sharingTypes: ['UNCONDITIONAL'], kinds: ['ORIGINAL'], limit: 1000 })).items.length;
  const SUMMARY = /^(DONE|FAILED|CANCELLED): (\d+) mounted, (\d+) skipped, (\d+) failed(?: of (\d+))? in [\d.]+ (?:s|min)[^\n]* \(job (\S+)\)$/m;

  let jobId: string;
  let mounted: number;

  for (const script of ['mirror-mount', 'mirror-status'] as const) {
    it(`${script}: --help exits 0 with the usage; an unknown option exits 2`, async () => {
      const help = await run(script, '--help');
      assert.equal(help.code, 0, help.err);
      assert.match(help.out, /^usage: npm run mirror:/);
      const bad = await run(script, '--no-such-option');
      assert.equal(bad.code, 2, bad.err);
      assert.match(bad.err, /Unknown option '--no-such-option'[^\n]*\nusage: /);
    });
  }

  it('mirror:mount follows the job to DONE with plain progress lines (not a terminal) and a summary; exit 0', async () => {
    const r = await run('mirror-mount', '--province', 'chongqing', '--source', 'sichuan', '--sharing-types', 'UNCONDITIONAL');
    assert.equal(r.code, 0, `${r.out}\n${r.err}`);
    assert.equal(r.err, '');
    const header =
      /^mount job (500000\.mount\.[0-9a-f-]{36}): entries shared UNCONDITIONAL of SICHUAN into CHONGQING \(GENERAL only: no approval reference\), by chongqing:admin$/m.exec(
        r.out,
      );
    assert.ok(header, r.out);
    jobId = header[1]!;
    const summary = SUMMARY.exec(r.out);
    assert.ok(summary, r.out);
    const [, state, m, skipped, failed, total, id] = summary;
    assert.equal(state, 'DONE');
    assert.equal(id, jobId);
    mounted = Number(m);
    const counts = await stack.stores.get('chongqing')!.mirrorStateCounts();
    assert.equal(mounted, counts.CURRENT, 'the summary counts the mirrors the store holds');
    assert.equal(mounted, await sichuanUnconditional());
    assert.ok(mounted > 0);
    assert.equal(Number(total), mounted);
    assert.equal(Number(skipped) + Number(failed), 0);
    // Progress as plain lines, the last one the finished job; no terminal control codes.
    const lines = r.out.split('\n').filter((l) => l.startsWith('progress: '));
    assert.ok(lines.length >= 1 && lines.length < 20, r.out);
    assert.match(lines.at(-1)!, new RegExp(`^progress: ${mounted}/${mounted} DONE \\(mounted ${mounted}, skipped 0, failed 0\\)$`));
    assert.doesNotMatch(r.out, /\u001b/);
  });

  it('mirror:status lists the job as DONE, the CURRENT mirrors and Sichuan’s sync lag', async () => {
    const r = await run('mirror-status', '--province', 'chongqing');
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^CHONGQING mirrors by state/m);
    assert.match(r.out, new RegExp(`^ {2}CURRENT +${mounted} {2}in step with its source$`, 'm'));
    const job = r.out.split('\n').find((l) => l.includes(jobId));
    assert.ok(job, r.out);
    assert.match(job, new RegExp(`^ {2}${jobId.replace(/\./g, '\\.')} +SICHUAN +DONE +${mounted} +0 +0 +${mounted} `));
    const sc = r.out.split('\n').find((l) => /^ {2}SICHUAN +\d/.test(l));
    assert.ok(sc, `a lag for SICHUAN:\n${r.out}`);
    assert.match(sc, /^ {2}SICHUAN +[\d.]+ (s|min)/);
  });

  it('mirror:status --json prints the gateway’s answer', async () => {
    const r = await run('mirror-status', '--province', 'chongqing', '--json');
    assert.equal(r.code, 0, r.err);
    const body = JSON.parse(r.out) as {
      mirrorSyncStatus: {
        province: string;
        states: { state: string; count: number }[];
        sources: { source: string; lagSeconds: number | null; checkedAt: string | null }[];
      };
      mountJobs: { id: string; state: string; mounted: number }[];
    };
    assert.equal(body.mirrorSyncStatus.province, 'CHONGQING');
    assert.equal(body.mirrorSyncStatus.states.find((s) => s.state === 'CURRENT')?.count, mounted);
    const sc = body.mirrorSyncStatus.sources.find((s) => s.source === 'SICHUAN');
    assert.ok(sc?.checkedAt && typeof sc.lagSeconds === 'number' && sc.lagSeconds >= 0 && sc.lagSeconds < 60, JSON.stringify(sc));
    assert.deepEqual(
      body.mountJobs.map((j) => [j.id, j.state, j.mounted]),
      [[jobId, 'DONE', mounted]],
    );
  });

  it('shows a job waiting for its source (the source province down), then DONE once it is back', async () => {
    await stack.stopSubgraph('sichuan');
    let restarted = false;
    try {
      const cmd = start('mirror-mount', '--province', 'chongqing', '--source', 'sichuan', '--sharing-types', 'CONDITIONAL');
      await cmd.printed(
        /^progress: 0\/\? RUNNING \(mounted 0, skipped 0, failed 0\) - waiting for SICHUAN: PROVINCE_UNAVAILABLE[^\n]*; next attempt at \d\d:\d\d:\d\d$/m,
      );
      await stack.restartSubgraph('sichuan');
      restarted = true;
      const r = await cmd.done;
      assert.equal(r.code, 0, `${r.out}\n${r.err}`);
      const summary = SUMMARY.exec(r.out);
      assert.ok(summary && summary[1] === 'DONE' && Number(summary[2]) > 0, r.out);
      assert.equal(summary[3], '0', 'the CONDITIONAL entries were not mounted before');
    } finally {
      if (!restarted) await stack.restartSubgraph('sichuan');
    }
  });

  it('a job cancelled while it is followed: CANCELLED, exit 1', async () => {
    // Sichuan runs no sync worker in this test, so its job stays QUEUED until cancelled.
    const cmd = start('mirror-mount', '--province', 'sichuan', '--source', 'chongqing');
    const line = await cmd.printed(/^mount job (\S+):[^\n]*$/m);
    const id = line.split(' ')[2]!.replace(/:$/, '');
    await cmd.printed(/^progress: 0\/\? QUEUED [^\n]*waiting for sichuan's sync worker to start it$/m);
    const c = await gql(stack, SC_ADMIN, CANCEL, { id });
    assert.equal(c.body.data?.cancelMountJob.state, 'CANCELLED', JSON.stringify(c.body));
    const r = await cmd.done;
    assert.equal(r.code, 1, `${r.out}\n${r.err}`);
    const summary = SUMMARY.exec(r.out);
    assert.ok(summary, r.out);
    assert.deepEqual(summary.slice(1, 5), ['CANCELLED', '0', '0', '0']);
    assert.equal(summary[6], id);
  });

  it('Ctrl-C stops waiting, asks nothing, says how to cancel; the job stays', async () => {
    const cmd = start('mirror-mount', '--province', 'sichuan', '--source', 'chongqing');
    await cmd.printed(/^progress: 0\/\? QUEUED /m);
    const id = /^mount job (\S+):/m.exec(await cmd.printed(/^mount job \S+:/m))![0].slice('mount job '.length, -1);
    cmd.signal('SIGINT');
    const r = await cmd.done;
    assert.equal(r.code, 130, `${r.out}\n${r.err}`);
    assert.match(r.out, new RegExp(`^stopped waiting; mount job ${id.replace(/\./g, '\\.')} keeps running in SICHUAN \\(QUEUED, 0/\\? so far\\)\\.$`, 'm'));
    assert.ok(r.out.includes(`cancelMountJob(id: "${id}")`), r.out);
    assert.ok(r.out.includes('npm run mirror:status -- --province sichuan'), r.out);
    const [job] = await stack.stores.get('sichuan')!.mountJobs({ ids: [id], limit: 1 });
    assert.equal(job?.state, 'QUEUED');
    await gql(stack, SC_ADMIN, CANCEL, { id });
  });

  it('--no-wait prints only the job id', async () => {
    const r = await run('mirror-mount', '--province', 'sichuan', '--source', 'chongqing', '--sharing-types', 'conditional,UNCONDITIONAL', '--no-wait');
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^510000\.mount\.[0-9a-f-]{36}\n$/);
    const id = r.out.trim();
    const [job] = await stack.stores.get('sichuan')!.mountJobs({ ids: [id], limit: 1 });
    assert.equal(job?.state, 'QUEUED');
    assert.deepEqual([...(job?.filter.sharingTypes ?? [])].sort(), ['CONDITIONAL', 'UNCONDITIONAL']);
    await gql(stack, SC_ADMIN, CANCEL, { id });
  });

  it('mirror:mount --approval-ref mounts IMPORTANT (重要数据) entries too, recording the approval on each mirror', async () => {
    const ref = '渝数审〔2026〕12号';
    const r = await run('mirror-mount', '--province', 'chongqing', '--source', 'sichuan', '--sharing-types', 'CONDITIONAL', '--approval-ref', ref);
    assert.equal(r.code, 0, `${r.out}\n${r.err}`);
    assert.match(
      r.out,
      /^mount job \S+: entries shared CONDITIONAL of SICHUAN into CHONGQING \(GENERAL and IMPORTANT, approval 渝数审〔2026〕12号\), by chongqing:admin$/m,
    );
    const sc = stack.stores.get('sichuan')!;
    const important = (await sc.slice({ hideNotShared: true, sharingTypes: ['CONDITIONAL'], grades: ['IMPORTANT'], kinds: ['ORIGINAL'], limit: 1000 })).items;
    assert.ok(important.length > 0, 'the demo shares IMPORTANT entries on conditions');
    const mirrors = await stack.stores.get('chongqing')!.getEntries(important.map((i) => `500000:mirror:${i.id}`));
    assert.equal(mirrors.size, important.length);
    for (const m of mirrors.values()) assert.deepEqual([m.grade, m.mirrorApprovalRef, m.mirrorState], ['IMPORTANT', ref, 'CURRENT']);
  });

  describe('refusals', () => {
    const jobsNow = async () => (await stack.stores.get('chongqing')!.mountJobs({ limit: 100 })).length;

    it('mounting the province’s own catalogue: the gateway’s BAD_USER_INPUT, exit 1, no stack trace, no job', async () => {
      const n = await jobsNow();
      const r = await run('mirror-mount', '--province', 'chongqing', '--source', 'chongqing');
      assert.equal(r.code, 1, r.err);
      assert.equal(r.err, 'mirror:mount: BAD_USER_INPUT: source: CHONGQING cannot mount its own catalogue\n');
      assert.equal(r.out, '');
      assert.equal(await jobsNow(), n);
    });

    it('an unknown province: exit 2 with the usage', async () => {
      for (const script of ['mirror-mount', 'mirror-status'] as const) {
        const r = await run(script, '--province', 'x', ...(script === 'mirror-mount' ? ['--source', 'sichuan'] : []));
        assert.equal(r.code, 2, r.err);
        assert.match(r.err, /^mirror:(mount|status): --province: unknown province "x"; configured: chongqing, sichuan\nusage: /);
      }
      const src = await run('mirror-mount', '--province', 'chongqing', '--source', 'x');
      assert.equal(src.code, 2, src.err);
      assert.match(src.err, /--source: unknown province "x"[^\n]*\nusage: /);
    });

    it('a bad --sharing-types: exit 2 with the usage, no job', async () => {
      const n = await jobsNow();
      for (const types of ['FOO', 'UNCONDITIONAL,FOO', 'NOT_SHARED', ',']) {
        const r = await run('mirror-mount', '--province', 'chongqing', '--source', 'sichuan', '--sharing-types', types);
        assert.equal(r.code, 2, `${types}: ${r.err}`);
        assert.match(r.err, /^mirror:mount: --sharing-types: [^\n]+\nusage: /);
      }
      assert.equal(await jobsNow(), n);
    });

    it('a malformed --approval-ref: exit 2 with the usage, no job', async () => {
      const n = await jobsNow();
      for (const ref of ['渝数审[2026]12号', '12号', '']) {
        const r = await run('mirror-mount', '--province', 'chongqing', '--source', 'sichuan', '--approval-ref', ref);
        assert.equal(r.code, 2, `${ref}: ${r.err}`);
        assert.match(r.err, /^mirror:mount: --approval-ref: must be an approval reference \(审批文号, GB\/T 9704\) like 渝数审〔2026〕12号\nusage: /);
      }
      assert.equal(await jobsNow(), n);
    });

    it('an unreachable gateway: exit 1, naming the URL', async () => {
      const r = await run('mirror-status', '--province', 'chongqing', '--gateway-url', 'https://localhost:1/graphql');
      assert.equal(r.code, 1, r.err);
      assert.match(r.err, /^mirror:status: gateway https:\/\/localhost:1\/graphql unreachable \([^\n]+\)\n$/);
    });
  });
});
