// Configuration problems are reported at start with the file, key, path or PEM they concern.
import { strict as assert } from 'node:assert';
import { mkdtempSync, writeFileSync, cpSync, mkdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT_DIR, loadStackConfig } from '../../common/config.js';
import { checkPemFiles } from '../../common/tls/check-files.js';

describe('configuration validation', () => {
  const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'chuanyu-cfg-'));

  it('names the file and key of a bad province setting', () => {
    const dir = tmp();
    cpSync(path.join(ROOT_DIR, 'config'), dir, { recursive: true });
    writeFileSync(path.join(dir, 'provinces', 'sichuan.json'), JSON.stringify({ id: 'sichuan', divisionCode: '51' }));
    assert.throws(
      () => loadStackConfig({ configDir: dir }),
      (err: Error) => /sichuan\.json: divisionCode: a GB\/T 2260 province code/.test(err.message),
    );
  });

  it('names a duplicated division code and unreadable JSON', () => {
    const dir = tmp();
    cpSync(path.join(ROOT_DIR, 'config'), dir, { recursive: true });
    const cq = JSON.parse(JSON.stringify(loadStackConfig().provinces[0]));
    delete cq.file;
    writeFileSync(path.join(dir, 'provinces', 'copy.json'), JSON.stringify({ ...cq, id: 'copy', typePrefix: 'Copy', enumValue: 'COPY' }));
    assert.throws(() => loadStackConfig({ configDir: dir }), /divisionCode "500000" is also used by/);
    writeFileSync(path.join(dir, 'provinces', 'copy.json'), '{ not json');
    assert.throws(() => loadStackConfig({ configDir: dir }), /copy\.json/);
  });

  it('names a bad gateway limit', () => {
    const dir = tmp();
    mkdirSync(path.join(dir, 'provinces'), { recursive: true });
    cpSync(path.join(ROOT_DIR, 'config', 'provinces'), path.join(dir, 'provinces'), { recursive: true });
    writeFileSync(path.join(dir, 'gateway.json'), JSON.stringify({ audience: 'x', limits: { maxDepth: 1 } }));
    assert.throws(() => loadStackConfig({ configDir: dir }), /gateway\.json: limits\.maxDepth/);
  });

  it('refuses an unknown or misspelt key, naming the file and the key path', () => {
    const dir = tmp();
    cpSync(path.join(ROOT_DIR, 'config'), dir, { recursive: true });
    const gatewayFile = path.join(dir, 'gateway.json');
    const gateway = { audience: 'x', introspecton: false, limits: { maxDepht: 5 } };
    writeFileSync(gatewayFile, JSON.stringify(gateway));
    assert.throws(
      () => loadStackConfig({ configDir: dir }),
      (err: Error) => err.message.includes(`${gatewayFile}: introspecton: unknown key`) && err.message.includes(`${gatewayFile}: limits.maxDepht: unknown key`),
    );
    writeFileSync(gatewayFile, JSON.stringify({ audience: 'x' }));
    const sichuanFile = path.join(dir, 'provinces', 'sichuan.json');
    const sichuan = JSON.parse(readFileSync(sichuanFile, 'utf8'));
    writeFileSync(sichuanFile, JSON.stringify({ ...sichuan, idp: { ...sichuan.idp, jwksUrl: 'https://idp.example/jwks' } }));
    assert.throws(
      () => loadStackConfig({ configDir: dir }),
      (err: Error) => err.message.includes(`${sichuanFile}: idp.jwksUrl: unknown key`),
    );
  });

  it('loads the development and the deployment configuration as shipped', () => {
    for (const dir of ['config', path.join('deploy', 'config')]) {
      assert.ok(loadStackConfig({ configDir: path.join(ROOT_DIR, dir) }).provinces.length >= 2, dir);
    }
  });

  it('names a missing file and a file that is not the PEM it should be', () => {
    const dir = tmp();
    const notPem = path.join(dir, 'server.crt');
    writeFileSync(notPem, 'hello');
    assert.throws(
      () =>
        checkPemFiles({
          'private key': [path.join(dir, 'missing.key')],
          certificate: [notPem],
        }),
      (err: Error) => err.message.includes('missing.key: cannot read (ENOENT)') && err.message.includes('server.crt: not a valid PEM certificate'),
    );
  });
});
