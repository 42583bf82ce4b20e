// Trusted documents (an operation allowlist): the documents of the apps the federation knows, read
// from Apollo persisted-query manifests (common/persisted-documents.ts) named in
// `gateway.trustedDocuments.manifests`. `enforce` runs nothing else, `log` runs anything and records
// what is not in a manifest, `off` only serves the manifests' documents by id.
//
// A request names a document in either of two forms:
//   - Apollo's: `extensions.persistedQuery.sha256Hash`, with or without `query` (with it, the hash
//     must be the query's; Apollo Server checks that);
//   - the GraphQL-over-HTTP draft's persisted documents (Appendix A): `documentId`, a "SHA256 hex
//     document identifier" `sha256:<64 lower-case hex>`, or, as this server's "custom document
//     identifier" (no colon), the same 64 hex digits alone (a manifest's id). Any other identifier is
//     one this server cannot retrieve, answered, as the draft says, with a single error.
// An ad hoc `query` whose text is byte for byte a manifest's body is that document too.
//
// The by-id path: each manifest body is parsed and validated once, when it is loaded (against the
// gateway's API schema, with the same rules and limits Apollo Server applies), and ingress turns every
// request for a trusted document into Apollo's by-hash form without `query`. Apollo Server then takes
// the body from `persistedQueries.cache` and the DocumentNode from `documentStore`, keyed by the
// schema's hash and the id, so it neither parses nor validates the request (@apollo/server 5,
// requestPipeline: a document found in the store skips parsingDidStart and validationDidStart).
//
// Manifests are re-read when their files change (polled, like certificates: Kubernetes swaps mounted
// config maps by symlink). A new set is taken only whole: a file that does not parse, an id that is
// not its body's hash, or a body that no longer validates keeps the old set in force, with a log line
// and chuanyu_trusted_documents_reloads_total{outcome="failed"}.
import type { ApolloServerPlugin, DocumentStore, PersistedQueryOptions } from '@apollo/server';
import { printSchema, specifiedRules, validate, type DocumentNode, type GraphQLSchema, type ValidationRule } from 'graphql';
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { BoundedCache } from '../../common/bounded-cache.js';
import { isSha256Hex, readManifest, sha256Hex, type CheckedOperation } from '../../common/persisted-documents.js';
import { FileChangeWatcher } from '../../common/tls/file-change-watcher.js';
import type { GatewayMetrics } from '../ops/metrics.js';

export type TrustedDocumentsMode = 'off' | 'log' | 'enforce';

/** How a request's document stands against the manifests (a metric label and the audit note). */
export type DocumentOutcome = 'trusted' | 'unlisted' | 'unknown_id';

export interface TrustedDocument extends CheckedOperation {
  /** The manifest file it came from. */
  manifest: string;
}

/** A request refused before GraphQL runs (ingress sends it as `{ errors: [{ message, extensions: { code, reason } }] }`). */
export interface DocumentProblem {
  status: 400;
  code: 'BAD_REQUEST' | 'PERSISTED_QUERY_NOT_ALLOWED';
  reason: string;
  message: string;
}

export type Admission =
  | { ok: true; body: unknown; search: string; outcome: DocumentOutcome | null }
  | { ok: false; problem: DocumentProblem; outcome: DocumentOutcome | null };

export interface TrustedDocumentsOptions {
  mode: TrustedDocumentsMode;
  /** Absolute paths of the manifest files. */
  files: string[];
  /** Apollo Server's parse options (the token limit): a trusted body is held to the same. */
  parseOptions: { maxTokens?: number };
  /** The validation rules Apollo Server adds to graphql-js's (limits, no introspection in production). */
  validationRules: readonly ValidationRule[];
  metrics: GatewayMetrics;
  log: Logger;
  /** How often the files are polled (default 1 s). */
  pollMs?: number;
}

// GraphQL over HTTP, Appendix A, "Document identifier syntax".
const SHA256_DOCUMENT_ID = /^sha256:([0-9a-f]{64})$/;
const UNRESERVED = '[A-Za-z0-9._~-]+';
const OTHER_PREFIXED_ID = new RegExp(`^x-${UNRESERVED}:${UNRESERVED}$`);
const CUSTOM_ID = new RegExp(`^${UNRESERVED}$`);

/** Ad hoc documents Apollo Server parsed, validated and cached itself before (its default store is an LRU too). */
const ADHOC_DOCUMENTS = 1000;
/** Automatic persisted queries (APQ) registered by clients in `off` and `log` mode. */
const APQ_ENTRIES = 500;

function problem(code: DocumentProblem['code'], reason: string, message: string): DocumentProblem {
  return { status: 400, code, reason, message };
}

const NOT_ALLOWED = problem(
  'PERSISTED_QUERY_NOT_ALLOWED',
  'persisted_query_not_allowed',
  'this gateway runs trusted documents only: send the id of a document in one of its manifests (extensions.persistedQuery.sha256Hash or documentId)',
);

interface LoadedSet {
  byId: Map<string, TrustedDocument>;
  /** SHA-256 of the printed API schema the documents were validated against: Apollo Server's documentStore key prefix. */
  schemaHash: string | null;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export class TrustedDocuments {
  readonly mode: TrustedDocumentsMode;
  private set: LoadedSet;
  private schema: GraphQLSchema | null = null;
  /** The hash of `schema`'s printed SDL: Apollo Server's documentStore key prefix for it. */
  private schemaHash: string | null = null;
  private watcher: FileChangeWatcher | null = null;
  private readonly adhoc = new BoundedCache<DocumentNode>(ADHOC_DOCUMENTS);
  private readonly apq = new BoundedCache<string>(APQ_ENTRIES);

  /** Reads and checks every manifest (not yet against the schema): a bad one throws, naming the file and the operation. */
  constructor(private readonly opts: TrustedDocumentsOptions) {
    this.mode = opts.mode;
    this.set = { byId: this.read(), schemaHash: null };
    opts.metrics.trustedDocumentsLoaded.set(this.set.byId.size);
  }

  get size(): number {
    return this.set.byId.size;
  }

  private read(): Map<string, TrustedDocument> {
    const byId = new Map<string, TrustedDocument>();
    for (const file of this.opts.files) {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (err) {
        throw new Error(`trusted documents: cannot read ${file}: ${(err as Error).message}`);
      }
      for (const op of readManifest(file, text, this.opts.parseOptions)) {
        if (!byId.has(op.id)) byId.set(op.id, { ...op, manifest: file });
      }
    }
    return byId;
  }

  private validateAll(byId: ReadonlyMap<string, TrustedDocument>, schema: GraphQLSchema): void {
    const rules = [...specifiedRules, ...this.opts.validationRules];
    for (const doc of byId.values()) {
      const errors = validate(schema, doc.document, rules);
      if (errors.length > 0)
        throw new Error(`${doc.manifest}: operation ${doc.name} (${doc.id}) does not validate against the gateway schema: ${errors[0]!.message}`);
    }
  }

  /**
   * The gateway's API schema, at start and whenever it changes: every document is validated against
   * it. At start a failure is thrown (the caller stops); later a set that no longer validates keeps
   * serving through Apollo Server's own parse and validation (the fast path is dropped).
   */
  useSchema(schema: GraphQLSchema): void {
    this.schema = schema;
    this.schemaHash = sha256Hex(printSchema(schema));
    try {
      this.validateAll(this.set.byId, schema);
      this.set = { byId: this.set.byId, schemaHash: this.schemaHash };
    } catch (err) {
      this.set = { byId: this.set.byId, schemaHash: null };
      throw err;
    }
  }

  /** Re-reads the manifests; the new set replaces the old only if all of it loads and validates. */
  reload(): boolean {
    try {
      const byId = this.read();
      if (this.schema) this.validateAll(byId, this.schema);
      this.set = { byId, schemaHash: this.schemaHash };
      this.opts.metrics.trustedDocumentsReloads.inc({ outcome: 'ok' });
      this.opts.metrics.trustedDocumentsLoaded.set(byId.size);
      this.opts.log.info({ documents: byId.size, manifests: this.opts.files }, 'trusted documents reloaded');
      return true;
    } catch (err) {
      this.opts.metrics.trustedDocumentsReloads.inc({ outcome: 'failed' });
      this.opts.log.error({ err: (err as Error).message }, 'trusted documents: new manifests refused; the previous set stays in force');
      return false;
    }
  }

  /** Polls the manifest files and reloads on a change. */
  watch(): void {
    if (this.opts.files.length > 0) this.watcher ??= new FileChangeWatcher(this.opts.files, () => void this.reload(), this.opts.pollMs);
  }

  close(): void {
    this.watcher?.close();
    this.watcher = null;
  }

  lookup(id: string): TrustedDocument | undefined {
    return this.set.byId.get(id);
  }

  /**
   * Apollo Server's `documentStore`: a trusted document's DocumentNode, parsed and validated at load,
   * under `<schema hash>:<id>` (the key Apollo Server uses for a store it is given); every other
   * document as Apollo Server caches it by default, in a bounded LRU.
   */
  readonly documentStore: DocumentStore = {
    get: async (key) => {
      const colon = key.indexOf(':');
      const { byId, schemaHash } = this.set;
      if (schemaHash !== null && key.slice(0, colon) === schemaHash) {
        const trusted = byId.get(key.slice(colon + 1));
        if (trusted) return trusted.document;
      }
      return this.adhoc.get(key);
    },
    set: async (key, value) => {
      this.adhoc.set(key, value);
    },
    delete: async () => {},
  };

  /**
   * Apollo Server's `persistedQueries.cache` (keys `apq:<sha256>`): the manifests' bodies; in `off`
   * and `log` mode also what clients register through automatic persisted queries, as before. In
   * `enforce` mode nothing is registered: ingress has refused any document not in a manifest.
   */
  readonly apqCache: NonNullable<PersistedQueryOptions['cache']> = {
    get: async (key) => {
      const hash = key.startsWith('apq:') ? key.slice(4) : key;
      return this.set.byId.get(hash)?.body ?? (this.mode === 'enforce' ? undefined : this.apq.get(hash));
    },
    set: async (key, value) => {
      const hash = key.startsWith('apq:') ? key.slice(4) : key;
      if (this.mode !== 'enforce' && !this.set.byId.has(hash)) this.apq.set(hash, value);
    },
    delete: async () => {},
  };

  private count(outcome: DocumentOutcome): DocumentOutcome | null {
    if (this.mode === 'off') return null;
    this.opts.metrics.trustedDocuments.inc({ mode: this.mode, outcome });
    return outcome;
  }

  /** Not a document this gateway holds: `enforce` refuses it, the others let Apollo Server answer (PERSISTED_QUERY_NOT_FOUND, or an APQ hit). */
  private notTrusted(outcome: DocumentOutcome, pass: () => Admission): Admission {
    const counted = this.count(outcome);
    if (this.mode === 'enforce') return { ok: false, problem: NOT_ALLOWED, outcome: counted };
    const admitted = pass();
    return admitted.ok ? { ...admitted, outcome: counted } : admitted;
  }

  /**
   * What ingress hands to Apollo Server for this request, or why it is refused. For a trusted
   * document: Apollo's by-hash form without `query` (so nothing is parsed or hashed again).
   */
  admit(method: string, body: unknown, search: string): Admission {
    if (method === 'GET') return this.admitGet(search);
    // A batch (refused by Apollo Server), or not an object: Apollo Server answers 400 itself.
    if (!isRecord(body)) return { ok: true, body, search, outcome: null };
    const ext = isRecord(body.extensions) ? body.extensions : undefined;
    const byHash = (id: string): Admission => {
      const { documentId: _, query: __, ...rest } = body;
      return { ok: true, body: { ...rest, extensions: { ...ext, persistedQuery: { version: 1, sha256Hash: id } } }, search, outcome: null };
    };
    return this.decide({ query: body.query, documentId: body.documentId, hash: persistedQueryHash(ext) }, byHash, () => ({
      ok: true,
      body,
      search,
      outcome: null,
    }));
  }

  private admitGet(search: string): Admission {
    const params = new URLSearchParams(search.startsWith('?') ? search.slice(1) : search);
    let ext: Record<string, unknown> | undefined;
    const rawExt = params.get('extensions');
    if (rawExt !== null) {
      try {
        const parsed: unknown = JSON.parse(rawExt);
        if (isRecord(parsed)) ext = parsed;
      } catch {
        // Apollo Server answers a malformed `extensions` parameter (400).
      }
    }
    const byHash = (id: string): Admission => {
      params.delete('query');
      params.delete('documentId');
      params.set('extensions', JSON.stringify({ ...ext, persistedQuery: { version: 1, sha256Hash: id } }));
      return { ok: true, body: undefined, search: `?${params.toString()}`, outcome: null };
    };
    const request = { query: params.get('query') ?? undefined, documentId: params.get('documentId') ?? undefined, hash: persistedQueryHash(ext) };
    return this.decide(request, byHash, () => ({ ok: true, body: undefined, search, outcome: null }));
  }

  /**
   * The decision, the same for GET and POST. `byHash(id)`: the request in Apollo's by-hash form
   * without `query` (for a document Apollo Server cannot find, it answers PERSISTED_QUERY_NOT_FOUND:
   * the draft's single error); `asSent()`: the request as the client sent it.
   */
  private decide(
    request: { query: unknown; documentId: unknown; hash: string | undefined },
    byHash: (id: string) => Admission,
    asSent: () => Admission,
  ): Admission {
    const { query, documentId, hash } = request;
    const has = (id: string) => this.set.byId.has(id);
    const registered = (id: string) => this.mode !== 'enforce' && this.apq.get(id) !== undefined;
    const trusted = (id: string): Admission => ({ ...byHash(id), outcome: this.count('trusted') });
    if (documentId !== undefined) {
      if (typeof documentId !== 'string') return refused(problem('BAD_REQUEST', 'document_id_invalid', 'documentId must be a string'));
      // A persisted document request carries the identifier instead of the document (Appendix A).
      if (query !== undefined && query !== null) return refused(problem('BAD_REQUEST', 'document_id_with_query', 'send either documentId or query, not both'));
      const m = SHA256_DOCUMENT_ID.exec(documentId);
      const id = m ? m[1]! : isSha256Hex(documentId) ? documentId : null;
      if (id === null && !OTHER_PREFIXED_ID.test(documentId) && !CUSTOM_ID.test(documentId))
        return refused(problem('BAD_REQUEST', 'document_id_invalid', 'documentId is not a document identifier (sha256:<64 lower-case hex digits>)'));
      if (hash !== undefined && hash !== id)
        return refused(problem('BAD_REQUEST', 'document_id_ambiguous', 'documentId and extensions.persistedQuery name different documents'));
      if (id !== null && has(id)) return trusted(id);
      return this.notTrusted(id !== null && registered(id) ? 'unlisted' : 'unknown_id', () => byHash(id ?? documentId));
    }
    // Apollo Server refuses a query that is not a string, and a hash that is not the query's
    // ("provided sha does not match query"): nothing runs either way.
    if (query !== undefined && query !== null && typeof query !== 'string') return asSent();
    if (hash !== undefined) {
      if (typeof query === 'string' && sha256Hex(query) !== hash) return asSent();
      if (has(hash)) return trusted(hash);
      return this.notTrusted(typeof query === 'string' || registered(hash) ? 'unlisted' : 'unknown_id', asSent);
    }
    // Apollo Server answers a request without a query itself (400).
    if (typeof query !== 'string' || query === '') return asSent();
    // `off` without manifests checks and counts nothing, so it does not hash ad hoc documents either.
    if (this.mode === 'off' && this.set.byId.size === 0) return asSent();
    const id = sha256Hex(query);
    if (has(id)) return trusted(id);
    return this.mode === 'off' ? asSent() : this.notTrusted('unlisted', asSent);
  }
}

function refused(p: DocumentProblem): Admission {
  return { ok: false, problem: p, outcome: null };
}

/** `extensions.persistedQuery.sha256Hash` of Apollo's version 1 (any other version Apollo Server refuses). */
function persistedQueryHash(ext: Record<string, unknown> | undefined): string | undefined {
  const pq = ext?.persistedQuery;
  return isRecord(pq) && pq.version === 1 && typeof pq.sha256Hash === 'string' ? pq.sha256Hash : undefined;
}

/** Counts the documents Apollo Server parses (a request by a trusted document's id is never one of them). */
export function documentsParsedPlugin(metrics: GatewayMetrics): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async parsingDidStart() {
          metrics.documentsParsed.inc();
        },
      };
    },
  };
}
