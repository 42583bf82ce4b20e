// npm run pki [-- --force] [--revoke PROVINCE/CLIENT] [--certs-dir DIR] [--config-dir DIR]
// Creates the missing parts of the development PKI for the gateway and every configured province,
// or revokes one dev client certificate (adds it to its province's CRL).
import path from 'node:path';
import { loadStackConfig, type StackConfig } from '../common/config.js';
import { UnknownDevClient, ensureDevPki, revokeDevClient } from '../common/pki/dev-pki.js';
import { DEV_CLIENTS } from '../common/pki/paths.js';
import { UsageError, command } from '../common/cli.js';

const COMMAND = { name: 'pki', usage: 'usage: npm run pki [-- --force] [--revoke PROVINCE/CLIENT] [--certs-dir DIR] [--config-dir DIR]' };

// Exit code 2: the named province or client does not exist (distinct from a failure, 1).
async function revoke(cfg: StackConfig, target: string): Promise<number> {
  const [province, client, ...rest] = target.split('/');
  if (!province || !client || rest.length > 0) throw new UsageError('--revoke takes PROVINCE/CLIENT, e.g. chongqing/counter');
  if (!cfg.provinces.some((p) => p.id === province)) {
    throw new UsageError(`unknown province "${province}" (configured: ${cfg.provinces.map((p) => p.id).join(', ')})`, false);
  }
  try {
    const r = await revokeDevClient({ certsDir: cfg.certsDir, province, client });
    const inCwd = r.crlFile.startsWith(process.cwd() + path.sep);
    const crl = inCwd ? path.relative(process.cwd(), r.crlFile) : r.crlFile;
    if (r.already) {
      console.error(`pki: ${province}/${client} (serial ${r.serial}) is already revoked in ${crl} (CRL number ${r.crlNumber}); nothing changed`);
    } else {
      console.error(
        `pki: revoked ${province}/${client} (serial ${r.serial}): re-issued ${crl} as CRL number ${r.crlNumber} ` +
          `with ${r.revokedCount} revoked certificate(s). A running gateway refuses it from its next request (client_certificate_revoked).`,
      );
    }
    return 0;
  } catch (err) {
    if (!(err instanceof UnknownDevClient)) throw err;
    throw new UsageError(
      `unknown client "${client}" of ${province}: ${err.message} (dev clients: ${DEV_CLIENTS.join(', ')}; run "npm run pki" first if the PKI is missing)`,
      false,
    );
  }
}

command(
  { ...COMMAND, options: { force: { type: 'boolean' }, revoke: { type: 'string' }, 'certs-dir': { type: 'string' }, 'config-dir': { type: 'string' } } },
  async ({ values }) => {
    if (values.revoke !== undefined && values.force) throw new UsageError('--revoke and --force do not go together');
    const cfg = loadStackConfig({ configDir: values['config-dir'], certsDir: values['certs-dir'] });
    if (values.revoke !== undefined) return revoke(cfg, values.revoke);
    const started = Date.now();
    console.error(`pki: ${values.force ? 'regenerating' : 'ensuring'} dev PKI in ${cfg.certsDir} for gateway + ${cfg.provinces.map((p) => p.id).join(', ')}`);
    const { created, kept } = await ensureDevPki({
      certsDir: cfg.certsDir,
      provinces: cfg.provinces,
      force: values.force ?? false,
      log: (msg) => console.error(`  ${msg}`),
    });
    const rel = (f: string) => path.relative(cfg.certsDir, f);
    if (kept.length > 0) console.error(`  kept ${kept.length}: ${kept.map(rel).join(', ')}`);
    console.error(
      `pki: ${created.length} created, ${kept.length} kept in ${((Date.now() - started) / 1000).toFixed(1)} s. ` +
        'Development-only credentials: never use them in production.',
    );
    return 0;
  },
);
