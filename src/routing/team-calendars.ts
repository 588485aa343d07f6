/**
 * Team calendars: the weekly hours and holidays a team answers written contacts in (migration 0350).
 * Routing reads them when it sets a written item's deadline (`queueWork`); the admin replaces one
 * whole calendar at a time.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../platform/db/schema.ts';
import type { Unit } from '../platform/db/writer.ts';
import type { Actor } from '../platform/events/event.ts';
import { Invalid, NotFound } from '../platform/errors.ts';
import { checkDate, checkTimeZone, checkWeeklyHours } from '../shops/shop-hours.ts';
import type { Weekday } from '../api-types/shops.ts';
import type { TeamCalendar, TeamHoliday } from '../api-types/routing.ts';
import type { BusinessCalendar } from './business-time.ts';

/** What an administrator saves: the zone, the week and the holidays, all at once. */
export interface TeamCalendarInput {
  readonly timeZone: string;
  readonly hours: TeamCalendar['hours'];
  readonly holidays: readonly TeamHoliday[];
}

/** A team's calendar, or its empty default (24 × 7 in `centreTimeZone`) before one is saved. */
export async function getTeamCalendar(
  db: Kysely<Database>,
  teamId: number,
  centreTimeZone: string,
): Promise<TeamCalendar> {
  const team = await db
    .selectFrom('teams')
    .select('id')
    .where('id', '=', teamId)
    .executeTakeFirst();
  if (!team) throw new NotFound('team');
  const [calendar, hours, holidays] = await Promise.all([
    db.selectFrom('team_calendars').selectAll().where('team_id', '=', teamId).executeTakeFirst(),
    db
      .selectFrom('team_hours')
      .selectAll()
      .where('team_id', '=', teamId)
      .orderBy('weekday')
      .orderBy('opens')
      .execute(),
    db
      .selectFrom('team_holidays')
      .selectAll()
      .where('team_id', '=', teamId)
      .orderBy('date')
      .execute(),
  ]);
  return {
    teamId,
    timeZone: calendar?.time_zone ?? centreTimeZone,
    hours: hours.map((h) => ({ weekday: h.weekday as Weekday, opens: h.opens, closes: h.closes })),
    holidays: holidays.map((h) => ({ date: h.date, name: h.name })),
    saved: calendar !== undefined,
  };
}

/**
 * The calendar a team's written clocks count in, for routing: undefined when the team has no
 * saved hours (its clocks run 24 × 7).
 */
export async function businessCalendarOf(
  db: Kysely<Database>,
  teamId: number | null,
): Promise<BusinessCalendar | undefined> {
  if (teamId === null) return undefined;
  const calendar = await db
    .selectFrom('team_calendars')
    .select('time_zone')
    .where('team_id', '=', teamId)
    .executeTakeFirst();
  if (!calendar) return undefined;
  const [hours, holidays] = await Promise.all([
    db.selectFrom('team_hours').selectAll().where('team_id', '=', teamId).execute(),
    db.selectFrom('team_holidays').select('date').where('team_id', '=', teamId).execute(),
  ]);
  if (hours.length === 0) return undefined;
  return {
    timeZone: calendar.time_zone,
    hours: hours.map((h) => ({ weekday: h.weekday as Weekday, opens: h.opens, closes: h.closes })),
    holidays: holidays.map((h) => h.date),
  };
}

/**
 * The calendars of several teams at once (three queries, whatever their number), for the wall:
 * only teams with saved hours appear; the others' written clocks run 24 × 7.
 */
export async function businessCalendarsOf(
  db: Kysely<Database>,
  teamIds: Iterable<number>,
): Promise<Map<number, BusinessCalendar>> {
  const ids = [...new Set(teamIds)];
  const calendars = new Map<number, BusinessCalendar>();
  if (ids.length === 0) return calendars;
  const [zones, hours, holidays] = await Promise.all([
    db
      .selectFrom('team_calendars')
      .select(['team_id', 'time_zone'])
      .where('team_id', 'in', ids)
      .execute(),
    db.selectFrom('team_hours').selectAll().where('team_id', 'in', ids).execute(),
    db
      .selectFrom('team_holidays')
      .select(['team_id', 'date'])
      .where('team_id', 'in', ids)
      .execute(),
  ]);
  for (const zone of zones) {
    const teamId = Number(zone.team_id);
    const week = hours.filter((h) => Number(h.team_id) === teamId);
    if (week.length === 0) continue;
    calendars.set(teamId, {
      timeZone: zone.time_zone,
      hours: week.map((h) => ({ weekday: h.weekday as Weekday, opens: h.opens, closes: h.closes })),
      holidays: holidays.filter((h) => Number(h.team_id) === teamId).map((h) => h.date),
    });
  }
  return calendars;
}

/** Replaces a team's calendar (zone, weekly hours, holidays); audited with before and after. */
export async function setTeamCalendar(
  unit: Unit,
  teamId: number,
  input: TeamCalendarInput,
  actor: Actor,
  centreTimeZone: string,
): Promise<TeamCalendar> {
  const timeZone = checkTimeZone(input.timeZone);
  const hours = checkWeeklyHours(input.hours);
  const seen = new Set<string>();
  const holidays = input.holidays.map((holiday, i) => {
    checkDate(holiday.date, `holidays[${i}].date`);
    const name = holiday.name.trim();
    if (!name) throw new Invalid(`holidays[${i}].name`, 'must not be blank: say what the day is');
    if (seen.has(holiday.date)) throw new Invalid(`holidays[${i}].date`, 'is already a holiday');
    seen.add(holiday.date);
    return { date: holiday.date, name };
  });
  const before = await getTeamCalendar(unit.db, teamId, centreTimeZone);
  await unit.db.deleteFrom('team_hours').where('team_id', '=', teamId).execute();
  await unit.db.deleteFrom('team_holidays').where('team_id', '=', teamId).execute();
  await unit.db
    .insertInto('team_calendars')
    .values({ team_id: teamId, time_zone: timeZone, updated_at: unit.now })
    .onConflict((oc) =>
      oc.column('team_id').doUpdateSet({ time_zone: timeZone, updated_at: unit.now }),
    )
    .execute();
  if (hours.length > 0)
    await unit.db
      .insertInto('team_hours')
      .values(hours.map((h) => ({ team_id: teamId, ...h })))
      .execute();
  if (holidays.length > 0)
    await unit.db
      .insertInto('team_holidays')
      .values(holidays.map((h) => ({ team_id: teamId, ...h })))
      .execute();
  const after: TeamCalendar = { teamId, timeZone, hours, holidays, saved: true };
  await unit.record({
    type: 'team.calendar-changed',
    actor,
    entity: { type: 'team', id: teamId },
    before,
    after,
  });
  return after;
}
