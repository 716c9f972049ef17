/**
 * Vite build of the dashboard: `npm run build:dashboard` writes
 * `dist/dashboard/` (found there by `gradclip serve`). Everything is bundled
 * or copied locally so the page works offline: uPlot and its CSS, TF.js, and
 * the tfjs-backend-wasm binaries (copied to `wasm/`, and served from
 * node_modules by the dev server).
 */
import { defineConfig, type Plugin } from 'vite';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const wasmDir = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
const WASM_FILES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'];

/** Ships tfjs-backend-wasm's binaries with the page (no CDN). */
function tfjsWasmFiles(): Plugin {
  return {
    name: 'gradclip-tfjs-wasm-files',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const m = /\/wasm\/(tfjs-backend-wasm[a-z-]*\.wasm)$/.exec((req.url ?? '').split('?')[0]);
        if (!m || !WASM_FILES.includes(m[1])) return next();
        res.setHeader('Content-Type', 'application/wasm');
        res.end(readFileSync(join(wasmDir, m[1])));
      });
    },
    generateBundle() {
      for (const f of WASM_FILES) this.emitFile({ type: 'asset', fileName: `wasm/${f}`, source: readFileSync(join(wasmDir, f)) });
    },
  };
}

export default defineConfig({
  root: here,
  base: './',
  publicDir: false,
  plugins: [tfjsWasmFiles()],
  // The library from its sources inside the repository (its package.json maps this condition to src/).
  resolve: { conditions: ['gradclip-source', 'module', 'browser', 'development|production'] },
  build: {
    outDir: join(here, '..', 'dist', 'dashboard'),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 6000,
    reportCompressedSize: false,
  },
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
});
