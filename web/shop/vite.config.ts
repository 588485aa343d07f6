import fs from 'node:fs';
import path from 'node:path';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The customers' shop pages (booking, kiosk, display board, status pages): one HTML file per page in
// this folder, each with its own entry, sharing chunks. Served at their own paths by the server
// (src/platform/http/shop-pages.ts), assets under /shop-assets/. `npm run build` writes web/dist/shop/.
const pages = fs
  .readdirSync(import.meta.dirname)
  .filter((f) => f.endsWith('.html'))
  .map((f) => path.join(import.meta.dirname, f));

export default defineConfig({
  root: import.meta.dirname,
  base: '/shop-assets/',
  publicDir: false,
  plugins: [react()],
  build: {
    outDir: '../dist/shop',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    rollupOptions: { input: pages },
  },
});
