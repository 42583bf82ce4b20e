// npm run --silent token -- --province <id|division code|ENUM> --client <app|counter|admin|sync>
//                           --scope "<scopes>" [--lifetime SECONDS] [--offline] [--certs-dir DIR] [--config-dir DIR]
// Asks the province's dev IdP (`npm start` runs it) for an access token, as a service would: the
// client credentials grant (RFC 6749 §4.4) over mutual TLS with clients/<client>.crt (RFC 8705
// tls_client_auth), so the token is bound to that certificate. The token endpoint comes from the
// issuer's RFC 8414 metadata, trusted through the province CA. --offline signs the same token
// locally with the dev IdP key instead (no IdP needed).
// Prints only the JWT (and a newline) on stdout, so that TOKEN=$(npm run --silent token -- …) works;
// everything else goes to stderr.
import { existsSync, readFileSync } from 'node:fs';
import { loadStackConfig, provinceById } from '../common/config.js';
import { DEFAULT_TOKEN_LIFETIME_SECONDS, mintDevToken } from '../common/dev-token.js';
import { DEV_CLIENTS, provincePaths } from '../common/pki/paths.js';
import { UsageError, command } from '../common/cli.js';
import { IdpUnreachable, OAuthClientCredentialsTokens, discoverTokenEndpoint } from '../subgraphs/catalogue/sync/oauth-tokens.js';

const COMMAND = {
  name: 'token',
  usage:
    'usage: npm run --silent token -- --province <id|division code|ENUM> --client <app|counter|admin|sync> ' +
    '[--scope "catalogue:read"] [--lifetime SECONDS] [--offline] [--certs-dir DIR] [--config-dir DIR]\n' +
    '  asks the province dev IdP (npm start); --offline signs locally with the dev IdP key. ' +
    '--lifetime: the IdP grants at most 3600 s.',
};

command(
  {
    ...COMMAND,
    options: {
      province: { type: 'string' },
      client: { type: 'string' },
      scope: { type: 'string', default: 'catalogue:read' },
      lifetime: { type: 'string' },
      offline: { type: 'boolean' },
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

    let lifetimeSeconds: number | undefined;
    const lifetimeArg = str('lifetime');
    if (lifetimeArg !== undefined) {
      if (!/^\d+$/.test(lifetimeArg) || Number(lifetimeArg) <= 0) throw new UsageError(`--lifetime must be a positive number of seconds, got "${lifetimeArg}"`);
      lifetimeSeconds = Number(lifetimeArg);
    }

    const scope = (str('scope') ?? '').trim().split(/\s+/).filter(Boolean).join(' ');
    if (!scope) throw new UsageError('--scope must name at least one scope');

    const paths = provincePaths(cfg.certsDir, province.id);
    const needed = values.offline ? [paths.client(client).cert, paths.idpKey, paths.idpJwks] : [paths.client(client).cert, paths.client(client).key, paths.ca];
    const missing = needed.filter((f) => !existsSync(f));
    if (missing.length > 0) {
      throw new UsageError(`missing ${missing.join(', ')}: run \`npm run pki\` first (certs dir: ${cfg.certsDir})`, false);
    }

    let token: string;
    if (values.offline) {
      token = await mintDevToken({
        certsDir: cfg.certsDir,
        province,
        audience: cfg.gateway.audience,
        client,
        scope,
        lifetimeSeconds: lifetimeSeconds ?? DEFAULT_TOKEN_LIFETIME_SECONDS,
      });
    } else {
      const tokens = new OAuthClientCredentialsTokens({
        tokenEndpoint: (dispatcher) => discoverTokenEndpoint(province.idp.issuer, dispatcher),
        clientId: client,
        scope,
        cert: readFileSync(paths.client(client).cert),
        key: readFileSync(paths.client(client).key),
        ca: readFileSync(paths.ca),
        lifetimeSeconds,
      });
      try {
        token = await tokens.token();
      } catch (err) {
        if (err instanceof IdpUnreachable) {
          throw new Error(
            `the ${province.id} dev IdP (${province.idp.issuer}) is not reachable (${err.reason}). ` +
              'Start the stack with `npm start` (it runs the IdPs), or add --offline to sign locally with the dev IdP key.',
          );
        }
        throw new Error(`the ${province.id} IdP (${province.idp.issuer}): ${(err as Error).message}`);
      } finally {
        await tokens.close();
      }
      if (lifetimeSeconds !== undefined && tokens.expiresIn !== undefined && tokens.expiresIn < lifetimeSeconds) {
        process.stderr.write(`token: the IdP granted ${tokens.expiresIn} s, not the ${lifetimeSeconds} s asked for\n`);
      }
    }
    await new Promise<void>((resolve, reject) => process.stdout.write(`${token}\n`, (err) => (err ? reject(err) : resolve())));
  },
);
