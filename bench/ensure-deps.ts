// The benchmark's own dependencies (bench/package.json: Hive Gateway, its Rust query planner
// runtime, autocannon) live in bench/node_modules, not in the project's: `npm install` at the
// root stays lean and free of Hive's engine warnings. `npm run bench`, `npm run soak` and
// `npm run bench:typecheck` run this first: it installs them with `npm ci --prefix bench` (the
// npm registry only, exact versions from bench/package-lock.json) when bench/node_modules is
// missing or older than bench/package-lock.json, then checks that the benchmark sees ONE graphql,
// the root's (bench/package.json links it from ../node_modules/graphql and overrides every
// nested graphql with it): two copies break schema identity between our directory subgraph and
// Hive's executor.
//
// Run from the repository root: `tsx bench/ensure-deps.ts` (the npm scripts do).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { command, UsageError } from '../common/cli.js';

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.dirname(BENCH_DIR);
const lock = path.join(BENCH_DIR, 'package-lock.json');
const modules = path.join(BENCH_DIR, 'node_modules');
// npm writes node_modules/.package-lock.json at the end of every install: its age is the install's.
const installed = path.join(modules, '.package-lock.json');
const rootGraphql = path.join(ROOT, 'node_modules', 'graphql');

/** Why bench/node_modules must be (re)installed, or null when it is current. */
function staleBecause(): string | null {
  if (!existsSync(installed)) return 'bench/node_modules is missing';
  if (statSync(installed).mtimeMs < statSync(lock).mtimeMs) return 'bench/package-lock.json is newer than bench/node_modules';
  return null;
}

function install(why: string): void {
  // Inside an npm script npm_execpath is the npm that runs it; outside, the one on PATH.
  const npmCli = process.env.npm_execpath;
  const args = ['ci', '--prefix', 'bench', '--no-audit', '--no-fund'];
  console.log(`bench deps: ${why}; installing the benchmark's dependencies (bench/package-lock.json): npm ${args.join(' ')}`);
  const started = performance.now();
  try {
    if (npmCli?.endsWith('.js')) execFileSync(process.execPath, [npmCli, ...args], { cwd: ROOT, stdio: 'inherit' });
    else execFileSync('npm', args, { cwd: ROOT, stdio: 'inherit' });
  } catch {
    throw new Error('npm ci --prefix bench failed (its output is above)');
  }
  console.log(`bench deps: installed into bench/node_modules in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

/** Every directory named graphql below bench/node_modules other than the top-level link. */
function graphqlCopies(dir: string, depth = 0): string[] {
  if (depth > 12) return [];
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue; // the top-level graphql is a symbolic link, checked on its own
    const full = path.join(dir, entry.name);
    const packages = entry.name.startsWith('@')
      ? readdirSync(full, { withFileTypes: true })
          .filter((e) => e.isDirectory())
          .map((e) => path.join(full, e.name))
      : [full];
    for (const pkg of packages) {
      if (path.basename(pkg) === 'graphql') found.push(path.relative(ROOT, pkg));
      const nested = path.join(pkg, 'node_modules');
      if (existsSync(nested)) found.push(...graphqlCopies(nested, depth + 1));
    }
  }
  return found;
}

command(
  {
    name: 'bench-deps',
    usage: [
      'usage: tsx bench/ensure-deps.ts   (npm run bench:deps; npm run bench, soak and bench:typecheck run it first)',
      '',
      "Installs the benchmark's own dependencies (bench/package.json) into bench/node_modules with",
      '`npm ci --prefix bench` when they are missing or older than bench/package-lock.json, then checks that',
      "bench/node_modules/graphql is the project's own copy and that no package there carries another.",
    ].join('\n'),
    options: {},
  },
  async () => {
    if (!existsSync(path.join(rootGraphql, 'package.json')))
      throw new UsageError('the project is not installed (no node_modules/graphql): run `npm ci` (or `npm install`) at the repository root first', false);
    const why = staleBecause();
    if (why) install(why);
    const benchGraphql = path.join(modules, 'graphql');
    if (!existsSync(benchGraphql) || realpathSync(benchGraphql) !== realpathSync(rootGraphql))
      throw new Error("bench/node_modules/graphql is not the root's node_modules/graphql: delete bench/node_modules and run again");
    const copies = graphqlCopies(modules);
    if (copies.length) throw new Error(`a second graphql would break schema identity with the root's: ${copies.join(', ')}`);
  },
);
