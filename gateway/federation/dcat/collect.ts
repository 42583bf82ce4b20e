// What the caller may see of a catalogue, for the DCAT-AP export: the GraphQL directory's own
// listings (`provinceCatalogue` for one province, `directory` for all of them), run through the
// generation's Apollo Server with the caller's context, page after page at the directory's largest
// page size. So the export sees exactly what /graphql would show this caller (scopes, the
// provinces' visibility policy, demand control, the audit record of each page), by the same code.
import type { ApolloServer } from '@apollo/server';
import type { GraphQLFormattedError } from 'graphql';
import type { Caller } from '../../../common/identity/caller.js';
import type { DcatEntry } from '../../../domain/dcat/catalogue-graph.js';
import type { GatewayContext } from '../../context.js';

const ENTRY_FIELDS = `fragment DcatEntry on CatalogueEntry {
  id kind name abstract
  classification { code category categoryName }
  provider { name creditCode }
  format sharingType sharingCondition sharingMethod openType updateCycle publishDate createdAt updatedAt
  mirrorSource { id name abstract }
}`;

/** One province's catalogue: its originals and the mirrors it holds (provinceCatalogue's default kinds). */
export const PROVINCE_PAGE = `query DcatProvinceCatalogue($province: Province!, $first: Int!, $after: String) {
  listing: provinceCatalogue(province: $province, first: $first, after: $after) { pageInfo { hasNextPage endCursor } nodes { ...DcatEntry } }
}
${ENTRY_FIELDS}`;

/** Every province's catalogue, each resource once (the directory lists originals only). */
export const DIRECTORY_PAGE = `query DcatDirectory($first: Int!, $after: String) {
  listing: directory(first: $first, after: $after) { pageInfo { hasNextPage endCursor } nodes { ...DcatEntry } }
}
${ENTRY_FIELDS}`;

interface PageInfo {
  hasNextPage: boolean;
  endCursor: string | null;
}

interface Page {
  listing: { pageInfo: PageInfo; nodes: (DcatEntry | null)[] } | null;
}

export type Collected =
  | { ok: true; entries: DcatEntry[]; pages: number }
  /**
   * GraphQL refused or failed: `status` and `headers` as Apollo Server set them for the HTTP answer
   * (403 insufficient_scope with its WWW-Authenticate challenge, as /graphql answers), `errors` as
   * formatted for the caller. `partial`: some data came with the errors (a province unavailable).
   */
  | { ok: false; status: number; headers: [string, string][]; errors: readonly GraphQLFormattedError[]; partial: boolean };

export interface CollectOptions {
  apollo: ApolloServer<GatewayContext>;
  caller: Caller;
  /** The province's GraphQL enum value (CHONGQING) for one province's catalogue; none: all. */
  province?: string;
  pageSize: number;
  /** Marks each page's audit record as part of this export. */
  auditNote: string;
}

export async function collectEntries({ apollo, caller, province, pageSize, auditNote }: CollectOptions): Promise<Collected> {
  const entries: DcatEntry[] = [];
  let after: string | null = null;
  for (let pages = 1; ; pages++) {
    // A context per page, as /graphql builds one per request: its memo and partial errors are per operation.
    const contextValue: GatewayContext = {
      caller,
      partialErrors: [],
      memo: new Map(),
      touched: new Set<string>(),
      auditNotes: { dcatExport: auditNote, dcatPage: pages },
      idempotencyKey: null,
    };
    const response: Awaited<ReturnType<typeof apollo.executeOperation<Page>>> = await apollo.executeOperation<Page>(
      province ? { query: PROVINCE_PAGE, variables: { province, first: pageSize, after } } : { query: DIRECTORY_PAGE, variables: { first: pageSize, after } },
      { contextValue },
    );
    if (response.body.kind !== 'single') throw new Error('DCAT export: unexpected incremental GraphQL response');
    const { data, errors } = response.body.singleResult;
    // Any error fails the whole export: a catalogue with a province's entries silently missing would
    // tell a harvester that those datasets were deleted.
    if (errors?.length || !data?.listing) {
      return {
        ok: false,
        status: response.http.status ?? 200,
        headers: [...response.http.headers],
        errors: errors ?? [],
        partial: !!data?.listing,
      };
    }
    for (const node of data.listing.nodes) if (node) entries.push(node);
    const { hasNextPage, endCursor }: PageInfo = data.listing.pageInfo;
    if (!hasNextPage || !endCursor) return { ok: true, entries, pages };
    after = endCursor;
  }
}
