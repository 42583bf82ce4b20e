// Root mutation fields of the directory: certificate verification routed to the issuer, and the
// administrators' writes, which go only into the caller's own province (which checks again).
import type { CatalogueEntryRecord } from '../../../domain/catalogue.js';
import { codedError, badInput } from '../../../common/errors.js';
import type { GatewayContext } from '../../context.js';
import { ProvinceUnavailable } from '../province-clients.js';
import type { DirectoryDeps } from './deps.js';
import { fromProvinceError } from './index-calls.js';
import { checkApprovalRef, checkVerification, type VerificationInput } from './inputs.js';
import type { DataGrade } from '../../../domain/grading.js';
import type { OpenType, SharingType } from '../../../domain/catalogue.js';
import { entryRef } from './listing.js';

interface EntryUpdateInput {
  name?: string | null;
  abstract?: string | null;
  status?: 'ACTIVE' | 'WITHDRAWN' | null;
  grade?: DataGrade | null;
  sharingType?: SharingType | null;
  sharingCondition?: string | null;
  openType?: OpenType | null;
}

export function mutationResolvers({ routing, calls }: DirectoryDeps) {
  return {
    verifyCertificate: async (_: unknown, { input }: { input: VerificationInput }, ctx: GatewayContext) => {
      // Everything that can be checked here is checked before any call onwards.
      const issuer = routing.issuingProvince(input.identifier);
      const { purpose } = checkVerification(input);
      ctx.auditNotes.certificateId = input.identifier;
      ctx.auditNotes.issuingProvince = issuer.id;
      const base = { identifier: input.identifier, issuingProvince: issuer.enumValue, requestId: ctx.caller.requestId };
      try {
        const r = await calls.call(
          issuer,
          '/certificates/verify',
          { certificateId: input.identifier, purpose, holderIdType: input.holderIdType, holderId: input.holderId },
          ctx,
        );
        ctx.auditNotes.verificationResult = r.result;
        return { ...base, ...r };
      } catch (err) {
        if (!(err instanceof ProvinceUnavailable)) throw fromProvinceError(err);
        // Never a false "invalid": the issuer could not be asked, so nobody signs a verdict.
        ctx.auditNotes.verificationResult = 'ISSUER_UNAVAILABLE';
        return { ...base, result: 'ISSUER_UNAVAILABLE', checkedAt: null, receipt: null, receiptKeyId: null };
      }
    },

    registerMirror: async (_: unknown, args: { sourceId: string; province?: string | null; approvalRef?: string | null }, ctx: GatewayContext) => {
      const own = routing.requireOwn(ctx.caller.province, args.province ?? routing.byProvinceId(ctx.caller.province).enumValue);
      const approvalRef = checkApprovalRef(args.approvalRef);
      const { province: source, parsed } = routing.provinceOfId(args.sourceId, 'sourceId');
      if (parsed.kind !== 'ORIGINAL') throw badInput('sourceId: a mirror can only mount an original entry, not another mirror', 'sourceId');
      if (source.id === own.id) throw badInput(`sourceId: ${args.sourceId} is already in ${own.enumValue}'s own catalogue`, 'sourceId');
      // Looked up in its province as the caller, so a NOT_SHARED entry is simply not there.
      const found = await calls.callOrFail(source, '/entries/lookup', { ids: [args.sourceId] }, ctx);
      const record: CatalogueEntryRecord | undefined = found.entries.find((e) => e.id === args.sourceId);
      if (record?.status !== 'ACTIVE') {
        throw codedError('MIRROR_SOURCE_UNAVAILABLE', `${args.sourceId} is not an active entry that ${source.enumValue} shares with other provinces`);
      }
      const r = await calls.callOrFail(own, '/mirrors/register', { source: record as unknown as Record<string, unknown>, approvalRef }, ctx, true);
      return { entry: entryRef(own, r.entry.id), created: r.created };
    },

    withdrawMirror: async (_: unknown, args: { id: string; expectedVersion?: number | null }, ctx: GatewayContext) => {
      const { province, parsed } = routing.provinceOfId(args.id);
      const own = routing.requireOwn(ctx.caller.province, province.enumValue);
      if (parsed.kind !== 'MIRROR') throw badInput('id: not a mirror; an original entry is withdrawn with updateEntry(input: { status: WITHDRAWN })', 'id');
      const r = await calls.callOrFail(own, '/mirrors/withdraw', { id: args.id, expectedVersion: args.expectedVersion ?? null }, ctx, true);
      return { entry: entryRef(own, r.entry.id), created: false };
    },

    updateEntry: async (_: unknown, args: { id: string; expectedVersion?: number | null; input: EntryUpdateInput }, ctx: GatewayContext) => {
      const { province, parsed } = routing.provinceOfId(args.id);
      const own = routing.requireOwn(ctx.caller.province, province.enumValue);
      if (parsed.kind !== 'ORIGINAL') throw badInput('id: mirrors are changed by withdrawing and registering them', 'id');
      const patch = Object.fromEntries(Object.entries(args.input).filter(([, v]) => v != null)) as {
        [K in keyof EntryUpdateInput]?: NonNullable<EntryUpdateInput[K]>;
      };
      if (Object.keys(patch).length === 0) throw badInput('input: nothing to change', 'input');
      const r = await calls.callOrFail(own, '/entries/update', { id: args.id, expectedVersion: args.expectedVersion ?? null, patch }, ctx, true);
      return { entry: entryRef(own, r.entry.id), created: false };
    },
  };
}
