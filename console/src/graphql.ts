// POST /graphql on this origin with the in-memory access token. Operations are the persisted ones in
// console/src/operations (never strings written in a page); each request carries its hash
// (extensions.persistedQuery, the trusted-document id in config/documents/console.json) beside the body.
import { accessToken } from './auth.js';

export interface Operation {
  id: string;
  name: string;
  type: 'query' | 'mutation' | 'subscription';
  body: string;
}

export interface GraphQLErrorInfo {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: string; province?: string; reason?: string; [k: string]: unknown };
}

export interface Result<T> {
  data: T | null;
  errors: GraphQLErrorInfo[];
}

/** The gateway refused the request as a whole (401/403/4xx) or could not be reached. */
export class RequestFailed extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string | undefined,
    readonly reason: string | undefined,
  ) {
    super(message);
  }
}

let onUnauthenticated: () => void = () => {};

/** What to do when there is no usable token or the gateway answers 401 (sign in again). */
export function setUnauthenticatedHandler(fn: () => void): void {
  onUnauthenticated = fn;
}

export async function run<T>(op: Operation, variables: Record<string, unknown> = {}): Promise<Result<T>> {
  const token = accessToken();
  if (!token) {
    onUnauthenticated();
    throw new RequestFailed('not signed in', 401, 'UNAUTHENTICATED', 'token_missing');
  }
  let res: Response;
  try {
    res = await fetch('/graphql', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({
        operationName: op.name,
        query: op.body,
        variables,
        extensions: { persistedQuery: { version: 1, sha256Hash: op.id } },
      }),
    });
  } catch {
    throw new RequestFailed('network', 0, undefined, undefined);
  }
  const body = (await res.json().catch(() => null)) as { data?: T | null; errors?: GraphQLErrorInfo[] } | null;
  const first = body?.errors?.[0];
  if (res.status === 401) {
    onUnauthenticated();
    throw new RequestFailed(first?.message ?? 'unauthenticated', 401, first?.extensions?.code, first?.extensions?.reason);
  }
  if (!res.ok || !body || (body.data == null && first)) {
    throw new RequestFailed(first?.message ?? `HTTP ${res.status}`, res.status, first?.extensions?.code, first?.extensions?.reason);
  }
  return { data: body.data ?? null, errors: body.errors ?? [] };
}

/** Provinces named by PROVINCE_UNAVAILABLE errors next to partial data. */
export function unavailableProvinces(errors: GraphQLErrorInfo[]): string[] {
  return [...new Set(errors.filter((e) => e.extensions?.code === 'PROVINCE_UNAVAILABLE').map((e) => String(e.extensions?.province ?? '')))].filter(Boolean);
}
