// The console checks receipts with the domain's own verifier (domain/receipt-check.ts, which the
// gateway and receipt:verify use too), not a copy: the built bundle's entry carries that module and its
// JWS helpers, and nothing Node-only (signing in domain/receipt.ts, node:crypto, Buffer). What the page
// does with a receipt (valid, altered, offline from cached keys) is counter.test.ts.
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT_DIR } from '../../common/config.js';
import { buildConsoleOnce } from './support/browser.js';

const DIST = path.join(ROOT_DIR, 'console', 'dist');

/** The repository files (relative, '/'-separated) the built entry script was made from, per its source map. */
function entrySources(): string[] {
  const html = readFileSync(path.join(DIST, 'index.html'), 'utf8');
  const src = /<script type="module"[^>]*\bsrc="\/console\/([^"]+\.js)"/.exec(html)?.[1];
  assert.ok(src, 'index.html loads one module script');
  const map = JSON.parse(readFileSync(path.join(DIST, `${src}.map`), 'utf8')) as { sources: string[] };
  const dir = path.dirname(path.join(DIST, src));
  return map.sources.map((s) => path.relative(ROOT_DIR, path.resolve(dir, s)).split(path.sep).join('/'));
}

describe('the console checks receipts with the domain verifier', function () {
  this.timeout(120_000);
  let sources: string[];

  before(async () => {
    await buildConsoleOnce();
    sources = entrySources();
  });

  it('bundles domain/receipt-check.ts and domain/jws.ts, and no copy of them', () => {
    assert.ok(sources.includes('domain/receipt-check.ts'), 'the entry bundles domain/receipt-check.ts');
    assert.ok(sources.includes('domain/jws.ts'), 'the entry bundles domain/jws.ts');
    assert.ok(sources.includes('console/src/pages/counter.tsx'));
    assert.equal(existsSync(path.join(ROOT_DIR, 'console', 'src', 'receipt-check.ts')), false, 'the console has no receipt checks of its own');
    const counter = readFileSync(path.join(ROOT_DIR, 'console', 'src', 'pages', 'counter.tsx'), 'utf8');
    assert.match(counter, /import \{[^}]*\bverifyReceipt\b[^}]*\} from '\.\.\/\.\.\/\.\.\/domain\/receipt-check\.js'/);
  });

  it('carries nothing Node-only', () => {
    for (const nodeOnly of ['domain/receipt.ts', 'domain/certificate-seal.ts', 'domain/certificate.ts']) {
      assert.ok(!sources.includes(nodeOnly), `${nodeOnly} is not in the bundle`);
    }
    // Vite replaces a Node built-in with an empty stand-in (and only warns); none may be bundled.
    assert.deepEqual(
      sources.filter((s) => s.includes('__vite-browser-external')),
      [],
    );
    for (const s of sources.filter((f) => !f.startsWith('node_modules/') && /\.tsx?$/.test(f))) {
      const text = readFileSync(path.join(ROOT_DIR, s), 'utf8');
      assert.doesNotMatch(text, /from 'node:|import\('node:|\bBuffer\./, `${s} uses a Node API`);
    }
  });
});
