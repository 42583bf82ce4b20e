// Builds the console when console/dist/index.html is missing, so `npm start` on a fresh clone serves
// it (the gateway reads console/dist when it starts: gateway/ingress/console.ts). A build that is
// there is taken as it is; `npm run console:build` rebuilds it.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const CONSOLE_CONFIG = path.join(HERE, 'vite.config.ts');
export const CONSOLE_INDEX = path.join(HERE, 'dist', 'index.html');

/** Builds the console (Vite's JS API) unless it is built. True when it built it now. */
export async function ensureConsoleBuilt(opts: { force?: boolean } = {}): Promise<boolean> {
  if (!opts.force && existsSync(CONSOLE_INDEX)) return false;
  // Loaded only when a build is needed: the gateway itself never needs Vite.
  const { build } = await import('vite');
  await build({ configFile: CONSOLE_CONFIG, logLevel: 'warn' });
  if (!existsSync(CONSOLE_INDEX)) throw new Error(`the console build wrote no ${CONSOLE_INDEX}`);
  return true;
}
