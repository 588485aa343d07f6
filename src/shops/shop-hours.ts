import { DateTime, IANAZone } from 'luxon';
import { Invalid } from '../platform/errors.ts';
import type { Weekday, DayHours } from '../api-types/shops.ts';

/** A shop's week: at most one opening per weekday; a weekday without one is closed. */
export type WeeklyHours = readonly DayHours[];

const clock = /^([01]\d|2[0-3]):([0-5]\d)$/;

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

/** Checks a week of hours: valid times, opening before closing, each weekday once; sorted by weekday. */
export function checkWeeklyHours(hours: WeeklyHours, field = 'hours'): DayHours[] {
  const seen = new Set<number>();
  hours.forEach((day, i) => {
    if (!Number.isInteger(day.weekday) || day.weekday < 1 || day.weekday > 7)
      throw new Invalid(`${field}[${i}].weekday`, 'must be 1 (Monday) to 7 (Sunday)');
    if (seen.has(day.weekday))
      throw new Invalid(`${field}[${i}].weekday`, 'appears twice: one opening per day');
    seen.add(day.weekday);
    const opens = minutesOf(day.opens);
    const closes = minutesOf(day.closes);
    if (opens === null || opens === 24 * 60)
      throw new Invalid(`${field}[${i}].opens`, 'must be a time HH:MM from 00:00 to 23:59');
    if (closes === null) throw new Invalid(`${field}[${i}].closes`, 'must be a time HH:MM');
    if (closes <= opens) throw new Invalid(`${field}[${i}].closes`, 'must be after the opening');
  });
  return [...hours].sort((a, b) => a.weekday - b.weekday);
}

/** Whether the shop is open at `now` (UTC ms), judged on the wall clock of its own time zone (pure). */
export function isOpenAt(timeZone: string, hours: WeeklyHours, now: number): boolean {
  const local = DateTime.fromMillis(now, { zone: timeZone });
  const day = hours.find((h) => h.weekday === local.weekday);
  if (!day) return false;
  const minute = local.hour * 60 + local.minute;
  return minute >= (minutesOf(day.opens) ?? Infinity) && minute < (minutesOf(day.closes) ?? 0);
}

/** The shop's local date and time at `now`, as "yyyy-MM-dd HH:mm" with the zone's abbreviation. */
export function localTimeAt(timeZone: string, now: number): string {
  return DateTime.fromMillis(now, { zone: timeZone }).toFormat('yyyy-MM-dd HH:mm ZZZZ');
}

export type { Weekday, DayHours };
