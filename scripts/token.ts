// npm run --silent token -- --province <id|division code|ENUM> --client <app|counter|admin>
//                           --scope "<scopes>" [--lifetime SECONDS] [--certs-dir DIR] [--config-dir DIR]
// Prints only the JWT (and a newline) on stdout, so that TOKEN=$(npm run --silent token -- …) works;
// everything else goes to stderr.
import { existsSync } from 'node:fs';
import { loadStackConfig, provinceById } from '../common/config.js';
import { DEFAULT_TOKEN_LIFETIME_SECONDS, mintDevToken } from '../common/dev-token.js';
import { DEV_CLIENTS, provincePaths } from '../common/pki/paths.js';
import { UsageError, command } from '../common/cli.js';

const COMMAND = {
  name: 'token',
  usage:
    'usage: npm run --silent token -- --province <id|division code|ENUM> --client <app|counter|admin> ' +
    '[--scope "catalogue:read"] [--lifetime SECONDS] [--certs-dir DIR] [--config-dir DIR]',
};

command(
  {
    ...COMMAND,
    options: {
      province: { type: 'string' },
      client: { type: 'string' },
      scope: { type: 'string', default: 'catalogue:read' },
      lifetime: { type: 'string' },
      'certs-dir': { type: 'string' },
      'config-dir': { type: 'string' },
    },
  },
  async ({ values }) => {
    const str = (k: keyof typeof values) => (typeof values[k] === 'string' ? values[k] : undefined);

    const provinceArg = str('province');
    const client = str('client');
    if (!provinceArg) throw new UsageError('--province is required');
    if (!client) throw new UsageError('--client is required');

    const cfg = loadStackConfig({ configDir: str('config-dir'), certsDir: str('certs-dir') });
    const province = provinceById(cfg, provinceArg);
    if (!province) {
      const known = cfg.provinces.map((p) => `${p.id} (${p.divisionCode}, ${p.enumValue})`).join(', ');
      throw new UsageError(`unknown province "${provinceArg}"; configured: ${known}`);
    }
    if (!(DEV_CLIENTS as readonly string[]).includes(client)) {
      throw new UsageError(`unknown client "${client}"; one of: ${DEV_CLIENTS.join(', ')}`);
    }

    let lifetimeSeconds = DEFAULT_TOKEN_LIFETIME_SECONDS;
    const lifetimeArg = str('lifetime');
    if (lifetimeArg !== undefined) {
      if (!/^\d+$/.test(lifetimeArg) || Number(lifetimeArg) <= 0) throw new UsageError(`--lifetime must be a positive number of seconds, got "${lifetimeArg}"`);
      lifetimeSeconds = Number(lifetimeArg);
    }

    const scope = (str('scope') ?? '').trim();
    if (!scope) throw new UsageError('--scope must name at least one scope');

    const paths = provincePaths(cfg.certsDir, province.id);
    const missing = [paths.client(client).cert, paths.idpKey, paths.idpJwks].filter((f) => !existsSync(f));
    if (missing.length > 0) {
      throw new UsageError(`missing ${missing.join(', ')}: run \`npm run pki\` first (certs dir: ${cfg.certsDir})`, false);
    }

    const token = await mintDevToken({ certsDir: cfg.certsDir, province, audience: cfg.gateway.audience, client, scope, lifetimeSeconds });
    await new Promise<void>((resolve, reject) => process.stdout.write(`${token}\n`, (err) => (err ? reject(err) : resolve())));
  },
);
