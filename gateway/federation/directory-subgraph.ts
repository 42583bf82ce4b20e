// The gateway's local subgraph: serves the cross-province root fields. It decides which
// province owns what (from an entry id's division code, or the filter), merges per-province
// index slices, and returns typed entity references that the query planner resolves in
// the owning province (docs/DESIGN.md §2).
import { buildSubgraphSchema } from '@apollo/subgraph';
import { GraphQLError, parse, type GraphQLSchema } from 'graphql';
import { createHash } from 'node:crypto';
import type { ProvinceConfig, StackConfig } from '../../common/config.js';
import { provinceByDivision } from '../../common/config.js';
import type { RootFieldTable } from '../policy/root-fields.js';
import { localSdl } from '../../common/schema/local-sdl.js';
import { certificateTypeName, entryTypeName } from '../../common/schema/province-sdl.js';
import { parseCertificateId } from '../../domain/certificate-id.js';
import { isValidHolderId, type HolderIdType } from '../../domain/certificate.js';
import type { MirrorSourceState } from '../../common/schema/enums.js';
import type { CatalogueEntryRecord, SharingType } from '../../domain/catalogue.js';
import { SHARING_TYPES } from '../../domain/catalogue.js';
import { isClassificationPrefix } from '../../domain/classification.js';
import { parseEntryId } from '../../domain/entry-id.js';
import { validateUscc } from '../../domain/uscc.js';
import type { GatewayContext } from './context.js';
import { CursorCodec, CursorError } from './cursor.js';
import { mergeSlices } from './merge.js';
import { ProvinceRefused, ProvinceUnavailable, type ProvinceClients } from './province-clients.js';

interface DirectoryFilterInput {
  provinces?: string[] | null;
  sharingTypes?: SharingType[] | null;
  providerCode?: string | null;
  classification?: string | null;
  updateCycles?: string[] | null;
  formats?: string[] | null;
  kinds?: string[] | null;
  includeWithdrawn?: boolean | null;
}

interface SliceResponse {
  items: { name: string; id: string }[];
  total: number;
  bySharingType: Partial<Record<SharingType, number>>;
}

const MAX_SEARCH_CHARS = 100;

function badInput(message: string, field?: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', ...(field ? { field } : {}) } });
}

function forbidden(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'FORBIDDEN' } });
}

function unavailable(p: ProvinceConfig): GraphQLError {
  return new GraphQLError(`${p.enumValue} (${p.platform.name} ${p.platform.romanized}) is unavailable; its results are missing`, {
    extensions: { code: 'PROVINCE_UNAVAILABLE', province: p.enumValue },
  });
}

/** Turn a province's refusal into a GraphQL error the caller can act on. */
function fromProvinceError(err: unknown): GraphQLError {
  if (err instanceof ProvinceUnavailable) return unavailable(err.province);
  if (err instanceof ProvinceRefused) return new GraphQLError(err.message, { extensions: { code: err.code } });
  throw err;
}

function cleanSearch(search: string | null | undefined): string | null {
  if (search == null) return null;
  if (/[\u0000-\u001f\u007f]/.test(search)) throw badInput('search must not contain control characters', 'search');
  const s = search.trim().replace(/\s+/g, ' ');
  if ([...s].length > MAX_SEARCH_CHARS) throw badInput(`search is longer than ${MAX_SEARCH_CHARS} characters`, 'search');
  return s === '' ? null : s;
}

export interface DirectorySubgraphOptions {
  cfg: StackConfig;
  clients: ProvinceClients;
  cursorKey: Buffer;
  /** Root-field rules (from the same SDL): each root resolver re-checks its scope. */
  rootFields: RootFieldTable;
}

export function buildDirectorySubgraph({ cfg, clients, cursorKey, rootFields }: DirectorySubgraphOptions): GraphQLSchema {
  const cursors = new CursorCodec(cursorKey);
  const byEnum = new Map(cfg.provinces.map((p) => [p.enumValue, p]));
  const provinceById = new Map(cfg.provinces.map((p) => [p.id, p]));
  const maxPage = cfg.gateway.maxPageSize;

  const ref = (p: ProvinceConfig, id: string) => ({ __typename: entryTypeName(p), id });

  /** Every call to a province goes through here, so the audit record names the provinces touched. */
  const callIndex = <T>(p: ProvinceConfig, path: string, body: unknown, ctx: GatewayContext, write = false): Promise<T> => {
    ctx.touched.add(p.id);
    const headers = write && ctx.idempotencyKey ? { 'idempotency-key': ctx.idempotencyKey } : undefined;
    return clients.callIndex<T>(p, path, body, ctx.caller, headers);
  };

  const provinceOfId = (id: string, field = 'id') => {
    const parsed = parseEntryId(id);
    if (!parsed.ok) throw badInput(`${field}: ${parsed.reason}`, field);
    const p = provinceByDivision(cfg, parsed.value.divisionCode);
    if (!p || p.divisionCode !== parsed.value.divisionCode) {
      throw badInput(`${field}: no federated province has division code ${parsed.value.divisionCode}`, field);
    }
    return { province: p, parsed: parsed.value };
  };

  async function page(
    ctx: GatewayContext,
    scopeKey: string,
    provinces: ProvinceConfig[],
    search: string | null,
    filter: DirectoryFilterInput,
    first: number,
    after: string | null | undefined,
  ) {
    if (!Number.isInteger(first) || first < 1 || first > maxPage) throw badInput(`first must be between 1 and ${maxPage}`, 'first');
    if (filter.providerCode != null) {
      const v = validateUscc(filter.providerCode);
      if (!v.ok) throw badInput(`providerCode: ${v.reason}`, 'filter.providerCode');
    }
    if (filter.classification != null && !isClassificationPrefix(filter.classification)) {
      throw badInput('classification: expected 1, 3, 6 or 9 digits of a valid classification code', 'filter.classification');
    }
    const norm = (xs?: string[] | null) => (xs && xs.length ? [...new Set(xs)].sort() : null);
    const request = {
      search,
      sharingTypes: norm(filter.sharingTypes),
      providerCode: filter.providerCode ?? null,
      classification: filter.classification ?? null,
      updateCycles: norm(filter.updateCycles),
      formats: norm(filter.formats),
      kinds: norm(filter.kinds) ?? ['ORIGINAL'],
      includeWithdrawn: filter.includeWithdrawn ?? false,
    };
    const fingerprint = createHash('sha256')
      .update(JSON.stringify([scopeKey, provinces.map((p) => p.id).sort(), request]))
      .digest('base64url')
      .slice(0, 16);
    let position = null;
    if (after != null) {
      try {
        position = cursors.decode(after, fingerprint);
      } catch (err) {
        if (err instanceof CursorError) throw badInput(`after: ${err.message}`, 'after');
        throw err;
      }
    }
    const results = await Promise.all(
      provinces.map(async (p) => {
        try {
          const r = await callIndex<SliceResponse>(p, '/slice', { ...request, after: position, limit: first + 1 }, ctx);
          return { province: p, result: r };
        } catch (err) {
          const gqlErr = fromProvinceError(err);
          if (gqlErr.extensions.code !== 'PROVINCE_UNAVAILABLE') throw gqlErr;
          ctx.partialErrors.push(gqlErr);
          return { province: p, result: null };
        }
      }),
    );
    if (results.every((r) => r.result === null)) {
      // Nothing to show: fail the field rather than pretend the catalogue is empty.
      throw new GraphQLError('no province could be reached', { extensions: { code: 'PROVINCE_UNAVAILABLE' } });
    }
    const merged = mergeSlices(
      results.filter((r) => r.result).map((r) => ({ province: r.province.id, items: r.result!.items })),
      first,
    );
    const edges = merged.rows.map((row) => ({
      cursor: cursors.encode(row, fingerprint),
      node: ref(provinceById.get(row.province)!, row.id),
    }));
    const sharing = new Map<SharingType, number>(SHARING_TYPES.map((t) => [t, 0]));
    for (const r of results) {
      for (const [t, n] of Object.entries(r.result?.bySharingType ?? {})) sharing.set(t as SharingType, sharing.get(t as SharingType)! + n);
    }
    return {
      edges,
      nodes: edges.map((e) => e.node),
      pageInfo: { hasNextPage: merged.hasNextPage, endCursor: edges.at(-1)?.cursor ?? null },
      totalCount: results.reduce((n, r) => n + (r.result?.total ?? 0), 0),
      facets: {
        provinces: results.map((r) => ({
          province: r.province.enumValue,
          name: r.province.name,
          count: r.result?.total ?? 0,
          available: r.result !== null,
        })),
        sharingTypes: [...sharing].map(([sharingType, count]) => ({ sharingType, count })),
      },
    };
  }

  /** Current state of a mirror's source, looked up once per request per source. */
  function lookupSource(ctx: GatewayContext, sourceId: string): Promise<CatalogueEntryRecord | null | 'UNAVAILABLE'> {
    const key = `source:${sourceId}`;
    let hit = ctx.memo.get(key) as Promise<CatalogueEntryRecord | null | 'UNAVAILABLE'> | undefined;
    if (!hit) {
      const { province } = provinceOfId(sourceId, 'sourceId');
      hit = callIndex<{ entries: CatalogueEntryRecord[] }>(province, '/entries/lookup', { ids: [sourceId] }, ctx)
        .then((r) => r.entries.find((e) => e.id === sourceId) ?? null)
        .catch((err) => {
          if (err instanceof ProvinceUnavailable) return 'UNAVAILABLE' as const;
          throw fromProvinceError(err);
        });
      ctx.memo.set(key, hit);
    }
    return hit;
  }

  const entityResolvers = Object.fromEntries(
    cfg.provinces.map((p) => [
      entryTypeName(p),
      {
        __resolveReference: (r: { id: string; mirrorRegisteredSourceVersion?: number | null }) => r,
        mirrorSource: (r: { id: string }) => {
          const parsed = parseEntryId(r.id);
          if (!parsed.ok || parsed.value.kind !== 'MIRROR' || !parsed.value.sourceId) return null;
          const src = provinceByDivision(cfg, parsed.value.sourceDivisionCode!);
          return src ? ref(src, parsed.value.sourceId) : null;
        },
        mirrorSourceState: async (
          r: { id: string; mirrorRegisteredSourceVersion?: number | null },
          _args: unknown,
          ctx: GatewayContext,
        ): Promise<MirrorSourceState | null> => {
          const parsed = parseEntryId(r.id);
          if (!parsed.ok || parsed.value.kind !== 'MIRROR' || !parsed.value.sourceId) return null;
          const src = await lookupSource(ctx, parsed.value.sourceId);
          if (src === 'UNAVAILABLE') return 'UNAVAILABLE';
          if (!src) return 'GONE';
          if (src.status === 'WITHDRAWN') return 'WITHDRAWN';
          return src.version !== r.mirrorRegisteredSourceVersion ? 'CHANGED' : 'CURRENT';
        },
      },
    ]),
  );

  const ownProvince = (ctx: GatewayContext) => provinceById.get(ctx.caller.province)!;

  /** Writes go only into the caller's own province (the province subgraph checks again). */
  const requireOwn = (ctx: GatewayContext, target: string) => {
    const own = ownProvince(ctx);
    if (target !== own.enumValue) throw forbidden(`administrators of ${own.enumValue} cannot write into ${target}'s catalogue`);
    return own;
  };

  /** A GB/T 36904 identifier checked locally (check character and all) and routed by the issuer's division code. */
  const issuingProvince = (identifier: string) => {
    const parsed = parseCertificateId(identifier);
    if (!parsed.ok) throw badInput(`identifier: ${parsed.reason}`, 'identifier');
    const p = provinceByDivision(cfg, parsed.value.divisionCode);
    // A well-formed identifier of a region outside the federation is not a typo: the caller
    // should send the holder to that region's own service, so it gets its own code.
    if (!p) {
      const division = parsed.value.divisionCode;
      throw new GraphQLError(`identifier: the issuer is in division ${division}, where no federated province issues certificates; verify it with that region's own service`, {
        extensions: { code: 'ISSUER_NOT_FEDERATED', division, field: 'identifier' },
      });
    }
    return p;
  };

  const resolvers = {
    CatalogueEntry: {
      __resolveType: (obj: { __typename: string }) => obj.__typename,
    },
    Query: rootFields.guard('Query', {
      provinces: (_: unknown, __: unknown, ctx: GatewayContext) => {
        return cfg.provinces.map((p) => ({
          province: p.enumValue,
          divisionCode: p.divisionCode,
          name: p.name,
          platform: p.platform.name,
          platformRomanized: p.platform.romanized,
        }));
      },
      directory: (
        _: unknown,
        args: { search?: string | null; filter?: DirectoryFilterInput | null; first: number; after?: string | null },
        ctx: GatewayContext,
      ) => {
        const filter = args.filter ?? {};
        const provinces = filter.provinces?.length
          ? cfg.provinces.filter((p) => filter.provinces!.includes(p.enumValue))
          : cfg.provinces;
        return page(ctx, 'directory', provinces, cleanSearch(args.search), filter, args.first, args.after);
      },
      provinceCatalogue: (
        _: unknown,
        args: { province: string; search?: string | null; filter?: DirectoryFilterInput | null; first: number; after?: string | null },
        ctx: GatewayContext,
      ) => {
        const p = byEnum.get(args.province);
        if (!p) throw badInput(`unknown province ${args.province}`, 'province');
        const filter = { ...(args.filter ?? {}), kinds: args.filter?.kinds ?? ['ORIGINAL', 'MIRROR'] };
        return page(ctx, `province:${p.id}`, [p], cleanSearch(args.search), filter, args.first, args.after);
      },
      entry: (_: unknown, args: { id: string }, ctx: GatewayContext) => {
        const { province } = provinceOfId(args.id);
        return ref(province, args.id);
      },
      certificate: (_: unknown, args: { identifier: string }, ctx: GatewayContext) => {
        const p = issuingProvince(args.identifier);
        return { __typename: certificateTypeName(p), id: args.identifier };
      },
      mirrors: (_: unknown, args: { includeWithdrawn: boolean; first: number; after?: string | null }, ctx: GatewayContext) => {
        const p = ownProvince(ctx);
        return page(ctx, `mirrors:${p.id}`, [p], null, { kinds: ['MIRROR'], includeWithdrawn: args.includeWithdrawn }, args.first, args.after);
      },
    }),
    Mutation: rootFields.guard('Mutation', {
      verifyCertificate: async (
        _: unknown,
        { input }: { input: { identifier: string; purpose: string; holderIdType: HolderIdType; holderId: string } },
        ctx: GatewayContext,
      ) => {
        // Everything that can be checked here is checked before any call onwards.
        const issuer = issuingProvince(input.identifier);
        const purpose = input.purpose.trim();
        if (purpose.length === 0) throw badInput('purpose (用证事由) is required', 'purpose');
        if ([...purpose].length > 200 || /[\u0000-\u001f\u007f]/.test(purpose)) {
          throw badInput('purpose must be at most 200 characters of text', 'purpose');
        }
        // Never echo the holder ID: the message names only its type.
        if (!isValidHolderId(input.holderIdType, input.holderId)) throw badInput(`holderId is not a valid ${input.holderIdType}`, 'holderId');
        ctx.auditNotes.certificateId = input.identifier;
        ctx.auditNotes.issuingProvince = issuer.id;
        const base = { identifier: input.identifier, issuingProvince: issuer.enumValue, requestId: ctx.caller.requestId };
        try {
          const r = await callIndex<{ result: string; receipt: string; receiptKeyId: string; checkedAt: string }>(
            issuer,
            '/certificates/verify',
            { certificateId: input.identifier, purpose, holderIdType: input.holderIdType, holderId: input.holderId },
            ctx,
          );
          ctx.auditNotes.verificationResult = r.result;
          return { ...base, ...r };
        } catch (err) {
          if (err instanceof ProvinceUnavailable) {
            // Never a false "invalid": the issuer could not be asked, so nobody signs a verdict.
            ctx.auditNotes.verificationResult = 'ISSUER_UNAVAILABLE';
            return { ...base, result: 'ISSUER_UNAVAILABLE', checkedAt: null, receipt: null, receiptKeyId: null };
          }
          throw fromProvinceError(err);
        }
      },
      registerMirror: async (_: unknown, args: { sourceId: string; province?: string | null }, ctx: GatewayContext) => {
        const own = requireOwn(ctx, args.province ?? ownProvince(ctx).enumValue);
        const { province: source, parsed } = provinceOfId(args.sourceId, 'sourceId');
        if (parsed.kind !== 'ORIGINAL') throw badInput('sourceId: a mirror can only mount an original entry, not another mirror', 'sourceId');
        if (source.id === own.id) throw badInput(`sourceId: ${args.sourceId} is already in ${own.enumValue}'s own catalogue`, 'sourceId');
        let record: CatalogueEntryRecord | undefined;
        try {
          const found = await callIndex<{ entries: CatalogueEntryRecord[] }>(source, '/entries/lookup', { ids: [args.sourceId] }, ctx);
          record = found.entries.find((e) => e.id === args.sourceId);
        } catch (err) {
          throw fromProvinceError(err);
        }
        if (!record || record.status !== 'ACTIVE') {
          throw new GraphQLError(`${args.sourceId} is not an active entry that ${source.enumValue} shares with other provinces`, {
            extensions: { code: 'MIRROR_SOURCE_UNAVAILABLE' },
          });
        }
        try {
          const r = await callIndex<{ entry: { id: string }; created: boolean }>(own, '/mirrors/register', { source: record }, ctx, true);
          return { entry: ref(own, r.entry.id), created: r.created };
        } catch (err) {
          throw fromProvinceError(err);
        }
      },
      withdrawMirror: async (_: unknown, args: { id: string; expectedVersion?: number | null }, ctx: GatewayContext) => {
        const { province, parsed } = provinceOfId(args.id);
        const own = requireOwn(ctx, province.enumValue);
        if (parsed.kind !== 'MIRROR') throw badInput('id: not a mirror; an original entry is withdrawn with updateEntry(input: { status: WITHDRAWN })', 'id');
        try {
          const r = await callIndex<{ entry: { id: string } }>(own, '/mirrors/withdraw', { id: args.id, expectedVersion: args.expectedVersion ?? null }, ctx, true);
          return { entry: ref(own, r.entry.id), created: false };
        } catch (err) {
          throw fromProvinceError(err);
        }
      },
      updateEntry: async (
        _: unknown,
        args: { id: string; expectedVersion?: number | null; input: { name?: string | null; abstract?: string | null; status?: string | null } },
        ctx: GatewayContext,
      ) => {
        const { province, parsed } = provinceOfId(args.id);
        const own = requireOwn(ctx, province.enumValue);
        if (parsed.kind !== 'ORIGINAL') throw badInput('id: mirrors are changed by withdrawing and registering them', 'id');
        const patch = Object.fromEntries(Object.entries(args.input).filter(([, v]) => v != null));
        if (Object.keys(patch).length === 0) throw badInput('input: nothing to change', 'input');
        try {
          const r = await callIndex<{ entry: { id: string } }>(
            own,
            '/entries/update',
            { id: args.id, expectedVersion: args.expectedVersion ?? null, patch },
            ctx,
            true,
          );
          return { entry: ref(own, r.entry.id), created: false };
        } catch (err) {
          throw fromProvinceError(err);
        }
      },
    }),
    ...entityResolvers,
  };

  return buildSubgraphSchema({ typeDefs: parse(localSdl(cfg.provinces)), resolvers: resolvers as never });
}
