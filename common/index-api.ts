// The province index API's contract (JSON over the same mTLS + caller assertion as GraphQL): one
// zod schema per request shape and the answer types, used by the gateway's directory to build its
// calls and by the province subgraph to check them. Entity fields travel over GraphQL; this API
// carries ids, sort keys, counts, write outcomes and certificate verdicts.
import { z } from 'zod';
import type { ListingRow } from './schema/listing-fields.js';
import {
  ENTRY_KINDS,
  MIRROR_STATES,
  OPEN_TYPES,
  RESOURCE_FORMATS,
  SHARING_TYPES,
  UPDATE_CYCLES,
  type CatalogueEntryRecord,
  type MirrorState,
  type SharingType,
} from '../domain/catalogue.js';
import { MOUNT_JOB_STATES, mountJobDivision } from '../domain/mount-job.js';
import { DATA_GRADES, approvalRefError, type DataGrade } from '../domain/grading.js';
import type { MountJobRecord, SyncCursorRecord } from '../subgraphs/catalogue/store/mirror-sync.js';
import { HOLDER_ID_TYPES } from '../domain/certificate.js';
import { isClassificationPrefix } from '../domain/classification.js';
import { isValidUscc } from '../domain/uscc.js';

const safeText = (max: number) =>
  z
    .string()
    .max(max)
    .refine((s) => !/[\u0000-\u001f\u007f]/.test(s), 'must not contain control characters');

/** The filters a mount job takes: the directory's, for one source province's originals. */
export const MOUNT_FILTER = z.strictObject({
  sharingTypes: z.array(z.enum(SHARING_TYPES)).max(SHARING_TYPES.length).nullish(),
  providerCode: z.string().refine(isValidUscc, 'not a valid unified social credit code').nullish(),
  classification: z.string().refine(isClassificationPrefix, 'not a classification prefix').nullish(),
  updateCycles: z.array(z.enum(UPDATE_CYCLES)).max(UPDATE_CYCLES.length).nullish(),
  formats: z.array(z.enum(RESOURCE_FORMATS)).max(RESOURCE_FORMATS.length).nullish(),
  grades: z.array(z.enum(DATA_GRADES)).max(DATA_GRADES.length).nullish(),
});

/** 审批文号 (domain/grading.ts). */
const APPROVAL_REF = z.string().superRefine((s, ctx) => {
  const err = approvalRefError(s);
  if (err !== null) ctx.addIssue({ code: 'custom', message: err });
});

const MOUNT_JOB_ID = z.string().refine((id) => mountJobDivision(id) !== null, 'not a mount job id');

/** Requests, by path under `/internal/v1`. */
export const INDEX_REQUESTS = {
  '/slice': z.strictObject({
    search: safeText(100).nullish(),
    sharingTypes: z.array(z.enum(SHARING_TYPES)).max(SHARING_TYPES.length).nullish(),
    providerCode: z.string().refine(isValidUscc, 'not a valid unified social credit code').nullish(),
    classification: z.string().refine(isClassificationPrefix, 'not a classification prefix').nullish(),
    updateCycles: z.array(z.enum(UPDATE_CYCLES)).max(UPDATE_CYCLES.length).nullish(),
    formats: z.array(z.enum(RESOURCE_FORMATS)).max(RESOURCE_FORMATS.length).nullish(),
    kinds: z.array(z.enum(ENTRY_KINDS)).max(ENTRY_KINDS.length).nullish(),
    grades: z.array(z.enum(DATA_GRADES)).max(DATA_GRADES.length).nullish(),
    mirrorStates: z.array(z.enum(MIRROR_STATES)).max(MIRROR_STATES.length).nullish(),
    includeWithdrawn: z.boolean().optional(),
    after: z.strictObject({ name: safeText(400), id: z.string().max(64) }).nullish(),
    limit: z.number().int().min(1).max(1001),
  }),
  '/entries/lookup': z.strictObject({ ids: z.array(z.string().max(64)).min(1).max(200) }),
  '/changes': z.strictObject({ after: z.number().int().min(0).nullable(), limit: z.number().int().min(1).max(1001) }),
  // The source record is checked in full by domain/catalogue's validateEntryRecord.
  '/mirrors/register': z.strictObject({ source: z.record(z.string(), z.unknown()), approvalRef: APPROVAL_REF.nullish() }),
  // A change of the source accepted into its mirror: the source record as for a registration.
  '/mirrors/accept': z.strictObject({ id: z.string().max(64), source: z.record(z.string(), z.unknown()) }),
  '/mirrors/status': z.strictObject({}),
  '/mount-jobs/create': z.strictObject({ source: z.string().regex(/^[a-z][a-z0-9-]{1,30}$/), filter: MOUNT_FILTER, approvalRef: APPROVAL_REF.nullish() }),
  '/mount-jobs/list': z.strictObject({
    ids: z.array(MOUNT_JOB_ID).max(100).nullish(),
    states: z.array(z.enum(MOUNT_JOB_STATES)).max(MOUNT_JOB_STATES.length).nullish(),
    limit: z.number().int().min(1).max(100),
  }),
  '/mount-jobs/cancel': z.strictObject({ id: MOUNT_JOB_ID }),
  '/mirrors/withdraw': z.strictObject({ id: z.string().max(64), expectedVersion: z.number().int().min(1).nullish() }),
  '/entries/update': z.strictObject({
    id: z.string().max(64),
    expectedVersion: z.number().int().min(1).nullish(),
    patch: z.strictObject({
      name: safeText(200).min(1).optional(),
      abstract: safeText(2000).optional(),
      status: z.enum(['ACTIVE', 'WITHDRAWN']).optional(),
      // Checked together with the rest of the record (store/write-rules.ts decideUpdate).
      grade: z.enum(DATA_GRADES).optional(),
      sharingType: z.enum(SHARING_TYPES).optional(),
      sharingCondition: safeText(500).min(1).nullable().optional(),
      openType: z.enum(OPEN_TYPES).optional(),
    }),
  }),
  '/certificates/verify': z.strictObject({
    certificateId: z.string().max(128),
    purpose: z
      .string()
      .min(1)
      .max(200)
      .refine((s) => s.trim().length > 0 && !/[\u0000-\u001f\u007f]/.test(s), 'purpose must be text'),
    holderIdType: z.enum(HOLDER_ID_TYPES),
    holderId: z.string().min(1).max(64),
  }),
} as const;

export type IndexPath = keyof typeof INDEX_REQUESTS;
export type IndexRequest<P extends IndexPath> = z.input<(typeof INDEX_REQUESTS)[P]>;
export type SliceRequest = z.infer<(typeof INDEX_REQUESTS)['/slice']>;

export interface WriteAnswer {
  entry: { id: string; version: number; status: string };
  created: boolean;
}

/** Answers, by path. */
export interface IndexAnswers {
  '/slice': {
    /** In the directory's order, each with its listing fields. */
    items: ListingRow[];
    total: number;
    bySharingType: Partial<Record<SharingType, number>>;
    byGrade: Partial<Record<DataGrade, number>>;
  };
  '/entries/lookup': { entries: CatalogueEntryRecord[] };
  '/changes': {
    items: { position: number; entryId: string; kind: 'CREATED' | 'UPDATED' | 'WITHDRAWN' | 'UNSHARED'; version: number; at: string }[];
    hasMore: boolean;
  };
  '/mirrors/register': WriteAnswer;
  '/mirrors/accept': WriteAnswer;
  '/mirrors/status': { states: Partial<Record<MirrorState, number>>; cursors: SyncCursorRecord[] };
  '/mount-jobs/create': { job: MountJobRecord };
  '/mount-jobs/list': { jobs: MountJobRecord[] };
  '/mount-jobs/cancel': { job: MountJobRecord };
  '/mirrors/withdraw': WriteAnswer;
  '/entries/update': WriteAnswer;
  '/certificates/verify': { result: string; receipt: string; receiptKeyId: string; checkedAt: string };
}

/** One line per problem, `path: message`, for a 400 answer. */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
}
