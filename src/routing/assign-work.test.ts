import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  addAdvisor,
  addWorkItem,
  assignAvailableWork,
  chooseAssignments,
  completeWorkItem,
  createRoutingState,
  declineWorkItem,
  nextWakeAt,
  replaceWorkItem,
  presenceChanged,
} from './assign-work.ts';
import type { RoutingState } from './assign-work.ts';
import { createOccupancyLedger, recordUtilization } from './occupancy-ledger.ts';
import {
  canHoldFor,
  compareWorkItems,
  freeCapacity,
  isQualified,
  isRoutable,
  liveUtilization,
} from './policy.ts';
import type { AdvisorState, Channel, ChannelCounts, WorkItem } from './types.ts';

const HOUR = 3_600_000;
const T0 = 10 * HOUR;

function counts(partial: Partial<ChannelCounts> = {}): ChannelCounts {
  return { voice: 0, chat: 0, email: 0, sms: 0, social: 0, shop: 0, ...partial };
}

function advisor(id: string, overrides: Partial<AdvisorState> = {}): AdvisorState {
  return {
    id,
    presence: 'available',
    skills: ['general'],
    languages: ['en'],
    capacity: counts({ voice: 1, chat: 3, email: 5 }),
    load: counts(),
    idleSince: T0 - HOUR,
    ledger: createOccupancyLedger(T0 - 2 * HOUR),
    ...overrides,
  };
}

function call(id: string, createdAt = T0, overrides: Partial<WorkItem> = {}): WorkItem {
  return {
    id,
    kind: 'call',
    channel: 'voice',
    customerId: `customer-${id}`,
    skills: ['general'],
    priority: 0,
    createdAt,
    deadlineAt: createdAt + 20_000,
    ...overrides,
  };
}

function busyLedger(): AdvisorState['ledger'] {
  const ledger = createOccupancyLedger(T0 - 2 * HOUR);
  recordUtilization(ledger, T0 - 2 * HOUR, 1);
  recordUtilization(ledger, T0 - 60_000, 0);
  return ledger;
}

function engineWith(advisors: AdvisorState[], options = {}): RoutingState {
  const state = createRoutingState(options);
  for (const a of advisors) addAdvisor(state, a, T0);
  return state;
}

test('the longest-idle qualified advisor gets the item', () => {
  const state = engineWith([
    advisor('recent', { idleSince: T0 - 1000 }),
    advisor('longest', { idleSince: T0 - 50_000 }),
    advisor('unqualified', { idleSince: T0 - 90_000, skills: ['shop'] }),
  ]);
  addWorkItem(state, call('c1'), T0);
  const [assignment] = assignAvailableWork(state, T0);
  assert.equal(assignment?.advisorId, 'longest');
  assert.equal(assignment?.reason, 'longest_idle');
});

test('a returning customer reaches their last advisor when free', () => {
  const state = engineWith([
    advisor('longest', { idleSince: T0 - 90_000 }),
    advisor('last', { idleSince: T0 }),
  ]);
  addWorkItem(
    state,
    call('c1', T0, { preferredAdvisorId: 'last', affinityUntil: T0 + 12_000 }),
    T0,
  );
  const [assignment] = assignAvailableWork(state, T0);
  assert.equal(assignment?.advisorId, 'last');
  assert.equal(assignment?.reason, 'preferred_advisor');
});

test('an item waits for its affinity advisor within the window and reaches them when they free up', () => {
  const state = engineWith([advisor('other'), advisor('last')]);
  addWorkItem(state, call('first'), T0);
  const [first] = assignAvailableWork(state, T0);
  assert.ok(first);
  const busy = first.advisorId;
  const free = busy === 'last' ? 'other' : 'last';
  addWorkItem(
    state,
    call('returning', T0 + 1000, { preferredAdvisorId: busy, affinityUntil: T0 + 13_000 }),
    T0 + 1000,
  );
  assert.deepEqual(
    assignAvailableWork(state, T0 + 1000),
    [],
    `held for ${busy} although ${free} is free`,
  );
  completeWorkItem(state, 'first', T0 + 5000);
  const [second] = assignAvailableWork(state, T0 + 5000);
  assert.equal(second?.advisorId, busy);
});

test('an item waits for its affinity advisor within the window, then falls back', () => {
  const state = engineWith([
    advisor('other'),
    advisor('last', { load: counts({ voice: 1 }), presence: 'busy' }),
  ]);
  addWorkItem(
    state,
    call('returning', T0, { preferredAdvisorId: 'last', affinityUntil: T0 + 12_000 }),
    T0,
  );
  assert.deepEqual(assignAvailableWork(state, T0), []);
  assert.equal(nextWakeAt(state), T0 + 12_000);
  assert.deepEqual(assignAvailableWork(state, T0 + 11_999), []);
  const [fallback] = assignAvailableWork(state, T0 + 12_000);
  assert.equal(fallback?.advisorId, 'other');
});

test('an item is not held for an advisor who is offline or on a break', () => {
  const state = engineWith([advisor('other'), advisor('last', { presence: 'break' })]);
  addWorkItem(
    state,
    call('returning', T0, { preferredAdvisorId: 'last', affinityUntil: T0 + 12_000 }),
    T0,
  );
  assert.equal(assignAvailableWork(state, T0)[0]?.advisorId, 'other');
});

test('an advisor above the occupancy cap gets an item only when nobody else is free', () => {
  const state = engineWith([
    advisor('tired', { idleSince: T0 - 60_000, ledger: busyLedger() }),
    advisor('fresh', { idleSince: T0 - 1000 }),
  ]);
  addWorkItem(state, call('c1'), T0);
  assert.equal(assignAvailableWork(state, T0)[0]?.advisorId, 'fresh');
  addWorkItem(state, call('c2'), T0 + 1000);
  const [second] = assignAvailableWork(state, T0 + 1000);
  assert.equal(second?.advisorId, 'tired');
  assert.equal(second?.reason, 'over_occupancy_cap');
});

test('an advisor gets nothing during recovery after a hard contact', () => {
  const state = engineWith([advisor('a')], { recoveryMs: 120_000 });
  addWorkItem(state, call('hard', T0, { hard: true }), T0);
  assignAvailableWork(state, T0);
  completeWorkItem(state, 'hard', T0 + 60_000);
  addWorkItem(state, call('next', T0 + 61_000), T0 + 61_000);
  assert.deepEqual(assignAvailableWork(state, T0 + 61_000), []);
  assert.equal(nextWakeAt(state), T0 + 180_000);
  assert.equal(assignAvailableWork(state, T0 + 180_000)[0]?.advisorId, 'a');
});

test('no channel is privileged: earliest deadline first, whatever the channel', () => {
  const state = engineWith([advisor('a', { load: counts({ voice: 1 }), presence: 'busy' })]);
  const email: WorkItem = {
    ...call('email', T0 - 4 * HOUR + 10_000),
    kind: 'message',
    channel: 'email',
    deadlineAt: T0 + 10_000,
  };
  addWorkItem(state, call('call', T0), T0);
  addWorkItem(state, email, T0);
  assignAvailableWork(state, T0);
  const loud = call('call-2', T0 + 1000);
  addWorkItem(state, loud, T0 + 1000);
  // The advisor's call ends: the email, whose deadline comes first, goes before both calls (and,
  // written work taking no room from live work, the first call follows it).
  state.active.set('busy', { item: call('busy'), advisorId: 'a' });
  completeWorkItem(state, 'busy', T0 + 2000);
  assert.deepEqual(
    assignAvailableWork(state, T0 + 2000).map((a) => a.itemId),
    ['email', 'call'],
  );
});

test('first come, first served takes the oldest item and ignores continuity and the cap', () => {
  const state = engineWith(
    [
      advisor('tired', { idleSince: T0 - 60_000, ledger: busyLedger() }),
      advisor('last', { load: counts({ voice: 1 }), presence: 'busy' }),
    ],
    { policy: 'fcfs' },
  );
  addWorkItem(state, call('young', T0, { deadlineAt: T0 + 1 }), T0);
  addWorkItem(
    state,
    call('old', T0 - 5000, { preferredAdvisorId: 'last', affinityUntil: T0 + 20_000 }),
    T0,
  );
  const [assignment] = assignAvailableWork(state, T0);
  assert.equal(assignment?.itemId, 'old');
  assert.equal(assignment?.advisorId, 'tired');
});

test('a declined offer goes back to its place and the next advisor gets it', () => {
  const state = engineWith([
    advisor('a', { idleSince: T0 - 5000 }),
    advisor('b', { idleSince: T0 - 1000 }),
  ]);
  addWorkItem(state, call('c1'), T0);
  assert.equal(assignAvailableWork(state, T0)[0]?.advisorId, 'a');
  presenceChanged(state, 'a', 'break', T0 + 15_000);
  declineWorkItem(state, 'c1', T0 + 15_000);
  const [again] = assignAvailableWork(state, T0 + 15_000);
  assert.equal(again?.advisorId, 'b');
});

test('a caller who takes a callback keeps their place in the ordering', () => {
  const state = engineWith([advisor('a', { load: counts({ voice: 1 }), presence: 'busy' })]);
  addWorkItem(state, call('first', T0), T0);
  addWorkItem(state, call('second', T0 + 1000), T0 + 1000);
  replaceWorkItem(state, { ...call('first', T0), kind: 'callback' }, T0 + 30_000);
  state.active.set('busy', { item: call('busy'), advisorId: 'a' });
  completeWorkItem(state, 'busy', T0 + 40_000);
  assert.deepEqual(
    assignAvailableWork(state, T0 + 40_000).map((a) => a.itemId),
    ['first'],
  );
});

test('choosing assignments from a snapshot leaves the snapshot untouched', () => {
  const advisors = [advisor('a'), advisor('b')];
  const items = [call('c1'), call('c2'), call('c3')];
  const before = JSON.stringify({ advisors, items });
  const assignments = chooseAssignments({ advisors, items }, T0);
  assert.equal(assignments.length, 2);
  assert.deepEqual(
    assignments.map((a) => a.itemId),
    ['c1', 'c2'],
  );
  assert.equal(JSON.stringify({ advisors, items }), before);
});

// ---- Properties over the pure engine ----

const channels: Channel[] = ['voice', 'chat', 'email'];
const thresholds: Record<string, number> = { voice: 20_000, chat: 60_000, email: 4 * HOUR };

const advisorArbitrary = fc.record({
  skills: fc.subarray(['a', 'b']),
  languages: fc.subarray(['en', 'nl'], { minLength: 1 }),
  voice: fc.integer({ min: 0, max: 1 }),
  chat: fc.integer({ min: 0, max: 3 }),
  email: fc.integer({ min: 0, max: 3 }),
  busyChats: fc.integer({ min: 0, max: 2 }),
  presence: fc.constantFrom<AdvisorState['presence']>(
    'available',
    'available',
    'available',
    'break',
    'wrap_up',
  ),
  idle: fc.integer({ min: 0, max: 100_000 }),
  tired: fc.boolean(),
  recovering: fc.boolean(),
});

const itemArbitrary = fc.record({
  channel: fc.constantFrom(...channels),
  skills: fc.subarray(['a', 'b'], { maxLength: 1 }),
  language: fc.option(fc.constantFrom('en', 'nl'), { nil: undefined }),
  priority: fc.integer({ min: 0, max: 2 }),
  age: fc.integer({ min: 0, max: 120_000 }),
  preferred: fc.option(fc.nat(7), { nil: undefined }),
  window: fc.integer({ min: -30_000, max: 30_000 }),
});

type AdvisorSpec = typeof advisorArbitrary extends fc.Arbitrary<infer T> ? T : never;
type ItemSpec = typeof itemArbitrary extends fc.Arbitrary<infer T> ? T : never;

function buildAdvisors(specs: AdvisorSpec[]): AdvisorState[] {
  return specs.map((spec, index) => {
    const chats = Math.min(spec.busyChats, spec.chat);
    return advisor(`adv${index}`, {
      skills: spec.skills,
      languages: spec.languages,
      capacity: counts({ voice: spec.voice, chat: spec.chat, email: spec.email }),
      load: counts({ chat: chats }),
      presence: spec.presence === 'available' && chats > 0 ? 'busy' : spec.presence,
      idleSince: T0 - spec.idle,
      ledger: spec.tired ? busyLedger() : createOccupancyLedger(T0 - 2 * HOUR),
      ...(spec.recovering ? { recoveryUntil: T0 + 60_000 } : {}),
    });
  });
}

function buildItems(specs: ItemSpec[], advisorCount: number): WorkItem[] {
  return specs.map((spec, index) => {
    const createdAt = T0 - spec.age;
    const item: WorkItem = {
      id: `item${index}`,
      kind: spec.channel === 'voice' ? 'call' : spec.channel === 'chat' ? 'chat' : 'message',
      channel: spec.channel,
      customerId: `customer${index}`,
      skills: spec.skills,
      priority: spec.priority,
      createdAt,
      deadlineAt: createdAt + (thresholds[spec.channel] ?? 0),
    };
    if (spec.language !== undefined) item.language = spec.language;
    if (spec.preferred !== undefined && advisorCount > 0) {
      item.preferredAdvisorId = `adv${spec.preferred % advisorCount}`;
      item.affinityUntil = T0 + spec.window;
    }
    return item;
  });
}

/** Whether the engine's rules hold this waiting item back from anyone but its preferred advisor. */
function holdApplies(item: WorkItem, byId: Map<string, AdvisorState>, now: number): boolean {
  if (
    item.preferredAdvisorId === undefined ||
    item.affinityUntil === undefined ||
    item.affinityUntil <= now
  )
    return false;
  const preferred = byId.get(item.preferredAdvisorId);
  return preferred !== undefined && canHoldFor(preferred, item);
}

function applyAssignments(
  advisors: AdvisorState[],
  items: WorkItem[],
  assignments: ReturnType<typeof chooseAssignments>,
): Map<string, AdvisorState> {
  const byId = new Map(advisors.map((a) => [a.id, { ...a, load: { ...a.load } }]));
  const itemsById = new Map(items.map((i) => [i.id, i]));
  for (const assignment of assignments) {
    const a = byId.get(assignment.advisorId);
    const i = itemsById.get(assignment.itemId);
    assert.ok(a && i, 'assignment names a known advisor and item');
    a.load[i.channel] += 1;
  }
  return byId;
}

const scenarioArbitrary = fc.record({
  advisors: fc.array(advisorArbitrary, { minLength: 0, maxLength: 8 }),
  items: fc.array(itemArbitrary, { minLength: 0, maxLength: 25 }),
  policy: fc.constantFrom<'rapport' | 'fcfs'>('rapport', 'fcfs'),
});

test('property: no item is assigned twice and no advisor exceeds capacity', () => {
  fc.assert(
    fc.property(scenarioArbitrary, ({ advisors: aSpecs, items: iSpecs, policy }) => {
      const advisors = buildAdvisors(aSpecs);
      const items = buildItems(iSpecs, advisors.length);
      const assignments = chooseAssignments({ advisors, items }, T0, { policy });
      const ids = assignments.map((a) => a.itemId);
      assert.equal(new Set(ids).size, ids.length);
      const after = applyAssignments(advisors, items, assignments);
      for (const a of after.values()) {
        for (const channel of channels) assert.ok(a.load[channel] <= a.capacity[channel]);
        assert.ok(liveUtilization(a) <= 1 + 1e-9, `advisor ${a.id} over capacity`);
      }
      for (const assignment of assignments) {
        const a = advisors.find((x) => x.id === assignment.advisorId);
        const i = items.find((x) => x.id === assignment.itemId);
        assert.ok(a && i && isQualified(a, i), 'only qualified advisors receive items');
        assert.ok(
          policy === 'fcfs'
            ? a.presence === 'available' || a.presence === 'busy'
            : isRoutable(a, T0),
        );
      }
    }),
    { numRuns: 400 },
  );
});

test('property: no item waits while a qualified advisor has free capacity and no affinity hold applies', () => {
  fc.assert(
    fc.property(scenarioArbitrary, ({ advisors: aSpecs, items: iSpecs, policy }) => {
      const advisors = buildAdvisors(aSpecs);
      const items = buildItems(iSpecs, advisors.length);
      const assignments = chooseAssignments({ advisors, items }, T0, { policy });
      const after = applyAssignments(advisors, items, assignments);
      const assigned = new Set(assignments.map((a) => a.itemId));
      for (const item of items) {
        if (assigned.has(item.id)) continue;
        if (policy === 'rapport' && holdApplies(item, after, T0)) continue;
        for (const a of after.values()) {
          const routable =
            policy === 'fcfs'
              ? a.presence === 'available' || a.presence === 'busy'
              : isRoutable(a, T0);
          assert.ok(
            !(routable && isQualified(a, item) && freeCapacity(a, item.channel) > 0),
            `${item.id} waits while ${a.id} is free`,
          );
        }
      }
    }),
    { numRuns: 400 },
  );
});

test('property: among equally eligible items, the ordering decides who is served', () => {
  fc.assert(
    fc.property(scenarioArbitrary, ({ advisors: aSpecs, items: iSpecs, policy }) => {
      const advisors = buildAdvisors(aSpecs);
      const items = buildItems(iSpecs, advisors.length);
      const assignments = chooseAssignments({ advisors, items }, T0, { policy });
      const byId = new Map(advisors.map((a) => [a.id, a]));
      const assigned = new Set(assignments.map((a) => a.itemId));
      const same = (x: WorkItem, y: WorkItem): boolean =>
        x.channel === y.channel && x.language === y.language && x.skills.join() === y.skills.join();
      const free = (x: WorkItem): boolean =>
        policy === 'fcfs' || (x.preferredAdvisorId === undefined && !holdApplies(x, byId, T0));
      for (const served of items.filter((x) => assigned.has(x.id) && free(x))) {
        for (const waiting of items.filter(
          (x) => !assigned.has(x.id) && free(x) && same(x, served),
        )) {
          assert.ok(
            compareWorkItems(served, waiting, policy) < 0,
            `${waiting.id} should have been served before ${served.id}`,
          );
        }
      }
    }),
    { numRuns: 400 },
  );
});

test('property: the live engine stays consistent through arrivals, completions, breaks and time', () => {
  const step = fc.oneof(
    fc.record({ kind: fc.constant('arrive' as const), item: itemArbitrary }),
    fc.record({ kind: fc.constant('complete' as const), pick: fc.nat() }),
    fc.record({ kind: fc.constant('presence' as const), pick: fc.nat(), away: fc.boolean() }),
    fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 1, max: 40_000 }) }),
  );
  fc.assert(
    fc.property(
      fc.array(advisorArbitrary, { minLength: 1, maxLength: 6 }),
      fc.array(step, { maxLength: 60 }),
      (aSpecs, steps) => {
        const advisors = buildAdvisors(aSpecs).map((a) => ({
          ...a,
          load: counts(),
          presence: 'available' as const,
        }));
        const state = createRoutingState({ recoveryMs: 30_000 });
        let now = T0;
        for (const a of advisors) addAdvisor(state, a, now);
        const everAssigned = new Set<string>();
        let counter = 0;
        for (const s of steps) {
          if (s.kind === 'arrive') {
            const [item] = buildItems([s.item], advisors.length);
            if (!item) continue;
            const created = {
              ...item,
              id: `n${counter++}`,
              createdAt: now,
              deadlineAt: now + (thresholds[item.channel] ?? 0),
            };
            if (created.affinityUntil !== undefined)
              created.affinityUntil = now + Math.abs(s.item.window);
            if (counter % 5 === 0) created.hard = true;
            addWorkItem(state, created, now);
          } else if (s.kind === 'complete') {
            const active = [...state.active.keys()];
            const id = active[s.pick % Math.max(1, active.length)];
            if (id !== undefined) completeWorkItem(state, id, now);
          } else if (s.kind === 'presence') {
            const a = advisors[s.pick % advisors.length];
            if (a) presenceChanged(state, a.id, s.away ? 'break' : 'available', now);
          } else {
            now += s.ms;
          }
          for (const assignment of assignAvailableWork(state, now)) {
            assert.ok(!everAssigned.has(assignment.itemId), 'assigned twice');
            everAssigned.add(assignment.itemId);
          }
          const byId = new Map(advisors.map((a) => [a.id, a]));
          for (const a of advisors) assert.ok(liveUtilization(a) <= 1 + 1e-9);
          for (const queued of state.waiting.values()) {
            if (queued.heldFor) {
              assert.ok(
                holdApplies(queued.item, byId, now) || (queued.item.affinityUntil ?? 0) > now,
              );
              continue;
            }
            for (const a of advisors) {
              assert.ok(
                !(
                  isRoutable(a, now) &&
                  isQualified(a, queued.item) &&
                  freeCapacity(a, queued.item.channel) > 0
                ),
                `${queued.item.id} waits while ${a.id} is free`,
              );
            }
          }
        }
      },
    ),
    { numRuns: 300 },
  );
});
