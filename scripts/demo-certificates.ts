// `npm run --silent demo:certificates -- --province chongqing [--status VALID|EXPIRED|REVOKED] [--limit 5]`
// Development aid: lists demo e-certificates of a province WITH the holder IDs a counter
// would present (regenerated from the demo seed and the province's dev salt; the stores
// never hold them). Only meaningful against the generated demo data.
import { parseArgs } from 'node:util';
import { loadStackConfig, provinceById } from '../common/config.js';
import { generateDemoCertificates } from '../domain/demo/certificates.js';
import { loadSealKeys } from '../subgraphs/catalogue/certificates/seal-keys.js';

const { values } = parseArgs({
  options: {
    province: { type: 'string', default: 'chongqing' },
    status: { type: 'string', default: 'VALID' },
    limit: { type: 'string', default: '5' },
    'config-dir': { type: 'string' },
    'certs-dir': { type: 'string' },
  },
});

try {
  const cfg = loadStackConfig({ configDir: values['config-dir'], certsDir: values['certs-dir'] });
  const p = provinceById(cfg, values.province!);
  if (!p) throw new Error(`unknown province ${values.province}`);
  const today = new Date().toISOString().slice(0, 10);
  const want = values.status!.toUpperCase();
  const rows = generateDemoCertificates({
    divisionCode: p.divisionCode,
    provinceName: p.name,
    count: p.demo.certificates ?? 300,
    seed: p.demo.seed,
    salt: loadSealKeys(cfg, p).holderSalt,
  }).filter(({ record: r }) => {
    const expired = r.validTo !== null && r.validTo < today;
    if (want === 'REVOKED') return r.status === 'REVOKED';
    if (want === 'EXPIRED') return r.status === 'VALID' && expired;
    return r.status === 'VALID' && !expired && r.validFrom <= today;
  });
  for (const { record, holderId } of rows.slice(0, Number(values.limit))) {
    process.stdout.write(`${record.id}\t${record.typeName}\t${record.holder.idType}\t${holderId}\n`);
  }
} catch (err) {
  process.stderr.write(`demo:certificates: ${(err as Error).message} (run npm run pki first)\n`);
  process.exit(1);
}
