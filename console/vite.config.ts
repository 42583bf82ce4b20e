// The console's build (`npm run console:build`, or ensureConsoleBuilt() from `npm start`): Preact
// pages in console/src, bundled into console/dist with hashed assets under /console/assets/, which
// the gateway serves with a strict Content-Security-Policy (gateway/ingress/console.ts). So the HTML
// must carry no inline script or style, and nothing may come from outside the gateway's origin.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';
import { persistedOperations } from './operations.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  root: HERE,
  base: '/console/',
  // Dev tooling (prefresh, devtools) only matters for `vite dev`; the gateway serves the build.
  plugins: [preact({ devtoolsInProd: false, devToolsEnabled: false, prefreshEnabled: false, prerender: { enabled: false } }), persistedOperations()],
  publicDir: false,
  logLevel: 'warn',
  build: {
    outDir: path.join(HERE, 'dist'),
    emptyOutDir: true,
    target: 'es2022',
    // Every module-preload browser we support has it natively; the polyfill would be inline code.
    modulePreload: { polyfill: false },
    // Assets stay files under /console/assets/ (no data: URIs made by the build).
    assetsInlineLimit: 0,
    cssCodeSplit: false,
    sourcemap: true,
    reportCompressedSize: false,
  },
});
