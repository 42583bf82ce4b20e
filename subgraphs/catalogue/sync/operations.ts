// The sync worker's GraphQL operations: the only documents it sends to the gateway, so the gateway can
// allow them as trusted documents (config/documents/sync.json, written by `npm run documents:services`
// and checked current by test/unit/service-documents.test.ts).
import { ENTRY_RECORD_FIELDS } from './source-entries.js';

export const FEED_QUERY = `query Feed($province: Province!, $after: String, $first: Int) {
  catalogueChanges(province: $province, after: $after, first: $first) {
    edges { cursor node { entryId kind version at } }
    pageInfo { hasNextPage endCursor }
  }
}`;

export const ENTRIES_QUERY = `query Sources($ids: [ID!]!) { entries(ids: $ids) { ${ENTRY_RECORD_FIELDS} } }`;

export const LISTING_QUERY = `query MountPage($province: Province!, $filter: DirectoryFilter, $first: Int, $after: String) {
  provinceCatalogue(province: $province, filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { ${ENTRY_RECORD_FIELDS} } }
  }
}`;

export const SYNC_OPERATIONS = [FEED_QUERY, ENTRIES_QUERY, LISTING_QUERY];
