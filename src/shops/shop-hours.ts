import { DateTime, IANAZone } from 'luxon';
import { Invalid } from '../platform/errors.ts';
import type { Weekday, DayHours, ShopException } from '../api-types/shops.ts';

/** A shop's week: any number of openings per weekday, never overlapping; a weekday without one is closed. */
export type WeeklyHours = readonly DayHours[];

/** The parts of an exception that decide a day's hours. */
export type DayException = Pick<ShopException, 'date' | 'opens' | 'closes'>;

/** One opening of a day, as minutes since local midnight (closes may be 1440). */
export interface LocalPeriod {
  readonly opens: number;
  readonly closes: number;
}

const clock = /^([01]\d|2[0-3]):([0-5]\d)$/;
const isoDate = /^\d{4}-\d{2}-\d{2}$/;

/** Minutes since local midnight of an "HH:MM" time ("24:00" is the end of the day). */
export function minutesOf(time: string): number | null {
  if (time === '24:00') return 24 * 60;
  const match = clock.exec(time);
  return match ? Number(match[1]) * 60 + Number(match[2]) : null;
}

/** Checks a time zone name against the IANA database that luxon uses. */
export function checkTimeZone(timeZone: string, field = 'timeZone'): string {
  if (!IANAZone.isValidZone(timeZone)) throw new Invalid(field, 'is not an IANA time zone');
  return timeZone;
}

/** The IANA zone names this server knows, sorted, for an administrator's select (never free text). */
export function timeZoneNames(): string[] {
  const names = new Set(Intl.supportedValuesOf('timeZone'));
  names.add('UTC');
  return [...names].filter((z) => IANAZone.isValidZone(z)).sort();
}

/** Shop times go in five-minute steps: capacity (desks, advisors) is counted in five-minute cells. */
export const shopStepMinutes = 5;

/**
 * Checks one opening: real "HH:MM" times, opening before closing, both on `stepMinutes` steps
 * (shops use five: capacity is counted in five-minute cells). Returns it as minutes.
 */
export function checkPeriod(
  opens: string,
  closes: string,
  field: string,
  words: { opens: string; closes: string } = { opens: 'opens', closes: 'closes' },
  stepMinutes = 1,
): LocalPeriod {
  const start = minutesOf(opens);
  const end = minutesOf(closes);
  if (start === null || start === 24 * 60)
    throw new Invalid(`${field}.${words.opens}`, 'must be a time HH:MM from 00:00 to 23:59');
  if (end === null)
    throw new Invalid(`${field}.${words.closes}`, 'must be a time HH:MM (24:00 ends the day)');
  const step = `must be on a ${stepMinutes}-minute step`;
  if (start % stepMinutes !== 0) throw new Invalid(`${field}.${words.opens}`, step);
  if (end % stepMinutes !== 0) throw new Invalid(`${field}.${words.closes}`, step);
  if (end <= start) throw new Invalid(`${field}.${words.closes}`, 'must be after the opening');
  return { opens: start, closes: end };
}

/** Throws unless the periods (with their field names) leave no minute in two of them. */
function checkNoOverlap(
  periods: ReadonlyArray<LocalPeriod & { field: string }>,
  what: string,
): void {
  const sorted = [...periods].sort((a, b) => a.opens - b.opens);
  for (let i = 1; i < sorted.length; i++)
    if (sorted[i]!.opens < sorted[i - 1]!.closes)
      throw new Invalid(`${sorted[i]!.field}.opens`, `overlaps another opening of ${what}`);
}

const weekdayNames = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

/**
 * Checks a week of hours: valid times (on `stepMinutes` steps), opening before closing, several
 * openings a day allowed but never overlapping; sorted by weekday, then opening.
 */
export function checkWeeklyHours(hours: WeeklyHours, field = 'hours', stepMinutes = 1): DayHours[] {
  const byDay = new Map<number, Array<LocalPeriod & { field: string }>>();
  hours.forEach((day, i) => {
    if (!Number.isInteger(day.weekday) || day.weekday < 1 || day.weekday > 7)
      throw new Invalid(`${field}[${i}].weekday`, 'must be 1 (Monday) to 7 (Sunday)');
    const period = checkPeriod(day.opens, day.closes, `${field}[${i}]`, undefined, stepMinutes);
    const list = byDay.get(day.weekday) ?? [];
    list.push({ ...period, field: `${field}[${i}]` });
    byDay.set(day.weekday, list);
  });
  for (const [weekday, periods] of byDay) checkNoOverlap(periods, weekdayNames[weekday - 1]!);
  return [...hours].sort((a, b) => a.weekday - b.weekday || a.opens.localeCompare(b.opens));
}

/** Checks a shop-local calendar date "yyyy-MM-dd" (a real day: no 31 April). */
export function checkDate(date: string, field = 'date'): string {
  if (!isoDate.test(date) || !DateTime.fromISO(date, { zone: 'utc' }).isValid)
    throw new Invalid(field, 'must be a real date yyyy-MM-dd');
  return date;
}

/**
 * Checks a new exception against the others of its date: a day is either closed (no times, once)
 * or has special openings (on five-minute steps) that never overlap.
 */
export function checkException(
  exception: DayException,
  sameDay: readonly DayException[],
  field = 'exception',
): void {
  checkDate(exception.date, `${field}.date`);
  if ((exception.opens === null) !== (exception.closes === null))
    throw new Invalid(
      `${field}.${exception.opens === null ? 'opens' : 'closes'}`,
      'give both times for special hours, or neither to close the whole day',
    );
  const closedAlready = sameDay.some((e) => e.opens === null);
  if (exception.opens === null) {
    if (sameDay.length > 0)
      throw new Invalid(
        `${field}.date`,
        closedAlready
          ? 'the shop is already closed that day'
          : 'that day has special hours: remove them before closing the whole day',
      );
    return;
  }
  if (closedAlready)
    throw new Invalid(`${field}.date`, 'the shop is closed all that day: remove the closure first');
  const period = checkPeriod(exception.opens, exception.closes!, field, undefined, shopStepMinutes);
  for (const other of sameDay) {
    const o = { opens: minutesOf(other.opens!) ?? 0, closes: minutesOf(other.closes!) ?? 0 };
    if (period.opens < o.closes && o.opens < period.closes)
      throw new Invalid(
        `${field}.opens`,
        `overlaps the special opening ${other.opens}–${other.closes} of ${exception.date}`,
      );
  }
}

/**
 * The openings of one shop-local date (pure): the date's exceptions when it has any (none open
 * when it is closed), else the weekly openings of its weekday; sorted.
 */
export function openingsOn(
  date: string,
  hours: WeeklyHours,
  exceptions: readonly DayException[] = [],
): LocalPeriod[] {
  const dated = exceptions.filter((e) => e.date === date);
  const rows: ReadonlyArray<{ opens: string | null; closes: string | null }> =
    dated.length > 0
      ? dated.some((e) => e.opens === null)
        ? []
        : dated
      : hours.filter((h) => h.weekday === DateTime.fromISO(date, { zone: 'utc' }).weekday);
  return rows
    .map((r) => ({ opens: minutesOf(r.opens ?? '') ?? 0, closes: minutesOf(r.closes ?? '') ?? 0 }))
    .filter((p) => p.closes > p.opens)
    .sort((a, b) => a.opens - b.opens);
}

/**
 * Whether the shop is open at `now` (UTC ms), judged on the wall clock of its own time zone, with
 * the date's exceptions replacing its weekly hours (pure).
 */
export function isOpenAt(
  timeZone: string,
  hours: WeeklyHours,
  now: number,
  exceptions: readonly DayException[] = [],
): boolean {
  const local = DateTime.fromMillis(now, { zone: timeZone });
  const minute = local.hour * 60 + local.minute;
  return openingsOn(local.toISODate()!, hours, exceptions).some(
    (p) => minute >= p.opens && minute < p.closes,
  );
}

/** The shop's local date "yyyy-MM-dd" at `now`. */
export function localDateAt(timeZone: string, now: number): string {
  return DateTime.fromMillis(now, { zone: timeZone }).toISODate()!;
}

/** The shop's local date and time at `now`, as "yyyy-MM-dd HH:mm" with the zone's abbreviation. */
export function localTimeAt(timeZone: string, now: number): string {
  return DateTime.fromMillis(now, { zone: timeZone }).toFormat('yyyy-MM-dd HH:mm ZZZZ');
}

export type { Weekday, DayHours };
