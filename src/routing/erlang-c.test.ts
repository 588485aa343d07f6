import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  agentsNeeded,
  averageSpeedOfAnswer,
  erlangB,
  probabilityOfWaiting,
  serviceLevel,
} from './erlang-c.ts';

test('Erlang B and C match textbook values', () => {
  // 10 agents, 8 Erlangs: B = 0.1217, C = 0.4092 (standard tables).
  assert.ok(Math.abs(erlangB(10, 8) - 0.1217) < 1e-4);
  assert.ok(Math.abs(probabilityOfWaiting(10, 8) - 0.4092) < 1e-4);
  // A single agent is an M/M/1 queue: P(wait) = load, ASA = load / (1 - load) x handle time.
  assert.ok(Math.abs(probabilityOfWaiting(1, 0.5) - 0.5) < 1e-12);
  assert.ok(Math.abs(averageSpeedOfAnswer(1, 0.5, 300) - 300) < 1e-9);
});

test('50 agents offered 45 Erlangs at 300 s: about 36% wait, 21.8 s average speed of answer', () => {
  assert.ok(Math.abs(probabilityOfWaiting(50, 45) - 0.3639) < 1e-3);
  assert.ok(Math.abs(averageSpeedOfAnswer(50, 45, 300) - 21.83) < 0.01);
  assert.ok(Math.abs(serviceLevel(50, 45, 300, 20) - 0.7393) < 1e-3);
});

test('large centres stay finite: 600 agents offered 570 Erlangs', () => {
  const waiting = probabilityOfWaiting(600, 570);
  assert.ok(Number.isFinite(waiting) && waiting > 0 && waiting < 1);
  assert.ok(Number.isFinite(averageSpeedOfAnswer(2000, 1950, 300)));
});

test('an overloaded queue always waits and never meets its service level', () => {
  assert.equal(probabilityOfWaiting(10, 12), 1);
  assert.equal(averageSpeedOfAnswer(10, 10, 300), Infinity);
  assert.equal(serviceLevel(10, 12, 300, 20), 0);
});

test('staffing: the fewest agents that meet the target', () => {
  // 540 calls an hour at 300 s = 45 Erlangs; 80% in 20 s.
  const agents = agentsNeeded(540 / 3600, 300, 0.8, 20);
  assert.ok(serviceLevel(agents, 45, 300, 20) >= 0.8);
  assert.ok(serviceLevel(agents - 1, 45, 300, 20) < 0.8);
  assert.equal(agents, 51);
  assert.equal(agentsNeeded(0, 300, 0.8, 20), 0);
  const big = agentsNeeded(6000 / 3600, 300, 0.9, 15);
  assert.ok(big > 500 && serviceLevel(big, 500, 300, 15) >= 0.9);
});
