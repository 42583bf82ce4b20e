// `npm run --silent receipt:verify -- <receipt | @file | @-> [--jwks <province>=<jwks.json> …]
//   [--certs-dir DIR] [--config-dir DIR]`
//
// Checks a verification receipt offline (docs/DESIGN.md §1 journey 2): the signature against the issuing
// province's published seal JWKS, and the claims. Without --jwks, trusts the seal/jwks.json of every
// configured province (config + dev PKI layout; the seal key signs receipts too). With --jwks, trusts
// exactly the files given and reads no configuration, as a counter without the stack would.
//
// Exit 0: "VALID receipt: …"; exit 1: "INVALID receipt: <reason>"; exit 2: usage, receipt-file or
// key-file error (scripts/cli.ts).
import { existsSync, readFileSync } from 'node:fs';
import type { JSONWebKeySet } from 'jose';
import { loadStackConfig } from '../common/config.js';
import { provincePaths } from '../common/pki/paths.js';
import { verifyReceipt } from '../domain/receipt.js';
import { UsageError, parseCommandLine, runCommand } from '../common/cli.js';

const COMMAND = {
  name: 'receipt:verify',
  usage: 'usage: npm run --silent receipt:verify -- <receipt | @file | @-> [--jwks <province>=<jwks.json> …] [--certs-dir DIR] [--config-dir DIR]',
};

interface Args {
  receipt: string;
  jwks: Map<string, string>;
  certsDir?: string;
  configDir?: string;
}

function readArgs(): Args {
  const { values, positionals } = parseCommandLine(COMMAND, {
    options: { jwks: { type: 'string', multiple: true }, 'certs-dir': { type: 'string' }, 'config-dir': { type: 'string' } },
    allowPositionals: true,
  });
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'give the receipt to check' : 'give one receipt');
  const jwks = new Map<string, string>();
  for (const value of values.jwks ?? []) {
    const m = /^([a-z][a-z0-9-]{1,30})=(.+)$/.exec(value);
    if (!m) throw new UsageError('--jwks expects <province id>=<path to jwks.json>');
    jwks.set(m[1] as string, m[2] as string);
  }
  return { receipt: positionals[0] as string, jwks, certsDir: values['certs-dir'], configDir: values['config-dir'] };
}

function readReceipt(arg: string): string {
  if (!arg.startsWith('@')) return arg.trim();
  const file = arg.slice(1);
  try {
    // Whole file: an over-long one is then refused by verifyReceipt, never silently cut to fit.
    return readFileSync(file === '-' ? 0 : file, 'utf8').trim();
  } catch (err) {
    throw new UsageError(`cannot read receipt from ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, false);
  }
}

function readJwks(province: string, file: string): JSONWebKeySet {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`cannot read JWKS for ${province} from ${file}: ${(err as Error).message}`, false);
  }
  const keys = (parsed as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) throw new UsageError(`JWKS for ${province} in ${file} has no "keys" array`, false);
  // A published key set holds public keys only (RFC 7517 §5); a private member means the wrong file.
  if (keys.some((k) => k !== null && typeof k === 'object' && 'd' in k)) {
    throw new UsageError(`JWKS for ${province} in ${file} contains private key material; give the public jwks.json`, false);
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
  if (out.size === 0) throw new UsageError(`no seal JWKS found under ${cfg.certsDir} (run "npm run pki", or pass --jwks)`, false);
  return out;
}

runCommand(COMMAND, async () => {
  const args = readArgs();
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
});
