/**
 * Estimated waits: from recent handle times and who is on shift, how long until an item is served.
 * Simple and honest: the (k+1)-th capacity slot to free up takes about (k+1) x handle time / slots.
 */
import type { Channel } from './types.ts';

/** What the estimate needs to know about one channel's queue. */
export interface QueueState {
  channel: Channel;
  /** Items waiting for this channel. */
  waiting: number;
  /** Capacity slots on this channel free right now. */
  freeSlots: number;
}

/** Mean of recent handle times (ms), or the fallback when there are none yet. */
export function meanHandleTime(recentHandleTimesMs: readonly number[], fallbackMs: number): number {
  if (recentHandleTimesMs.length === 0) return fallbackMs;
  let total = 0;
  for (const value of recentHandleTimesMs) total += value;
  return total / recentHandleTimesMs.length;
}

/**
 * Estimated wait (ms) of the item at `position` in its queue (0 = next), or of a new arrival when
 * position is omitted; `advisorsOnShiftSlots` counts the capacity slots on shift serving this channel.
 * Infinity when nobody on shift works it.
 */
export function estimateWait(
  queue: QueueState,
  recentHandleTimesMs: readonly number[],
  advisorsOnShiftSlots: number,
  position: number = queue.waiting,
  fallbackHandleMs = 300_000,
): number {
  const ahead = position + 1 - queue.freeSlots;
  if (ahead <= 0) return 0;
  if (advisorsOnShiftSlots <= 0) return Infinity;
  return (ahead * meanHandleTime(recentHandleTimesMs, fallbackHandleMs)) / advisorsOnShiftSlots;
}

/** True when a caller or chatter should be offered a callback that keeps their place. */
export function shouldOfferCallback(estimateMs: number, thresholdMs: number): boolean {
  return estimateMs > thresholdMs;
}

/** A fixed-size window of recent handle times, per channel, for estimates. */
export interface RecentHandleTimes {
  size: number;
  values: Record<Channel, number[]>;
  next: Record<Channel, number>;
}

/** Creates an empty window keeping the last `size` handle times of each channel. */
export function createRecentHandleTimes(size = 50): RecentHandleTimes {
  return {
    size,
    values: { voice: [], chat: [], email: [], sms: [], social: [], shop: [] },
    next: { voice: 0, chat: 0, email: 0, sms: 0, social: 0, shop: 0 },
  };
}

/** Records one finished item's handle time, replacing the oldest once the window is full. */
export function recordHandleTime(
  recent: RecentHandleTimes,
  channel: Channel,
  handleMs: number,
): void {
  const values = recent.values[channel];
  if (values.length < recent.size) {
    values.push(handleMs);
    return;
  }
  const index = recent.next[channel];
  values[index] = handleMs;
  recent.next[channel] = (index + 1) % recent.size;
}
