/**
 * Routing's rules as pure functions over plain data: deadlines, qualification, capacity, occupancy,
 * the one ordering every channel shares, and which free advisor comes first.
 * The indexed engine in assign-work.ts applies exactly these rules.
 */
import { occupancyOver } from './occupancy-ledger.ts';
import { addBusinessSeconds, type BusinessCalendar } from './business-time.ts';
import type {
  AdvisorState,
  Channel,
  Presence,
  RoutingPolicyName,
  ServiceLevelPolicy,
  WorkItem,
} from './types.ts';
import { CHANNELS } from './types.ts';

/**
 * The presence rule shared by the stored routing (`setPresence`) and the engine (`presenceChanged`):
 * an advisor leaving for a break or going offline hands back what is not theirs yet (offers, holds).
 */
export function handsBackWork(presence: Presence): boolean {
  return presence === 'break' || presence === 'offline';
}

/** Written channels, whose clocks count the team's business hours; calls, chats and visits run live. */
const writtenChannels: ReadonlySet<Channel> = new Set<Channel>(['email', 'sms', 'social']);

/** True when the channel's service-level clock counts business time (a team calendar), not the wall clock. */
export function countsBusinessTime(channel: Channel): boolean {
  return writtenChannels.has(channel);
}

/**
 * The service-level deadline of an item: when it arrived plus its channel's threshold. On a written
 * channel with a team calendar the threshold is business time (Friday 17:00 + 8 h → Monday 17:00).
 */
export function deadlineFor(
  item: Pick<WorkItem, 'createdAt'> & { readonly channel?: Channel },
  policy: ServiceLevelPolicy,
  calendar?: BusinessCalendar,
): number {
  if (calendar && item.channel !== undefined && countsBusinessTime(item.channel))
    return addBusinessSeconds(item.createdAt, policy.thresholdMs / 1000, calendar);
  return item.createdAt + policy.thresholdMs;
}

/** Until when an item waits for its preferred advisor: arrival plus the channel's affinity window. */
export function affinityUntilFor(
  item: Pick<WorkItem, 'createdAt'>,
  policy: ServiceLevelPolicy,
): number {
  return item.createdAt + policy.affinityWindowMs;
}

/** True when the advisor works the item's channel and has its skills and language (free or not). */
export function isQualified(
  advisor: AdvisorState,
  item: Pick<WorkItem, 'channel' | 'skills' | 'language'>,
): boolean {
  if ((advisor.capacity[item.channel] ?? 0) <= 0) return false;
  if (item.language !== undefined && !advisor.languages.includes(item.language)) return false;
  for (const skill of item.skills) if (!advisor.skills.includes(skill)) return false;
  return true;
}

/** Share of the advisor taken by current work: each item weighs 1 / capacity of its channel. */
export function utilization(advisor: AdvisorState): number {
  let used = 0;
  for (const channel of CHANNELS) {
    const load = advisor.load[channel];
    if (load > 0) used += load / Math.max(advisor.capacity[channel], load);
  }
  return used;
}

/**
 * How many more items of this channel the advisor can take now: capacity is shared, so two chats out of
 * three leave room for one more chat but not for a call. Written work (email, SMS, social) can be put
 * down and resumed, so it takes no room from a call, a chat or a visitor (`isLiveChannel`).
 */
export function freeCapacity(advisor: AdvisorState, channel: Channel): number {
  return roomOnChannel(advisor, channel, utilization(advisor));
}

/** freeCapacity with the advisor's utilisation already computed (the engine's hot path). */
export function roomOnChannel(advisor: AdvisorState, channel: Channel, used: number): number {
  const capacity = advisor.capacity[channel];
  if (capacity <= 0) return 0;
  const share = isLiveChannel(channel) ? liveUtilization(advisor) : used;
  const room = Math.floor((1 - share) * capacity + 1e-9);
  return Math.max(0, Math.min(room, capacity - advisor.load[channel]));
}

/** Channels where the customer is there now (a call, a chat, a visit): work that cannot wait for later. */
export function isLiveChannel(channel: Channel): boolean {
  return channel === 'voice' || channel === 'chat' || channel === 'shop';
}

/** Share of the advisor taken by live work only (calls, chats, visits): what limits another live item. */
export function liveUtilization(advisor: AdvisorState): number {
  let used = 0;
  for (const channel of CHANNELS) {
    if (!isLiveChannel(channel)) continue;
    const load = advisor.load[channel];
    if (load > 0) used += load / Math.max(advisor.capacity[channel], load);
  }
  return used;
}

/** Occupancy over the last `windowMs` (default one hour): busy time over logged-in time. */
export function occupancy(advisor: AdvisorState, now: number, windowMs = 3_600_000): number {
  return occupancyOver(advisor.ledger, now, windowMs);
}

/** True when the advisor may receive new work now (present and not in recovery). */
export function isRoutable(advisor: AdvisorState, now: number): boolean {
  if (advisor.presence !== 'available' && advisor.presence !== 'busy') return false;
  return advisor.recoveryUntil === undefined || advisor.recoveryUntil <= now;
}

/** True when an item may be held for this advisor: they are at work (maybe busy) and qualified. */
export function canHoldFor(advisor: AdvisorState, item: WorkItem): boolean {
  const atWork =
    advisor.presence === 'available' ||
    advisor.presence === 'busy' ||
    advisor.presence === 'wrap_up';
  return atWork && isQualified(advisor, item);
}

/**
 * The one ordering for all channels. Rapport: earliest deadline first, then higher priority, then older,
 * then id. FCFS: oldest first, then id. Negative when `a` goes first.
 */
export function compareWorkItems(
  a: WorkItem,
  b: WorkItem,
  policy: RoutingPolicyName = 'rapport',
): number {
  if (policy === 'rapport') {
    if (a.deadlineAt !== b.deadlineAt) return a.deadlineAt - b.deadlineAt;
    if (a.priority !== b.priority) return b.priority - a.priority;
  }
  if (a.createdAt !== b.createdAt) return a.createdAt - b.createdAt;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * Which of two free advisors comes first: anyone with no work before anyone with some, then the longest
 * idle (or least recently served), then id. Negative when `a` goes first.
 */
export function compareFreeAdvisors(a: AdvisorState, b: AdvisorState): number {
  const tierA = utilization(a) > 0 ? 1 : 0;
  const tierB = utilization(b) > 0 ? 1 : 0;
  if (tierA !== tierB) return tierA - tierB;
  if (a.idleSince !== b.idleSince) return a.idleSince - b.idleSince;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** True while the advisor's decline of this item is respected: it is not offered to them again. */
export function hasDeclined(item: Pick<WorkItem, 'declinedBy'>, advisorId: string): boolean {
  return item.declinedBy !== undefined && item.declinedBy.includes(advisorId);
}
