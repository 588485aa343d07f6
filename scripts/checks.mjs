// `npm test`'s checks before the tests, side by side instead of one after the other (each is mostly
// one core; together they take the time of the longest): types, lint, format, and the desk's build.
// Each one's output is printed whole when it ends; any failure fails the lot.
import { spawn } from 'node:child_process';

const checks = [
  ['types', 'npx', ['tsc', '--noEmit']],
  ['lint', 'npx', ['eslint', '.']],
  ['format', 'npx', ['prettier', '--check', '.', '--log-level', 'warn']],
  ['build', 'npm', ['run', 'build', '--silent']],
];

const started = Date.now();
const results = await Promise.all(
  checks.map(
    ([name, command, args]) =>
      new Promise((resolve) => {
        const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
        let output = '';
        child.stdout.on('data', (chunk) => (output += chunk));
        child.stderr.on('data', (chunk) => (output += chunk));
        child.on('close', (code) => {
          const seconds = ((Date.now() - started) / 1000).toFixed(0);
          console.log(`${code === 0 ? '✔' : '✖'} ${name} (${seconds} s)`);
          if (output.trim()) console.log(output.trimEnd());
          resolve(code === 0);
        });
      }),
  ),
);
process.exit(results.every(Boolean) ? 0 : 1);
