import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSimulateCommand } from './simulate-command.ts';
import type { CommandOutput } from './simulate-command.ts';

function capture(): CommandOutput & { text: () => string; errors: () => string } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    text: () => out.join('\n'),
    errors: () => err.join('\n'),
  };
}

const dir = mkdtempSync(join(tmpdir(), 'rapport-simulate-'));
const scenarioFile = join(dir, 'small.json');
writeFileSync(
  scenarioFile,
  JSON.stringify({
    name: 'Small desk',
    startHour: 9,
    advisorGroups: [
      {
        name: 'desk',
        count: 6,
        skills: [],
        languages: ['en'],
        shift: [9, 13],
        capacity: { voice: 1, chat: 2, email: 3 },
      },
    ],
    arrivals: [
      { channel: 'voice', perHour: [30, 40, 30] },
      { channel: 'chat', perHour: [20, 20, 20] },
      { channel: 'email', perHour: [15, 15, 15], returningShare: 0.3 },
    ],
    handleTime: {
      voice: { distribution: 'exponential', meanSeconds: 240 },
      chat: { distribution: 'lognormal', meanSeconds: 400, cv: 0.6 },
      email: { distribution: 'fixed', meanSeconds: 300 },
    },
    patience: { voice: { distribution: 'exponential', meanSeconds: 120 } },
  }),
);

test('simulate prints a per-channel table with the parity index', async () => {
  const output = capture();
  assert.equal(await runSimulateCommand([scenarioFile, '--seed', '3'], output), 0);
  const text = output.text();
  assert.match(text, /Small desk — policy rapport, seed 3/);
  for (const channel of ['voice', 'chat', 'email'])
    assert.match(text, new RegExp(`^${channel} `, 'm'));
  assert.match(text, /parity index \d\.\d{3}/);
});

test('simulate --policy both shows Rapport and FCFS side by side, and --svg writes the chart', async () => {
  const output = capture();
  const svgFile = join(dir, 'waits.svg');
  assert.equal(
    await runSimulateCommand([scenarioFile, '--policy', 'both', '--svg', svgFile], output),
    0,
  );
  assert.match(output.text(), /SL rapport\s+SL fcfs/);
  const svg = readFileSync(svgFile, 'utf8');
  assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.match(svg, /Small desk — fcfs/);
});

test('simulate --json prints the report for machines', async () => {
  const output = capture();
  assert.equal(await runSimulateCommand([scenarioFile, '--json', '--policy', 'fcfs'], output), 0);
  const report = JSON.parse(output.text()) as {
    policy: string;
    channels: unknown[];
    parityIndex: number;
  };
  assert.equal(report.policy, 'fcfs');
  assert.equal(report.channels.length, 3);
});

test('simulate refuses bad arguments and names what is wrong in a scenario', async () => {
  const output = capture();
  assert.equal(await runSimulateCommand([], output), 2);
  assert.equal(await runSimulateCommand([scenarioFile, '--policy', 'random'], output), 2);
  const broken = join(dir, 'broken.json');
  writeFileSync(broken, JSON.stringify({ name: 'x', advisorGroups: [], arrivals: [] }));
  assert.equal(await runSimulateCommand([broken], output), 1);
  assert.match(output.errors(), /advisorGroups/);
});
