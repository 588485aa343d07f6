/**
 * The walk-in queue's pure rules: which shop-local day a ticket belongs to, whether the shop is
 * open (its weekly openings and that day's exceptions), a ticket's code, and the honest wait
 * estimate. Plain functions over plain data; tickets.ts reads the data and calls them.
 */
import { DateTime } from 'luxon';

/** One opening of a day, shop-local "HH:MM" ("24:00" closes at midnight). */
export interface Opening {
  readonly opens: string;
  readonly closes: string;
}

export interface WeeklyOpening extends Opening {
  /** ISO weekday, 1 = Monday … 7 = Sunday. */
  readonly weekday: number;
}

/** A dated exception: no times closes the day; rows with times replace that day's openings. */
export interface DatedException {
  readonly date: string;
  readonly opens: string | null;
  readonly closes: string | null;
}

/** The shop-local calendar day of an instant, "yyyy-MM-dd": walk-in numbers restart on each. */
export function shopDay(timeZone: string, at: number): string {
  return DateTime.fromMillis(at, { zone: timeZone }).toISODate()!;
}

const minutesOf = (time: string): number => {
  const [h, m] = time.split(':').map(Number) as [number, number];
  return h * 60 + m;
};

/** The openings of one shop-local date: its exceptions when it has any, else its weekday's. */
export function openingsOn(
  date: string,
  weekday: number,
  week: readonly WeeklyOpening[],
  exceptions: readonly DatedException[],
): Opening[] {
  const dated = exceptions.filter((e) => e.date === date);
  if (dated.length > 0) {
    if (dated.some((e) => e.opens === null || e.closes === null)) return [];
    return dated
      .map((e) => ({ opens: e.opens!, closes: e.closes! }))
      .sort((a, b) => minutesOf(a.opens) - minutesOf(b.opens));
  }
  return week
    .filter((w) => w.weekday === weekday)
    .map((w) => ({ opens: w.opens, closes: w.closes }))
    .sort((a, b) => minutesOf(a.opens) - minutesOf(b.opens));
}

/**
 * Whether the shop is open at `at`, read on its own wall clock (so 09:00 is 09:00 on a change day),
 * and when the current opening ends (UTC ms) if it is.
 */
export function openAt(
  timeZone: string,
  week: readonly WeeklyOpening[],
  exceptions: readonly DatedException[],
  at: number,
): { readonly open: boolean; readonly closesAt: number | null } {
  const local = DateTime.fromMillis(at, { zone: timeZone });
  const minute = local.hour * 60 + local.minute;
  const current = openingsOn(local.toISODate()!, local.weekday, week, exceptions).find(
    (o) => minute >= minutesOf(o.opens) && minute < minutesOf(o.closes),
  );
  if (!current) return { open: false, closesAt: null };
  const closes = minutesOf(current.closes);
  const end =
    closes >= 24 * 60
      ? local.startOf('day').plus({ days: 1 })
      : local.set({
          hour: Math.floor(closes / 60),
          minute: closes % 60,
          second: 0,
          millisecond: 0,
        });
  return { open: true, closesAt: end.toMillis() };
}

/**
 * When the shop next opens after `at` (UTC ms), looking up to two weeks ahead on its wall clock;
 * null when nothing opens within them. `exceptions` must cover those days.
 */
export function nextOpening(
  timeZone: string,
  week: readonly WeeklyOpening[],
  exceptions: readonly DatedException[],
  at: number,
): number | null {
  const start = DateTime.fromMillis(at, { zone: timeZone }).startOf('day');
  for (let d = 0; d <= 14; d++) {
    const day = start.plus({ days: d });
    for (const o of openingsOn(day.toISODate()!, day.weekday, week, exceptions)) {
      const opens = minutesOf(o.opens);
      const when = day.set({ hour: Math.floor(opens / 60), minute: opens % 60 }).toMillis();
      if (when > at) return when;
    }
  }
  return null;
}

/** Whether a shift ("HH:MM"–"HH:MM", shop-local) covers the wall-clock minute of `at`. */
export function shiftCovers(timeZone: string, starts: string, ends: string, at: number): boolean {
  const local = DateTime.fromMillis(at, { zone: timeZone });
  const minute = local.hour * 60 + local.minute;
  return minute >= minutesOf(starts) && minute < minutesOf(ends);
}

/** "A-042": the service's prefix and the day's number, three digits at least. */
export function ticketCode(prefix: string, number: number): string {
  return `${prefix}-${String(number).padStart(3, '0')}`;
}

/** At least this many samples before history alone sets a service's time. */
export const minimumSamples = 3;

/**
 * The minutes one service takes in a shop: the mean of its recent service times (serving → finished),
 * padded with the catalogue duration until there are `minimumSamples`, so one odd visit does not
 * swing the estimate; the catalogue duration alone when there is no history.
 */
export function serviceMinutes(
  samples: readonly number[],
  catalogueMinutes: number,
): { readonly minutes: number; readonly basis: 'history' | 'catalogue' } {
  if (samples.length === 0) return { minutes: catalogueMinutes, basis: 'catalogue' };
  const padding = Math.max(0, minimumSamples - samples.length);
  const total = samples.reduce((a, b) => a + b, 0) + padding * catalogueMinutes;
  return { minutes: total / (samples.length + padding), basis: 'history' };
}

/** What the estimate of one place in the queue is computed from. */
export interface QueueAhead {
  /** The service minutes of each person ahead, in the order they will be called. */
  readonly ahead: readonly number[];
  /**
   * One entry per advisor on shift who can serve this service: the minutes until they are free
   * (0 when free now; what is left of the visit they are serving otherwise).
   */
  readonly advisorsFreeIn: readonly number[];
}

/**
 * The wait, in whole minutes, before an advisor calls the next person after `ahead`: each person
 * ahead goes, in order, to the advisor free soonest and keeps them for their service's minutes; our
 * wait is when the soonest advisor is free after that. Null when no advisor on shift can serve it.
 * (With k free advisors and people ahead of equal time t, this is ⌊n / k⌋ · t.)
 */
export function estimateWait(queue: QueueAhead): number | null {
  if (queue.advisorsFreeIn.length === 0) return null;
  const free = queue.advisorsFreeIn.map((m) => Math.max(0, m));
  for (const minutes of queue.ahead) {
    let soonest = 0;
    for (let i = 1; i < free.length; i++) if (free[i]! < free[soonest]!) soonest = i;
    free[soonest] = free[soonest]! + minutes;
  }
  return Math.max(0, Math.ceil(Math.min(...free) - 1e-9));
}

/** "Your turn nears": at most this many people ahead, or an estimate of at most this many minutes. */
export const nearAhead = 2;
export const nearMinutes = 5;

/** Whether a waiting ticket is now near enough the front to be told (never while nobody can serve it). */
export function isNearFront(estimate: {
  readonly ahead: number;
  readonly minutes: number | null;
}): boolean {
  if (estimate.minutes === null) return false;
  return estimate.ahead <= nearAhead || estimate.minutes <= nearMinutes;
}
