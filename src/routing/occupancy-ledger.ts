import type { OccupancyLedger } from './types.ts';

/** How much history a ledger keeps: two hours covers a one-hour occupancy window with room to spare. */
const RETAIN_MS = 2 * 60 * 60 * 1000;

/** Starts an empty ledger for an advisor logging in at `startedAt`. */
export function createOccupancyLedger(startedAt: number): OccupancyLedger {
  return { startedAt, at: [startedAt], level: [0], cumulative: [0] };
}

/** Records that from `at` on the advisor's utilisation is `level` (0..1). Times must not go backwards. */
export function recordUtilization(ledger: OccupancyLedger, at: number, level: number): void {
  const last = ledger.at.length - 1;
  const lastAt = ledger.at[last] ?? ledger.startedAt;
  const lastLevel = ledger.level[last] ?? 0;
  const lastCumulative = ledger.cumulative[last] ?? 0;
  if (at <= lastAt) {
    ledger.level[last] = level;
    return;
  }
  if (level === lastLevel) return;
  ledger.at.push(at);
  ledger.level.push(level);
  ledger.cumulative.push(lastCumulative + lastLevel * (at - lastAt));
  // Drop history older than the retention, in batches so appends stay O(1) amortised.
  if (ledger.at.length > 64 && (ledger.at[32] ?? Infinity) < at - RETAIN_MS) {
    const cut = lastIndexAtOrBefore(ledger, at - RETAIN_MS);
    if (cut > 0) {
      ledger.at.splice(0, cut);
      ledger.level.splice(0, cut);
      ledger.cumulative.splice(0, cut);
    }
  }
}

function lastIndexAtOrBefore(ledger: OccupancyLedger, time: number): number {
  let low = 0;
  let high = ledger.at.length - 1;
  if ((ledger.at[0] ?? Infinity) > time) return -1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if ((ledger.at[mid] ?? Infinity) <= time) low = mid;
    else high = mid - 1;
  }
  return low;
}

function busyIntegralUntil(ledger: OccupancyLedger, time: number): number {
  const index = lastIndexAtOrBefore(ledger, time);
  if (index < 0) return ledger.cumulative[0] ?? 0;
  const at = ledger.at[index] ?? time;
  return (ledger.cumulative[index] ?? 0) + (ledger.level[index] ?? 0) * (time - at);
}

/** Busy (utilised) milliseconds between two times. */
export function busyTimeBetween(ledger: OccupancyLedger, from: number, to: number): number {
  if (to <= from) return 0;
  return busyIntegralUntil(ledger, to) - busyIntegralUntil(ledger, from);
}

/**
 * Occupancy over the window ending at `now`: busy time divided by logged-in time in the window,
 * with at least `minimumSpanMs` in the denominator so a fresh login is not judged on two minutes.
 */
export function occupancyOver(
  ledger: OccupancyLedger,
  now: number,
  windowMs: number,
  minimumSpanMs = 15 * 60 * 1000,
): number {
  const from = Math.max(now - windowMs, ledger.startedAt, ledger.at[0] ?? ledger.startedAt);
  const span = now - from;
  if (span <= 0) return 0;
  return busyTimeBetween(ledger, from, now) / Math.max(span, Math.min(minimumSpanMs, windowMs));
}
