import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { averageSpeedOfAnswer, serviceLevel } from './erlang-c.ts';
import { parseScenario } from './scenario.ts';
import type { Scenario } from './scenario.ts';
import { simulate } from './simulator.ts';

const scenariosDir = new URL('../../scenarios/', import.meta.url);

function erlangScenario(hours: number): Scenario {
  return {
    name: 'Erlang C check',
    startHour: 0,
    advisorGroups: [
      {
        name: 'agent',
        count: 50,
        skills: ['general'],
        languages: ['en'],
        shift: [0, hours + 12],
        capacity: { voice: 1 },
      },
    ],
    // 540 calls an hour x 300 s = 45 Erlangs offered.
    arrivals: [
      {
        channel: 'voice',
        perHour: new Array<number>(hours).fill(540),
        skills: [{ skills: ['general'], share: 1 }],
      },
    ],
    handleTime: { voice: { distribution: 'exponential', meanSeconds: 300 } },
    drainHours: 10,
  };
}

test('the simulator agrees with Erlang C: 50 advisors, 45 Erlangs, 300 s, first come first served', () => {
  // 2.5 million contacts: at 90% load the waits are strongly correlated over time, and at 200,000
  // contacts the simulated ASA still swings about 10% from seed to seed; at 2.5 million about 2%.
  const report = simulate(erlangScenario(4630), { seed: 1, policy: 'fcfs' });
  const voice = report.channels.find((channel) => channel.channel === 'voice');
  assert.ok(voice);
  assert.ok(voice.contacts >= 200_000);
  assert.equal(voice.abandoned, 0);
  assert.equal(voice.unserved, 0);
  const asa = averageSpeedOfAnswer(50, 45, 300);
  const level = serviceLevel(50, 45, 300, 20);
  const asaError = Math.abs(voice.averageSpeedOfAnswerSeconds / asa - 1);
  const levelError = Math.abs(voice.serviceLevel - level);
  console.log(
    `Erlang C: ASA ${asa.toFixed(2)} s, SL ${level.toFixed(4)}; simulated (${voice.contacts} contacts): ` +
      `ASA ${voice.averageSpeedOfAnswerSeconds.toFixed(2)} s (${(asaError * 100).toFixed(2)}% off), ` +
      `SL ${voice.serviceLevel.toFixed(4)} (${levelError.toFixed(4)} off)`,
  );
  assert.ok(asaError < 0.05, `ASA off by ${(asaError * 100).toFixed(2)}%`);
  assert.ok(levelError < 0.02, `service level off by ${levelError.toFixed(4)}`);
});

test('the same seed gives the same report; another seed gives another', () => {
  const scenario = erlangScenario(20);
  const first = simulate(scenario, { seed: 7, policy: 'rapport' });
  const again = simulate(scenario, { seed: 7, policy: 'rapport' });
  const other = simulate(scenario, { seed: 8, policy: 'rapport' });
  assert.deepEqual(first, again);
  assert.notEqual(first.contacts, other.contacts);
});

test('every shipped scenario is valid and reports every channel it receives', () => {
  const files = readdirSync(scenariosDir).filter((file) => file.endsWith('.json'));
  assert.ok(files.length >= 2);
  for (const file of files) {
    const scenario = parseScenario(JSON.parse(readFileSync(new URL(file, scenariosDir), 'utf8')));
    const channels = new Set(scenario.arrivals.map((stream) => stream.channel));
    assert.ok(channels.size >= 2, `${file} is multichannel`);
  }
});

test('a multichannel day reports service level, continuity and parity per channel', () => {
  const scenario = parseScenario(
    JSON.parse(readFileSync(new URL('contact-centre-multichannel.json', scenariosDir), 'utf8')),
  );
  const report = simulate(scenario, { seed: 1, policy: 'rapport' });
  assert.ok(report.contacts > 10_000);
  for (const channel of report.channels) {
    assert.ok(channel.serviceLevel >= 0 && channel.serviceLevel <= 1);
    assert.equal(channel.contacts, channel.answered + channel.abandoned + channel.unserved);
  }
  const levels = report.channels.map((channel) => channel.serviceLevel);
  assert.ok(Math.abs(report.parityIndex - Math.min(...levels) / Math.max(...levels)) < 1e-12);
  assert.ok(
    (report.overall.continuityRate ?? 0) > 0.5,
    'returning customers mostly reach their advisor',
  );
  const fcfs = simulate(scenario, { seed: 1, policy: 'fcfs' });
  assert.ok(
    (fcfs.overall.continuityRate ?? 0) < 0.2,
    'without continuity, returning customers rarely do',
  );
});

test('callers offered a callback keep their place and do not abandon', () => {
  const scenario: Scenario = {
    ...erlangScenario(3),
    advisorGroups: [
      {
        name: 'agent',
        count: 40,
        skills: ['general'],
        languages: ['en'],
        shift: [0, 8],
        capacity: { voice: 1 },
      },
    ],
    patience: { voice: { distribution: 'exponential', meanSeconds: 60 } },
    callback: { thresholdSeconds: 30, acceptance: 1, channels: ['voice'] },
  };
  const report = simulate(scenario, { seed: 3, policy: 'rapport' });
  const voice = report.channels[0];
  assert.ok(voice && voice.callbacks > 0);
  const without = simulate(
    { ...scenario, callback: { thresholdSeconds: 30, acceptance: 0, channels: ['voice'] } },
    { seed: 3, policy: 'rapport' },
  );
  assert.ok((without.channels[0]?.abandoned ?? 0) > voice.abandoned);
});
