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
    // What the scenario sends on each channel: the expected number of contacts over the day.
    const expected = new Map<string, number>();
    for (const stream of scenario.arrivals)
      expected.set(
        stream.channel,
        (expected.get(stream.channel) ?? 0) + stream.perHour.reduce((sum, n) => sum + n, 0),
      );
    assert.ok(expected.size >= 2, `${file} is multichannel`);
    const report = simulate(scenario, { seed: 1, policy: 'rapport' });
    assert.deepEqual(
      report.channels.map((channel) => channel.channel).sort(),
      [...expected.keys()].sort(),
      `${file}: the report has one entry for each channel the scenario sends, and no other`,
    );
    for (const channel of report.channels) {
      const mean = expected.get(channel.channel)!;
      // Arrivals are Poisson: five standard deviations from the mean would be a counting bug.
      assert.ok(
        Math.abs(channel.contacts - mean) <= 5 * Math.sqrt(mean),
        `${file} ${channel.channel}: ${channel.contacts} contacts reported, about ${mean} sent`,
      );
      assert.equal(
        channel.contacts,
        channel.answered + channel.abandoned + channel.unserved,
        `${file} ${channel.channel}: every contact is answered, abandoned or still waiting`,
      );
      assert.ok(channel.carriedOver <= channel.unserved);
      assert.ok(channel.callbacks <= channel.contacts);
    }
    assert.equal(
      report.channels.reduce((sum, channel) => sum + channel.contacts, 0),
      report.contacts,
      `${file}: the channels add up to every contact received`,
    );
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
    callback: { thresholdSeconds: 30, acceptance: 1, channels: ['voice'] },
  };
  const declined = { thresholdSeconds: 30, acceptance: 0, channels: ['voice' as const] };

  // Their place: with nobody hanging up, a day where every caller with a long wait takes a
  // callback is served in exactly the order of the day where none does. Sent to the back, the
  // callbacks would wait longer and the waits would differ.
  for (const policy of ['rapport', 'fcfs'] as const) {
    const taken = simulate(scenario, { seed: 3, policy });
    const none = simulate({ ...scenario, callback: declined }, { seed: 3, policy });
    const voice = taken.channels[0]!;
    assert.ok(voice.callbacks > 100, `${policy}: ${voice.callbacks} callbacks taken`);
    assert.equal(none.channels[0]!.callbacks, 0);
    assert.equal(voice.answered, none.channels[0]!.answered);
    assert.equal(
      voice.averageSpeedOfAnswerSeconds,
      none.channels[0]!.averageSpeedOfAnswerSeconds,
      `${policy}: callbacks change how long callers wait`,
    );
    assert.equal(voice.serviceLevel, none.channels[0]!.serviceLevel);
    assert.deepEqual(taken.waitSeries.channels.voice, none.waitSeries.channels.voice);
  }

  // And they do not abandon: with impatient callers, taking a callback ends the hanging up.
  const impatient: Scenario = {
    ...scenario,
    patience: { voice: { distribution: 'exponential', meanSeconds: 60 } },
  };
  const report = simulate(impatient, { seed: 3, policy: 'rapport' });
  const voice = report.channels[0];
  assert.ok(voice && voice.callbacks > 0);
  const without = simulate({ ...impatient, callback: declined }, { seed: 3, policy: 'rapport' });
  assert.ok((without.channels[0]?.abandoned ?? 0) > voice.abandoned);
});
