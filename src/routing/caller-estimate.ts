/**
 * What a caller on hold is told: their place in the queue and an honest estimate of their wait, from
 * the same figures as the wall (who is on shift, free slots, recent handle times: `estimate.ts`).
 */
import type { Kysely } from 'kysely';
import type { Database } from '../platform/db/schema.ts';
import { estimateWait } from './estimate.ts';
import { loadAdvisors } from './advisor-load.ts';
import { DEFAULT_ROUTING_OPTIONS, type Channel } from './types.ts';

export interface CallerEstimate {
  /** 1 = next. */
  readonly position: number;
  /** Null when nobody on shift takes this channel: no wait can be promised. */
  readonly estimatedWaitMs: number | null;
}

/** The estimate for the item at `position` (1 = next) of `channel`'s queue in `teamId`. */
export async function callerEstimate(
  db: Kysely<Database>,
  now: number,
  options: { readonly channel: Channel; readonly teamId: number | null; readonly position: number },
): Promise<CallerEstimate> {
  const { channel, teamId, position } = options;
  const advisors = (await loadAdvisors(db, now, DEFAULT_ROUTING_OPTIONS.occupancyWindowMs)).filter(
    (a) => teamId === null || a.skills.includes(`team:${teamId}`),
  );
  const slotsOnShift = advisors.reduce((sum, a) => sum + a.capacity[channel], 0);
  const freeSlots = advisors.reduce(
    (sum, a) => sum + Math.max(0, a.capacity[channel] - a.load[channel]),
    0,
  );
  const recent = await db
    .selectFrom('work_items')
    .select(['accepted_at', 'offered_at', 'completed_at'])
    .where('status', '=', 'done')
    .where('channel', '=', channel)
    .where('completed_at', '>', now - 86_400_000)
    .orderBy('completed_at', 'desc')
    .limit(50)
    .execute();
  const handleTimes = recent.map(
    (r) => r.completed_at! - (r.accepted_at ?? r.offered_at ?? r.completed_at!),
  );
  const estimate = estimateWait(
    { channel, waiting: position, freeSlots },
    handleTimes,
    slotsOnShift,
    position - 1,
  );
  return {
    position,
    estimatedWaitMs: Number.isFinite(estimate) ? Math.round(estimate) : null,
  };
}
