import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The desk is served by Rapport at /desk/; `npm run build` writes web/dist, which src/desk serves.
export default defineConfig({
  root: import.meta.dirname,
  base: '/desk/',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', sourcemap: false },
  server: { proxy: { '/api': { target: 'http://127.0.0.1:3000', ws: true } } },
});
