// The province's own client of the federation: GraphQL to the gateway over mutual TLS with the
// province's service certificate, and a token from the province's IdP bound to it (RFC 8705). The
// sync worker reads other provinces only this way, never by calling them directly. An answer is
// either data, a refusal (the gateway said no: retrying will not help) or unavailability (the
// gateway or the source province could not answer: wait and retry, decide nothing).
import { Agent, request } from 'undici';
import { operationsFromSources } from '../../../common/persisted-documents.js';

export class FederationUnavailable extends Error {}

export class FederationRefused extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Codes that mean "not now" rather than "no": the answer may differ on a later attempt. */
const TRANSIENT_CODES = new Set(['PROVINCE_UNAVAILABLE', 'INTERNAL_SERVER_ERROR', 'AUDIT_UNAVAILABLE']);

export interface TokenSource {
  /** A current access token; `fresh`: the last one was refused, get another. */
  token(fresh?: boolean): Promise<string>;
}

export interface FederationClientOptions {
  url: string;
  cert: Buffer;
  key: Buffer;
  /** Trust anchor of the gateway's server certificate. */
  ca: Buffer;
  tokens: TokenSource;
  timeoutMs?: number;
}

interface GraphQLAnswer<T> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

export class FederationClient {
  private readonly dispatcher: Agent;
  /** Each operation as its trusted document: the body graphql-js prints (byte for byte the manifest's) and its id. */
  private readonly documents = new Map<string, { body: string; id: string }>();

  constructor(private readonly opts: FederationClientOptions) {
    this.dispatcher = new Agent({ connect: { cert: opts.cert, key: opts.key, ca: opts.ca }, keepAliveTimeout: 30_000 });
  }

  /** Runs one operation; any error in the answer fails it as a whole (no partial data is trusted). */
  async run<T>(query: string, variables: Record<string, unknown>, headers: Record<string, string> = {}): Promise<T> {
    let answer = await this.post<T>(query, variables, headers, false);
    if (answer.status === 401) answer = await this.post<T>(query, variables, headers, true);
    const { status, body } = answer;
    const first = body?.errors?.[0];
    if (first) {
      const code = first.extensions?.code ?? 'UNKNOWN';
      const message = `${code}: ${first.message}`;
      throw TRANSIENT_CODES.has(code) || status >= 500 ? new FederationUnavailable(message) : new FederationRefused(code, message);
    }
    if (status >= 500 || status === 429) throw new FederationUnavailable(`gateway answered HTTP ${status}`);
    if (status !== 200 || !body?.data) throw new FederationRefused('HTTP', `gateway answered HTTP ${status}`);
    return body.data;
  }

  private document(query: string): { body: string; id: string } {
    let doc = this.documents.get(query);
    if (!doc) {
      const [op] = operationsFromSources([{ file: 'operation', text: query }]);
      doc = { body: op!.body, id: op!.id };
      this.documents.set(query, doc);
    }
    return doc;
  }

  private async post<T>(query: string, variables: Record<string, unknown>, headers: Record<string, string>, fresh: boolean) {
    const doc = this.document(query);
    let token: string;
    try {
      token = await this.opts.tokens.token(fresh);
    } catch (err) {
      throw new FederationUnavailable(`no access token from the province IdP (${(err as Error).message})`);
    }
    try {
      const res = await request(this.opts.url, {
        method: 'POST',
        dispatcher: this.dispatcher,
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 30_000),
        headers: {
          'content-type': 'application/json',
          accept: 'application/graphql-response+json, application/json',
          authorization: `Bearer ${token}`,
          ...headers,
        },
        // The document as the manifest holds it, named by its id (Apollo's persisted-query form), so a
        // gateway enforcing trusted documents serves it (config/documents/sync.json, admin-cli.json).
        body: JSON.stringify({ query: doc.body, variables, extensions: { persistedQuery: { version: 1, sha256Hash: doc.id } } }),
      });
      const text = await res.body.text();
      let body: GraphQLAnswer<T> | null = null;
      try {
        body = JSON.parse(text) as GraphQLAnswer<T>;
      } catch {
        body = null;
      }
      return { status: res.statusCode, body };
    } catch (err) {
      throw new FederationUnavailable(`gateway unreachable (${(err as Error).message})`);
    }
  }

  close(): Promise<void> {
    return this.dispatcher.close();
  }
}
