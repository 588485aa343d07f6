// The website chat widget's weight: what a visitor's browser downloads for the launcher and the
// chat, gzipped (as /widget.js and /widget.css are served). Builds nothing: run `npm run build`
// first. Run: npx tsx bench/widget-size.ts
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

const budgetBytes = 40 * 1024;
const dir = path.resolve(import.meta.dirname, '../web/dist/widget');
const files = ['widget.js', 'widget.css'];
const missing = files.filter((f) => !fs.existsSync(path.join(dir, f)));
if (missing.length > 0) {
  console.error(`web/dist/widget/ has no ${missing.join(' or ')}: run \`npm run build\` first`);
  process.exit(1);
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
let raw = 0;
let gzipped = 0;
for (const file of files) {
  const body = fs.readFileSync(path.join(dir, file));
  const zipped = gzipSync(body, { level: 9 }).length;
  raw += body.length;
  gzipped += zipped;
  console.log(
    `${file.padEnd(11)} ${kb(body.length).padStart(9)} raw  ${kb(zipped).padStart(8)} gzipped`,
  );
}
console.log(
  `${'total'.padEnd(11)} ${kb(raw).padStart(9)} raw  ${kb(gzipped).padStart(8)} gzipped` +
    `  (budget ${kb(budgetBytes)}: ${gzipped < budgetBytes ? 'met' : 'NOT MET'})`,
);
if (gzipped >= budgetBytes) process.exitCode = 1;
