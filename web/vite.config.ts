import { resolve } from 'node:path';
import { defineConfig } from 'vite';

/** The dashboard: built into dist/web, which `contimg serve` serves at `/` (src/api/dashboard.ts). */
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  build: { outDir: resolve(import.meta.dirname, '..', 'dist', 'web'), emptyOutDir: true, sourcemap: true },
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  // `npm run dev:web` proxies the API to a running `contimg serve`.
  server: { proxy: { '/api': { target: 'http://127.0.0.1:8110', ws: true } } },
});
