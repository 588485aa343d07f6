/**
 * The chat's opening hours and whether someone can answer now: within the account's `hours` (in its
 * own time zone) and at least one advisor on shift who takes chats. The week's rules are the shops'
 * (`shops/shop-hours.ts`: "HH:MM", one opening a day, judged on the zone's wall clock).
 */
import { DateTime } from 'luxon';
import type { Kysely } from 'kysely';
import type { Context } from '../../platform/context.ts';
import type { Database } from '../../platform/db/schema.ts';
import { Invalid } from '../../platform/errors.ts';
import {
  checkTimeZone,
  checkWeeklyHours,
  isOpenAt,
  minutesOf,
  type DayHours,
} from '../../shops/shop-hours.ts';
import { loadAdvisors } from '../../routing/advisor-load.ts';
import { DEFAULT_ROUTING_OPTIONS } from '../../routing/types.ts';

/** A chat account's week: its time zone and at most one opening per weekday. */
export interface ChatHours {
  readonly timeZone: string;
  readonly days: readonly DayHours[];
}

const weekdays = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

/**
 * Reads the account's `hours` setting (`{"timeZone":"Europe/Amsterdam","days":{"mon":["09:00",
 * "17:00"],…}}`); empty means always open (null). A malformed one is refused naming the field.
 */
export function parseChatHours(setting: unknown): ChatHours | null {
  if (setting === undefined || setting === null || setting === '') return null;
  let value: unknown;
  try {
    value = typeof setting === 'string' ? JSON.parse(setting) : setting;
  } catch {
    throw new Invalid('settings.hours', 'is not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new Invalid('settings.hours', 'must be an object with timeZone and days');
  const { timeZone, days } = value as { timeZone?: unknown; days?: unknown };
  if (typeof timeZone !== 'string') throw new Invalid('settings.hours.timeZone', 'is required');
  if (typeof days !== 'object' || days === null || Array.isArray(days))
    throw new Invalid('settings.hours.days', 'must map mon…sun to ["HH:MM", "HH:MM"]');
  const week: DayHours[] = [];
  for (const [name, span] of Object.entries(days)) {
    const index = (weekdays as readonly string[]).indexOf(name);
    if (index < 0) throw new Invalid(`settings.hours.days.${name}`, 'is not mon, tue … sun');
    if (
      !Array.isArray(span) ||
      span.length !== 2 ||
      typeof span[0] !== 'string' ||
      typeof span[1] !== 'string'
    )
      throw new Invalid(`settings.hours.days.${name}`, 'must be ["HH:MM", "HH:MM"]');
    week.push({ weekday: (index + 1) as DayHours['weekday'], opens: span[0], closes: span[1] });
  }
  return {
    timeZone: checkTimeZone(timeZone, 'settings.hours.timeZone'),
    days: checkWeeklyHours(week, 'settings.hours.days'),
  };
}

/** Within the hours at `now` (always, when none are set). */
export function withinHours(hours: ChatHours | null, now: number): boolean {
  return hours === null || isOpenAt(hours.timeZone, hours.days, now);
}

/**
 * When the next opening after `now` begins (UTC ms), on the zone's wall clock (a day that skips the
 * opening's hour for daylight saving opens at the next valid minute); null with no hours, or none.
 */
export function nextOpening(hours: ChatHours | null, now: number): number | null {
  if (hours === null || hours.days.length === 0) return null;
  const today = DateTime.fromMillis(now, { zone: hours.timeZone }).startOf('day');
  for (let ahead = 0; ahead <= 7; ahead++) {
    const day = today.plus({ days: ahead });
    const opening = hours.days.find((d) => d.weekday === day.weekday);
    if (!opening) continue;
    const minutes = minutesOf(opening.opens)!;
    const at = day.set({ hour: Math.floor(minutes / 60), minute: minutes % 60 }).toMillis();
    if (at > now) return at;
  }
  return null;
}

/** Someone can answer the chat now, and if not, when the next opening begins. */
export interface ChatAvailability {
  readonly online: boolean;
  /** ISO time of the next opening when offline; null when online or no hours are set. */
  readonly nextOpenAt: string | null;
  /** Within the account's hours now. */
  readonly withinHours: boolean;
  /** Chat capacity slots of the advisors on shift who may take this account's chats. */
  readonly slotsOnShift: number;
}

/** Chat slots of the advisors on shift (available or busy) who may take chats of the account's team. */
export async function chatSlotsOnShift(
  db: Kysely<Database>,
  teamId: number | null,
  now: number,
): Promise<number> {
  const advisors = await loadAdvisors(db, now, DEFAULT_ROUTING_OPTIONS.occupancyWindowMs);
  return advisors
    .filter((a) => teamId === null || a.skills.includes(`team:${teamId}`))
    .reduce((sum, a) => sum + a.capacity.chat, 0);
}

/**
 * Whether the widget shows the chat or the offline form: online within the account's hours with at
 * least one chat advisor of its team on shift. A malformed `hours` setting counts as always open
 * (logged): the advisors on shift still decide, and no visitor is turned away by a typo.
 */
export async function chatAvailability(
  ctx: Pick<Context, 'store' | 'logger'>,
  account: { readonly id: number; readonly settings: Readonly<Record<string, unknown>> },
  now: number,
): Promise<ChatAvailability> {
  let hours: ChatHours | null = null;
  try {
    hours = parseChatHours(account.settings.hours);
  } catch (error) {
    ctx.logger.warn({ err: error, accountId: account.id }, 'chat account hours unreadable');
  }
  const row = await ctx.store.read
    .selectFrom('channel_accounts')
    .select('team_id')
    .where('id', '=', account.id)
    .executeTakeFirst();
  const teamId = row?.team_id == null ? null : Number(row.team_id);
  const open = withinHours(hours, now);
  const slotsOnShift = await chatSlotsOnShift(ctx.store.read, teamId, now);
  const online = open && slotsOnShift > 0;
  const next = online ? null : nextOpening(hours, now);
  return {
    online,
    nextOpenAt: next === null ? null : new Date(next).toISOString(),
    withinHours: open,
    slotsOnShift,
  };
}
