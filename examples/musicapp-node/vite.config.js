// Builds the React client from web/ into dist/ (or MUSICAPP_DIST), which the
// Express server serves.
//
// ECHOTUNE_REGRESS=1 at build time makes the client regress on purpose: the
// constant import.meta.env.ECHOTUNE_REGRESS is true, so the page drops its
// alt text, label and contrast, and main.jsx pulls in web/src/regress.js (a
// layout shift, a long task) with a large generated "vendor" module; in a
// normal build that branch is dead code and none of it is in the output.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REGRESS = !['', '0', 'false'].includes(process.env.ECHOTUNE_REGRESS ?? '');
const VENDOR_ID = 'virtual:echotune-vendor';

// A deterministic, poorly compressible table standing in for a heavy dependency
// (about 150 KB raw, 55 KiB gzip).
function vendorModule(rows = 10000) {
  let state = 1234;
  const next = () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state;
  };
  const words = Array.from({ length: rows }, () => `v${next().toString(16)}${(next() & 0xfff).toString(16)}`);
  return `export const vendorTable = ${JSON.stringify(words)};\n`;
}

function echotuneVendor() {
  return {
    name: 'echotune-vendor',
    resolveId: (id) => (id === VENDOR_ID ? `\0${VENDOR_ID}` : null),
    load: (id) => (id === `\0${VENDOR_ID}` ? vendorModule() : null),
  };
}

export default defineConfig({
  root: path.join(HERE, 'web'),
  plugins: [react(), echotuneVendor()],
  define: {
    'import.meta.env.ECHOTUNE_REGRESS': JSON.stringify(REGRESS),
  },
  build: {
    outDir: path.resolve(process.env.MUSICAPP_DIST || path.join(HERE, 'dist')),
    emptyOutDir: true,
    // No inline data: URLs for assets (the CSP allows images from 'self' and data:, but keep files).
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 1024,
  },
});
