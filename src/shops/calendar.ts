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
  /** The offset (ms) in force before the day's change, or all day when there is none. */
  readonly before: number;
  /** The offset after the change (equal to `before` on an ordinary day). */
  readonly after: number;
  /** The instant the clocks change on this day, or null on an ordinary day. */
  readonly change: number | null;
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
  // The offsets around the day's edges: from 14 h before its midnight to 14 h after its end
  // covers the day in any zone. At most one change is assumed in that span.
  let low = wallMidnight - 14 * hour;
  let high = wallMidnight + day + 14 * hour;
  const before = offsetMs(zone, low);
  const after = offsetMs(zone, high);
  let change: number | null = null;
  if (before !== after) {
    // Find the change to the minute (every zone's changes fall on whole minutes).
    while (high - low > minute) {
      const mid = low + Math.floor((high - low) / 2 / minute) * minute;
      if (offsetMs(zone, mid) === before) low = mid;
      else high = mid;
    }
    change = high;
  }
  const weekday = ((new Date(wallMidnight).getUTCDay() + 6) % 7) + 1;
  const frame: DayFrame = { wallMidnight, weekday, before, after, change };
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

function instantIn(frame: DayFrame, wall: number): number {
  const wallMs = frame.wallMidnight + wall * minute;
  if (frame.change === null) return wallMs - frame.before;
  // The earliest instant that really shows this wall time wins (a repeated hour's first).
  const early = wallMs - Math.max(frame.before, frame.after);
  const late = wallMs - Math.min(frame.before, frame.after);
  const shows = (instant: number) =>
    instant + (instant < frame.change! ? frame.before : frame.after) === wallMs;
  if (shows(early)) return early;
  if (shows(late)) return late;
  // Skipped by the clocks: the first instant after the gap.
  return frame.change;
}

/**
 * The instant a shop-local wall time (minutes after midnight) of `date` names. A repeated wall time
 * gives its first occurrence; a skipped one the end of the gap.
 */
export function instantOf(date: string, wall: number, timeZone: string): number {
  return instantIn(frameOf(date, timeZone), wall);
}

const parsedTimes = new Map<string, number | null>();
const minutesOf = (time: string) => {
  let m = parsedTimes.get(time);
  if (m === undefined) {
    m = wallMinutes(time);
    if (parsedTimes.size < 10_000) parsedTimes.set(time, m);
  }
  return m;
};

function periodIn(frame: DayFrame, from: string, to: string): Interval | null {
  const a = minutesOf(from);
  const b = minutesOf(to);
  if (a === null || b === null || b <= a) return null;
  const start = instantIn(frame, a);
  const end = instantIn(frame, b);
  return end > start ? { start, end } : null;
}

/** A local period of a date as instants; null when it is empty (or emptied by a skipped hour). */
export function periodOf(
  date: string,
  from: string,
  to: string,
  timeZone: string,
): Interval | null {
  return periodIn(frameOf(date, timeZone), from, to);
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
  const frame = frameOf(date, timeZone);
  const today = exceptions.filter((e) => e.date === date);
  let periods: ReadonlyArray<{ opens: string; closes: string }>;
  if (today.length > 0) {
    if (today.some((e) => e.opens === null || e.closes === null)) return [];
    periods = today as ReadonlyArray<{ opens: string; closes: string }>;
  } else {
    const weekday = frame.weekday;
    periods = week.filter((p) => p.weekday === weekday);
  }
  return mergeIntervals(
    periods.flatMap((p) => {
      const interval = periodIn(frame, p.opens, p.closes);
      return interval ? [interval] : [];
    }),
  );
}

/**
 * The shifts worked on a local date, as UTC intervals: the weekly shifts of its weekday and the
 * dated shifts of that date together (a dated shift adds a day or hours); one advisor's
 * overlapping shifts at one desk are merged.
 */
export function shiftsOn(
  date: string,
  timeZone: string,
  shifts: readonly Shift[],
): ShiftInterval[] {
  const frame = frameOf(date, timeZone);
  const weekday = frame.weekday;
  const worked: ShiftInterval[] = [];
  for (const s of shifts) {
    if (s.date !== null ? s.date !== date : s.weekday !== weekday) continue;
    const interval = periodIn(frame, s.starts, s.ends);
    if (interval)
      worked.push({
        start: interval.start,
        end: interval.end,
        advisorId: s.advisorId,
        deskId: s.deskId,
      });
  }
  worked.sort(
    (a, b) => a.advisorId - b.advisorId || (a.deskId ?? 0) - (b.deskId ?? 0) || a.start - b.start,
  );
  // One advisor's overlapping or touching shifts at one desk become one.
  const result: ShiftInterval[] = [];
  for (const w of worked) {
    const last = result[result.length - 1];
    if (last && last.advisorId === w.advisorId && last.deskId === w.deskId && w.start <= last.end)
      result[result.length - 1] = { ...last, end: Math.max(last.end, w.end) };
    else result.push(w);
  }
  return result.sort((a, b) => a.start - b.start || a.advisorId - b.advisorId);
}

/**
 * The zone's short name at an instant: CET, EST… (English names, British or American, whichever
 * has one; "GMT+9" where neither does).
 */
export function zoneAbbreviation(instant: number, timeZone: string): string {
  const at = DateTime.fromMillis(instant, { zone: timeZone });
  const names = ['en-GB', 'en-US'].map((locale) => at.setLocale(locale).offsetNameShort ?? '');
  return names.find((n) => n && !/^(GMT|UTC)[+-]/.test(n)) ?? names[0] ?? at.toFormat('ZZ');
}

/** An instant shown in the shop's time, naming the zone: "Tue 1 Dec 2026, 09:00 (Europe/Paris, CET)". */
export function describeLocal(instant: number, timeZone: string, locale = 'en-GB'): string {
  const local = DateTime.fromMillis(instant, { zone: timeZone }).setLocale(locale);
  return `${local.toFormat('ccc d LLL yyyy, HH:mm')} (${timeZone}, ${zoneAbbreviation(instant, timeZone)})`;
}
