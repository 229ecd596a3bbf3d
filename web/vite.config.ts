// Keneya's web app, built to static files (dist/) that `keneya serve --static web/dist` serves:
// hashed names under assets/ (cached for a year), index.html revalidated.
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { maliOutline } from './build/mali-outline.ts';

export default defineConfig({
  plugins: [svelte(), maliOutline()],
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    target: 'es2020',
    sourcemap: false,
    reportCompressedSize: true,
  },
  server: {
    // `npm run dev` beside a `keneya serve` on 8080.
    proxy: { '/api': 'http://127.0.0.1:8080' },
  },
});
