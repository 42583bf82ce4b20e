// A third province (Guizhou, 520000) joins from a config file and its certificates only:
// no code changes. Its entries appear in the directory and route to its own subgraph.
import { strict as assert } from 'node:assert';
import { existsSync } from 'node:fs';
import { provincePaths } from '../../common/pki/paths.js';
import { configDirWith, gql, sharedCertsDir, startStack, tmpDir, type TestStack } from '../support/stack.js';
import { cpSync } from 'node:fs';

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
    const res = await gql(stack, { province: 'chongqing' }, `{ directory(first: 5, filter: { provinces: [GUIZHOU] }) { totalCount nodes { id name region { name platform } } }
      all: directory(first: 1) { facets { provinces { province count } } } }`);
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

  it("serves a Guizhou caller with Guizhou's own certificate and token, and mirrors across three provinces", async () => {
    const admin = { province: 'guizhou', client: 'admin', scope: 'catalogue:read catalogue:admin' };
    const list = await gql(stack, admin, `{ directory(first: 1, filter: { provinces: [SICHUAN], sharingTypes: [UNCONDITIONAL] }) { nodes { id } } }`);
    assert.equal(list.status, 200, JSON.stringify(list.body));
    const sourceId = list.body.data.directory.nodes[0].id;
    const res = await gql(stack, admin, `mutation($s: ID!) { registerMirror(sourceId: $s) { created entry { id mirrorSource { id region { name } } } } }`, { s: sourceId });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.data.registerMirror.entry.id, `520000:mirror:${sourceId}`);
    assert.equal(res.body.data.registerMirror.entry.mirrorSource.region.name, '四川省');
  });
});
