// The production config validates, and the rendered manifests name every province once.
import { strict as assert } from 'node:assert';
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
    const docs = out.split('\n---\n');
    assert.equal(docs.filter((d) => /^kind: StatefulSet/m.test(d)).length, 5, 'the gateway, two province subgraphs and their sync workers');
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
});
