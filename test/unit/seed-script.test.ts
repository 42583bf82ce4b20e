// `npm run seed`: fills an empty catalogue, leaves a filled one alone, and with --force empties and
// refills it — in the SQLite file by default and in the province's PostgreSQL schema when
// DATABASE_URL is set (a real PostgreSQL, as in the store contract).
import Database from 'better-sqlite3';
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { ROOT_DIR } from '../../common/config.js';
import { configDirWith, tmpDir } from '../support/stack.js';

const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
// A province of its own, so no other test's schema or file is touched.
const ID = `seed-t${process.pid}`;
const SCHEMA = `catalogue_${ID.replace(/-/g, '_')}`;

function configDir(): string {
  const cq = JSON.parse(readFileSync(path.join(ROOT_DIR, 'config', 'provinces', 'chongqing.json'), 'utf8')) as Record<string, unknown>;
  const subgraph = { ...(cq.subgraph as Record<string, unknown>), port: 4999 };
  return configDirWith([{ ...cq, id: ID, divisionCode: '650000', name: '测试省', shortName: '测', typePrefix: 'SeedTest', enumValue: 'SEED_TEST', subgraph }]);
}

async function seed(args: string[], env: Record<string, string | undefined>): Promise<string> {
  const { stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', path.join(ROOT_DIR, 'scripts', 'seed.ts'), '--province', ID, ...args], {
    cwd: ROOT_DIR,
    env: { ...process.env, DATABASE_URL: undefined, ...env },
  });
  return stderr;
}

describe('npm run seed', function () {
  this.timeout(60_000);

  it('SQLite: fills, keeps, and with --force empties and refills the catalogue file', async () => {
    const dir = configDir();
    const data = tmpDir('seed');
    const file = path.join(data, `${ID}.sqlite`);
    const count = () => {
      const db = new Database(file, { readonly: true });
      try {
        return (db.prepare('SELECT count(*) AS n FROM entries').get() as { n: number }).n;
      } finally {
        db.close();
      }
    };
    assert.match(
      await seed(['--config-dir', dir, '--data-dir', data, '--entries', '40'], {}),
      new RegExp(`40 entries .* → ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`),
    );
    assert.equal(count(), 40);
    assert.match(await seed(['--config-dir', dir, '--data-dir', data, '--entries', '10'], {}), /already has data \(use --force\)/);
    assert.equal(count(), 40);
    assert.match(await seed(['--config-dir', dir, '--data-dir', data, '--entries', '10', '--force'], {}), /10 entries/);
    assert.equal(count(), 10);
  });

  it("PostgreSQL: the same in the province's schema, and --force empties it there", async () => {
    const dir = configDir();
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    const count = async () => Number((await client.query(`SELECT count(*) AS n FROM "${SCHEMA}".entries`)).rows[0].n);
    try {
      await client.query(`DROP SCHEMA IF EXISTS "${SCHEMA}" CASCADE`);
      const env = { DATABASE_URL: PG_URL };
      assert.match(await seed(['--config-dir', dir, '--entries', '40'], env), new RegExp(`40 entries .* → PostgreSQL schema ${SCHEMA}`));
      assert.equal(await count(), 40);
      assert.match(await seed(['--config-dir', dir, '--entries', '10'], env), /already has data \(use --force\)/);
      assert.equal(await count(), 40);
      assert.match(await seed(['--config-dir', dir, '--entries', '10', '--force'], env), /10 entries/);
      assert.equal(await count(), 10);
    } finally {
      await client.query(`DROP SCHEMA IF EXISTS "${SCHEMA}" CASCADE`).catch(() => {});
      await client.end();
    }
  });
});
