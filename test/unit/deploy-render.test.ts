// The production config validates, and the rendered manifests name every province once.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT_DIR, loadStackConfig } from '../../common/config.js';
import { renderManifests } from '../../deploy/render.js';

describe('deploy manifests', () => {
  const configDir = path.join(ROOT_DIR, 'deploy', 'config');

  it('the production config validates: introspection off, errors masked, IdP keys and CRLs over HTTPS', () => {
    const cfg = loadStackConfig({ configDir });
    assert.equal(cfg.gateway.introspection, false);
    assert.equal(cfg.gateway.maskErrors, true);
    for (const p of cfg.provinces) {
      assert.match(p.idp.jwks ?? '', /^https:\/\//);
      assert.ok(p.idp.jwksCa);
      // Not the dev PKI's file: each province's CA publishes its CRL, fetched through its own CA.
      assert.match(p.crl?.source ?? '', /^https:\/\//);
      assert.match(p.crl?.ca ?? '', /^\/etc\/chuanyu\/certs\/[a-z]+\/crl-ca\.crt$/);
      // The sync worker's tokens come from the province IdP, never from a signing key in the pod.
      assert.match(p.sync.tokenEndpoint ?? '', /^https:\/\//);
      assert.ok(p.sync.tokenEndpointCa);
    }
  });

  it('renders the namespace, config map, gateway and one subgraph per province, with no unfilled variables', () => {
    const out = renderManifests(configDir);
    assert.doesNotMatch(out, /\$\{[A-Z_]+\}/);
    assert.doesNotMatch(out, /^#@(postgres|sqlite)/m, 'no template line is left marked');
    const docs = out.split('\n---\n');
    // Every audit chain is in PostgreSQL: nothing keeps a volume, every workload is a Deployment.
    assert.equal(docs.filter((d) => /^kind: Deployment/m.test(d)).length, 5, 'the gateway, two province subgraphs and their sync workers');
    assert.equal(docs.filter((d) => /^kind: StatefulSet/m.test(d)).length, 0);
    assert.doesNotMatch(out, /volumeClaimTemplates|name: audit\b|gateway-headless/);
    for (const id of ['chongqing', 'sichuan']) {
      assert.match(out, new RegExp(`name: subgraph-${id}\\n`));
      assert.match(out, new RegExp(`secretName: ${id}-trust`));
      assert.match(out, new RegExp(`"--province", "${id}"`));
      assert.match(out, new RegExp(`dist/subgraphs/catalogue/sync/main.js", "--province", "${id}"`));
      assert.match(out, new RegExp(`secretName: ${id}-sync-identity`));
    }
    assert.match(out, /kind: ConfigMap[\s\S]*"introspection": false/);
    assert.match(out, /readinessProbe:\n\s+httpGet: \{ path: \/readyz/);
  });

  it('gives the gateway its database and its pod name as the chain, and each subgraph its seal key (the checkpoint keys)', () => {
    const docs = renderManifests(configDir).split('\n---\n');
    const gateway = docs.find((d) => /^kind: Deployment\nmetadata:\n {2}name: gateway\n/m.test(d));
    assert.ok(gateway, 'the gateway is a Deployment');
    assert.match(gateway, /- name: DATABASE_URL\n\s+valueFrom: \{ secretKeyRef: \{ name: gateway-database, key: url \} \}/);
    assert.match(gateway, /- name: GATEWAY_INSTANCE_ID\n\s+valueFrom: \{ fieldRef: \{ fieldPath: metadata\.name \} \}/);
    assert.match(gateway, /rollingUpdate: \{ maxSurge: 1, maxUnavailable: 0 \}/);
    assert.match(gateway, /\{ key: signing\.key, path: assertion\/signing\.key \}/);
    for (const id of ['chongqing', 'sichuan']) {
      const subgraph = docs.find((d) => new RegExp(`^kind: Deployment\\nmetadata:\\n {2}name: subgraph-${id}\\n`, 'm').test(d));
      assert.ok(subgraph, `subgraph-${id} is a Deployment`);
      assert.match(subgraph, new RegExp(`name: ${id}-seal-key\\n\\s+items:\\n\\s+- \\{ key: signing\\.key, path: seal/signing\\.key \\}`));
      assert.match(subgraph, new RegExp(`secretKeyRef: \\{ name: ${id}-database, key: url \\}`));
    }
  });

  it('limits callers and provinces, shared through the Redis of an optional secret, and traces when the telemetry ConfigMap names an endpoint', () => {
    const cfg = loadStackConfig({ configDir: path.join(ROOT_DIR, 'deploy', 'config') });
    assert.ok(cfg.gateway.rateLimit?.perCaller && cfg.gateway.rateLimit.perProvince);
    // The URL (with its password) is a secret, not config.
    assert.equal(cfg.gateway.rateLimit.redisUrl, undefined);
    const docs = renderManifests(configDir).split('\n---\n');
    const gateway = docs.find((d) => /^kind: Deployment\nmetadata:\n {2}name: gateway\n/m.test(d))!;
    assert.match(gateway, /- name: RATE_LIMIT_REDIS_URL\n\s+valueFrom: \{ secretKeyRef: \{ name: gateway-redis, key: url, optional: true \} \}/);
    for (const id of ['gateway', 'subgraph-chongqing', 'subgraph-sichuan']) {
      const doc = docs.find((d) => new RegExp(`^kind: Deployment\\nmetadata:\\n {2}name: ${id}\\n`, 'm').test(d))!;
      assert.match(
        doc,
        /- name: OTEL_EXPORTER_OTLP_ENDPOINT\n\s+valueFrom: \{ configMapKeyRef: \{ name: chuanyu-telemetry, key: otlp-endpoint, optional: true \} \}/,
        id,
      );
    }
  });

  it('--gateway-audit sqlite: the gateway as a StatefulSet with a volume per replica and no database', () => {
    const docs = renderManifests(configDir, { gatewayAudit: 'sqlite' }).split('\n---\n');
    const gateway = docs.find((d) => /^kind: StatefulSet\nmetadata:\n {2}name: gateway\n/m.test(d));
    assert.ok(gateway);
    assert.match(gateway, /serviceName: gateway-headless/);
    assert.match(gateway, /volumeClaimTemplates:\n\s+- metadata: \{ name: audit \}/);
    assert.match(gateway, /- \{ name: audit, mountPath: \/var\/lib\/chuanyu \}/);
    assert.doesNotMatch(gateway, /DATABASE_URL|gateway-database|^#@/m);
    assert.ok(docs.some((d) => /^kind: Service\nmetadata:\n {2}name: gateway-headless\n/m.test(d)));
  });

  it('ships the trusted-document manifests the gateway config names in its config map, at the paths it names them by', () => {
    const cfg = loadStackConfig({ configDir });
    assert.equal(cfg.gateway.trustedDocuments.mode, 'log');
    assert.deepEqual(cfg.gateway.trustedDocuments.manifests, ['documents/console.json', 'documents/sync.json', 'documents/admin-cli.json']);
    const docs = renderManifests(configDir).split('\n---\n');
    const configMap = docs.find((d) => /^kind: ConfigMap/m.test(d))!;
    // The console's own manifest (deploy/config/documents/console.json links to config/documents/).
    const manifest = readFileSync(path.join(ROOT_DIR, 'config', 'documents', 'console.json'), 'utf8');
    assert.ok(
      configMap.includes(
        `  documents.console.json: |\n${manifest
          .trimEnd()
          .split('\n')
          .map((l) => `    ${l}`)
          .join('\n')}`,
      ),
    );
    const gateway = docs.find((d) => /^kind: Deployment\nmetadata:\n {2}name: gateway\n/m.test(d))!;
    assert.match(gateway, /- \{ key: documents\.console\.json, path: documents\/console\.json \}/);
    assert.ok(
      docs.filter((d) => d !== gateway).every((d) => !d.includes('path: documents/')),
      'only the gateway mounts them',
    );
  });
});
