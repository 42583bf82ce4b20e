// `npm run --silent demo:certificates -- --province chongqing [--status VALID|EXPIRED|REVOKED] [--limit 5]`
// Development aid: lists demo e-certificates of a province WITH the holder IDs a counter would
// present (regenerated from the demo seed and the province's dev salt; the stores never hold
// them). Only meaningful against the generated demo data.
import { provinceById } from '../common/config.js';
import { demoCertificatesOf } from '../subgraphs/catalogue/seed.js';
import { loadSealKeys } from '../subgraphs/catalogue/certificates/seal-keys.js';
import { STACK_DIR_OPTIONS, UsageError, command, stackConfigFrom } from '../common/cli.js';

command(
  {
    name: 'demo:certificates',
    usage: 'usage: npm run --silent demo:certificates -- [--province ID] [--status VALID|EXPIRED|REVOKED] [--limit N] [--config-dir DIR] [--certs-dir DIR]',
    options: {
      province: { type: 'string', default: 'chongqing' },
      status: { type: 'string', default: 'VALID' },
      limit: { type: 'string', default: '5' },
      ...STACK_DIR_OPTIONS,
    },
  },
  async ({ values }) => {
    const cfg = stackConfigFrom(values);
    const province = provinceById(cfg, values.province);
    if (!province) throw new UsageError(`unknown province ${values.province}`);
    const want = values.status.toUpperCase();
    if (!['VALID', 'EXPIRED', 'REVOKED'].includes(want)) throw new UsageError(`--status must be VALID, EXPIRED or REVOKED, got "${values.status}"`);
    const limit = Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--limit must be a positive integer');
    let salt: Buffer;
    try {
      salt = loadSealKeys(cfg, province).holderSalt;
    } catch (err) {
      throw new UsageError(`${(err as Error).message} (run npm run pki first)`, false);
    }
    const today = new Date().toISOString().slice(0, 10);
    const rows = demoCertificatesOf(province, salt).filter(({ record: r }) => {
      const expired = r.validTo !== null && r.validTo < today;
      if (want === 'REVOKED') return r.status === 'REVOKED';
      if (want === 'EXPIRED') return r.status === 'VALID' && expired;
      return r.status === 'VALID' && !expired && r.validFrom <= today;
    });
    for (const { record, holderId } of rows.slice(0, limit)) {
      process.stdout.write(`${record.id}\t${record.typeName}\t${record.holder.idType}\t${holderId}\n`);
    }
  },
);
