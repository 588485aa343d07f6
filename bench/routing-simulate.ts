/**
 * Wall time of a simulated day of the 500-advisor centre (scenarios/large-centre-day.json), both policies.
 * Run: npx tsx bench/routing-simulate.ts [scenario.json]
 */
import { loadScenario } from '../src/routing/simulate-command.ts';
import { simulate } from '../src/routing/simulator.ts';

const file =
  process.argv[2] ?? new URL('../scenarios/large-centre-day.json', import.meta.url).pathname;
const scenario = await loadScenario(file);
for (const policy of ['rapport', 'fcfs'] as const) {
  const start = performance.now();
  const report = simulate(scenario, { seed: 1, policy });
  const seconds = (performance.now() - start) / 1000;
  console.log(
    `${policy}: ${report.advisors} advisors, ${report.contacts} contacts, ${report.events} events simulated in ${seconds.toFixed(2)} s` +
      ` (${Math.round(report.contacts / seconds)} contacts/s); SL ${(report.overall.serviceLevel * 100).toFixed(1)}%, parity ${report.parityIndex.toFixed(3)}`,
  );
}
