import { defineConfig, type Plugin } from 'vite';

/**
 * Writes every non-ASCII character of the script as a \u escape: the company's page may be in any
 * encoding, and a proxy may drop our `charset=utf-8`, yet the widget's words must come out right.
 */
function asciiOnly(): Plugin {
  return {
    name: 'rapport-widget-ascii',
    generateBundle(_options, bundle) {
      for (const chunk of Object.values(bundle))
        if (chunk.type === 'chunk')
          chunk.code = chunk.code.replace(
            /[^\x20-\x7e\t\n\r]/g,
            (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
          );
    },
  };
}

// The website chat widget: one classic script (IIFE, so it runs from a plain <script> tag on any
// page) and one style sheet, loaded by the widget into its own shadow root. `npm run build` runs
// this after the desk's build (which empties web/dist), into web/dist/widget/.
export default defineConfig({
  root: import.meta.dirname,
  publicDir: false,
  plugins: [asciiOnly()],
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
