// Renders the Kubernetes manifests for a configuration directory:
//   npx tsx deploy/render.ts [--config-dir deploy/config] [--gateway-audit postgres|sqlite] | kubectl apply -f -
// The config is validated first (same loader as the services), then the namespace, the
// config map, the gateway, and one subgraph and one sync worker per province file are printed. A third province
// is a new config/provinces/<id>.json plus its secrets; no manifest is copied by hand.
//
// The gateway's audit chains live in PostgreSQL by default (DATABASE_URL from the gateway-database
// secret): a Deployment without volumes. `--gateway-audit sqlite` renders the StatefulSet with one
// volume per replica for an installation whose gateway has no database. Template lines marked
// `#@postgres ` or `#@sqlite ` belong to one of the two.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadStackConfig } from '../common/config.js';
import { UsageError, command } from '../common/cli.js';

const here = path.dirname(fileURLToPath(import.meta.url));

export type GatewayAudit = 'postgres' | 'sqlite';

/** Keeps the lines of one audit backend: `#@<backend> ` is dropped from its own, the other's go. */
function selectAudit(tpl: string, audit: GatewayAudit): string {
  return tpl
    .split('\n')
    .flatMap((line) => {
      const m = /^#@(postgres|sqlite) (.*)$/.exec(line);
      if (!m) return [line];
      return m[1] === audit ? [m[2]!] : [];
    })
    .join('\n');
}

export function renderManifests(configDir: string, opts: { gatewayAudit?: GatewayAudit } = {}): string {
  const cfg = loadStackConfig({ configDir });
  const gatewayAudit = opts.gatewayAudit ?? 'postgres';
  const indent = (text: string, n: number) =>
    text
      .trimEnd()
      .split('\n')
      .map((l) => ' '.repeat(n) + l)
      .join('\n');
  const configItems = cfg.provinces.map((p) => `              - { key: ${p.id}.json, path: provinces/${p.id}.json }`).join('\n');
  // The gateway's trusted-document manifests, in the config map beside gateway.json at the path it names
  // them by (relative to the config directory); a changed config map reaches the pods' files, which the
  // gateway watches and reloads.
  const documents = cfg.gateway.trustedDocuments.manifests.map((m) => {
    if (path.isAbsolute(m) || m.split(/[\\/]/).includes('..')) throw new Error(`trustedDocuments.manifests: ${m} must be a path inside the config directory`);
    return { key: m.replace(/[^A-Za-z0-9._-]/g, '.'), path: m, file: path.resolve(cfg.configDir, m) };
  });
  const vars: Record<string, string> = {
    PROVINCE_CONFIG_ITEMS: configItems,
    GATEWAY_DOCUMENT_ITEMS: documents.map((d) => `              - { key: ${d.key}, path: ${d.path} }`).join('\n'),
    PROVINCE_TRUST_MOUNTS: cfg.provinces.map((p) => `            - { name: ${p.id}-trust, mountPath: /etc/chuanyu/certs/${p.id}, readOnly: true }`).join('\n'),
    PROVINCE_TRUST_VOLUMES: cfg.provinces
      .map(
        (p) =>
          `        # ${p.name}: root CA (ca.crt), its IdP's CA (idp-ca.crt) and its CRL endpoint's CA (crl-ca.crt); no private keys.\n        - name: ${p.id}-trust\n          secret: { secretName: ${p.id}-trust }`,
      )
      .join('\n'),
  };
  const fill = (tpl: string, extra: Record<string, string> = {}) =>
    tpl.replace(/\$\{([A-Z_]+)\}/g, (m, k: string) => {
      const v = extra[k] ?? vars[k];
      if (v === undefined) throw new Error(`template variable ${m} has no value`);
      return v;
    });
  const read = (f: string) => readFileSync(path.join(here, 'k8s', f), 'utf8');
  const configMap = [
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata:',
    '  name: chuanyu-config',
    '  namespace: chuanyu',
    'data:',
    '  gateway.json: |',
    indent(readFileSync(path.join(cfg.configDir, 'gateway.json'), 'utf8'), 4),
    ...cfg.provinces.flatMap((p) => [`  ${p.id}.json: |`, indent(readFileSync(p.file, 'utf8'), 4)]),
    ...documents.flatMap((d) => [`  ${d.key}: |`, indent(readFileSync(d.file, 'utf8'), 4)]),
  ].join('\n');
  return [
    read('namespace.yaml').trimEnd(),
    configMap,
    fill(selectAudit(read('gateway.template.yaml'), gatewayAudit)).trimEnd(),
    ...cfg.provinces.map((p) => fill(read('subgraph.template.yaml'), { PROVINCE: p.id }).trimEnd()),
    ...cfg.provinces.map((p) => fill(read('sync.template.yaml'), { PROVINCE: p.id }).trimEnd()),
  ]
    .join('\n---\n')
    .concat('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  command(
    {
      name: 'deploy:render',
      usage:
        'usage: npm run --silent deploy:render -- [--config-dir DIR] [--gateway-audit postgres|sqlite]\n' +
        '  (default: deploy/config; the gateway audit in PostgreSQL, a Deployment; sqlite: a StatefulSet with a volume per replica)',
      options: { 'config-dir': { type: 'string', default: path.join(here, 'config') }, 'gateway-audit': { type: 'string', default: 'postgres' } },
    },
    async ({ values }) => {
      const gatewayAudit = values['gateway-audit'];
      if (gatewayAudit !== 'postgres' && gatewayAudit !== 'sqlite')
        throw new UsageError(`--gateway-audit must be postgres or sqlite, not ${JSON.stringify(gatewayAudit)}`);
      process.stdout.write(renderManifests(path.resolve(values['config-dir']), { gatewayAudit }));
    },
  );
}
