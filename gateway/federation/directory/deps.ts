// What the directory's resolvers share: routing, the province calls and the listing.
import type { ChangeFeed } from './change-feed.js';
import type { IndexCalls } from './index-calls.js';
import type { Routing } from './inputs.js';
import type { DirectoryListing } from './listing.js';

export interface DirectoryDeps {
  routing: Routing;
  calls: IndexCalls;
  listing: DirectoryListing;
  changes: ChangeFeed;
}
