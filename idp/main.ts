// `npm run idp -- --province chongqing`: the province's dev IdP (idp/server.ts), as `npm start` runs
// it (first, before the subgraphs, the gateway and the sync workers that ask it for tokens).
import { STACK_DIR_OPTIONS, UsageError, command, stackConfigFrom } from '../common/cli.js';
import { provinceById } from '../common/config.js';
import { devIdpOrigin, startDevIdp } from './server.js';

command(
  {
    name: 'idp',
    usage: 'usage: npm run idp -- --province ID [--port N] [--config-dir DIR] [--certs-dir DIR] [--data-dir DIR]',
    options: { province: { type: 'string' }, port: { type: 'string' }, ...STACK_DIR_OPTIONS },
  },
  async ({ values }) => {
    const cfg = stackConfigFrom(values);
    const province = values.province ? provinceById(cfg, values.province) : undefined;
    if (!province) throw new UsageError(`--province must be one of: ${cfg.provinces.map((p) => p.id).join(', ')}`);
    const dev = province.idp.dev;
    if (!dev) throw new UsageError(`${province.file} has no idp.dev section: province ${province.id} has no dev IdP`, false);
    if (values.port !== undefined && !/^\d{1,5}$/.test(values.port)) throw new UsageError(`--port must be a port number, got "${values.port}"`);
    const port = values.port === undefined ? dev.port : Number(values.port);
    // The gateway accepts tokens whose `iss` is the configured issuer: a dev IdP elsewhere would
    // issue tokens nobody takes, so say so now rather than at the first refused call.
    if (port !== 0 && province.idp.issuer !== devIdpOrigin(dev.host, port)) {
      throw new UsageError(`${province.file}: idp.issuer is "${province.idp.issuer}", but this dev IdP's origin is ${devIdpOrigin(dev.host, port)}`, false);
    }
    const running = await startDevIdp({ cfg, province, port });
    process.send?.({ ready: true, url: running.issuer, province: province.id });
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await running.close();
    return 0;
  },
);
