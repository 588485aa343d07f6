/**
 * Business time: the clock of written channels runs only while the team works. A team's calendar is
 * its weekly hours (local times, several openings a day) and its dated holidays, in one time zone.
 * Pure functions over epoch milliseconds; luxon places each local opening on the UTC line, so a
 * day that springs forward is an hour shorter and one that falls back an hour longer.
 */
import { DateTime } from 'luxon';
import type { DayHours } from '../api-types/shops.ts';

/** When a team answers written contacts: weekly openings and closed dates, in its time zone. */
export interface BusinessCalendar {
  /** IANA zone of the local times and dates below. */
  readonly timeZone: string;
  /** Weekly openings (1 = Monday); a weekday without one is closed. No hours at all: always open. */
  readonly hours: readonly DayHours[];
  /** Local dates "yyyy-MM-dd" closed all day (public holidays, a team day out). */
  readonly holidays: readonly string[];
}

/** How far ahead an opening is looked for before a calendar counts as never open (two years). */
const searchDays = 731;

/** The UTC instant of a local "HH:MM" on a local day ("24:00" is the next midnight). */
function instantOf(day: DateTime, time: string): number {
  const [hour, minute] = time.split(':').map(Number);
  if (hour === 24) return day.plus({ days: 1 }).startOf('day').toMillis();
  return day.set({ hour: hour ?? 0, minute: minute ?? 0, second: 0, millisecond: 0 }).toMillis();
}

/** The openings of one local day as UTC intervals, in order (none on a holiday or a closed weekday). */
function openingsOf(day: DateTime, calendar: BusinessCalendar): Array<[number, number]> {
  const date = day.toISODate();
  if (date !== null && calendar.holidays.includes(date)) return [];
  return calendar.hours
    .filter((h) => h.weekday === day.weekday)
    .map((h): [number, number] => [instantOf(day, h.opens), instantOf(day, h.closes)])
    .filter(([opens, closes]) => closes > opens)
    .sort((a, b) => a[0] - b[0]);
}

/** Midnight of the local day holding `at`. */
function localDay(at: number, timeZone: string): DateTime {
  return DateTime.fromMillis(at, { zone: timeZone }).startOf('day');
}

/**
 * The instant `seconds` of business time after `start`: the clock stands still outside the
 * calendar's openings and on its holidays (an email at Friday 17:00 with 8 h to go, Monday to
 * Friday 09:00–17:00, is due Monday 17:00). A calendar without hours counts every second.
 */
export function addBusinessSeconds(
  start: number,
  seconds: number,
  calendar: BusinessCalendar,
): number {
  if (calendar.hours.length === 0) return start + seconds * 1000;
  let remaining = Math.max(0, seconds * 1000);
  let day = localDay(start, calendar.timeZone);
  for (let i = 0; i < searchDays; i++, day = day.plus({ days: 1 }).startOf('day')) {
    for (const [opens, closes] of openingsOf(day, calendar)) {
      const from = Math.max(opens, start);
      if (closes <= from) continue;
      if (remaining <= closes - from) return from + remaining;
      remaining -= closes - from;
    }
  }
  throw new Error('the calendar has no opening within two years');
}

/**
 * How many seconds of business time lie between `start` and `end` (0 when `end` is not after
 * `start`): the wait a written contact is judged by. A calendar without hours counts every second.
 */
export function businessSecondsBetween(
  start: number,
  end: number,
  calendar: BusinessCalendar,
): number {
  if (end <= start) return 0;
  if (calendar.hours.length === 0) return (end - start) / 1000;
  let total = 0;
  const last = localDay(end, calendar.timeZone).toMillis();
  for (
    let day = localDay(start, calendar.timeZone);
    day.toMillis() <= last;
    day = day.plus({ days: 1 }).startOf('day')
  ) {
    for (const [opens, closes] of openingsOf(day, calendar)) {
      const from = Math.max(opens, start);
      const to = Math.min(closes, end);
      if (to > from) total += to - from;
    }
  }
  return total / 1000;
}
