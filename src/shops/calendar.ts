import { DateTime, IANAZone } from 'luxon';

/**
 * A shop's calendar as instants (pure): its local dates' openings and its advisors' shifts, turned
 * into UTC intervals in the shop's own time zone. A wall time means the same on every day: 09:00 is
 * 09:00 on a daylight-saving change day too. A wall time that does not exist (the hour skipped in
 * spring) is read as the first instant after the gap; a wall time that occurs twice (the hour
 * repeated in autumn) as its first occurrence.
 */

/** A span of time, UTC epoch milliseconds, `end` excluded. */
export interface Interval {
  readonly start: number;
  readonly end: number;
}

/** One weekly opening, shop-local ("HH:MM"; closes may be "24:00"); weekday 1 = Monday. */
export interface WeeklyPeriod {
  readonly weekday: number;
  readonly opens: string;
  readonly closes: string;
}

/** A dated exception: no times closes the whole day; rows with times replace that day's hours. */
export interface DayException {
  readonly date: string;
  readonly opens: string | null;
  readonly closes: string | null;
}

/** An advisor's shift: every week on `weekday`, or once on `date` (exactly one of the two). */
export interface Shift {
  readonly advisorId: number;
  readonly weekday: number | null;
  readonly date: string | null;
  readonly starts: string;
  readonly ends: string;
  readonly deskId: number | null;
}

/** A shift on one date, as instants. */
export interface ShiftInterval extends Interval {
  readonly advisorId: number;
  readonly deskId: number | null;
}

const minute = 60_000;
const hour = 60 * minute;
const day = 24 * hour;
const timePattern = /^([01]\d|2[0-3]):([0-5]\d)$|^24:00$/;
const datePattern = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Minutes since local midnight of "HH:MM" ("24:00" is the end of the day), or null when malformed. */
export function wallMinutes(time: string): number | null {
  if (!timePattern.test(time)) return null;
  return Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));
}

/** How one local date maps to instants; cached per zone and date (the bench asks for many). */
interface DayFrame {
  /** The date's local midnight read as if it were UTC (wall clock milliseconds). */
  readonly wallMidnight: number;
  readonly weekday: number;
  /** When the offset is the same all day: the one offset, in ms; otherwise null (a change day). */
  readonly offset: number | null;
  readonly zone: IANAZone;
}

const frames = new Map<string, DayFrame>();
const zones = new Map<string, IANAZone>();

function zoneOf(name: string): IANAZone {
  let zone = zones.get(name);
  if (!zone) {
    zone = IANAZone.create(name);
    if (!zone.isValid) throw new RangeError(`not an IANA time zone: ${name}`);
    zones.set(name, zone);
  }
  return zone;
}

const offsetMs = (zone: IANAZone, instant: number) => zone.offset(instant) * minute;

function frameOf(date: string, timeZone: string): DayFrame {
  const cacheKey = `${timeZone}|${date}`;
  const cached = frames.get(cacheKey);
  if (cached) return cached;
  const match = datePattern.exec(date);
  if (!match) throw new RangeError(`not a date yyyy-MM-dd: ${date}`);
  const wallMidnight = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  const zone = zoneOf(timeZone);
  // The offsets around the day's edges (a day from 14 h before to 14 h after covers any zone).
  const before = offsetMs(zone, wallMidnight - 14 * hour);
  const after = offsetMs(zone, wallMidnight + day + 14 * hour);
  const middle = offsetMs(zone, wallMidnight + 12 * hour - before);
  const weekday = ((new Date(wallMidnight).getUTCDay() + 6) % 7) + 1;
  const frame: DayFrame = {
    wallMidnight,
    weekday,
    offset: before === after && before === middle ? before : null,
    zone,
  };
  if (frames.size > 50_000) frames.clear();
  frames.set(cacheKey, frame);
  return frame;
}

/** The ISO weekday (1 = Monday … 7 = Sunday) of a local date. */
export function weekdayOf(date: string): number {
  const match = datePattern.exec(date);
  if (!match) throw new RangeError(`not a date yyyy-MM-dd: ${date}`);
  const d = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return ((d.getUTCDay() + 6) % 7) + 1;
}

/**
 * The instant a shop-local wall time of `date` names. On a change day the offset is looked up:
 * of the offsets in force that day, the earliest instant that really shows this wall time wins
 * (the first occurrence of a repeated hour); a skipped wall time gives the end of the gap.
 */
export function instantOf(date: string, wall: number, timeZone: string): number {
  const frame = frameOf(date, timeZone);
  const wallMs = frame.wallMidnight + wall * minute;
  if (frame.offset !== null) return wallMs - frame.offset;
  const offsets = [
    ...new Set([
      offsetMs(frame.zone, frame.wallMidnight - 14 * hour),
      offsetMs(frame.zone, frame.wallMidnight + day + 14 * hour),
    ]),
  ];
  // A larger offset gives an earlier instant: try those first, so a repeated hour's first wins.
  const candidates = offsets
    .map((o) => wallMs - o)
    .sort((a, b) => a - b)
    .filter((instant) => instant + offsetMs(frame.zone, instant) === wallMs);
  if (candidates.length > 0) return candidates[0]!;
  // In the gap: the instant the clocks jumped lies between the two readings; find it to the minute.
  let low = Math.min(...offsets.map((o) => wallMs - o));
  let high = Math.max(...offsets.map((o) => wallMs - o));
  const lowOffset = offsetMs(frame.zone, low);
  while (high - low > minute) {
    const mid = low + Math.floor((high - low) / 2 / minute) * minute;
    if (offsetMs(frame.zone, mid) === lowOffset) low = mid;
    else high = mid;
  }
  return high;
}

/** A local period of a date as instants; null when it is empty (or emptied by a skipped hour). */
export function periodOf(
  date: string,
  from: string,
  to: string,
  timeZone: string,
): Interval | null {
  const a = wallMinutes(from);
  const b = wallMinutes(to);
  if (a === null || b === null || b <= a) return null;
  const start = instantOf(date, a, timeZone);
  const end = b === 24 * 60 ? instantOf(nextDate(date), 0, timeZone) : instantOf(date, b, timeZone);
  return end > start ? { start, end } : null;
}

/** The local date after `date`. */
export function nextDate(date: string): string {
  const match = datePattern.exec(date)!;
  const d = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]) + 1));
  return d.toISOString().slice(0, 10);
}

/** Every local date from `from` to `to`, both included. */
export function datesBetween(from: string, to: string): string[] {
  const dates: string[] = [];
  for (let d = from; d <= to && dates.length < 400; d = nextDate(d)) dates.push(d);
  return dates;
}

/** The shop-local date of an instant. */
export function localDateOf(instant: number, timeZone: string): string {
  return DateTime.fromMillis(instant, { zone: timeZone }).toISODate()!;
}

/** Merges overlapping or touching intervals, sorted by start. */
export function mergeIntervals(intervals: readonly Interval[]): Interval[] {
  const sorted = [...intervals].sort((a, b) => a.start - b.start);
  const merged: Interval[] = [];
  for (const i of sorted) {
    const last = merged[merged.length - 1];
    if (last && i.start <= last.end)
      merged[merged.length - 1] = { start: last.start, end: Math.max(last.end, i.end) };
    else merged.push(i);
  }
  return merged;
}

/**
 * A shop's openings on a local date, as UTC intervals: the weekly periods of its weekday, unless
 * exceptions name the date (a row without times closes the day; rows with times replace its hours).
 */
export function openingsOn(
  date: string,
  timeZone: string,
  week: readonly WeeklyPeriod[],
  exceptions: readonly DayException[],
): Interval[] {
  const today = exceptions.filter((e) => e.date === date);
  let periods: ReadonlyArray<{ opens: string; closes: string }>;
  if (today.length > 0) {
    if (today.some((e) => e.opens === null || e.closes === null)) return [];
    periods = today as ReadonlyArray<{ opens: string; closes: string }>;
  } else {
    const weekday = frameOf(date, timeZone).weekday;
    periods = week.filter((p) => p.weekday === weekday);
  }
  return mergeIntervals(
    periods.flatMap((p) => {
      const interval = periodOf(date, p.opens, p.closes, timeZone);
      return interval ? [interval] : [];
    }),
  );
}

/**
 * The shifts worked on a local date, as UTC intervals: the weekly shifts of its weekday and the
 * dated shifts of that date together (a dated shift adds a day or hours); one advisor's
 * overlapping shifts at one desk are merged.
 */
export function shiftsOn(date: string, timeZone: string, shifts: readonly Shift[]): ShiftInterval[] {
  const weekday = frameOf(date, timeZone).weekday;
  const byWorker = new Map<string, { advisorId: number; deskId: number | null; spans: Interval[] }>();
  for (const s of shifts) {
    const applies = s.date !== null ? s.date === date : s.weekday === weekday;
    if (!applies) continue;
    const interval = periodOf(date, s.starts, s.ends, timeZone);
    if (!interval) continue;
    const key = `${s.advisorId}:${s.deskId ?? ''}`;
    const entry = byWorker.get(key) ?? { advisorId: s.advisorId, deskId: s.deskId, spans: [] };
    entry.spans.push(interval);
    byWorker.set(key, entry);
  }
  const result: ShiftInterval[] = [];
  for (const w of byWorker.values())
    for (const span of mergeIntervals(w.spans))
      result.push({ ...span, advisorId: w.advisorId, deskId: w.deskId });
  return result.sort((a, b) => a.start - b.start || a.advisorId - b.advisorId);
}

/** An instant shown in the shop's time, naming the zone: "Tue 1 Dec 2026, 09:00 (Europe/Paris, CET)". */
export function describeLocal(instant: number, timeZone: string, locale = 'en-GB'): string {
  const local = DateTime.fromMillis(instant, { zone: timeZone }).setLocale(locale);
  return `${local.toFormat('ccc d LLL yyyy, HH:mm')} (${timeZone}, ${local.toFormat('ZZZZ')})`;
}
