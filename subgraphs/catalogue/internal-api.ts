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
import { validateEntryRecord, type CatalogueEntryRecord } from '../../domain/catalogue.js';
import { mirrorEntryId, parseEntryId } from '../../domain/entry-id.js';
import { canRead, canWrite, isVisibleTo } from './policy.js';
import type { CatalogueStore, MirrorWriteResult } from './store/store.js';

/** The codes the index API answers with (common/errors.ts); the gateway relays the visible ones. */
export type InternalErrorCode = Extract<
  ErrorCode,
  'BAD_USER_INPUT' | 'FORBIDDEN' | 'NOT_FOUND' | 'VERSION_CONFLICT' | 'MIRROR_SOURCE_UNAVAILABLE' | 'NOT_A_MIRROR' | 'IDEMPOTENCY_KEY_REUSED' | 'AUDIT_UNAVAILABLE'
>;

function fail(res: Response, status: number, code: InternalErrorCode, message: string) {
  res.locals.outcome = code;
  res.status(status).json({ error: { code, message } });
}

function writeOutcome(res: Response, r: MirrorWriteResult) {
  if (r.ok) {
    res.locals.outcome = r.created ? 'created' : 'ok';
    res.locals.entryId = r.record.id;
    res.locals.version = r.record.version;
    return res.json({ entry: { id: r.record.id, version: r.record.version, status: r.record.status }, created: r.created });
  }
  const status = r.code === 'NOT_FOUND' ? 404 : r.code === 'VERSION_CONFLICT' ? 409 : 422;
  return fail(res, status, r.code, r.message);
}

/** Snapshot of an own entry that another province may mirror: what the mirror copies. */
export function mirrorFromSource(
  source: CatalogueEntryRecord,
  province: ProvinceConfig,
  caller: Caller,
  at: string,
): CatalogueEntryRecord {
  return {
    ...source,
    id: mirrorEntryId(province.divisionCode, source.id),
    divisionCode: province.divisionCode,
    kind: 'MIRROR',
    version: 1,
    status: 'ACTIVE',
    createdAt: at,
    updatedAt: at,
    mirrorSourceId: source.id,
    mirrorRegisteredSourceVersion: source.version,
    mirrorRegisteredBy: caller.subject,
    mirrorRegisteredAt: at,
  };
}

export function internalApi(
  province: ProvinceConfig,
  store: CatalogueStore,
  audit: AuditLog,
  now: () => Date = () => new Date(),
): Router {
  const router = express.Router();
  router.use(express.json({ limit: '256kb' }));
  const caller = (res: Response) => res.locals.caller as Caller;

  // Every write attempt is recorded twice in the province's audit chain: its intent, durable
  // BEFORE the store is touched (so no write can exist without a record, even if the process dies
  // between the store's commit and the outcome record), and its outcome, durable before the
  // answer leaves (handlers only set res.locals; this wrapper appends, then sends). If the audit
  // log cannot take the intent, nothing is written (fail closed).
  router.use(['/mirrors', '/entries/update'], async (req: Request, res: Response, next) => {
    const who = caller(res);
    const base = {
      action: `${req.baseUrl}${req.path}`.replace(/^.*\/internal\/v1\//, '').replace(/\/$/, ''),
      requestId: who.requestId,
      province: who.province,
      subject: who.subject,
      certThumbprint: who.certThumbprint,
      target: (req.body as { id?: unknown } | undefined)?.id ?? (req.body as { source?: { id?: unknown } } | undefined)?.source?.id ?? null,
    };
    try {
      await audit.append({ kind: 'write-intent', ...base });
    } catch {
      res.locals.outcome = 'AUDIT_UNAVAILABLE';
      res.status(503).json({ error: { code: 'AUDIT_UNAVAILABLE', message: 'the audit log cannot record this write; nothing was written' } });
      return;
    }
    const send = res.json.bind(res);
    res.json = (body: unknown) => {
      audit
        .append({ kind: 'write', ...base, entryId: res.locals.entryId ?? null, version: res.locals.version ?? null, outcome: res.locals.outcome ?? 'unknown' })
        .then(
          () => send(body),
          () => res.status(500).end(),
        );
      return res;
    };
    next();
  });

  // Idempotency-Key (forwarded by the gateway): the first answer to (caller, action, target,
  // key) is stored; a retry with the same body gets that answer again without writing twice; the
  // same key with a different body is refused. Registered after the audit wrapper, so a replay
  // is audited as one.
  router.use(['/mirrors', '/entries/update'], async (req: Request, res: Response, next) => {
    const key = req.headers['idempotency-key'];
    if (typeof key !== 'string') return next();
    const who = caller(res);
    const body = req.body as { id?: unknown; source?: { id?: unknown } } | undefined;
    const target = String(body?.id ?? body?.source?.id ?? '');
    const scope = `${who.subject}|${req.baseUrl}${req.path}|${target}|${key}`;
    // The caller's intent: for a registration the source id (the snapshot the gateway relays may
    // legitimately differ between retries), otherwise the whole request.
    const intent = req.path === '/register' ? { sourceId: target } : (req.body ?? null);
    const requestHash = createHash('sha256').update(canonicalJson(intent)).digest('base64url');
    const previous = await store.getIdempotencyRecord(scope);
    if (previous) {
      if (previous.requestHash !== requestHash) {
        return fail(res, 422, 'IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was used for a different request');
      }
      res.locals.outcome = 'replayed';
      return res.status(previous.status).json(JSON.parse(previous.body));
    }
    const send = res.json.bind(res);
    res.json = (payload: unknown) => {
      if (res.statusCode >= 500) return send(payload);
      store
        .saveIdempotencyRecord(scope, { requestHash, status: res.statusCode, body: JSON.stringify(payload) }, now().toISOString())
        .then(
          () => send(payload),
          () => res.status(500).end(),
        );
      return res;
    };
    next();
  });


  // Only this province's own administrators write into its catalogue (after the audit and
  // idempotency wrappers, so a refusal is recorded like any other answer).
  router.use(['/mirrors', '/entries/update'], (_req: Request, res: Response, next) => {
    if (!canWrite(caller(res), province)) {
      return fail(res, 403, 'FORBIDDEN', `only ${province.enumValue} administrators may write into ${province.enumValue}'s catalogue`);
    }
    next();
  });

  router.post('/slice', async (req: Request, res: Response) => {
    if (!canRead(caller(res))) return fail(res, 403, 'FORBIDDEN', 'catalogue:read is required');
    const parsed = INDEX_REQUESTS['/slice'].safeParse(req.body);
    if (!parsed.success) return fail(res, 400, 'BAD_USER_INPUT', describeIssues(parsed.error));
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
    if (!canRead(caller(res))) return fail(res, 403, 'FORBIDDEN', 'catalogue:read is required');
    const parsed = INDEX_REQUESTS['/entries/lookup'].safeParse(req.body);
    if (!parsed.success) return fail(res, 400, 'BAD_USER_INPUT', 'ids: 1 to 200 ids');
    const found = await store.getEntries(parsed.data.ids);
    const entries = [...found.values()].filter((r) => isVisibleTo(r, caller(res), province));
    res.json({ entries });
  });

  router.post('/mirrors/register', async (req, res) => {
    const who = caller(res);
    const parsed = INDEX_REQUESTS['/mirrors/register'].safeParse(req.body);
    if (!parsed.success) return fail(res, 400, 'BAD_USER_INPUT', 'source: an entry record is required');
    const valid = validateEntryRecord(parsed.data.source);
    if (!valid.ok) return fail(res, 400, 'BAD_USER_INPUT', `source record invalid: ${valid.issues.slice(0, 3).join('; ')}`);
    const source = valid.value as CatalogueEntryRecord;
    const sid = parseEntryId(source.id);
    if (!sid.ok || sid.value.kind !== 'ORIGINAL') return fail(res, 400, 'BAD_USER_INPUT', 'a mirror must mount an original entry');
    if (source.divisionCode === province.divisionCode) {
      return fail(res, 422, 'BAD_USER_INPUT', `cannot mirror an entry of ${province.enumValue} into its own catalogue`);
    }
    if (source.sharingType === 'NOT_SHARED' || source.status !== 'ACTIVE') {
      return fail(res, 422, 'MIRROR_SOURCE_UNAVAILABLE', 'only active, shared entries can be mirrored');
    }
    const at = now().toISOString();
    writeOutcome(res, await store.registerMirror(mirrorFromSource(source, province, who, at)));
  });

  router.post('/mirrors/withdraw', async (req, res) => {
    const parsed = INDEX_REQUESTS['/mirrors/withdraw'].safeParse(req.body);
    if (!parsed.success) return fail(res, 400, 'BAD_USER_INPUT', 'id and optional expectedVersion required');
    writeOutcome(res, await store.withdrawMirror(parsed.data.id, parsed.data.expectedVersion ?? null, now().toISOString()));
  });

  router.post('/entries/update', async (req, res) => {
    const parsed = INDEX_REQUESTS['/entries/update'].safeParse(req.body);
    if (!parsed.success) return fail(res, 400, 'BAD_USER_INPUT', describeIssues(parsed.error));
    const existing = await store.getEntry(parsed.data.id);
    if (existing?.kind !== 'ORIGINAL') return fail(res, 404, 'NOT_FOUND', 'no such original entry');
    writeOutcome(res, await store.updateEntry(parsed.data.id, parsed.data.expectedVersion ?? null, parsed.data.patch, now().toISOString()));
  });

  return router;
}
