/**
 * Routing decision latency: 1,000 advisors online, 10,000 items waiting. Each round frees one advisor
 * (a completion) and one new item arrives; each decision is timed on its own. Prints p50/p99/max.
 * Run: npx tsx bench/routing-assign.ts
 */
import {
  addAdvisor,
  addWorkItem,
  assignNextWorkItem,
  chooseAssignments,
  completeWorkItem,
  createRoutingState,
} from '../src/routing/assign-work.ts';
import { createOccupancyLedger } from '../src/routing/occupancy-ledger.ts';
import { createRandom } from '../src/routing/random.ts';
import type { AdvisorState, Channel, WorkItem } from '../src/routing/types.ts';
import { DEFAULT_SERVICE_LEVELS } from '../src/routing/types.ts';

const ADVISORS = 1000;
const WAITING = 10_000;
const DECISIONS = 20_000;
const random = createRandom(42);
const skillSets = [
  ['general'],
  ['general', 'billing'],
  ['general', 'tech'],
  ['general', 'billing', 'tech'],
];
const languageSets = [
  ['nl', 'en'],
  ['nl', 'en', 'de'],
  ['en', 'fr'],
];
const channels: Channel[] = ['voice', 'chat', 'email', 'sms', 'social'];

function pick<T>(values: readonly T[]): T {
  return values[Math.floor(random() * values.length)] as T;
}

let now = 8 * 3_600_000;
function makeAdvisor(index: number): AdvisorState {
  const voice = index % 3 !== 2 ? 1 : 0;
  return {
    id: `a${index}`,
    presence: 'available',
    skills: pick(skillSets),
    languages: pick(languageSets),
    capacity: { voice, chat: 3, email: 4, sms: voice ? 0 : 6, social: voice ? 0 : 6, shop: 0 },
    load: { voice: 0, chat: 0, email: 0, sms: 0, social: 0, shop: 0 },
    idleSince: now - Math.floor(random() * 600_000),
    ledger: createOccupancyLedger(now - 3_600_000),
  };
}

let itemCount = 0;
function makeItem(): WorkItem {
  const channel = pick(channels);
  const createdAt = now - Math.floor(random() * 60_000);
  const item: WorkItem = {
    id: `i${itemCount++}`,
    kind: channel === 'voice' ? 'call' : channel === 'chat' ? 'chat' : 'message',
    channel,
    customerId: `c${itemCount}`,
    skills: random() < 0.8 ? ['general'] : [pick(['billing', 'tech'])],
    priority: random() < 0.1 ? 1 : 0,
    createdAt,
    deadlineAt: createdAt + DEFAULT_SERVICE_LEVELS[channel].thresholdMs,
  };
  if (random() < 0.9) item.language = random() < 0.8 ? 'nl' : 'en';
  if (random() < 0.3) {
    item.preferredAdvisorId = `a${Math.floor(random() * ADVISORS)}`;
    item.affinityUntil = createdAt + DEFAULT_SERVICE_LEVELS[channel].affinityWindowMs;
  }
  return item;
}

const advisors = Array.from({ length: ADVISORS }, (_, index) => makeAdvisor(index));
const state = createRoutingState();
for (const advisor of advisors) addAdvisor(state, advisor, now);
// Fill every advisor up, then leave 10,000 items waiting.
while (state.waiting.size < WAITING) {
  addWorkItem(state, makeItem(), now);
  while (assignNextWorkItem(state, now)) {
    /* fill */
  }
}
console.log(
  `setup: ${state.advisors.size} advisors online, ${state.active.size} items in progress, ${state.waiting.size} waiting`,
);

const timings: number[] = [];
function timedDecisions(): number {
  let made = 0;
  for (;;) {
    const start = process.hrtime.bigint();
    const assignment = assignNextWorkItem(state, now);
    timings.push(Number(process.hrtime.bigint() - start) / 1e6);
    if (!assignment) return made;
    made += 1;
  }
}

let assigned = 0;
for (let round = 0; round < DECISIONS / 2; round++) {
  now += 50;
  const active = [...state.active.keys()];
  const done = active[Math.floor(random() * active.length)];
  if (done !== undefined) completeWorkItem(state, done, now);
  assigned += timedDecisions();
  addWorkItem(state, makeItem(), now);
  assigned += timedDecisions();
}
timings.sort((a, b) => a - b);
const quantile = (q: number): number =>
  timings[Math.min(timings.length - 1, Math.floor(q * timings.length))] ?? 0;
console.log(
  `incremental engine: ${timings.length} decisions (${assigned} assignments), ${state.waiting.size} still waiting`,
);
console.log(
  `decision latency: p50 ${(quantile(0.5) * 1000).toFixed(1)} µs, p99 ${(quantile(0.99) * 1000).toFixed(1)} µs, max ${(quantile(1) * 1000).toFixed(1)} µs`,
);

// The database path: one pure call over a loaded snapshot (indexes built from scratch every time).
const snapshotAdvisors = Array.from({ length: ADVISORS }, (_, index) => makeAdvisor(index)).map(
  (advisor) => ({
    ...advisor,
    load: { ...advisor.load, chat: 2, email: 0 },
    presence: 'busy' as const,
  }),
);
const snapshotItems = Array.from({ length: WAITING }, () => makeItem());
const snapshotTimes: number[] = [];
let made = 0;
for (let run = 0; run < 30; run++) {
  const start = process.hrtime.bigint();
  made = chooseAssignments({ advisors: snapshotAdvisors, items: snapshotItems }, now).length;
  snapshotTimes.push(Number(process.hrtime.bigint() - start) / 1e6);
}
snapshotTimes.sort((a, b) => a - b);
console.log(
  `chooseAssignments over a snapshot (1,000 advisors, 10,000 items, ${made} assignments): median ${(snapshotTimes[15] ?? 0).toFixed(2)} ms, max ${(snapshotTimes[29] ?? 0).toFixed(2)} ms`,
);
