// Runs every *.test.ts under src/, test/ and web/ with node's test runner (Node 20 does not expand globs).
import { spawnSync } from 'node:child_process';
import { readdirSync, rmSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

/** Keeps import.meta naming each source file inside a bundle (see `bundle` below). */
const sourcePlaces = {
  name: 'source-places',
  setup(builder) {
    builder.onLoad({ filter: /\.tsx?$/ }, async (args) => {
      let contents = await readFile(args.path, 'utf8');
      if (contents.includes('import.meta.'))
        contents = contents
          .replaceAll('import.meta.dirname', JSON.stringify(path.dirname(args.path)))
          .replaceAll('import.meta.filename', JSON.stringify(args.path))
          .replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href));
      return { contents, loader: args.path.endsWith('.tsx') ? 'tsx' : 'ts' };
    });
  },
};

function find(dir) {
  let out = [];
  let entries = [];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const entry of entries) {
    if (entry === 'node_modules' || entry === 'dist') continue;
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) out = out.concat(find(full));
    else if (/\.test\.tsx?$/.test(entry)) out.push(full);
  }
  return out;
}

// The longest files start first, so the two lanes finish together instead of one waiting on the
// last long file (they each take 30 s to 2.5 min; most others take seconds).
const longest = [
  'test/cli.test.ts',
  'web/desk.test.ts',
  'test/email-send-kill.test.ts',
  'test/send-kill.test.ts',
  'src/routing/simulator.test.ts',
  'test/routing-two-nodes.test.ts',
  'web/email.test.ts',
  'src/channels/email/imap-poller.test.ts',
];
const rank = (file) => {
  const at = longest.indexOf(file.split(path.sep).join('/'));
  return at === -1 ? longest.length : at;
};
const only = process.argv.slice(2);
const files = (only.length > 0 ? only : ['src', 'test', 'web'].flatMap(find))
  .sort()
  .sort((a, b) => rank(a) - rank(b));
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
console.log(`running ${files.length} test files`);
const env = { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' };
const runner = ['--test', '--test-concurrency=3', '--test-reporter=spec'];
// RAPPORT_TEST_SOURCES=1 runs the .ts files through tsx as they are, without bundling them first.
const result =
  process.env.RAPPORT_TEST_SOURCES === '1'
    ? spawnSync(process.execPath, ['--import', 'tsx', ...runner, ...files], {
        stdio: 'inherit',
        env,
      })
    : await bundled();
process.exit(result.status ?? 1);

/** The bundles run; the `rapport` command the tests start is bundled too (RAPPORT_TEST_MAIN). */
async function bundled() {
  const [main, ...tests] = await bundle(['src/main.ts', ...files]);
  return spawnSync(process.execPath, ['--enable-source-maps', ...runner, ...tests], {
    stdio: 'inherit',
    env: { ...env, RAPPORT_TEST_MAIN: main },
  });
}

/**
 * Each test file with the sources it imports, bundled by esbuild into one module plus shared chunks
 * (packages stay external): a test process then loads a handful of modules instead of ~300 .ts files
 * through a loader, which took each of them 2.5 s of CPU before its first test ran. Each source's
 * import.meta.{url,dirname,filename} keeps naming the source file, so paths next to it still
 * resolve; source maps point failures at the .ts lines. Answers the bundles' paths, in order.
 */
async function bundle(entries) {
  const started = Date.now();
  const root = path.resolve(import.meta.dirname, '..');
  const outdir = path.join(root, 'node_modules', '.cache', 'rapport-tests');
  rmSync(outdir, { recursive: true, force: true });
  await build({
    entryPoints: entries.map((file) => path.resolve(file)),
    outdir,
    outbase: root,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    outExtension: { '.js': '.mjs' },
    jsx: 'automatic',
    logLevel: 'warning',
    plugins: [sourcePlaces],
  });
  console.log(`bundled them in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return entries.map((file) =>
    path.join(outdir, path.relative(root, path.resolve(file)).replace(/\.tsx?$/, '.mjs')),
  );
}
