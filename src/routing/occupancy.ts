/** Occupancy: how much of an advisor's capacity their work filled, over a window of time. */
import type { ChannelCounts } from './types.ts';

/** A stretch of time an advisor held one item, weighted by the share of their capacity it takes. */
export interface BusyStretch {
  readonly start: number;
  /** Null while the item is still held. */
  readonly end: number | null;
  readonly weight: number;
}

/**
 * Occupancy between `from` and `to` (pure): at each moment the advisor's utilisation is the sum of
 * the weights of the items held, capped at 1; occupancy is its average over the window.
 */
export function occupancyBetween(stretches: readonly BusyStretch[], from: number, to: number) {
  if (to <= from) return 0;
  const changes: Array<{ at: number; delta: number }> = [];
  for (const s of stretches) {
    const start = Math.max(s.start, from);
    const end = Math.min(s.end ?? to, to);
    if (end <= start) continue;
    changes.push({ at: start, delta: s.weight }, { at: end, delta: -s.weight });
  }
  changes.sort((a, b) => a.at - b.at);
  let level = 0;
  let last = from;
  let busy = 0;
  for (const change of changes) {
    busy += Math.min(1, Math.max(0, level)) * (change.at - last);
    level += change.delta;
    last = change.at;
  }
  busy += Math.min(1, Math.max(0, level)) * (to - last);
  return busy / (to - from);
}

/** One routed item as the occupancy rule needs it. */
export interface HeldItem {
  readonly channel: string;
  readonly offeredAt: number | null;
  readonly acceptedAt: number | null;
  readonly completedAt: number | null;
}

/**
 * The occupancy rule, one for routing and for the supervisor's wall (pure): an item occupies its
 * advisor from the moment it is offered until it is completed, weighted 1 / capacity of its channel.
 * Busy time starts at the offer, not the acceptance, because capacity already counts an offered item
 * as load: its slot is reserved and nothing else is offered in it. An offer declined or expired goes
 * back to the queue without its advisor and counts for no one. (Every item an advisor holds has been
 * offered; the acceptance time stands in only should a row lack its offer time.)
 */
export function stretchesOf(items: readonly HeldItem[], capacity: ChannelCounts): BusyStretch[] {
  return items.flatMap((item) => {
    const start = item.offeredAt ?? item.acceptedAt;
    if (start === null) return [];
    const slots = capacity[item.channel as keyof ChannelCounts] ?? 0;
    return [{ start, end: item.completedAt, weight: slots > 0 ? 1 / slots : 1 }];
  });
}
