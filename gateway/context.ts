// Per-request context shared by the gateway's GraphQL layer: who is calling, and the
// errors the directory collects for provinces that could not answer (partial results).
import type { GraphQLError } from 'graphql';
import type { Caller } from '../common/identity/caller.js';

export interface GatewayContext {
  caller: Caller;
  /** Errors to add to the local subgraph's response next to its (partial) data. */
  partialErrors: GraphQLError[];
  /** Per-request memo for look-ups (e.g. mirror sources), keyed by province and id. */
  memo: Map<string, Promise<unknown>>;
  /** Province ids this request reached, for the audit record. */
  touched: Set<string>;
  /** Extra fields for this request's audit record (e.g. a verification's identifier and result). */
  auditNotes: Record<string, string | number>;
  /** The client's Idempotency-Key for this request's writes, if it sent one. */
  idempotencyKey: string | null;
}
