// Runs every *.test.ts under src/, test/ and web/ with node's test runner (Node 20 does not expand globs).
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

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
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=3', '--test-reporter=spec', ...files],
  {
    stdio: 'inherit',
    env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' },
  },
);
process.exit(result.status ?? 1);
