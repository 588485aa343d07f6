/** `rapport simulate <scenario.json> [--seed N] [--policy rapport|fcfs|both] [--json] [--svg out.svg]`. */
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { DomainError } from '../platform/errors.ts';
import { parseScenario } from './scenario.ts';
import type { Scenario } from './scenario.ts';
import { simulate } from './simulator.ts';
import type { ChannelReport, SimulationReport } from './simulator.ts';
import { renderWaitChart } from './svg-chart.ts';
import type { RoutingPolicyName } from './types.ts';

const USAGE =
  'usage: rapport simulate <scenario.json> [--seed N] [--policy rapport|fcfs|both] [--json] [--svg out.svg]';

/** Where the command writes; tests pass their own. */
export interface CommandOutput {
  out: (text: string) => void;
  err: (text: string) => void;
}

const consoleOutput: CommandOutput = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
};

function percent(value: number | null, digits = 1): string {
  return value === null ? '—' : `${(value * 100).toFixed(digits)}%`;
}

function seconds(value: number): string {
  if (value >= 3600) return `${(value / 3600).toFixed(2)} h`;
  if (value >= 120) return `${(value / 60).toFixed(1)} min`;
  return `${value.toFixed(1)} s`;
}

function target(report: ChannelReport): string {
  return `${Math.round(report.targetFraction * 100)}% in ${seconds(report.thresholdSeconds)}`;
}

function table(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows)
    row.forEach((cell, index) => (widths[index] = Math.max(widths[index] ?? 0, cell.length)));
  return rows
    .map((row) =>
      row
        .map((cell, index) =>
          index === 0 ? cell.padEnd(widths[index] ?? 0) : cell.padStart(widths[index] ?? 0),
        )
        .join('  '),
    )
    .join('\n');
}

/** The per-channel table of one run, as printed by the command. */
export function formatReport(report: SimulationReport): string {
  const rows: string[][] = [
    [
      'channel',
      'target',
      'contacts',
      'service level',
      'ASA',
      'abandoned',
      'callbacks',
      'continuity',
      'occupancy',
    ],
  ];
  for (const channel of report.channels) {
    rows.push([
      channel.channel,
      target(channel),
      String(channel.contacts),
      percent(channel.serviceLevel),
      seconds(channel.averageSpeedOfAnswerSeconds),
      percent(channel.abandonmentRate),
      String(channel.callbacks),
      percent(channel.continuityRate),
      percent(channel.occupancy),
    ]);
  }
  rows.push([
    'all',
    '',
    String(report.contacts),
    percent(report.overall.serviceLevel),
    seconds(report.overall.averageSpeedOfAnswerSeconds),
    percent(report.overall.abandonmentRate),
    String(report.channels.reduce((sum, channel) => sum + channel.callbacks, 0)),
    percent(report.overall.continuityRate),
    percent(report.overall.occupancy),
  ]);
  return [
    `${report.scenario} — policy ${report.policy}, seed ${report.seed}, ${report.advisors} advisors`,
    table(rows),
    `parity index ${report.parityIndex.toFixed(3)} (lowest channel service level / highest)`,
  ].join('\n');
}

/** Rapport and FCFS side by side, channel by channel. */
export function formatComparison(rapport: SimulationReport, fcfs: SimulationReport): string {
  const rows: string[][] = [
    [
      'channel',
      'SL rapport',
      'SL fcfs',
      'ASA rapport',
      'ASA fcfs',
      'aband. rapport',
      'aband. fcfs',
      'cont. rapport',
      'cont. fcfs',
      'occ. rapport',
      'occ. fcfs',
    ],
  ];
  for (const ours of rapport.channels) {
    const theirs = fcfs.channels.find((channel) => channel.channel === ours.channel);
    if (!theirs) continue;
    rows.push([
      ours.channel,
      percent(ours.serviceLevel),
      percent(theirs.serviceLevel),
      seconds(ours.averageSpeedOfAnswerSeconds),
      seconds(theirs.averageSpeedOfAnswerSeconds),
      percent(ours.abandonmentRate),
      percent(theirs.abandonmentRate),
      percent(ours.continuityRate),
      percent(theirs.continuityRate),
      percent(ours.occupancy),
      percent(theirs.occupancy),
    ]);
  }
  rows.push([
    'all',
    percent(rapport.overall.serviceLevel),
    percent(fcfs.overall.serviceLevel),
    seconds(rapport.overall.averageSpeedOfAnswerSeconds),
    seconds(fcfs.overall.averageSpeedOfAnswerSeconds),
    percent(rapport.overall.abandonmentRate),
    percent(fcfs.overall.abandonmentRate),
    percent(rapport.overall.continuityRate),
    percent(fcfs.overall.continuityRate),
    percent(rapport.overall.occupancy),
    percent(fcfs.overall.occupancy),
  ]);
  rows.push(['parity', rapport.parityIndex.toFixed(3), fcfs.parityIndex.toFixed(3)]);
  return [
    `${rapport.scenario} — seed ${rapport.seed}, ${rapport.contacts} contacts, ${rapport.advisors} advisors`,
    table(rows),
  ].join('\n');
}

/** Reads and validates a scenario file. */
export async function loadScenario(path: string): Promise<Scenario> {
  return parseScenario(JSON.parse(await readFile(path, 'utf8')) as unknown);
}

/** Runs the simulate command; returns the process exit code. */
export async function runSimulateCommand(
  argv: string[],
  output: CommandOutput = consoleOutput,
): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        seed: { type: 'string' },
        policy: { type: 'string' },
        json: { type: 'boolean' },
        svg: { type: 'string' },
        help: { type: 'boolean' },
      },
    });
  } catch (error) {
    output.err(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    output.out(USAGE);
    return 0;
  }
  const file = positionals[0];
  if (!file || positionals.length > 1) {
    output.err(USAGE);
    return 2;
  }
  const seed = values.seed === undefined ? 1 : Number(values.seed);
  if (!Number.isInteger(seed)) {
    output.err(`--seed must be an integer\n${USAGE}`);
    return 2;
  }
  const policyArg = values.policy ?? 'rapport';
  if (policyArg !== 'rapport' && policyArg !== 'fcfs' && policyArg !== 'both') {
    output.err(`--policy must be rapport, fcfs or both\n${USAGE}`);
    return 2;
  }
  let scenario: Scenario;
  try {
    scenario = await loadScenario(file);
  } catch (error) {
    const reason =
      error instanceof DomainError || error instanceof SyntaxError ? error.message : String(error);
    output.err(`cannot read scenario ${file}: ${reason}`);
    return 1;
  }
  const policies: RoutingPolicyName[] = policyArg === 'both' ? ['rapport', 'fcfs'] : [policyArg];
  const reports = policies.map((policy) => simulate(scenario, { seed, policy }));
  if (values.json) {
    output.out(JSON.stringify(reports.length === 1 ? reports[0] : reports, null, 2));
  } else {
    const [first, second] = reports;
    if (first && second) output.out(formatComparison(first, second) + '\n');
    for (const report of reports) output.out(formatReport(report) + '\n');
  }
  if (values.svg) {
    const svg = renderWaitChart(
      reports.map((report) => ({
        title: `${report.scenario} — ${report.policy}`,
        series: report.waitSeries,
      })),
    );
    await writeFile(values.svg, svg, 'utf8');
    if (!values.json) output.out(`chart written to ${values.svg}`);
  }
  return 0;
}
