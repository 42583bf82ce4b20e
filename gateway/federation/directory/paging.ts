// One page of the merged directory, as pure functions: the normalised request every province
// is asked, the fingerprint a cursor is bound to, and the connection assembled from the
// provinces' slices (docs/ARCHITECTURE.md "The directory").
import { createHash } from 'node:crypto';
import type { IndexAnswers } from '../../../common/index-api.js';
import type { SortKey } from '../../../common/order.js';
import type { ListingRow } from '../../../common/schema/listing-fields.js';
import {
  SHARING_TYPES,
  type EntryFilter,
  type EntryKind,
  type MirrorState,
  type ResourceFormat,
  type SharingType,
  type UpdateCycle,
} from '../../../domain/catalogue.js';
import { DATA_GRADES, type DataGrade } from '../../../domain/grading.js';
import { mergeSlices, type MergedRow } from './merge.js';

/** The GraphQL `DirectoryFilter` input. */
export interface DirectoryFilterInput extends EntryFilter {
  provinces?: string[] | null;
  /** A classification code prefix (1, 3, 6 or 9 digits). */
  classification?: string | null;
  includeWithdrawn?: boolean | null;
  /** Only mirrors in these states (the administrators' `mirrors(states:)`; not a DirectoryFilter field). */
  mirrorStates?: MirrorState[] | null;
}

/** What each province is asked, in a canonical form (sorted, de-duplicated lists). */
export interface DirectoryQuery {
  search: string | null;
  sharingTypes: SharingType[] | null;
  providerCode: string | null;
  classification: string | null;
  updateCycles: UpdateCycle[] | null;
  formats: ResourceFormat[] | null;
  grades: DataGrade[] | null;
  kinds: EntryKind[];
  includeWithdrawn: boolean;
  mirrorStates: MirrorState[] | null;
}

const canonical = <T extends string>(xs?: T[] | null): T[] | null => (xs?.length ? [...new Set(xs)].sort() : null);

export function directoryQuery(search: string | null, filter: DirectoryFilterInput): DirectoryQuery {
  return {
    search,
    sharingTypes: canonical(filter.sharingTypes),
    providerCode: filter.providerCode ?? null,
    classification: filter.classification ?? null,
    updateCycles: canonical(filter.updateCycles),
    formats: canonical(filter.formats),
    grades: canonical(filter.grades),
    kinds: canonical(filter.kinds) ?? ['ORIGINAL'],
    includeWithdrawn: filter.includeWithdrawn ?? false,
    mirrorStates: canonical(filter.mirrorStates),
  };
}

/**
 * A cursor is valid only for the listing it came from: the root field (and its province), the
 * provinces asked and the query. 16 base64url characters of SHA-256 are plenty: the cursor's HMAC,
 * not this value, is what an attacker would have to forge.
 */
export function queryFingerprint(listing: string, provinceIds: string[], query: DirectoryQuery): string {
  return createHash('sha256')
    .update(JSON.stringify([listing, [...provinceIds].sort(), query]))
    .digest('base64url')
    .slice(0, 16);
}

export interface ProvinceResult<P> {
  province: P;
  /** null: the province could not answer (its rows are missing, its facet says so). */
  result: IndexAnswers['/slice'] | null;
}

export interface PageParts<P, Node> {
  first: number;
  results: ProvinceResult<P>[];
  provinceId(p: P): string;
  facet(p: P): { province: string; name: string };
  /** Cursor for a row (bound to the query by the caller's codec). */
  cursor(row: SortKey): string;
  /** The node of a row: a typed reference with the row's listing fields. */
  node(provinceId: string, row: ListingRow): Node;
}

function lazyEdge<P, Node>({ province, row }: MergedRow<ListingRow>, parts: PageParts<P, Node>) {
  let cursor: string | undefined;
  return {
    get cursor(): string {
      cursor ??= parts.cursor(row);
      return cursor;
    },
    node: parts.node(province, row),
  };
}

/** Totals per province, sharing type and grade, summed over the provinces that answered. */
function pageFacets<P>(results: ProvinceResult<P>[], facet: (p: P) => { province: string; name: string }) {
  const sharing = new Map<SharingType, number>(SHARING_TYPES.map((t) => [t, 0]));
  for (const r of results) {
    for (const [t, n] of Object.entries(r.result?.bySharingType ?? {}) as [SharingType, number][]) sharing.set(t, sharing.get(t)! + n);
  }
  const grades = new Map<DataGrade, number>(DATA_GRADES.map((g) => [g, 0]));
  for (const r of results) {
    for (const [g, n] of Object.entries(r.result?.byGrade ?? {}) as [DataGrade, number][]) grades.set(g, grades.get(g)! + n);
  }
  return {
    provinces: results.map((r) => ({ ...facet(r.province), count: r.result?.total ?? 0, available: r.result !== null })),
    sharingTypes: [...sharing].map(([sharingType, count]) => ({ sharingType, count })),
    grades: [...grades].map(([grade, count]) => ({ grade, count })),
  };
}

/** The connection: the first `first` rows of the merged slices, totals and facets summed. */
export function assemblePage<P, Node>(parts: PageParts<P, Node>) {
  const { results } = parts;
  const merged = mergeSlices(
    results.flatMap((r) => (r.result ? [{ province: parts.provinceId(r.province), items: r.result.items }] : [])),
    parts.first,
  );
  // A cursor costs an HMAC; most callers ask for nodes only, so each is made when first read.
  const edges = merged.rows.map((row) => lazyEdge(row, parts));
  let facets: ReturnType<typeof pageFacets> | undefined;
  return {
    edges,
    nodes: edges.map((e) => e.node),
    pageInfo: {
      hasNextPage: merged.hasNextPage,
      get endCursor() {
        return edges.at(-1)?.cursor ?? null;
      },
    },
    totalCount: results.reduce((n, r) => n + (r.result?.total ?? 0), 0),
    // Summed when asked for, as the cursors are made when read.
    get facets() {
      facets ??= pageFacets(results, parts.facet);
      return facets;
    },
  };
}
