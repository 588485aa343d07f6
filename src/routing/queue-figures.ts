/** The queue as supervisors and customers see it: who waits, how long, and the estimated wait. */
import type { Kysely } from 'kysely';
import type { Database } from '../platform/db/schema.ts';
import { estimateWait, shouldOfferCallback } from './estimate.ts';
import { loadAdvisors } from './advisor-load.ts';
import {
  CHANNELS,
  DEFAULT_ROUTING_OPTIONS,
  type AdvisorState,
  type Channel,
  type RoutingOptions,
} from './types.ts';
import type { QueueFigures } from '../api-types/routing.ts';

/** Handle times (ms) of the last day's finished items, newest first, at most 600. */
async function recentWork(db: Kysely<Database>, now: number) {
  return db
    .selectFrom('work_items')
    .select(['channel', 'accepted_at', 'offered_at', 'completed_at'])
    .where('status', '=', 'done')
    .where('completed_at', '>', now - 86_400_000)
    .orderBy('completed_at', 'desc')
    .limit(600)
    .execute();
}

/** The last 50 handle times of one channel, from `recentWork`. */
function handleTimesOf(recent: Awaited<ReturnType<typeof recentWork>>, channel: Channel): number[] {
  return recent
    .filter((r) => r.channel === channel && r.completed_at !== null)
    .slice(0, 50)
    .map((r) => r.completed_at! - (r.accepted_at ?? r.offered_at ?? r.completed_at!));
}

/** Capacity on shift and free now on a channel, among the advisors of a team (or everyone). */
function slotsOf(advisors: readonly AdvisorState[], channel: Channel, teamId: number | null) {
  const inTeam =
    teamId !== null ? advisors.filter((a) => a.skills.includes(`team:${teamId}`)) : advisors;
  return {
    slotsOnShift: inTeam.reduce((sum, a) => sum + a.capacity[channel], 0),
    freeSlots: inTeam.reduce(
      (sum, a) => sum + Math.max(0, a.capacity[channel] - a.load[channel]),
      0,
    ),
  };
}

/** Per channel: who waits, for how long, and the estimated wait of a new arrival. */
export async function queueFigures(
  db: Kysely<Database>,
  now: number,
  options: {
    readonly teamId?: number | null;
    readonly serviceLevels?: RoutingOptions['serviceLevels'];
  } = {},
): Promise<QueueFigures[]> {
  let waitingQuery = db
    .selectFrom('work_items')
    .select(['channel', 'created_at'])
    .where('status', '=', 'waiting')
    // A callback held back until later waits for nobody yet.
    .where((eb) => eb.or([eb('due_at', 'is', null), eb('due_at', '<=', now)]));
  if (options.teamId != null) waitingQuery = waitingQuery.where('team_id', '=', options.teamId);
  const waiting = await waitingQuery.execute();
  const advisors = await loadAdvisors(db, now, DEFAULT_ROUTING_OPTIONS.occupancyWindowMs);
  const recent = await recentWork(db, now);
  const levels = options.serviceLevels ?? DEFAULT_ROUTING_OPTIONS.serviceLevels;
  return CHANNELS.map((channel) => {
    const mine = waiting.filter((w) => w.channel === channel);
    const { slotsOnShift, freeSlots } = slotsOf(advisors, channel, options.teamId ?? null);
    const estimate = estimateWait(
      { channel, waiting: mine.length, freeSlots },
      handleTimesOf(recent, channel),
      slotsOnShift,
    );
    return {
      channel,
      waiting: mine.length,
      longestWaitMs: mine.reduce((max, w) => Math.max(max, now - w.created_at), 0),
      estimatedWaitMs: Number.isFinite(estimate) ? Math.round(estimate) : null,
      freeSlots,
      slotsOnShift,
      offerCallback:
        (channel === 'voice' || channel === 'chat') &&
        shouldOfferCallback(
          Number.isFinite(estimate) ? estimate : Infinity,
          levels[channel].thresholdMs,
        ),
    };
  });
}

/** Where one waiting item stands: its place (1 = next) and its estimated wait, null with nobody on shift. */
export interface WaitingPlace {
  readonly itemId: number;
  readonly conversationId: number;
  readonly position: number;
  readonly estimatedWaitMs: number | null;
}

/**
 * Every waiting item of a channel, by case: its place among the items competing for the same
 * advisors (its team's, or all when it has no team; in deadline order, as the engine serves them) and
 * the estimate `queueFigures` gives, for that place rather than for a new arrival.
 */
export async function waitingPlaces(
  db: Kysely<Database>,
  now: number,
  channel: Channel,
): Promise<Map<number, WaitingPlace>> {
  const waiting = await db
    .selectFrom('work_items')
    .select(['id', 'conversation_id', 'team_id'])
    .where('status', '=', 'waiting')
    .where('channel', '=', channel)
    .where((eb) => eb.or([eb('due_at', 'is', null), eb('due_at', '<=', now)]))
    .orderBy('deadline_at')
    .orderBy('id')
    .execute();
  const places = new Map<number, WaitingPlace>();
  if (waiting.length === 0) return places;
  const advisors = await loadAdvisors(db, now, DEFAULT_ROUTING_OPTIONS.occupancyWindowMs);
  const handleTimes = handleTimesOf(await recentWork(db, now), channel);
  const byTeam = new Map<number | null, typeof waiting>();
  for (const item of waiting) {
    const team = item.team_id === null ? null : Number(item.team_id);
    const items = byTeam.get(team);
    if (items) items.push(item);
    else byTeam.set(team, [item]);
  }
  for (const [team, items] of byTeam) {
    const { slotsOnShift, freeSlots } = slotsOf(advisors, channel, team);
    items.forEach((item, index) => {
      const estimate = estimateWait(
        { channel, waiting: items.length, freeSlots },
        handleTimes,
        slotsOnShift,
        index,
      );
      places.set(Number(item.conversation_id), {
        itemId: Number(item.id),
        conversationId: Number(item.conversation_id),
        position: index + 1,
        estimatedWaitMs: Number.isFinite(estimate) ? Math.round(estimate) : null,
      });
    });
  }
  return places;
}
