// Runs the benchmarks under bench/ one after another and prints their figures.
// Usage: npm run bench [-- name ...]   (names: ingest, storage-scale, routing-assign, routing-simulate, desk-first-screen, jobs, email-smtp, email-intake, email-send, widget-size, chat-sockets, twilio-voice, shop-slots, shop-call-next)
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const all = [
  'ingest',
  'storage-scale',
  'routing-assign',
  'routing-simulate',
  'desk-first-screen',
  'jobs',
  'email-smtp',
  'email-intake',
  'email-send',
  'widget-size',
  'chat-sockets',
  'twilio-voice',
  'shop-slots',
  'shop-call-next',
];
const chosen = process.argv.slice(2).length > 0 ? process.argv.slice(2) : all;
let failed = 0;
for (const name of chosen) {
  const file = `bench/${name}.ts`;
  if (!existsSync(file)) {
    console.error(`no benchmark ${file}`);
    failed++;
    continue;
  }
  console.log(`\n== ${name} (${new Date().toISOString()}) ==`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', file], { stdio: 'inherit' });
  if (result.status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
