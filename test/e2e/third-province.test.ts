// A third province (Guizhou, 520000) joins from a config file and its certificates only:
// no code changes. Its entries appear in the directory and route to its own subgraph.
import { strict as assert } from 'node:assert';
import { existsSync } from 'node:fs';
import { provincePaths } from '../../common/pki/paths.js';
import { configDirWith, gql, sharedCertsDir, startStack, tmpDir, type TestStack } from '../support/stack.js';
import { cpSync, readFileSync } from 'node:fs';
import { generateDemoCertificates } from '../../domain/demo/certificates.js';
import { verifyReceipt } from '../../domain/receipt.js';
import { loadSealKeys } from '../../subgraphs/catalogue/certificates/seal-keys.js';

const GUIZHOU = {
  id: 'guizhou',
  divisionCode: '520000',
  name: '贵州省',
  shortName: '黔',
  platform: { name: '贵人服务', romanized: 'Guiren Fuwu' },
  typePrefix: 'Guizhou',
  enumValue: 'GUIZHOU',
  subgraph: { host: 'localhost', port: 4103 },
  idp: { issuer: 'https://idp.gzzw.gz.gov.cn.dev' },
  demo: { entries: 300, seed: 520000 },
};

describe('a third province from config and certificates only', function () {
  let stack: TestStack;

  before(async () => {
    // Start from the two-province PKI and let the idempotent generator add Guizhou's files.
    const certsDir = tmpDir('certs3');
    cpSync(await sharedCertsDir(), certsDir, { recursive: true });
    assert.equal(existsSync(provincePaths(certsDir, 'guizhou').ca), false);
    stack = await startStack({ configDir: configDirWith([GUIZHOU]), certsDir });
    assert.ok(existsSync(provincePaths(certsDir, 'guizhou').ca));
  });
  after(async () => {
    await stack?.close();
  });

  it("finds Guizhou's entries in the merged directory", async () => {
    const res = await gql(
      stack,
      { province: 'chongqing' },
      `{ directory(first: 5, filter: { provinces: [GUIZHOU] }) { totalCount nodes { id name region { name platform } } }
      all: directory(first: 1) { facets { provinces { province count } } } }`,
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const d = res.body.data.directory;
    assert.ok(d.totalCount > 250);
    for (const n of d.nodes) {
      assert.ok(n.id.startsWith('520000:'));
      assert.equal(n.region.platform, '贵人服务');
    }
    assert.deepEqual(
      res.body.data.all.facets.provinces.map((f: { province: string }) => f.province),
      ['CHONGQING', 'GUIZHOU', 'SICHUAN'],
    );
  });

  it('verifies a Guizhou e-certificate from a Chongqing counter, with a receipt signed by Guizhou', async () => {
    const gz = stack.province('guizhou');
    const today = new Date().toISOString().slice(0, 10);
    const c = generateDemoCertificates({
      divisionCode: gz.divisionCode,
      provinceName: gz.name,
      count: 300,
      seed: gz.demo.seed,
      salt: loadSealKeys(stack.cfg, gz).holderSalt,
    }).find((d) => d.record.status === 'VALID' && (d.record.validTo === null || d.record.validTo > today))!;
    const res = await gql(
      stack,
      { province: 'chongqing', client: 'counter', scope: 'certificate:verify' },
      `mutation($i: VerifyCertificateInput!) { verifyCertificate(input: $i) { result issuingProvince receipt } }`,
      { i: { identifier: c.record.id, purpose: '异地就医备案', holderIdType: c.record.holder.idType, holderId: c.holderId } },
    );
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.data.verifyCertificate.result, 'VALID');
    assert.equal(res.body.data.verifyCertificate.issuingProvince, 'GUIZHOU');
    const jwks = JSON.parse(readFileSync(provincePaths(stack.cfg.certsDir, 'guizhou').sealJwks, 'utf8'));
    const check = await verifyReceipt(res.body.data.verifyCertificate.receipt, { guizhou: jwks });
    assert.ok(check.ok, JSON.stringify(check));
  });

  it("serves a Guizhou caller with Guizhou's own certificate and token, and mirrors across three provinces", async () => {
    const admin = { province: 'guizhou', client: 'admin', scope: 'catalogue:read catalogue:admin' };
    const list = await gql(stack, admin, `{ directory(first: 1, filter: { provinces: [SICHUAN], sharingTypes: [UNCONDITIONAL] }) { nodes { id } } }`);
    assert.equal(list.status, 200, JSON.stringify(list.body));
    const sourceId = list.body.data.directory.nodes[0].id;
    const res = await gql(stack, admin, `mutation($s: ID!) { registerMirror(sourceId: $s) { created entry { id mirrorSource { id region { name } } } } }`, {
      s: sourceId,
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.data.registerMirror.entry.id, `520000:mirror:${sourceId}`);
    assert.equal(res.body.data.registerMirror.entry.mirrorSource.region.name, '四川省');
  });
});
