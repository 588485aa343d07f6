import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createOccupancyLedger, recordUtilization } from './occupancy-ledger.ts';
import {
  compareWorkItems,
  deadlineFor,
  freeCapacity,
  isQualified,
  isRoutable,
  occupancy,
} from './policy.ts';
import type { AdvisorState, WorkItem } from './types.ts';
import { DEFAULT_SERVICE_LEVELS } from './types.ts';

const HOUR = 3_600_000;

function advisor(overrides: Partial<AdvisorState> = {}): AdvisorState {
  return {
    id: 'a1',
    presence: 'available',
    skills: ['general'],
    languages: ['en'],
    capacity: { voice: 1, chat: 3, email: 5, sms: 0, social: 0, shop: 0 },
    load: { voice: 0, chat: 0, email: 0, sms: 0, social: 0, shop: 0 },
    idleSince: 0,
    ledger: createOccupancyLedger(0),
    ...overrides,
  };
}

function item(overrides: Partial<WorkItem> = {}): WorkItem {
  return {
    id: 'i1',
    kind: 'call',
    channel: 'voice',
    customerId: 'c1',
    skills: ['general'],
    priority: 0,
    createdAt: 1000,
    deadlineAt: 21_000,
    ...overrides,
  };
}

test('a deadline is the arrival time plus the channel threshold', () => {
  assert.equal(deadlineFor({ createdAt: 1000 }, DEFAULT_SERVICE_LEVELS.voice), 21_000);
  assert.equal(deadlineFor({ createdAt: 0 }, DEFAULT_SERVICE_LEVELS.email), 4 * HOUR);
});

test('the default promises are voice 80% in 20 s, chat 80% in 60 s, email 90% in 4 h, shop 80% in 10 min', () => {
  assert.deepEqual(
    [DEFAULT_SERVICE_LEVELS.voice.targetFraction, DEFAULT_SERVICE_LEVELS.voice.thresholdMs],
    [0.8, 20_000],
  );
  assert.equal(DEFAULT_SERVICE_LEVELS.chat.thresholdMs, 60_000);
  assert.equal(DEFAULT_SERVICE_LEVELS.email.targetFraction, 0.9);
  assert.equal(DEFAULT_SERVICE_LEVELS.shop.thresholdMs, 600_000);
});

test('an advisor qualifies when they work the channel and have every skill and the language', () => {
  const a = advisor({ skills: ['general', 'billing'], languages: ['en', 'nl'] });
  assert.equal(isQualified(a, item({ skills: ['billing'], language: 'nl' })), true);
  assert.equal(isQualified(a, item({ skills: ['repairs'] })), false);
  assert.equal(isQualified(a, item({ language: 'de' })), false);
  assert.equal(isQualified(a, item({ channel: 'sms', kind: 'message' })), false);
});

test('capacity is shared across channels: two chats of three leave room for one chat and no call', () => {
  const a = advisor({ load: { voice: 0, chat: 2, email: 0, sms: 0, social: 0, shop: 0 } });
  assert.equal(freeCapacity(a, 'chat'), 1);
  assert.equal(freeCapacity(a, 'voice'), 0);
  assert.equal(freeCapacity(a, 'email'), 1);
  const idle = advisor();
  assert.equal(freeCapacity(idle, 'email'), 5);
  assert.equal(freeCapacity(idle, 'sms'), 0);
});

test('written work in progress leaves room for a call or a chat, but a call leaves none for an email', () => {
  const withEmail = advisor({ load: { voice: 0, chat: 0, email: 1, sms: 0, social: 0, shop: 0 } });
  assert.equal(freeCapacity(withEmail, 'voice'), 1, 'one email does not block a call');
  assert.equal(freeCapacity(withEmail, 'chat'), 3);
  assert.equal(freeCapacity(withEmail, 'email'), 4);
  const onCall = advisor({ load: { voice: 1, chat: 0, email: 0, sms: 0, social: 0, shop: 0 } });
  assert.equal(freeCapacity(onCall, 'email'), 0);
  assert.equal(freeCapacity(onCall, 'chat'), 0);
});

test('occupancy is busy time over logged-in time in the last hour', () => {
  const ledger = createOccupancyLedger(0);
  recordUtilization(ledger, 0, 1);
  recordUtilization(ledger, 0.5 * HOUR, 0);
  recordUtilization(ledger, 1.5 * HOUR, 0.5);
  const a = advisor({ ledger });
  assert.equal(occupancy(a, HOUR), 0.5);
  // From 1 h to 2 h: idle for half an hour, then half busy for half an hour.
  assert.equal(occupancy(a, 2 * HOUR), 0.25);
});

test('an advisor in recovery, on a break or in wrap-up is not routable', () => {
  assert.equal(isRoutable(advisor({ recoveryUntil: 5000 }), 4000), false);
  assert.equal(isRoutable(advisor({ recoveryUntil: 5000 }), 5000), true);
  assert.equal(isRoutable(advisor({ presence: 'break' }), 0), false);
  assert.equal(isRoutable(advisor({ presence: 'wrap_up' }), 0), false);
  assert.equal(isRoutable(advisor({ presence: 'busy' }), 0), true);
});

test('no channel is privileged: the ordering is earliest deadline, then priority, then age, then id', () => {
  const email = item({ id: 'e', channel: 'email', createdAt: 0, deadlineAt: 10_000 });
  const call = item({ id: 'v', createdAt: 5000, deadlineAt: 25_000 });
  assert.ok(compareWorkItems(email, call) < 0);
  const urgent = item({ id: 'z', priority: 2 });
  assert.ok(compareWorkItems(urgent, item({ id: 'a' })) < 0);
  assert.ok(compareWorkItems(item({ id: 'a' }), item({ id: 'b' })) < 0);
  // First come, first served looks only at arrival.
  assert.ok(compareWorkItems(email, call, 'fcfs') < 0);
  assert.ok(
    compareWorkItems(
      item({ createdAt: 1, deadlineAt: 99 }),
      item({ createdAt: 2, deadlineAt: 3 }),
      'fcfs',
    ) < 0,
  );
});
