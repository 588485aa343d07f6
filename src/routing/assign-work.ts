/**
 * The routing engine: the rules of policy.ts applied over indexes so one decision stays well under a
 * millisecond with thousands of items waiting. Waiting items sit in heaps per requirement group
 * (channel, skills, language) in the one shared ordering; free advisors sit in lists per skill profile
 * and channel, longest idle first. Events (an item arrives, an advisor frees up, a hold or recovery
 * ends) mark items or advisors "dirty"; a decision only looks at what is dirty, because everything
 * else is already stable: no clean waiting item has an eligible free advisor.
 */
import { Conflict, NotFound } from '../platform/errors.ts';
import { MinHeap } from './min-heap.ts';
import { recordUtilization } from './occupancy-ledger.ts';
import {
  handsBackWork,
  canHoldFor,
  hasDeclined,
  isQualified,
  isRoutable,
  occupancy,
  roomOnChannel,
  utilization,
} from './policy.ts';
import type {
  AdvisorState,
  Assignment,
  AssignmentReason,
  Channel,
  Presence,
  RoutingOptions,
  RoutingSnapshot,
  WorkItem,
} from './types.ts';
import { CHANNELS, DEFAULT_ROUTING_OPTIONS } from './types.ts';

/** A waiting item in the engine's indexes; replaced by a fresh entry when it moves between queues. */
export interface QueuedItem {
  item: WorkItem;
  /** False once assigned, withdrawn or moved; heaps drop dead entries lazily. */
  alive: boolean;
  /** The advisor this item is held for (continuity), if any. */
  heldFor: AdvisorEntry | undefined;
  group: ItemGroup;
  /** Primary ordering key: the deadline (Rapport) or the arrival time (FCFS). */
  orderKey: number;
  /** Secondary key: minus the priority (Rapport) or 0 (FCFS). */
  tieKey: number;
  /** Before this time the blending guard keeps the item from call-taking advisors (see voiceReserve). */
  releaseAt: number;
}

/** Waiting items that need the same channel, skills and language. */
export interface ItemGroup {
  key: string;
  channel: Channel;
  skills: string[];
  language: string | undefined;
  heap: MinHeap<QueuedItem>;
  /** Advisor profiles qualified for this group. */
  profiles: AdvisorProfile[];
}

/** Advisors who share skills and languages, with their free members per channel, best first. */
export interface AdvisorProfile {
  key: string;
  skills: Set<string>;
  languages: Set<string>;
  /** Item groups this profile is qualified for. */
  groups: ItemGroup[];
  free: Record<Channel, AdvisorEntry[]>;
}

/** An advisor in the engine's indexes. */
export interface AdvisorEntry {
  advisor: AdvisorState;
  profile: AdvisorProfile;
  /** The rank under which the advisor is filed in the free lists: tier (0 = no work) and idle time. */
  tier: number;
  rankIdle: number;
  inFree: Record<Channel, boolean>;
  /** Items held for this advisor. */
  held: QueuedItem[];
}

/** Work assigned and not yet completed. */
export interface ActiveWork {
  item: WorkItem;
  advisorId: string;
}

interface RecoveryTimer {
  entry: AdvisorEntry;
  until: number;
}

/** The engine's whole state. Create with createRoutingState; change only through this module. */
export interface RoutingState {
  readonly options: RoutingOptions;
  readonly waiting: Map<string, QueuedItem>;
  readonly active: Map<string, ActiveWork>;
  readonly advisors: Map<string, AdvisorEntry>;
  readonly groups: Map<string, ItemGroup>;
  readonly profiles: Map<string, AdvisorProfile>;
  readonly holds: MinHeap<QueuedItem>;
  readonly releases: MinHeap<QueuedItem>;
  readonly recoveries: MinHeap<RecoveryTimer>;
  readonly dirtyItems: MinHeap<QueuedItem>;
  readonly dirtyAdvisors: Set<AdvisorEntry>;
}

function itemBefore(a: QueuedItem, b: QueuedItem): boolean {
  if (a.orderKey !== b.orderKey) return a.orderKey < b.orderKey;
  if (a.tieKey !== b.tieKey) return a.tieKey < b.tieKey;
  if (a.item.createdAt !== b.item.createdAt) return a.item.createdAt < b.item.createdAt;
  return a.item.id < b.item.id;
}

function rankBefore(a: AdvisorEntry, b: AdvisorEntry): boolean {
  if (a.tier !== b.tier) return a.tier < b.tier;
  if (a.rankIdle !== b.rankIdle) return a.rankIdle < b.rankIdle;
  return a.advisor.id < b.advisor.id;
}

function emptyChannelRecord<T>(make: () => T): Record<Channel, T> {
  return {
    voice: make(),
    chat: make(),
    email: make(),
    sms: make(),
    social: make(),
    shop: make(),
  };
}

/** Creates an empty engine with the given options (defaults: Rapport's policy, cap 85%). */
export function createRoutingState(options: Partial<RoutingOptions> = {}): RoutingState {
  return {
    options: { ...DEFAULT_ROUTING_OPTIONS, ...options },
    waiting: new Map(),
    active: new Map(),
    advisors: new Map(),
    groups: new Map(),
    profiles: new Map(),
    holds: new MinHeap<QueuedItem>(
      (a, b) => (a.item.affinityUntil ?? 0) < (b.item.affinityUntil ?? 0),
    ),
    releases: new MinHeap<QueuedItem>((a, b) => a.releaseAt < b.releaseAt),
    recoveries: new MinHeap<RecoveryTimer>((a, b) => a.until < b.until),
    dirtyItems: new MinHeap<QueuedItem>(itemBefore),
    dirtyAdvisors: new Set(),
  };
}

function groupQualifies(profile: AdvisorProfile, group: ItemGroup): boolean {
  if (group.language !== undefined && !profile.languages.has(group.language)) return false;
  return group.skills.every((skill) => profile.skills.has(skill));
}

function profileFor(state: RoutingState, advisor: AdvisorState): AdvisorProfile {
  const skills = [...new Set(advisor.skills)].sort();
  const languages = [...new Set(advisor.languages)].sort();
  const key = `${skills.join(',')}|${languages.join(',')}`;
  let profile = state.profiles.get(key);
  if (profile) return profile;
  profile = {
    key,
    skills: new Set(skills),
    languages: new Set(languages),
    groups: [],
    free: emptyChannelRecord<AdvisorEntry[]>(() => []),
  };
  for (const group of state.groups.values()) {
    if (groupQualifies(profile, group)) {
      profile.groups.push(group);
      group.profiles.push(profile);
    }
  }
  state.profiles.set(key, profile);
  return profile;
}

function groupFor(state: RoutingState, item: WorkItem): ItemGroup {
  const skills = item.skills.length <= 1 ? item.skills : [...new Set(item.skills)].sort();
  const key = `${item.channel}|${skills.join(',')}|${item.language ?? ''}`;
  let group = state.groups.get(key);
  if (group) return group;
  group = {
    key,
    channel: item.channel,
    skills: [...skills],
    language: item.language,
    heap: new MinHeap<QueuedItem>(itemBefore),
    profiles: [],
  };
  for (const profile of state.profiles.values()) {
    if (groupQualifies(profile, group)) {
      profile.groups.push(group);
      group.profiles.push(profile);
    }
  }
  state.groups.set(key, group);
  return group;
}

function routableNow(state: RoutingState, advisor: AdvisorState, now: number): boolean {
  if (state.options.policy === 'fcfs') {
    return advisor.presence === 'available' || advisor.presence === 'busy';
  }
  return isRoutable(advisor, now);
}

function findInFree(list: AdvisorEntry[], entry: AdvisorEntry): number {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    const other = list[mid] as AdvisorEntry;
    if (rankBefore(other, entry)) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** Files the advisor in (or out of) the free lists after any change of load, presence or recovery. */
function refreshFree(state: RoutingState, entry: AdvisorEntry, now: number): boolean {
  const advisor = entry.advisor;
  const routable = routableNow(state, advisor, now);
  const used = utilization(advisor);
  const tier = used > 0 ? 1 : 0;
  const rankChanged = tier !== entry.tier || advisor.idleSince !== entry.rankIdle;
  let anyFree = false;
  for (const channel of CHANNELS) {
    if (!entry.inFree[channel]) continue;
    if (rankChanged || !routable || roomOnChannel(advisor, channel, used) <= 0) {
      const list = entry.profile.free[channel];
      const index = findInFree(list, entry);
      if (list[index] !== entry) throw new Error('routing index out of order');
      list.splice(index, 1);
      entry.inFree[channel] = false;
    }
  }
  entry.tier = tier;
  entry.rankIdle = advisor.idleSince;
  if (!routable) return false;
  for (const channel of CHANNELS) {
    if (roomOnChannel(advisor, channel, used) <= 0) continue;
    anyFree = true;
    if (entry.inFree[channel]) continue;
    const list = entry.profile.free[channel];
    list.splice(findInFree(list, entry), 0, entry);
    entry.inFree[channel] = true;
  }
  return anyFree;
}

/** Registers an advisor (the engine keeps and updates this very object). */
export function addAdvisor(state: RoutingState, advisor: AdvisorState, now: number): void {
  if (state.advisors.has(advisor.id)) throw new Conflict(`advisor ${advisor.id} is already routed`);
  const entry: AdvisorEntry = {
    advisor,
    profile: profileFor(state, advisor),
    tier: 0,
    rankIdle: advisor.idleSince,
    inFree: emptyChannelRecord(() => false),
    held: [],
  };
  state.advisors.set(advisor.id, entry);
  if (advisor.recoveryUntil !== undefined && advisor.recoveryUntil > now) {
    state.recoveries.push({ entry, until: advisor.recoveryUntil });
  }
  if (refreshFree(state, entry, now)) state.dirtyAdvisors.add(entry);
}

function advisorEntry(state: RoutingState, advisorId: string): AdvisorEntry {
  const entry = state.advisors.get(advisorId);
  if (!entry) throw new NotFound(`advisor ${advisorId}`);
  return entry;
}

/**
 * Tells the engine an advisor's presence changed (the stored change is `setPresence` in
 * presence.ts); held items are let go when the advisor leaves (break, offline).
 */
export function presenceChanged(
  state: RoutingState,
  advisorId: string,
  presence: Presence,
  now: number,
): void {
  const entry = advisorEntry(state, advisorId);
  const advisor = entry.advisor;
  const working = presence === 'available' || presence === 'busy';
  advisor.presence = working ? (utilization(advisor) > 0 ? 'busy' : 'available') : presence;
  if (handsBackWork(presence)) {
    for (const queued of [...entry.held]) releaseHold(state, queued);
  }
  if (refreshFree(state, entry, now)) state.dirtyAdvisors.add(entry);
}

function enqueue(state: RoutingState, item: WorkItem, now: number, allowHold: boolean): void {
  const rapport = state.options.policy === 'rapport';
  const queued: QueuedItem = {
    item,
    alive: true,
    heldFor: undefined,
    group: groupFor(state, item),
    orderKey: rapport ? item.deadlineAt : item.createdAt,
    tieKey: rapport ? -item.priority : 0,
    releaseAt: -Infinity,
  };
  const guard = rapport && state.options.voiceReserve > 0 && item.channel !== 'voice';
  if (guard) {
    const threshold = state.options.serviceLevels[item.channel].thresholdMs;
    queued.releaseAt = item.deadlineAt - threshold * state.options.releaseLeadFraction;
    if (queued.releaseAt > now) state.releases.push(queued);
  }
  if (
    allowHold &&
    rapport &&
    item.preferredAdvisorId !== undefined &&
    item.affinityUntil !== undefined &&
    item.affinityUntil > now
  ) {
    const preferred = state.advisors.get(item.preferredAdvisorId);
    if (
      preferred &&
      canHoldFor(preferred.advisor, item) &&
      !hasDeclined(item, preferred.advisor.id)
    ) {
      queued.heldFor = preferred;
      preferred.held.push(queued);
      state.holds.push(queued);
    }
  }
  if (!queued.heldFor) queued.group.heap.push(queued);
  state.waiting.set(item.id, queued);
  state.dirtyItems.push(queued);
}

/** Puts a new item in the ordering; held for its preferred advisor when the policy says so. */
export function addWorkItem(state: RoutingState, item: WorkItem, now: number): void {
  if (state.waiting.has(item.id) || state.active.has(item.id)) {
    throw new Conflict(`work item ${item.id} is already routed`);
  }
  enqueue(state, item, now, true);
}

function dropHeld(queued: QueuedItem): void {
  const holder = queued.heldFor;
  if (!holder) return;
  const index = holder.held.indexOf(queued);
  if (index >= 0) holder.held.splice(index, 1);
}

function releaseHold(state: RoutingState, queued: QueuedItem): void {
  queued.alive = false;
  dropHeld(queued);
  state.waiting.delete(queued.item.id);
  enqueue(state, queued.item, Infinity, false);
}

/** Removes a waiting item (the customer abandoned or the case closed); returns it, or undefined. */
export function withdrawWorkItem(state: RoutingState, itemId: string): WorkItem | undefined {
  const queued = state.waiting.get(itemId);
  if (!queued) return undefined;
  queued.alive = false;
  dropHeld(queued);
  state.waiting.delete(itemId);
  return queued.item;
}

/** Replaces a waiting item's data, keeping its place rules (e.g. a caller who took a callback). */
export function replaceWorkItem(state: RoutingState, item: WorkItem, now: number): void {
  const queued = state.waiting.get(item.id);
  if (!queued) throw new NotFound(`waiting work item ${item.id}`);
  queued.alive = false;
  dropHeld(queued);
  state.waiting.delete(item.id);
  enqueue(state, item, now, true);
}

function processTimers(state: RoutingState, now: number): void {
  for (let top = state.holds.peek(); top; top = state.holds.peek()) {
    if (top.alive && (top.item.affinityUntil ?? 0) > now) break;
    state.holds.pop();
    if (top.alive && top.heldFor) releaseHold(state, top);
  }
  for (let top = state.releases.peek(); top && top.releaseAt <= now; top = state.releases.peek()) {
    state.releases.pop();
    if (top.alive) state.dirtyItems.push(top);
  }
  for (
    let timer = state.recoveries.peek();
    timer && timer.until <= now;
    timer = state.recoveries.peek()
  ) {
    state.recoveries.pop();
    if (refreshFree(state, timer.entry, now)) state.dirtyAdvisors.add(timer.entry);
  }
}

/** When the engine next needs a decision run even if nothing happens: a hold or a recovery ends. */
export function nextWakeAt(state: RoutingState): number | undefined {
  let next: number | undefined;
  for (let top = state.holds.peek(); top && !top.alive; top = state.holds.peek()) state.holds.pop();
  const hold = state.holds.peek();
  if (hold) next = hold.item.affinityUntil;
  for (let top = state.releases.peek(); top && !top.alive; top = state.releases.peek())
    state.releases.pop();
  const release = state.releases.peek();
  if (release && (next === undefined || release.releaseAt < next)) next = release.releaseAt;
  const recovery = state.recoveries.peek();
  if (recovery && (next === undefined || recovery.until < next)) next = recovery.until;
  return next;
}

function peekAlive(heap: MinHeap<QueuedItem>): QueuedItem | undefined {
  for (let top = heap.peek(); top; top = heap.peek()) {
    if (top.alive) return top;
    heap.pop();
  }
  return undefined;
}

/**
 * The blending guard applies to this advisor now: they take calls and no more than `voiceReserve`
 * call-taking advisors are free, so items not yet released are kept for others.
 */
function isGuarded(state: RoutingState, advisor: AdvisorState): boolean {
  const reserve = state.options.voiceReserve;
  if (reserve <= 0 || state.options.policy !== 'rapport' || advisor.capacity.voice <= 0)
    return false;
  return freeAdvisorCount(state, 'voice') <= reserve;
}

/** The first item in the ordering that this advisor may take now, if any. */
function bestItemFor(
  state: RoutingState,
  entry: AdvisorEntry,
  now: number,
): QueuedItem | undefined {
  const advisor = entry.advisor;
  if (!routableNow(state, advisor, now)) return undefined;
  const guarded = isGuarded(state, advisor);
  let best: QueuedItem | undefined;
  for (const queued of entry.held) {
    if (!entry.inFree[queued.item.channel]) continue;
    if (guarded && queued.releaseAt > now) continue;
    if (!best || itemBefore(queued, best)) best = queued;
  }
  for (const group of entry.profile.groups) {
    if (!entry.inFree[group.channel]) continue;
    const top = peekAlive(group.heap);
    // Within a group the top has the earliest deadline, so it is also the first to be released.
    if (guarded && top && top.releaseAt > now) continue;
    // A top this advisor declined is skipped; the items behind it are found from their side (every
    // item is dirty in `chooseAssignments`, the only caller whose items carry declines).
    if (top && hasDeclined(top.item, advisor.id)) continue;
    if (top && (!best || itemBefore(top, best))) best = top;
  }
  return best;
}

interface Target {
  entry: AdvisorEntry;
  reason: AssignmentReason;
}

/** The advisor an item goes to now: its holder or preferred advisor, else the longest idle under the cap. */
function bestAdvisorFor(state: RoutingState, queued: QueuedItem, now: number): Target | undefined {
  const item = queued.item;
  const channel = item.channel;
  if (queued.heldFor) {
    const holder = queued.heldFor;
    const usable =
      holder.inFree[channel] && !(queued.releaseAt > now && isGuarded(state, holder.advisor));
    return usable ? { entry: holder, reason: 'preferred_advisor' } : undefined;
  }
  const rapport = state.options.policy === 'rapport';
  if (rapport && item.preferredAdvisorId !== undefined) {
    const preferred = state.advisors.get(item.preferredAdvisorId);
    if (
      preferred &&
      preferred.inFree[channel] &&
      isQualified(preferred.advisor, item) &&
      !hasDeclined(item, preferred.advisor.id) &&
      !(queued.releaseAt > now && isGuarded(state, preferred.advisor))
    ) {
      return { entry: preferred, reason: 'preferred_advisor' };
    }
  }
  const cap = state.options.occupancyCap;
  const checkCap = rapport && cap < 1;
  const windowMs = state.options.occupancyWindowMs;
  const guardVoice =
    queued.releaseAt > now &&
    state.options.voiceReserve > 0 &&
    freeAdvisorCount(state, 'voice') <= state.options.voiceReserve;
  let best: AdvisorEntry | undefined;
  let bestOverCap: AdvisorEntry | undefined;
  for (const profile of queued.group.profiles) {
    for (const candidate of profile.free[channel]) {
      if (best && !rankBefore(candidate, best)) break;
      if (guardVoice && candidate.advisor.capacity.voice > 0) continue;
      if (hasDeclined(item, candidate.advisor.id)) continue;
      if (checkCap && occupancy(candidate.advisor, now, windowMs) > cap) {
        if (!bestOverCap || rankBefore(candidate, bestOverCap)) bestOverCap = candidate;
        continue;
      }
      best = candidate;
      break;
    }
  }
  if (best) return { entry: best, reason: 'longest_idle' };
  if (bestOverCap) return { entry: bestOverCap, reason: 'over_occupancy_cap' };
  return undefined;
}

function recordLoad(advisor: AdvisorState, now: number): void {
  const level = utilization(advisor);
  recordUtilization(advisor.ledger, now, Math.min(1, level));
  if (advisor.presence === 'available' || advisor.presence === 'busy') {
    advisor.presence = level > 0 ? 'busy' : 'available';
  }
}

function assign(state: RoutingState, queued: QueuedItem, target: Target, now: number): Assignment {
  const item = queued.item;
  queued.alive = false;
  dropHeld(queued);
  state.waiting.delete(item.id);
  const advisor = target.entry.advisor;
  advisor.load[item.channel] += 1;
  advisor.idleSince = now;
  recordLoad(advisor, now);
  state.active.set(item.id, { item, advisorId: advisor.id });
  refreshFree(state, target.entry, now);
  return {
    itemId: item.id,
    advisorId: advisor.id,
    channel: item.channel,
    reason: target.reason,
    at: now,
  };
}

/**
 * Makes the next routing decision at `now`: the earliest item in the ordering that some advisor may take,
 * to its best advisor. Returns null when nothing more can be assigned now.
 */
export function assignNextWorkItem(state: RoutingState, now: number): Assignment | null {
  processTimers(state, now);
  for (;;) {
    const dirtyItem = peekAlive(state.dirtyItems);
    let fromAdvisor: QueuedItem | undefined;
    for (const entry of state.dirtyAdvisors) {
      const candidate = bestItemFor(state, entry, now);
      if (!candidate) {
        state.dirtyAdvisors.delete(entry);
        continue;
      }
      if (!fromAdvisor || itemBefore(candidate, fromAdvisor)) fromAdvisor = candidate;
    }
    if (!dirtyItem && !fromAdvisor) return null;
    if (fromAdvisor && (!dirtyItem || !itemBefore(dirtyItem, fromAdvisor))) {
      const target = bestAdvisorFor(state, fromAdvisor, now);
      if (!target) throw new Error('routing index lost a free advisor');
      return assign(state, fromAdvisor, target, now);
    }
    if (dirtyItem) {
      const target = bestAdvisorFor(state, dirtyItem, now);
      state.dirtyItems.pop();
      if (target) return assign(state, dirtyItem, target, now);
    }
  }
}

/** Makes every decision possible at `now`, in order. */
export function assignAvailableWork(state: RoutingState, now: number): Assignment[] {
  const assignments: Assignment[] = [];
  for (let next = assignNextWorkItem(state, now); next; next = assignNextWorkItem(state, now)) {
    assignments.push(next);
  }
  return assignments;
}

function finish(
  state: RoutingState,
  itemId: string,
  now: number,
): { item: WorkItem; entry: AdvisorEntry } {
  const work = state.active.get(itemId);
  if (!work) throw new NotFound(`assigned work item ${itemId}`);
  state.active.delete(itemId);
  const entry = advisorEntry(state, work.advisorId);
  const advisor = entry.advisor;
  advisor.load[work.item.channel] = Math.max(0, advisor.load[work.item.channel] - 1);
  if (utilization(advisor) === 0) advisor.idleSince = now;
  recordLoad(advisor, now);
  return { item: work.item, entry };
}

/** Marks assigned work done: frees the advisor's capacity and starts recovery after a hard contact. */
export function completeWorkItem(state: RoutingState, itemId: string, now: number): WorkItem {
  const { item, entry } = finish(state, itemId, now);
  if (item.hard && state.options.policy === 'rapport' && state.options.recoveryMs > 0) {
    const until = now + state.options.recoveryMs;
    entry.advisor.recoveryUntil = until;
    state.recoveries.push({ entry, until });
  }
  if (refreshFree(state, entry, now)) state.dirtyAdvisors.add(entry);
  return item;
}

/**
 * An offer was declined or timed out: the item goes back to its place in the ordering (no longer held
 * for the advisor who let it go) and the advisor's capacity is freed.
 */
export function declineWorkItem(state: RoutingState, itemId: string, now: number): WorkItem {
  const { item, entry } = finish(state, itemId, now);
  const back: WorkItem = { ...item };
  if (back.preferredAdvisorId === entry.advisor.id) {
    delete back.preferredAdvisorId;
    delete back.affinityUntil;
  }
  enqueue(state, back, now, true);
  if (refreshFree(state, entry, now)) state.dirtyAdvisors.add(entry);
  return back;
}

/** How many advisors could take one more item of this channel right now. */
export function freeAdvisorCount(state: RoutingState, channel: Channel): number {
  let count = 0;
  for (const profile of state.profiles.values()) count += profile.free[channel].length;
  return count;
}

function copyAdvisor(advisor: AdvisorState): AdvisorState {
  return {
    ...advisor,
    skills: [...advisor.skills],
    languages: [...advisor.languages],
    capacity: { ...advisor.capacity },
    load: { ...advisor.load },
    ledger: {
      startedAt: advisor.ledger.startedAt,
      at: [...advisor.ledger.at],
      level: [...advisor.ledger.level],
      cumulative: [...advisor.ledger.cumulative],
    },
  };
}

/**
 * Pure: every assignment to make at `now` for a snapshot of waiting items and advisors (their current
 * load included). The inputs are not changed. This is the call a database transaction wraps.
 */
export function chooseAssignments(
  snapshot: RoutingSnapshot,
  now: number,
  options: Partial<RoutingOptions> = {},
): Assignment[] {
  const state = createRoutingState(options);
  for (const advisor of snapshot.advisors) addAdvisor(state, copyAdvisor(advisor), now);
  // Every item is dirty, so the advisors need not be: walking the items in order finds every pair.
  state.dirtyAdvisors.clear();
  for (const item of snapshot.items) addWorkItem(state, item, now);
  return assignAvailableWork(state, now);
}
