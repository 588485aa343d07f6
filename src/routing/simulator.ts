/**
 * A discrete-event simulator on a virtual clock that drives the real routing engine (assign-work.ts):
 * seeded arrivals, handle times, patience, shifts, returning customers, callbacks and missed offers.
 * It reports, per channel, what a supervisor would read on the wall.
 */
import {
  addAdvisor,
  addWorkItem,
  assignNextWorkItem,
  completeWorkItem,
  createRoutingState,
  declineWorkItem,
  freeAdvisorCount,
  nextWakeAt,
  presenceChanged,
  withdrawWorkItem,
} from './assign-work.ts';
import type { RoutingState } from './assign-work.ts';
import {
  createRecentHandleTimes,
  estimateWait,
  recordHandleTime,
  shouldOfferCallback,
} from './estimate.ts';
import { MinHeap } from './min-heap.ts';
import { createOccupancyLedger } from './occupancy-ledger.ts';
import { createStream, sampleDurationMs, sampleExponential } from './random.ts';
import type { Random } from './random.ts';
import type { Scenario, ScenarioArrivalStream } from './scenario.ts';
import type {
  AdvisorState,
  Assignment,
  Channel,
  ChannelCounts,
  RoutingPolicyName,
  ServiceLevelPolicies,
  WorkItem,
  WorkItemKind,
} from './types.ts';
import { CHANNELS, DEFAULT_SERVICE_LEVELS } from './types.ts';

const SECOND = 1000;
const HOUR = 3_600_000;

/** How a simulation run is set up beyond its scenario. */
export interface SimulationOptions {
  seed: number;
  policy: RoutingPolicyName;
  /** Draw 1 - u for every u: paired with a plain run of the same seed, halves the noise of averages. */
  antithetic?: boolean;
}

/** One channel's figures from a run. */
export interface ChannelReport {
  channel: Channel;
  contacts: number;
  answered: number;
  abandoned: number;
  /** Still waiting when the simulation stopped. */
  unserved: number;
  /** Of those, not yet late when the last shift ended: carried over to the next day, not counted in the service level. */
  carriedOver: number;
  callbacks: number;
  /**
   * Answered within the threshold over contacts answered, abandoned after the threshold, or left unserved
   * past their deadline (the usual formula: a caller who hangs up within the threshold is not counted
   * against it; work carried over to the next day before its deadline is not counted either).
   */
  serviceLevel: number;
  targetFraction: number;
  thresholdSeconds: number;
  averageSpeedOfAnswerSeconds: number;
  abandonmentRate: number;
  /** Returning customers answered while their previous advisor was at work. */
  returning: number;
  returningServedByPreferred: number;
  /** returningServedByPreferred / returning (null when there were none). */
  continuityRate: number | null;
  /** This channel's work (weighted by 1 / capacity) over the logged-in time of advisors working it. */
  occupancy: number;
}

/** Mean waits of answered contacts, per channel, by arrival time bucket (seconds; null = none). */
export interface WaitSeries {
  bucketMinutes: number;
  /** Start of the first bucket, in hours since midnight. */
  startHour: number;
  channels: Partial<Record<Channel, Array<number | null>>>;
  thresholdsSeconds: Partial<Record<Channel, number>>;
}

/** Everything a run reports. */
export interface SimulationReport {
  scenario: string;
  policy: RoutingPolicyName;
  seed: number;
  advisors: number;
  contacts: number;
  channels: ChannelReport[];
  overall: {
    serviceLevel: number;
    averageSpeedOfAnswerSeconds: number;
    abandonmentRate: number;
    continuityRate: number | null;
    occupancy: number;
  };
  /** Lowest channel service level divided by the highest. */
  parityIndex: number;
  waitSeries: WaitSeries;
  events: number;
}

const enum EventType {
  Arrival,
  Complete,
  Abandon,
  OfferTimeout,
  ReturnToWork,
  ShiftStart,
  ShiftEnd,
  Wake,
}

interface SimEvent {
  time: number;
  seq: number;
  type: EventType;
  /** Stream index, group index, or unused. */
  index: number;
  /** Item or advisor id. */
  ref: string;
}

interface Contact {
  item: WorkItem;
  origin: Channel;
  patienceAt: number;
  state: 'waiting' | 'offered' | 'served' | 'abandoned';
  missOffer: boolean;
  returning: boolean;
  advisorId: string;
  answeredAt: number;
}

interface ChannelTally {
  contacts: number;
  answered: number;
  abandoned: number;
  abandonedWithinThreshold: number;
  withinThreshold: number;
  totalWaitMs: number;
  callbacks: number;
  returning: number;
  returningServedByPreferred: number;
  weightedBusyMs: number;
  staffedMs: number;
  waitSum: number[];
  waitCount: number[];
}

interface PastContact {
  customerId: string;
  advisorId: string;
  skills: string[];
  language: string | undefined;
  at: number;
}

interface ReturnPool {
  entries: PastContact[];
  head: number;
}

interface SimAdvisor {
  state: AdvisorState;
  group: number;
  onShift: boolean;
  registered: boolean;
  away: boolean;
  wrapping: number;
}

function servicePolicies(scenario: Scenario): ServiceLevelPolicies {
  const policies = { ...DEFAULT_SERVICE_LEVELS };
  for (const channel of CHANNELS) {
    const override = scenario.serviceLevels?.[channel];
    if (!override) continue;
    const base = DEFAULT_SERVICE_LEVELS[channel];
    policies[channel] = {
      targetFraction: override.targetFraction ?? base.targetFraction,
      thresholdMs:
        override.thresholdSeconds !== undefined
          ? override.thresholdSeconds * SECOND
          : base.thresholdMs,
      affinityWindowMs:
        override.affinityWindowSeconds !== undefined
          ? override.affinityWindowSeconds * SECOND
          : base.affinityWindowMs,
      offerTimeoutMs:
        override.offerTimeoutSeconds !== undefined
          ? override.offerTimeoutSeconds * SECOND
          : base.offerTimeoutMs,
    };
  }
  return policies;
}

function pickWeighted<T extends { share: number }>(
  options: readonly T[],
  random: Random,
): T | undefined {
  let total = 0;
  for (const option of options) total += option.share;
  let draw = random() * total;
  for (const option of options) {
    draw -= option.share;
    if (draw < 0) return option;
  }
  return options[options.length - 1];
}

function defaultKind(channel: Channel): WorkItemKind {
  switch (channel) {
    case 'voice':
      return 'call';
    case 'chat':
      return 'chat';
    case 'shop':
      return 'shop_ticket';
    default:
      return 'message';
  }
}

function zeroCounts(): ChannelCounts {
  return { voice: 0, chat: 0, email: 0, sms: 0, social: 0, shop: 0 };
}

const LIVE_CHANNELS: ReadonlySet<Channel> = new Set<Channel>(['voice', 'chat']);

/** Runs one scenario under one policy with one seed; the same inputs always give the same report. */
export function simulate(scenario: Scenario, options: SimulationOptions): SimulationReport {
  const policies = servicePolicies(scenario);
  const engine: RoutingState = createRoutingState({
    policy: options.policy,
    serviceLevels: policies,
    occupancyCap: scenario.occupancyCap ?? 0.85,
    recoveryMs: (scenario.recoveryMinutes ?? 5) * 60_000,
    voiceReserve: scenario.voiceReserve ?? 0,
    releaseLeadFraction: scenario.releaseLeadFraction ?? 0.5,
  });

  // Independent random streams so both policies see the same arrivals and durations.
  const arrivalRandom = createStream(options.seed, 1, options.antithetic);
  const mixRandom = createStream(options.seed, 2, options.antithetic);
  const handleRandom = createStream(options.seed, 3, options.antithetic);
  const patienceRandom = createStream(options.seed, 4, options.antithetic);
  const returnRandom = createStream(options.seed, 5, options.antithetic);
  const behaviourRandom = createStream(options.seed, 6, options.antithetic);

  const startMs = scenario.startHour * HOUR;
  const hoursOfArrivals = Math.max(...scenario.arrivals.map((stream) => stream.perHour.length));
  const arrivalsEndMs = startMs + hoursOfArrivals * HOUR;
  const stopMs = arrivalsEndMs + (scenario.drainHours ?? 6) * HOUR;
  const bucketMinutes = scenario.chartBucketMinutes ?? 15;
  const bucketMs = bucketMinutes * 60_000;
  const bucketCount = Math.ceil((arrivalsEndMs - startMs) / bucketMs);
  const returnWindowMs = (scenario.returnWithinHours ?? 8) * HOUR;
  const offerMiss = scenario.offerMissProbability ?? 0;
  const missPauseMs = (scenario.missedOfferPauseSeconds ?? 30) * SECOND;

  const tallies = {} as Record<Channel, ChannelTally>;
  for (const channel of CHANNELS) {
    tallies[channel] = {
      contacts: 0,
      answered: 0,
      abandoned: 0,
      abandonedWithinThreshold: 0,
      withinThreshold: 0,
      totalWaitMs: 0,
      callbacks: 0,
      returning: 0,
      returningServedByPreferred: 0,
      weightedBusyMs: 0,
      staffedMs: 0,
      waitSum: new Array<number>(bucketCount).fill(0),
      waitCount: new Array<number>(bucketCount).fill(0),
    };
  }
  const pools = {} as Record<Channel, ReturnPool>;
  for (const channel of CHANNELS) pools[channel] = { entries: [], head: 0 };

  const events = new MinHeap<SimEvent>((a, b) =>
    a.time !== b.time ? a.time < b.time : a.seq < b.seq,
  );
  let seq = 0;
  const schedule = (time: number, type: EventType, index = 0, ref = ''): void => {
    events.push({ time, seq: seq++, type, index, ref });
  };

  // Advisors and shifts.
  const advisors = new Map<string, SimAdvisor>();
  const groupMembers: string[][] = [];
  let totalStaffedMs = 0;
  scenario.advisorGroups.forEach((group, groupIndex) => {
    const members: string[] = [];
    const capacity = { ...zeroCounts(), ...group.capacity };
    const shiftMs = (group.shift[1] - group.shift[0]) * HOUR;
    for (let i = 0; i < group.count; i++) {
      const id = `${group.name}-${i + 1}`;
      members.push(id);
      advisors.set(id, {
        state: {
          id,
          presence: 'offline',
          skills: [...group.skills],
          languages: [...group.languages],
          capacity: { ...capacity },
          load: zeroCounts(),
          idleSince: group.shift[0] * HOUR,
          ledger: createOccupancyLedger(group.shift[0] * HOUR),
        },
        group: groupIndex,
        onShift: false,
        registered: false,
        away: false,
        wrapping: 0,
      });
      totalStaffedMs += shiftMs;
      for (const channel of CHANNELS)
        if (capacity[channel] > 0) tallies[channel].staffedMs += shiftMs;
    }
    groupMembers.push(members);
    schedule(group.shift[0] * HOUR, EventType.ShiftStart, groupIndex);
    schedule(group.shift[1] * HOUR, EventType.ShiftEnd, groupIndex);
  });

  // Arrivals: a non-homogeneous Poisson process, constant within each hour.
  const nextArrival = (stream: ScenarioArrivalStream, from: number): number | undefined => {
    let time = from;
    for (;;) {
      const hour = Math.floor((time - startMs) / HOUR);
      if (hour >= stream.perHour.length) return undefined;
      const rate = stream.perHour[hour] ?? 0;
      const hourEnd = startMs + (hour + 1) * HOUR;
      if (rate <= 0) {
        time = hourEnd;
        continue;
      }
      const next = time + sampleExponential(arrivalRandom, HOUR / rate);
      if (next < hourEnd) return next;
      time = hourEnd;
    }
  };
  scenario.arrivals.forEach((stream, index) => {
    const first = nextArrival(stream, startMs);
    if (first !== undefined) schedule(first, EventType.Arrival, index);
  });

  const contacts = new Map<string, Contact>();
  const waitingByChannel = zeroCounts();
  const activeByChannel = zeroCounts();
  const recent = createRecentHandleTimes(50);
  let contactCount = 0;
  let eventCount = 0;
  let scheduledWake = Infinity;

  const keepsReturnPool =
    (scenario.returningShare ?? 0) > 0 ||
    scenario.arrivals.some((stream) => (stream.returningShare ?? 0) > 0);
  const pickReturning = (channel: Channel, now: number): PastContact | undefined => {
    const pool = pools[channel];
    while (
      pool.head < pool.entries.length &&
      (pool.entries[pool.head]?.at ?? now) < now - returnWindowMs
    ) {
      pool.head += 1;
    }
    if (pool.head > 4096 && pool.head * 2 > pool.entries.length) {
      pool.entries.splice(0, pool.head);
      pool.head = 0;
    }
    const available = pool.entries.length - pool.head;
    if (available <= 0) return undefined;
    return pool.entries[pool.head + Math.floor(returnRandom() * available)];
  };

  const arrive = (streamIndex: number, now: number): void => {
    const stream = scenario.arrivals[streamIndex] as ScenarioArrivalStream;
    const channel = stream.channel;
    const policy = policies[channel];
    contactCount += 1;
    const id = `c${contactCount}`;
    const tally = tallies[channel];
    tally.contacts += 1;
    let skills: string[] = pickWeighted(stream.skills ?? [], mixRandom)?.skills ?? [];
    let language: string | undefined = pickWeighted(stream.languages ?? [], mixRandom)?.language;
    let customerId = `k${contactCount}`;
    let preferredAdvisorId: string | undefined;
    const returningShare = stream.returningShare ?? scenario.returningShare ?? 0;
    if (returningShare > 0 && returnRandom() < returningShare) {
      const past = pickReturning(channel, now);
      if (past) {
        customerId = past.customerId;
        preferredAdvisorId = past.advisorId;
        skills = past.skills;
        language = past.language;
      }
    }
    const item: WorkItem = {
      id,
      kind: stream.kind ?? defaultKind(channel),
      channel,
      customerId,
      skills,
      priority: stream.priority ?? 0,
      createdAt: now,
      deadlineAt: now + policy.thresholdMs,
    };
    if (language !== undefined) item.language = language;
    if (stream.hardShare !== undefined && behaviourRandom() < stream.hardShare) item.hard = true;
    let returning = false;
    if (preferredAdvisorId !== undefined) {
      item.preferredAdvisorId = preferredAdvisorId;
      item.affinityUntil = now + policy.affinityWindowMs;
      const preferred = advisors.get(preferredAdvisorId);
      returning = preferred !== undefined && preferred.onShift;
    }
    const patience = scenario.patience?.[channel];
    const contact: Contact = {
      item,
      origin: channel,
      patienceAt: Infinity,
      state: 'waiting',
      missOffer: false,
      returning,
      advisorId: '',
      answeredAt: 0,
    };
    if (patience && LIVE_CHANNELS.has(channel)) {
      contact.patienceAt = now + sampleDurationMs(patienceRandom, patience);
      schedule(contact.patienceAt, EventType.Abandon, 0, id);
    }
    // A long estimated wait: offer a callback that keeps the caller's place (same deadline, same arrival).
    const callback = scenario.callback;
    if (callback && callback.channels.includes(channel)) {
      const free = freeAdvisorCount(engine, 'voice');
      const estimate = estimateWait(
        { channel, waiting: waitingByChannel[channel], freeSlots: free },
        recent.values[channel],
        activeByChannel[channel] + freeAdvisorCount(engine, channel),
      );
      if (
        shouldOfferCallback(estimate, callback.thresholdSeconds * SECOND) &&
        behaviourRandom() < callback.acceptance
      ) {
        item.kind = 'callback';
        item.channel = 'voice';
        contact.patienceAt = Infinity;
        tally.callbacks += 1;
      }
    }
    contacts.set(id, contact);
    waitingByChannel[item.channel] += 1;
    addWorkItem(engine, item, now);
    const next = nextArrival(stream, now);
    if (next !== undefined) schedule(next, EventType.Arrival, streamIndex);
  };

  const bucketOf = (time: number): number =>
    Math.min(bucketCount - 1, Math.max(0, Math.floor((time - startMs) / bucketMs)));

  const onAssigned = (assignment: Assignment, now: number): void => {
    const contact = contacts.get(assignment.itemId);
    if (!contact) throw new Error(`simulator lost contact ${assignment.itemId}`);
    const item = contact.item;
    waitingByChannel[item.channel] -= 1;
    activeByChannel[item.channel] += 1;
    contact.advisorId = assignment.advisorId;
    if (offerMiss > 0 && LIVE_CHANNELS.has(contact.origin) && behaviourRandom() < offerMiss) {
      contact.state = 'offered';
      schedule(now + policies[item.channel].offerTimeoutMs, EventType.OfferTimeout, 0, item.id);
      return;
    }
    contact.state = 'served';
    contact.answeredAt = now;
    const tally = tallies[contact.origin];
    const waited = now - item.createdAt;
    tally.answered += 1;
    tally.totalWaitMs += waited;
    if (waited <= policies[contact.origin].thresholdMs) tally.withinThreshold += 1;
    const bucket = bucketOf(item.createdAt);
    tally.waitSum[bucket] = (tally.waitSum[bucket] ?? 0) + waited;
    tally.waitCount[bucket] = (tally.waitCount[bucket] ?? 0) + 1;
    if (contact.returning) {
      tally.returning += 1;
      if (assignment.advisorId === item.preferredAdvisorId) tally.returningServedByPreferred += 1;
    }
    const distribution = scenario.handleTime[item.channel] ?? scenario.handleTime[contact.origin];
    const handleMs = distribution ? sampleDurationMs(handleRandom, distribution) : 300 * SECOND;
    const advisor = advisors.get(assignment.advisorId);
    const capacity = advisor?.state.capacity[item.channel] ?? 1;
    tallies[item.channel].weightedBusyMs += handleMs / Math.max(1, capacity);
    schedule(now + handleMs, EventType.Complete, 0, item.id);
  };

  const backToWork = (advisor: SimAdvisor, now: number): void => {
    if (advisor.onShift && !advisor.away && advisor.wrapping === 0) {
      presenceChanged(engine, advisor.state.id, 'available', now);
    }
  };

  const handle = (event: SimEvent): void => {
    const now = event.time;
    switch (event.type) {
      case EventType.Arrival:
        arrive(event.index, now);
        break;
      case EventType.Complete: {
        const contact = contacts.get(event.ref);
        if (!contact) break;
        const item = completeWorkItem(engine, event.ref, now);
        contacts.delete(event.ref);
        activeByChannel[item.channel] -= 1;
        recordHandleTime(recent, item.channel, now - contact.answeredAt);
        const pool = pools[contact.origin];
        if (keepsReturnPool)
          pool.entries.push({
            customerId: item.customerId,
            advisorId: contact.advisorId,
            skills: item.skills,
            language: item.language,
            at: now,
          });
        const advisor = advisors.get(contact.advisorId);
        const wrapSeconds = scenario.wrapUpSeconds?.[item.channel] ?? 0;
        if (advisor && wrapSeconds > 0 && advisor.onShift) {
          advisor.wrapping += 1;
          presenceChanged(engine, advisor.state.id, 'wrap_up', now);
          schedule(now + wrapSeconds * SECOND, EventType.ReturnToWork, 1, advisor.state.id);
        }
        break;
      }
      case EventType.Abandon: {
        const contact = contacts.get(event.ref);
        if (!contact || contact.state !== 'waiting' || contact.patienceAt !== now) break;
        if (withdrawWorkItem(engine, event.ref)) {
          contact.state = 'abandoned';
          waitingByChannel[contact.item.channel] -= 1;
          tallies[contact.origin].abandoned += 1;
          if (now - contact.item.createdAt <= policies[contact.origin].thresholdMs) {
            tallies[contact.origin].abandonedWithinThreshold += 1;
          }
          contacts.delete(event.ref);
        }
        break;
      }
      case EventType.OfferTimeout: {
        const contact = contacts.get(event.ref);
        if (!contact || contact.state !== 'offered') break;
        const advisor = advisors.get(contact.advisorId);
        const back = declineWorkItem(engine, event.ref, now);
        activeByChannel[back.channel] -= 1;
        if (advisor) {
          advisor.away = true;
          presenceChanged(engine, advisor.state.id, 'break', now);
          schedule(now + missPauseMs, EventType.ReturnToWork, 2, advisor.state.id);
        }
        if (contact.patienceAt <= now) {
          withdrawWorkItem(engine, event.ref);
          tallies[contact.origin].abandoned += 1;
          contacts.delete(event.ref);
          break;
        }
        contact.item = back;
        contact.state = 'waiting';
        waitingByChannel[back.channel] += 1;
        break;
      }
      case EventType.ReturnToWork: {
        const advisor = advisors.get(event.ref);
        if (!advisor) break;
        if (event.index === 1) advisor.wrapping = Math.max(0, advisor.wrapping - 1);
        else advisor.away = false;
        backToWork(advisor, now);
        break;
      }
      case EventType.ShiftStart:
        for (const id of groupMembers[event.index] ?? []) {
          const advisor = advisors.get(id);
          if (!advisor) continue;
          advisor.onShift = true;
          if (!advisor.registered) {
            advisor.registered = true;
            advisor.state.presence = 'available';
            addAdvisor(engine, advisor.state, now);
          } else backToWork(advisor, now);
        }
        break;
      case EventType.ShiftEnd:
        for (const id of groupMembers[event.index] ?? []) {
          const advisor = advisors.get(id);
          if (!advisor) continue;
          advisor.onShift = false;
          if (advisor.registered) presenceChanged(engine, id, 'offline', now);
        }
        break;
      case EventType.Wake:
        if (scheduledWake === now) scheduledWake = Infinity;
        break;
    }
  };

  for (let event = events.pop(); event; event = events.pop()) {
    if (event.time > stopMs) break;
    eventCount += 1;
    handle(event);
    // Decide only once every event at this instant is in, as a live system batching a tick would.
    const upcoming = events.peek();
    if (upcoming && upcoming.time === event.time) continue;
    for (
      let next = assignNextWorkItem(engine, event.time);
      next;
      next = assignNextWorkItem(engine, event.time)
    ) {
      onAssigned(next, event.time);
    }
    const wake = nextWakeAt(engine);
    if (wake !== undefined && wake < scheduledWake && wake > event.time) {
      scheduledWake = wake;
      schedule(wake, EventType.Wake);
    }
    if (event.time >= arrivalsEndMs && engine.waiting.size === 0 && engine.active.size === 0) break;
  }

  // Whatever still waits was not served; work not yet late at closing time carries over to tomorrow.
  const closingMs = Math.max(...scenario.advisorGroups.map((group) => group.shift[1] * HOUR));
  const unserved = zeroCounts();
  const carriedOver = zeroCounts();
  for (const contact of contacts.values()) {
    if (contact.state !== 'waiting' && contact.state !== 'offered') continue;
    unserved[contact.origin] += 1;
    if (contact.item.deadlineAt > closingMs) carriedOver[contact.origin] += 1;
  }
  return buildReport(
    scenario,
    options,
    policies,
    tallies,
    unserved,
    carriedOver,
    advisors.size,
    contactCount,
    totalStaffedMs,
    {
      bucketMinutes,
      startHour: scenario.startHour,
      eventCount,
    },
  );
}

function buildReport(
  scenario: Scenario,
  options: SimulationOptions,
  policies: ServiceLevelPolicies,
  tallies: Record<Channel, ChannelTally>,
  unserved: ChannelCounts,
  carriedOver: ChannelCounts,
  advisorCount: number,
  contactCount: number,
  totalStaffedMs: number,
  series: { bucketMinutes: number; startHour: number; eventCount: number },
): SimulationReport {
  const channels: ChannelReport[] = [];
  const waitSeries: WaitSeries = {
    bucketMinutes: series.bucketMinutes,
    startHour: series.startHour,
    channels: {},
    thresholdsSeconds: {},
  };
  let within = 0;
  let offered = 0;
  let counted = 0;
  let answered = 0;
  let waitMs = 0;
  let abandoned = 0;
  let returning = 0;
  let returningServed = 0;
  let busyMs = 0;
  for (const channel of CHANNELS) {
    const tally = tallies[channel];
    busyMs += tally.weightedBusyMs;
    if (tally.contacts === 0) continue;
    const contacts = tally.contacts;
    channels.push({
      channel,
      contacts,
      answered: tally.answered,
      abandoned: tally.abandoned,
      unserved: unserved[channel],
      carriedOver: carriedOver[channel],
      callbacks: tally.callbacks,
      serviceLevel:
        tally.withinThreshold /
        Math.max(1, contacts - tally.abandonedWithinThreshold - carriedOver[channel]),
      targetFraction: policies[channel].targetFraction,
      thresholdSeconds: policies[channel].thresholdMs / SECOND,
      averageSpeedOfAnswerSeconds:
        tally.answered > 0 ? tally.totalWaitMs / tally.answered / SECOND : 0,
      abandonmentRate: tally.abandoned / contacts,
      returning: tally.returning,
      returningServedByPreferred: tally.returningServedByPreferred,
      continuityRate:
        tally.returning > 0 ? tally.returningServedByPreferred / tally.returning : null,
      occupancy: tally.staffedMs > 0 ? tally.weightedBusyMs / tally.staffedMs : 0,
    });
    waitSeries.channels[channel] = tally.waitSum.map((sum, index) => {
      const count = tally.waitCount[index] ?? 0;
      return count > 0 ? sum / count / SECOND : null;
    });
    waitSeries.thresholdsSeconds[channel] = policies[channel].thresholdMs / SECOND;
    within += tally.withinThreshold;
    offered += contacts;
    counted += contacts - tally.abandonedWithinThreshold - carriedOver[channel];
    answered += tally.answered;
    waitMs += tally.totalWaitMs;
    abandoned += tally.abandoned;
    returning += tally.returning;
    returningServed += tally.returningServedByPreferred;
  }
  const levels = channels.map((report) => report.serviceLevel);
  const highest = Math.max(...levels);
  return {
    scenario: scenario.name,
    policy: options.policy,
    seed: options.seed,
    advisors: advisorCount,
    contacts: contactCount,
    channels,
    overall: {
      serviceLevel: counted > 0 ? within / counted : 0,
      averageSpeedOfAnswerSeconds: answered > 0 ? waitMs / answered / SECOND : 0,
      abandonmentRate: offered > 0 ? abandoned / offered : 0,
      continuityRate: returning > 0 ? returningServed / returning : null,
      occupancy: totalStaffedMs > 0 ? busyMs / totalStaffedMs : 0,
    },
    parityIndex: highest > 0 ? Math.min(...levels) / highest : 0,
    waitSeries,
    events: series.eventCount,
  };
}
