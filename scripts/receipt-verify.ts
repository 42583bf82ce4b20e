// `npm run --silent receipt:verify -- <receipt | @file | @-> [--jwks <province>=<jwks.json> …]
//   [--certs-dir DIR] [--config-dir DIR]`
//
// Checks a verification receipt offline (docs/DESIGN.md §1 journey 2): the signature against the issuing
// province's published seal JWKS, and the claims. Without --jwks, trusts the seal/jwks.json of every
// configured province (config + dev PKI layout; the seal key signs receipts too). With --jwks, trusts
// exactly the files given and reads no configuration, as a counter without the stack would.
//
// Exit 0: "VALID receipt: …"; exit 1: "INVALID receipt: <reason>"; exit 2: usage or key-file error.
import { existsSync, readFileSync } from 'node:fs';
import type { JSONWebKeySet } from 'jose';
import { loadStackConfig } from '../common/config.js';
import { provincePaths } from '../common/pki/paths.js';
import { verifyReceipt } from '../domain/receipt.js';

const USAGE =
  'usage: npm run --silent receipt:verify -- <receipt | @file | @-> [--jwks <province>=<jwks.json> …] [--certs-dir DIR] [--config-dir DIR]';

class UsageError extends Error {}

interface Args {
  receipt: string;
  jwks: Map<string, string>;
  certsDir?: string;
  configDir?: string;
}

function parseArgs(argv: string[]): Args {
  const jwks = new Map<string, string>();
  let receipt: string | undefined;
  let certsDir: string | undefined;
  let configDir: string | undefined;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] as string;
    if (arg === '--') continue;
    if (arg === '-h' || arg === '--help') throw new UsageError(USAGE);
    const flag = /^(--jwks|--certs-dir|--config-dir)(?:=(.*))?$/.exec(arg);
    if (flag) {
      const value = flag[2] ?? argv[++i];
      if (value === undefined || value === '') throw new UsageError(`${flag[1]} needs a value\n${USAGE}`);
      if (flag[1] === '--certs-dir') certsDir = value;
      else if (flag[1] === '--config-dir') configDir = value;
      else {
        const m = /^([a-z][a-z0-9-]{1,30})=(.+)$/.exec(value);
        if (!m) throw new UsageError(`--jwks expects <province id>=<path to jwks.json>\n${USAGE}`);
        jwks.set(m[1] as string, m[2] as string);
      }
      continue;
    }
    if (arg.startsWith('--')) throw new UsageError(`unknown option ${arg}\n${USAGE}`);
    if (receipt !== undefined) throw new UsageError(`give one receipt\n${USAGE}`);
    receipt = arg;
  }
  if (receipt === undefined) throw new UsageError(USAGE);
  return { receipt, jwks, certsDir, configDir };
}

function readReceipt(arg: string): string {
  if (!arg.startsWith('@')) return arg.trim();
  const file = arg.slice(1);
  try {
    // Whole file: an over-long one is then refused by verifyReceipt, never silently cut to fit.
    return readFileSync(file === '-' ? 0 : file, 'utf8').trim();
  } catch (err) {
    throw new UsageError(`cannot read receipt from ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

function readJwks(province: string, file: string): JSONWebKeySet {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`cannot read JWKS for ${province} from ${file}: ${(err as Error).message}`);
  }
  const keys = (parsed as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) throw new UsageError(`JWKS for ${province} in ${file} has no "keys" array`);
  // A published key set holds public keys only (RFC 7517 §5); a private member means the wrong file.
  if (keys.some((k) => k !== null && typeof k === 'object' && 'd' in k)) {
    throw new UsageError(`JWKS for ${province} in ${file} contains private key material; give the public jwks.json`);
  }
  return parsed as JSONWebKeySet;
}

function loadKeys(args: Args): Map<string, JSONWebKeySet> {
  const out = new Map<string, JSONWebKeySet>();
  if (args.jwks.size > 0) {
    for (const [province, file] of args.jwks) out.set(province, readJwks(province, file));
    return out;
  }
  const cfg = loadStackConfig({ configDir: args.configDir, certsDir: args.certsDir });
  for (const p of cfg.provinces) {
    const file = provincePaths(cfg.certsDir, p.id).sealJwks;
    if (existsSync(file)) out.set(p.id, readJwks(p.id, file));
    else process.stderr.write(`receipt:verify: no seal JWKS for ${p.id} at ${file}; its receipts cannot be checked\n`);
  }
  if (out.size === 0) throw new UsageError(`no seal JWKS found under ${cfg.certsDir} (run "npm run pki", or pass --jwks)`);
  return out;
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const receipt = readReceipt(args.receipt);
  const keys = loadKeys(args);
  const r = await verifyReceipt(receipt, (province) => keys.get(province));
  if (!r.ok) {
    process.stdout.write(`INVALID receipt: ${r.reason}\n`);
    return 1;
  }
  const c = r.claims;
  process.stdout.write(`VALID receipt: ${c.result} for ${c.certificateId}, issued by ${r.province} at ${c.checkedAt}\n`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`receipt:verify: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  },
);
