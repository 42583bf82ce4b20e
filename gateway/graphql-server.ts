// The GraphQL side of the gateway: @apollo/gateway over the supergraph composed at start (the
// local directory subgraph in-process, each province over mTLS), inside Apollo Server with the
// request's steps as plugins in flow order: policy (scopes, cost) → (execution) → status → metrics →
// audit. Trusted documents reach Apollo Server already parsed and validated (documentStore).
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { NoSchemaIntrospectionCustomRule, type ValidationRule } from 'graphql';
import type { Logger } from 'pino';
import type { AuditLog } from '../common/audit/audit-log.js';
import type { StackConfig } from '../common/config.js';
import { LOCAL_SUBGRAPH_NAME } from '../common/schema/local-sdl.js';
import { auditPlugin } from './audit/audit-plugin.js';
import type { GatewayContext } from './context.js';
import { DirectoryDataSource, ProvinceDataSource } from './federation/data-sources.js';
import { buildDirectorySubgraph } from './federation/directory/subgraph.js';
import type { ProvinceClients } from './federation/province-clients.js';
import { composeSupergraph } from './federation/supergraph.js';
import { responseStatusPlugin } from './ingress/graphql-response-status.js';
import { makeErrorFormatter } from './ops/error-masking.js';
import type { GatewayMetrics } from './ops/metrics.js';
import { requestMetricsPlugin } from './ops/request-metrics-plugin.js';
import { CostModel, demandControlPlugin } from './policy/demand-control.js';
import { scopePolicyPlugin } from './policy/operation-scopes.js';
import { aliasLimitRule, depthLimitRule } from './policy/query-limits.js';
import type { RootFieldTable } from './policy/root-fields.js';
import { documentsParsedPlugin, type TrustedDocuments } from './policy/trusted-documents.js';

export interface GraphqlServerOptions {
  cfg: StackConfig;
  clients: ProvinceClients;
  rootFields: RootFieldTable;
  /** MAC key of directory cursors. */
  cursorKey: Buffer;
  audit: AuditLog;
  metrics: GatewayMetrics;
  /** The trusted documents: validated against the schema as it loads, then served by id. */
  documents: TrustedDocuments;
  log: Logger;
}

/**
 * Apollo Server's parse options and the validation rules it adds to graphql-js's, for a document
 * validated before it arrives (a trusted document, at load): `withIntrospection` adds the rule Apollo
 * Server adds itself when introspection is off.
 */
export function documentRules(cfg: StackConfig, withIntrospection = false): { parseOptions: { maxTokens: number }; validationRules: ValidationRule[] } {
  const limits = cfg.gateway.limits;
  const validationRules: ValidationRule[] = [depthLimitRule(limits.maxDepth), aliasLimitRule(limits.maxAliases)];
  if (withIntrospection && !cfg.gateway.introspection) validationRules.unshift(NoSchemaIntrospectionCustomRule);
  return { parseOptions: { maxTokens: limits.maxTokens }, validationRules };
}

export async function startGraphqlServer({
  cfg,
  clients,
  rootFields,
  cursorKey,
  audit,
  metrics,
  documents,
  log,
}: GraphqlServerOptions): Promise<ApolloServer<GatewayContext>> {
  const directorySchema = buildDirectorySubgraph({ cfg, clients, cursorKey, rootFields });
  const gateway = new ApolloGateway({
    supergraphSdl: composeSupergraph(cfg, (id) => clients.graphqlUrl(id)),
    logger: log,
    buildService: ({ name }) => (name === LOCAL_SUBGRAPH_NAME ? new DirectoryDataSource(directorySchema) : new ProvinceDataSource(name, clients)),
  });
  const cost = new CostModel(cfg.gateway.demandControl);
  // Registered before Apollo Server's own listener, so each schema is checked before it serves with it.
  let schemaProblem: Error | null = null;
  gateway.onSchemaLoadOrUpdate(({ apiSchema }) => {
    try {
      cost.checkWeights(apiSchema);
      documents.useSchema(apiSchema);
    } catch (err) {
      schemaProblem ??= err as Error;
      log.error({ err: (err as Error).message }, 'gateway schema: a configured weight or trusted document does not fit it');
    }
  });
  const rules = documentRules(cfg);
  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    // Our own SIGTERM handling drains and closes the audit chain (gateway/main.ts). Apollo's default
    // handler (outside NODE_ENV=test) stops the server and re-raises the signal, which then ends the
    // process before the drain, the last audit commit and the closing checkpoint.
    stopOnTerminationSignals: false,
    // No cache-control computation: answers are per caller and never cached by HTTP caches.
    // responseStatusPlugin first among those that read the status: audit and metrics record the final one.
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginCacheControlDisabled(),
      scopePolicyPlugin(rootFields),
      demandControlPlugin(cost, metrics),
      documentsParsedPlugin(metrics),
      responseStatusPlugin(),
      requestMetricsPlugin(metrics, rootFields),
      auditPlugin(audit, rootFields),
    ],
    includeStacktraceInErrorResponses: false,
    introspection: cfg.gateway.introspection,
    // With introspection off the schema is not public: no "Did you mean …?" field suggestions in
    // validation errors either (they are answered before the scope check, to any caller).
    hideSchemaDetailsFromClientErrors: !cfg.gateway.introspection,
    formatError: makeErrorFormatter(cfg.provinces, cfg.gateway.maskErrors),
    parseOptions: rules.parseOptions,
    validationRules: rules.validationRules,
    // Parsed and validated documents by schema hash and query hash: the trusted ones from their
    // manifests (so a request by id is not parsed), the others cached as Apollo Server would.
    documentStore: documents.documentStore,
    // Apollo's `extensions.persistedQuery`: the manifests' bodies by id (and APQ outside `enforce`).
    persistedQueries: { cache: documents.apqCache },
    allowBatchedHttpRequests: false,
    logger: log,
  });
  await apollo.start();
  if (schemaProblem) {
    await apollo.stop();
    throw schemaProblem;
  }
  return apollo;
}
