// The province's index API, called only by the gateway's directory (which merges slices
// across provinces and registers mirrors). Entity fields are served over GraphQL; this
// API returns ids, sort keys, counts and write outcomes. Same mTLS + caller assertion.
import express, { type Request, type Response, type Router } from 'express';
import { createHash } from 'node:crypto';
import { canonicalJson } from '../../common/audit/audit-log.js';
import type { AuditLog } from '../../common/audit/audit-log.js';
import type { ErrorCode } from '../../common/errors.js';
import type { ProvinceConfig } from '../../common/config.js';
import type { Caller } from '../../common/identity/caller.js';
import { INDEX_REQUESTS, describeIssues } from '../../common/index-api.js';
import { newMountJobId } from '../../domain/mount-job.js';
import { checkMirrorSource, mirrorFromSource } from './mirror-snapshot.js';
import { canRead, canWrite, isVisibleTo } from './policy.js';
import { decideCancelJob, queuedJob, type MountJobRecord } from './store/mirror-sync.js';
import type { CatalogueStore, MirrorWriteResult } from './store/store.js';

/** The codes the index API answers with (common/errors.ts); the gateway relays the visible ones. */
export type InternalErrorCode = Extract<
  ErrorCode,
  | 'BAD_USER_INPUT'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'VERSION_CONFLICT'
  | 'MIRROR_SOURCE_UNAVAILABLE'
  | 'APPROVAL_REQUIRED'
  | 'NOT_A_MIRROR'
  | 'MIRROR_NOT_CHANGED'
  | 'MOUNT_JOB_FINISHED'
  | 'IDEMPOTENCY_KEY_REUSED'
  | 'AUDIT_UNAVAILABLE'
>;

/** An answer of the index API, as a value: the write pipeline records it before it is sent. */
interface Answer {
  status: number;
  body: unknown;
  /** For the audit record: the result code, or created / ok / replayed. */
  outcome: string;
  entryId?: string;
  version?: number;
}

function refusal(status: number, code: InternalErrorCode, message: string): Answer {
  return { status, body: { error: { code, message } }, outcome: code };
}

function send(res: Response, answer: Answer): void {
  res.status(answer.status).json(answer.body);
}

function writeAnswer(r: MirrorWriteResult): Answer {
  if (r.ok) {
    return {
      status: 200,
      body: { entry: { id: r.record.id, version: r.record.version, status: r.record.status }, created: r.created },
      outcome: r.created ? 'created' : 'ok',
      entryId: r.record.id,
      version: r.record.version,
    };
  }
  return refusal(r.code === 'NOT_FOUND' ? 404 : r.code === 'VERSION_CONFLICT' ? 409 : r.code === 'BAD_USER_INPUT' ? 400 : 422, r.code, r.message);
}

function jobAnswer(job: MountJobRecord, outcome: string): Answer {
  return { status: 200, body: { job }, outcome, entryId: job.id };
}

/**
 * Idempotency-Key scope and the caller's intent: for a registration the source id (the snapshot the
 * gateway relays may legitimately differ between retries), otherwise the whole request.
 */
function idempotencyScope(who: Caller, action: string, target: string, key: string, body: unknown): { scope: string; requestHash: string } {
  const intent = action === 'mirrors/register' || action === 'mirrors/accept' ? { target } : (body ?? null);
  return {
    scope: `${who.subject}|/internal/v1/${action}|${target}|${key}`,
    requestHash: createHash('sha256').update(canonicalJson(intent)).digest('base64url'),
  };
}

function writePipeline(province: ProvinceConfig, store: CatalogueStore, audit: AuditLog, now: () => Date) {
  // One write, in this order:
  // 1. its intent is recorded in the province's audit chain, durable BEFORE the store is touched (no
  //    write can exist without a record, even if the process dies between the store's commit and the
  //    outcome record); if the audit log cannot take it, nothing is written (fail closed);
  // 2. Idempotency-Key (forwarded by the gateway): the first answer to (caller, action, target, key)
  //    is replayed to a retry with the same request, without writing twice; the same key with another
  //    request is refused;
  // 3. only this province's own administrators write into its catalogue;
  // 4. the write itself; 5. its answer stored for the key; 6. its outcome recorded; 7. the answer sent.
  // A refusal at any step is recorded as the outcome like any other answer.
  return (action: string, run: (req: Request, who: Caller) => Promise<Answer>) => async (req: Request, res: Response) => {
    const who = res.locals.caller as Caller;
    const body = req.body as { id?: unknown; source?: unknown } | undefined;
    const sourceId = typeof body?.source === 'object' && body.source !== null ? (body.source as { id?: unknown }).id : body?.source;
    const target = String(body?.id ?? sourceId ?? '');
    const base = { action, requestId: who.requestId, province: who.province, subject: who.subject, certThumbprint: who.certThumbprint, target: target || null };
    try {
      await audit.append({ kind: 'write-intent', ...base });
    } catch {
      send(res, refusal(503, 'AUDIT_UNAVAILABLE', 'the audit log cannot record this write; nothing was written'));
      return;
    }
    const key = req.headers['idempotency-key'];
    const idempotency = typeof key === 'string' ? idempotencyScope(who, action, target, key, req.body) : null;
    let answer: Answer;
    const previous = idempotency ? await store.getIdempotencyRecord(idempotency.scope) : null;
    if (previous && idempotency && previous.requestHash !== idempotency.requestHash) {
      answer = refusal(422, 'IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was used for a different request');
    } else if (previous) {
      answer = { status: previous.status, body: JSON.parse(previous.body), outcome: 'replayed' };
    } else if (!canWrite(who, province)) {
      answer = refusal(403, 'FORBIDDEN', `only ${province.enumValue} administrators may write into ${province.enumValue}'s catalogue`);
    } else {
      answer = await run(req, who);
      if (idempotency && answer.status < 500) {
        await store.saveIdempotencyRecord(
          idempotency.scope,
          { requestHash: idempotency.requestHash, status: answer.status, body: JSON.stringify(answer.body) },
          now().toISOString(),
        );
      }
    }
    await audit.append({ kind: 'write', ...base, entryId: answer.entryId ?? null, version: answer.version ?? null, outcome: answer.outcome });
    send(res, answer);
  };
}

export function internalApi(province: ProvinceConfig, store: CatalogueStore, audit: AuditLog, now: () => Date = () => new Date()): Router {
  const router = express.Router();
  router.use(express.json({ limit: '256kb' }));
  const caller = (res: Response) => res.locals.caller as Caller;

  const write = writePipeline(province, store, audit, now);

  // The province's change feed after a position; another province sees only what it may see.
  router.post('/changes', async (req, res) => {
    if (!canRead(caller(res))) return send(res, refusal(403, 'FORBIDDEN', 'catalogue:read is required'));
    const parsed = INDEX_REQUESTS['/changes'].safeParse(req.body);
    if (!parsed.success) return send(res, refusal(400, 'BAD_USER_INPUT', describeIssues(parsed.error)));
    res.json(await store.changes({ ...parsed.data, othersOnly: caller(res).province !== province.id }));
  });

  router.post('/slice', async (req: Request, res: Response) => {
    if (!canRead(caller(res))) return send(res, refusal(403, 'FORBIDDEN', 'catalogue:read is required'));
    const parsed = INDEX_REQUESTS['/slice'].safeParse(req.body);
    if (!parsed.success) return send(res, refusal(400, 'BAD_USER_INPUT', describeIssues(parsed.error)));
    const q = parsed.data;
    const result = await store.slice({
      ...q,
      classificationPrefix: q.classification,
      includeWithdrawn: q.includeWithdrawn ?? false,
      hideNotShared: caller(res).province !== province.id,
    });
    res.json(result);
  });

  // Current version/status of own entries, as the caller may see them (used for mirror
  // registration snapshots and mirror drift checks).
  router.post('/entries/lookup', async (req, res) => {
    if (!canRead(caller(res))) return send(res, refusal(403, 'FORBIDDEN', 'catalogue:read is required'));
    const parsed = INDEX_REQUESTS['/entries/lookup'].safeParse(req.body);
    if (!parsed.success) return send(res, refusal(400, 'BAD_USER_INPUT', 'ids: 1 to 200 ids'));
    const found = await store.getEntries(parsed.data.ids);
    res.json({ entries: [...found.values()].filter((r) => isVisibleTo(r, caller(res), province)) });
  });

  router.post(
    '/mirrors/register',
    write('mirrors/register', async (req, who) => {
      const parsed = INDEX_REQUESTS['/mirrors/register'].safeParse(req.body);
      if (!parsed.success) return refusal(400, 'BAD_USER_INPUT', 'source: an entry record is required');
      const approvalRef = parsed.data.approvalRef ?? null;
      const checked = checkMirrorSource(parsed.data.source, province, approvalRef);
      if (!checked.ok)
        return refusal(checked.code === 'BAD_USER_INPUT' && checked.message.startsWith('source record') ? 400 : 422, checked.code, checked.message);
      return writeAnswer(await store.registerMirror(mirrorFromSource(checked.source, province, who.subject, now().toISOString(), approvalRef)));
    }),
  );

  router.post(
    '/mirrors/accept',
    write('mirrors/accept', async (req, who) => {
      const parsed = INDEX_REQUESTS['/mirrors/accept'].safeParse(req.body);
      if (!parsed.success) return refusal(400, 'BAD_USER_INPUT', 'id and source: an entry record are required');
      // The grade is judged against the mirror's own approval; decideAcceptChange judges it again
      // under the store's transaction (store/mirror-sync.ts).
      const mirror = await store.getEntry(parsed.data.id);
      const checked = checkMirrorSource(parsed.data.source, province, mirror?.mirrorApprovalRef ?? null);
      if (!checked.ok)
        return refusal(checked.code === 'BAD_USER_INPUT' && checked.message.startsWith('source record') ? 400 : 422, checked.code, checked.message);
      const snapshot = mirrorFromSource(checked.source, province, who.subject, now().toISOString(), null);
      if (snapshot.id !== parsed.data.id) return refusal(400, 'BAD_USER_INPUT', `${parsed.data.id} is not the mirror of ${checked.source.id}`);
      return writeAnswer(await store.acceptMirrorChange(parsed.data.id, snapshot, now().toISOString()));
    }),
  );

  // Mount jobs and sync state are the province's administration: only its own administrators see them.
  router.post('/mirrors/status', async (req, res) => {
    if (!canWrite(caller(res), province)) return send(res, refusal(403, 'FORBIDDEN', `only ${province.enumValue} administrators see its sync state`));
    const parsed = INDEX_REQUESTS['/mirrors/status'].safeParse(req.body);
    if (!parsed.success) return send(res, refusal(400, 'BAD_USER_INPUT', describeIssues(parsed.error)));
    res.json({ states: await store.mirrorStateCounts(), cursors: await store.syncCursors() });
  });

  router.post('/mount-jobs/list', async (req, res) => {
    if (!canWrite(caller(res), province)) return send(res, refusal(403, 'FORBIDDEN', `only ${province.enumValue} administrators see its mount jobs`));
    const parsed = INDEX_REQUESTS['/mount-jobs/list'].safeParse(req.body);
    if (!parsed.success) return send(res, refusal(400, 'BAD_USER_INPUT', describeIssues(parsed.error)));
    const { ids, states, limit } = parsed.data;
    res.json({ jobs: await store.mountJobs({ ...(ids ? { ids } : {}), ...(states ? { states } : {}), limit }) });
  });

  router.post(
    '/mount-jobs/create',
    write('mount-jobs/create', async (req, who) => {
      const parsed = INDEX_REQUESTS['/mount-jobs/create'].safeParse(req.body);
      if (!parsed.success) return refusal(400, 'BAD_USER_INPUT', describeIssues(parsed.error));
      if (parsed.data.source === province.id) return refusal(422, 'BAD_USER_INPUT', `source: ${province.enumValue} cannot mount its own catalogue`);
      const at = now().toISOString();
      const job = queuedJob({
        id: newMountJobId(province.divisionCode),
        source: parsed.data.source,
        filter: parsed.data.filter,
        approvalRef: parsed.data.approvalRef ?? null,
        createdBy: who.subject,
        createdAt: at,
      });
      await store.createMountJob(job);
      return jobAnswer(job, 'created');
    }),
  );

  router.post(
    '/mount-jobs/cancel',
    write('mount-jobs/cancel', async (req) => {
      const parsed = INDEX_REQUESTS['/mount-jobs/cancel'].safeParse(req.body);
      if (!parsed.success) return refusal(400, 'BAD_USER_INPUT', describeIssues(parsed.error));
      const decision = await store.changeMountJob(parsed.data.id, (job) => decideCancelJob(job, parsed.data.id, now().toISOString()));
      if (!decision.write && decision.refusal) {
        return refusal(decision.refusal.code === 'NOT_FOUND' ? 404 : 422, decision.refusal.code, decision.refusal.message);
      }
      return jobAnswer(decision.job!, decision.write ? 'cancelled' : 'ok');
    }),
  );

  router.post(
    '/mirrors/withdraw',
    write('mirrors/withdraw', async (req) => {
      const parsed = INDEX_REQUESTS['/mirrors/withdraw'].safeParse(req.body);
      if (!parsed.success) return refusal(400, 'BAD_USER_INPUT', 'id and optional expectedVersion required');
      return writeAnswer(await store.withdrawMirror(parsed.data.id, parsed.data.expectedVersion ?? null, now().toISOString()));
    }),
  );

  router.post(
    '/entries/update',
    write('entries/update', async (req) => {
      const parsed = INDEX_REQUESTS['/entries/update'].safeParse(req.body);
      if (!parsed.success) return refusal(400, 'BAD_USER_INPUT', describeIssues(parsed.error));
      const existing = await store.getEntry(parsed.data.id);
      if (existing?.kind !== 'ORIGINAL') return refusal(404, 'NOT_FOUND', 'no such original entry');
      return writeAnswer(await store.updateEntry(parsed.data.id, parsed.data.expectedVersion ?? null, parsed.data.patch, now().toISOString()));
    }),
  );

  return router;
}
