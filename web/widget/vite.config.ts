import { defineConfig } from 'vite';

// The website chat widget: one classic script (IIFE, so it runs from a plain <script> tag on any
// page) and one style sheet, loaded by the widget into its own shadow root. `npm run build` runs
// this after the desk's build (which empties web/dist), into web/dist/widget/.
export default defineConfig({
  root: import.meta.dirname,
  publicDir: false,
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  define: {
    'process.env.NODE_ENV': JSON.stringify('production'),
    __WIDGET_BUILD__: JSON.stringify(Date.now().toString(36)),
  },
  build: {
    outDir: '../dist/widget',
    emptyOutDir: true,
    target: 'es2020',
    sourcemap: false,
    minify: true,
    cssMinify: true,
    lib: {
      entry: 'main.tsx',
      formats: ['iife'],
      name: 'RapportWidget',
      fileName: () => 'widget.js',
      cssFileName: 'widget',
    },
  },
});
