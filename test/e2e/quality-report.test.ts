// Journey: a catalogue administrator reads the data-quality report of their province's catalogue
// (catalogueQuality; npm run quality:report), over the real stack at demo size, with real
// certificates and tokens. The report's findings are those of the analysis over what the provinces
// hold (as the administrator may see it), the seeded demo defects (domain/demo/quality-defects.ts)
// among them; a mirror whose source changed and waits for review is reported; a caller without
// catalogue:admin, or asking for another province's report, is refused; a province that cannot be
// reached is named instead of failing the report (unless it is the report's own).
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { ROOT_DIR } from '../../common/config.js';
import { seededQualityDefects } from '../../domain/demo/quality-defects.js';
import { analyzeQuality } from '../../domain/quality/analyze.js';
import { QUALITY } from '../../scripts/admin-operations.js';
import type { QualityReportAnswer } from '../../domain/quality/answer.js';
import type { CatalogueStore } from '../../subgraphs/catalogue/store/store.js';
import { createSyncWorker } from '../../subgraphs/catalogue/sync/create-worker.js';
import { configDirWith, gql, startStack, tmpDir, type TestStack } from '../support/stack.js';

const execFileAsync = promisify(execFile);

const CQ_ADMIN = { province: 'chongqing', client: 'admin', scope: 'catalogue:read catalogue:admin' };
const SC_ADMIN = { province: 'sichuan', client: 'admin', scope: 'catalogue:read catalogue:admin' };
const QUALITY_OF = QUALITY.replace('query QualityReport {', 'query QualityReportOf($p: Province) {').replace(
  'catalogueQuality {',
  'catalogueQuality(province: $p) {',
);
const REGISTER = `mutation($s: ID!) { registerMirror(sourceId: $s) { entry { id } created } }`;
const UPDATE = `mutation($id: ID!, $name: String) { updateEntry(id: $id, input: { name: $name }) { entry { id version } } }`;

/** Every finding as one comparable line: what, and which entries. */
function findingKeys(r: Pick<QualityReportAnswer, 'duplicates' | 'completeness' | 'timeliness'>): string[] {
  return [
    ...r.duplicates.map((g) => `duplicate ${g.scope} ${g.entries.map((e) => e.id).join(' ')}`),
    ...r.completeness.map((f) => `completeness ${f.issue} ${f.entry.id}`),
    ...r.timeliness.map((f) => `timeliness ${f.issue} ${f.entry.id}`),
  ].sort();
}

/** Active entries of a store as full records, as the index API would give them (others: originals they may see). */
async function activeRecords(store: CatalogueStore, own: boolean) {
  const ids: string[] = [];
  let after: { name: string; id: string } | null = null;
  for (;;) {
    const page = await store.slice({ hideNotShared: !own, kinds: own ? ['ORIGINAL', 'MIRROR'] : ['ORIGINAL'], after, limit: 1000 });
    ids.push(...page.items.map((i) => i.id));
    const last = page.items.at(-1);
    if (page.items.length < 1000 || !last) break;
    after = { name: last.name, id: last.id };
  }
  const found = await store.getEntries(ids);
  return ids.map((id) => found.get(id)!).filter((r) => r.status === 'ACTIVE' && (own || r.sharingType !== 'NOT_SHARED'));
}

describe('journey: the data-quality report (catalogueQuality, quality:report)', function () {
  this.timeout(180_000);
  let stack: TestStack;
  const gatewayUrl = () => `https://localhost:${stack.gateway.port}/graphql`;
  /** The command line's document with the province named (a caller may name its own, and only its own). */
  const reportNamed = (as: typeof CQ_ADMIN, province: string) => gql(stack, as, QUALITY_OF, { p: province });
  const reportOf = async (as = CQ_ADMIN) => {
    const res = await gql(stack, as, QUALITY);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
    return res.body.data.catalogueQuality as QualityReportAnswer;
  };

  before(async () => {
    // Demo size (each province's demo.entries), as npm start seeds it: the size the report is timed at.
    stack = await startStack();
  });
  after(async () => stack?.close());

  let cqReport: QualityReportAnswer;

  it('a Chongqing administrator gets Chongqing’s report: the analysis of every entry it holds and of what Sichuan shares with it', async () => {
    const started = Date.now();
    cqReport = await reportOf();
    const ms = Date.now() - started;
    process.stdout.write(`      (catalogueQuality for CHONGQING at demo size: ${ms} ms)\n`);
    assert.equal(cqReport.province, 'CHONGQING');
    assert.deepEqual(cqReport.comparedWith, ['SICHUAN']);
    assert.deepEqual(cqReport.unavailable, []);
    const own = await activeRecords(stack.stores.get('chongqing')!, true);
    assert.equal(cqReport.summary.entriesChecked, own.length, 'every active entry, NOT_SHARED included');
    assert.ok(own.some((e) => e.sharingType === 'NOT_SHARED'));
    // The same analysis over what the stores hold gives the same findings: nothing lost or added on the way.
    const local = analyzeQuality({
      province: 'chongqing',
      entries: own,
      others: [{ province: 'sichuan', entries: await activeRecords(stack.stores.get('sichuan')!, false) }],
      asOf: new Date(cqReport.asOf),
    });
    assert.deepEqual(findingKeys(cqReport), findingKeys(local));
    assert.equal(cqReport.summary.duplicateGroups, cqReport.duplicates.length);
    for (const c of cqReport.summary.completeness) assert.equal(c.count, cqReport.completeness.filter((f) => f.issue === c.issue).length, c.issue);
    for (const c of cqReport.summary.timeliness) assert.equal(c.count, cqReport.timeliness.filter((f) => f.issue === c.issue).length, c.issue);
    for (const f of cqReport.completeness) assert.equal(f.entry.province, 'CHONGQING');
  });

  it('its findings are the defects the demo seeds, no more and no less (domain/demo/quality-defects.ts)', async () => {
    const seeded = seededQualityDefects('chongqing');
    assert.ok(seeded.length > 0, 'the demo seeds defects');
    const keys = seeded.map((d) => (d.kind === 'duplicate' ? `duplicate ${d.issue} ${d.ids.join(' ')}` : `${d.kind} ${d.issue} ${d.ids[0]}`));
    const reported = findingKeys(cqReport);
    assert.deepEqual(
      keys.filter((k) => !reported.includes(k)),
      [],
      'every seeded defect is reported',
    );
    assert.deepEqual(
      reported.filter((k) => !keys.includes(k)),
      [],
      'nothing else is reported',
    );
    for (const kind of ['duplicate', 'completeness', 'timeliness'])
      assert.ok(
        keys.some((k) => k.startsWith(kind)),
        `the demo seeds ${kind} defects`,
      );
  });

  it('a Sichuan administrator gets Sichuan’s report (province defaults to the caller’s own)', async () => {
    const sc = await reportOf(SC_ADMIN);
    assert.equal(sc.province, 'SICHUAN');
    assert.deepEqual(sc.comparedWith, ['CHONGQING']);
    const own = await activeRecords(stack.stores.get('sichuan')!, true);
    assert.equal(sc.summary.entriesChecked, own.length);
    // Naming the own province is the same as leaving it out.
    const named = await reportNamed(SC_ADMIN, 'SICHUAN');
    assert.equal(named.body.errors, undefined, named.text);
    assert.deepEqual(findingKeys(named.body.data.catalogueQuality), findingKeys(sc));
  });

  describe('refusals', () => {
    for (const client of ['app', 'counter'] as const) {
      it(`a ${client} token without catalogue:admin: 403 insufficient_scope, nothing asked of a province`, async () => {
        const scope = client === 'app' ? 'catalogue:read' : 'certificate:verify catalogue:read';
        const res = await gql(stack, { province: 'chongqing', client, scope }, QUALITY);
        assert.equal(res.status, 403, res.text);
        assert.match(String(res.headers['www-authenticate']), /insufficient_scope.*catalogue:admin/);
        assert.equal(res.body.errors[0].extensions.code, 'FORBIDDEN');
        assert.equal(res.body.errors[0].extensions.reason, 'insufficient_scope');
        assert.equal(res.body.data, undefined);
      });
    }

    it('a Chongqing administrator asking for Sichuan’s report: FORBIDDEN', async () => {
      const res = await reportNamed(CQ_ADMIN, 'SICHUAN');
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.data, null);
      assert.equal(res.body.errors[0].extensions.code, 'FORBIDDEN');
      assert.match(res.body.errors[0].message, /CHONGQING see only CHONGQING's quality report, not SICHUAN's/);
    });
  });

  it('MIRROR_NOT_REVIEWED: a mounted Sichuan entry changed at its source, marked CHANGED by the sync worker (review mode), is listed', async () => {
    const sc = stack.stores.get('sichuan')!;
    const candidates = (await sc.slice({ hideNotShared: true, sharingTypes: ['UNCONDITIONAL'], kinds: ['ORIGINAL'], limit: 50 })).items.map((i) => i.id);
    const records = await sc.getEntries(candidates);
    const sourceId = candidates.find((id) => records.get(id)?.grade === 'GENERAL')!;
    assert.ok(sourceId, 'a GENERAL, UNCONDITIONAL Sichuan entry');
    const reg = await gql(stack, CQ_ADMIN, REGISTER, { s: sourceId });
    assert.equal(reg.body.errors, undefined, reg.text);
    const mirrorId = reg.body.data.registerMirror.entry.id as string;
    const upd = await gql(stack, SC_ADMIN, UPDATE, { id: sourceId, name: `${records.get(sourceId)!.name}（已更新）` });
    assert.equal(upd.body.errors, undefined, upd.text);
    const newVersion = upd.body.data.updateEntry.entry.version as number;
    const worker = createSyncWorker({ cfg: stack.cfg, province: stack.province('chongqing'), store: stack.stores.get('chongqing')!, gatewayUrl: gatewayUrl() });
    try {
      await worker.pass(true);
    } finally {
      await worker.stop();
    }
    assert.equal((await stack.stores.get('chongqing')!.getEntry(mirrorId))?.mirrorState, 'CHANGED');
    cqReport = await reportOf();
    const finding = cqReport.timeliness.find((f) => f.issue === 'MIRROR_NOT_REVIEWED' && f.entry.id === mirrorId);
    assert.ok(finding, JSON.stringify(cqReport.timeliness.filter((f) => f.issue === 'MIRROR_NOT_REVIEWED')));
    assert.equal(finding.pendingSourceVersion, newVersion);
    assert.equal(finding.overdueDays, null);
    assert.equal(finding.entry.province, 'CHONGQING');
  });

  describe('npm run quality:report (a child process against the running gateway)', () => {
    const dirs = () => ['--gateway-url', gatewayUrl(), '--config-dir', stack.cfg.configDir, '--certs-dir', stack.cfg.certsDir, '--data-dir', stack.cfg.dataDir];
    // Async: the gateway answers from this process, so a synchronous child would wait on it forever.
    const run = (...args: string[]) =>
      execFileAsync(process.execPath, ['--import', 'tsx', path.join(ROOT_DIR, 'scripts', 'quality-report.ts'), ...args, ...dirs()], {
        cwd: ROOT_DIR,
        env: { ...process.env, APOLLO_TELEMETRY_DISABLED: '1', LOG_LEVEL: 'silent' },
        maxBuffer: 64 * 1024 * 1024,
      });

    it('--format json --out FILE: every province’s report, each from its own administrator; the findings of the API', async () => {
      const out = path.join(tmpDir('quality'), 'report.json');
      const r = await run('--format', 'json', '--out', out);
      assert.equal(r.stdout, '');
      assert.doesNotMatch(r.stderr, /\u001b/, 'no terminal control codes when stderr is not a terminal');
      const body = JSON.parse(readFileSync(out, 'utf8')) as { generatedAt: string; reports: QualityReportAnswer[]; failures?: unknown };
      assert.equal(body.failures, undefined);
      assert.deepEqual(
        body.reports.map((x) => x.province),
        ['CHONGQING', 'SICHUAN'],
      );
      const cq = body.reports[0]!;
      for (const part of ['duplicates', 'completeness', 'timeliness'] as const) assert.ok(Array.isArray(cq[part]), part);
      assert.deepEqual(findingKeys(cq), findingKeys(cqReport));
    });

    it('--province chongqing --out FILE.html: one self-contained page with the findings and no external URLs', async () => {
      const out = path.join(tmpDir('quality'), 'report.html');
      await run('--province', 'chongqing', '--out', out);
      const html = readFileSync(out, 'utf8');
      assert.match(html, /^<!doctype html>/);
      assert.doesNotMatch(html, /https?:\/\//, 'no external URL');
      assert.doesNotMatch(html, /<[^>]*\s(?:src|href)=/i, 'no element loads or links anything');
      assert.doesNotMatch(html, /<script|<link|@import/i);
      const finding = cqReport.timeliness.find((f) => f.issue === 'MIRROR_NOT_REVIEWED')!;
      assert.ok(html.includes(`<code>${finding.entry.id}</code>`), 'the unreviewed mirror is listed by id');
      for (const f of [...cqReport.completeness, ...cqReport.timeliness]) assert.ok(html.includes(`<code>${f.entry.id}</code>`), f.entry.id);
      for (const g of cqReport.duplicates) for (const e of g.entries) assert.ok(html.includes(`<code>${e.id}</code>`), e.id);
      assert.match(html, /互挂目录源已变更待审核 <span class="api">MIRROR_NOT_REVIEWED<\/span>/);
      assert.doesNotMatch(html, /id="report-SICHUAN"/, 'only the province asked for');
    });

    it('stdout is JSON without --out; an unknown --province exits 2', async () => {
      const r = await run('--province', 'sichuan');
      const body = JSON.parse(r.stdout) as { reports: QualityReportAnswer[] };
      assert.deepEqual(
        body.reports.map((x) => x.province),
        ['SICHUAN'],
      );
      await assert.rejects(run('--province', 'guizhou'), (err: { code?: number; stderr?: string }) => {
        assert.equal(err.code, 2);
        assert.match(err.stderr ?? '', /^quality:report: --province: unknown province "guizhou"; configured: chongqing, sichuan\nusage: /);
        return true;
      });
    });
  });

  describe('a province that cannot be reached', () => {
    it('another province: the report is made without it and names it unavailable', async () => {
      await stack.stopSubgraph('sichuan');
      try {
        const r = await reportOf();
        assert.deepEqual(r.comparedWith, []);
        assert.deepEqual(r.unavailable, ['SICHUAN']);
        assert.ok(r.duplicates.every((g) => g.scope !== 'CROSS_PROVINCE'));
        assert.equal(r.summary.entriesChecked, cqReport.summary.entriesChecked);
      } finally {
        await stack.restartSubgraph('sichuan');
      }
    });

    it('the report’s own province: PROVINCE_UNAVAILABLE, no report', async () => {
      await stack.stopSubgraph('chongqing');
      try {
        const res = await gql(stack, CQ_ADMIN, QUALITY);
        assert.equal(res.body.data, null, res.text);
        assert.equal(res.body.errors[0].extensions.code, 'PROVINCE_UNAVAILABLE');
        assert.equal(res.body.errors[0].extensions.province, 'CHONGQING');
        assert.match(res.body.errors[0].message, /^CHONGQING \(渝快办 Yukuaiban\) is unavailable; the entries to report on are missing$/);
      } finally {
        await stack.restartSubgraph('chongqing');
      }
    });
  });
});

describe('quality:report under enforced trusted documents', function () {
  this.timeout(120_000);
  let stack: TestStack;
  before(async () => {
    stack = await startStack({
      entries: 80,
      configDir: configDirWith([], { trustedDocuments: { mode: 'enforce', manifests: ['documents/admin-cli.json'] } }),
    });
  });
  after(async () => stack?.close());

  it('runs: its document is in the admin command line’s manifest (an ad hoc catalogueQuality is refused)', async () => {
    const adHoc = await gql(stack, CQ_ADMIN, '{ catalogueQuality { province } }');
    assert.equal(adHoc.body.errors?.[0]?.extensions?.code, 'PERSISTED_QUERY_NOT_ALLOWED', adHoc.text);
    const dirs = ['--config-dir', stack.cfg.configDir, '--certs-dir', stack.cfg.certsDir, '--data-dir', stack.cfg.dataDir];
    const r = await execFileAsync(
      process.execPath,
      ['--import', 'tsx', path.join(ROOT_DIR, 'scripts', 'quality-report.ts'), '--gateway-url', `https://localhost:${stack.gateway.port}/graphql`, ...dirs],
      { cwd: ROOT_DIR, env: { ...process.env, APOLLO_TELEMETRY_DISABLED: '1', LOG_LEVEL: 'silent' } },
    );
    const body = JSON.parse(r.stdout) as { reports: QualityReportAnswer[] };
    assert.deepEqual(
      body.reports.map((x) => [x.province, x.summary.entriesChecked > 0]),
      [
        ['CHONGQING', true],
        ['SICHUAN', true],
      ],
    );
  });
});
