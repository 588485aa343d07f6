/** The queue as supervisors and customers see it: who waits, how long, and the estimated wait. */
import type { Kysely } from 'kysely';
import type { Database } from '../platform/db/schema.ts';
import { estimateWait, shouldOfferCallback } from './estimate.ts';
import { loadAdvisors } from './advisor-load.ts';
import { CHANNELS, DEFAULT_ROUTING_OPTIONS, type RoutingOptions } from './types.ts';
import type { QueueFigures } from '../api-types/routing.ts';

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
    .where('status', '=', 'waiting');
  if (options.teamId != null) waitingQuery = waitingQuery.where('team_id', '=', options.teamId);
  const waiting = await waitingQuery.execute();
  const advisors = await loadAdvisors(db, now, DEFAULT_ROUTING_OPTIONS.occupancyWindowMs);
  const recent = await db
    .selectFrom('work_items')
    .select(['channel', 'accepted_at', 'offered_at', 'completed_at'])
    .where('status', '=', 'done')
    .where('completed_at', '>', now - 86_400_000)
    .orderBy('completed_at', 'desc')
    .limit(600)
    .execute();
  const levels = options.serviceLevels ?? DEFAULT_ROUTING_OPTIONS.serviceLevels;
  return CHANNELS.map((channel) => {
    const mine = waiting.filter((w) => w.channel === channel);
    const inTeam =
      options.teamId != null
        ? advisors.filter((a) => a.skills.includes(`team:${options.teamId}`))
        : advisors;
    const slotsOnShift = inTeam.reduce((sum, a) => sum + a.capacity[channel], 0);
    const freeSlots = inTeam.reduce(
      (sum, a) => sum + Math.max(0, a.capacity[channel] - a.load[channel]),
      0,
    );
    const handleTimes = recent
      .filter((r) => r.channel === channel && r.completed_at !== null)
      .slice(0, 50)
      .map((r) => r.completed_at! - (r.accepted_at ?? r.offered_at ?? r.completed_at!));
    const estimate = estimateWait(
      { channel, waiting: mine.length, freeSlots },
      handleTimes,
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
