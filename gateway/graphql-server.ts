// The GraphQL side of the gateway: @apollo/gateway over the supergraph composed at start (the
// local directory subgraph in-process, each province over mTLS), inside Apollo Server with the
// request's steps as plugins in flow order: policy → (execution) → status → metrics → audit.
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
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
import { scopePolicyPlugin } from './policy/operation-scopes.js';
import { aliasLimitRule, depthLimitRule } from './policy/query-limits.js';
import type { RootFieldTable } from './policy/root-fields.js';

export interface GraphqlServerOptions {
  cfg: StackConfig;
  clients: ProvinceClients;
  rootFields: RootFieldTable;
  /** MAC key of directory cursors. */
  cursorKey: Buffer;
  audit: AuditLog;
  metrics: GatewayMetrics;
  log: Logger;
}

export async function startGraphqlServer({
  cfg,
  clients,
  rootFields,
  cursorKey,
  audit,
  metrics,
  log,
}: GraphqlServerOptions): Promise<ApolloServer<GatewayContext>> {
  const directorySchema = buildDirectorySubgraph({ cfg, clients, cursorKey, rootFields });
  const gateway = new ApolloGateway({
    supergraphSdl: composeSupergraph(cfg, (id) => clients.graphqlUrl(id)),
    logger: log,
    buildService: ({ name }) => (name === LOCAL_SUBGRAPH_NAME ? new DirectoryDataSource(directorySchema) : new ProvinceDataSource(name, clients)),
  });
  const limits = cfg.gateway.limits;
  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    // No cache-control computation: answers are per caller and never cached by HTTP caches.
    // responseStatusPlugin first among those that read the status: audit and metrics record the final one.
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginCacheControlDisabled(),
      scopePolicyPlugin(rootFields),
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
    parseOptions: { maxTokens: limits.maxTokens },
    validationRules: [depthLimitRule(limits.maxDepth), aliasLimitRule(limits.maxAliases)],
    allowBatchedHttpRequests: false,
    logger: log,
  });
  await apollo.start();
  return apollo;
}
