import type { Kysely } from 'kysely';
import type { Database } from '../platform/db/schema.ts';
import { NotFound } from '../platform/errors.ts';
import {
  mergeIntervals,
  openingsOn,
  shiftsOn,
  type DayException,
  type Interval,
  type Shift,
  type ShiftInterval,
  type WeeklyPeriod,
} from './calendar.ts';

/**
 * Free appointment slots (pure, with one loader): a slot is free when, for its whole held span
 * (the service's duration plus its buffer), the shop is open, an advisor with every skill the
 * service needs is on shift and not busy, and a desk is free (the shift's own desk when it names
 * one). Busy means a claimed cell (another appointment) or a reservation (a walk-in being served,
 * a repair's bench time, staff time). Slots start at each opening's start and then every
 * `gridMinutes` (15 by default) on the shop's wall clock.
 */

/** The grid slots start on, minutes after an opening's start. */
export const defaultGridMinutes = 15;

/** The length of a claim cell (`shop_claims.cell_at` are multiples of it, UTC). */
export const cellMs = 5 * 60_000;

/** Everything the slot rules read about one shop over a range of dates. */
export interface ShopCalendar {
  readonly shopId: number;
  readonly timeZone: string;
  readonly week: readonly WeeklyPeriod[];
  readonly exceptions: readonly DayException[];
  /** The shop's active desks. */
  readonly deskIds: readonly number[];
  readonly shifts: readonly Shift[];
  /** Each advisor's skills (advisors.skills). */
  readonly skills: ReadonlyMap<number, readonly string[]>;
  /** Busy spans by resource ('desk:<id>' / 'advisor:<id>'), sorted and merged. */
  readonly busy: ReadonlyMap<string, readonly Interval[]>;
}

/** A bookable service, as the slot rules need it. */
export interface SlotService {
  readonly id: number;
  readonly durationMinutes: number;
  readonly bufferMinutes: number;
  readonly skills: readonly string[];
}

/** A free slot: the appointment's span, and who and where would serve it. */
export interface FreeSlot {
  readonly startsAt: number;
  readonly endsAt: number;
  /** The end of the span held on the desk and advisor (the buffer after the appointment). */
  readonly heldUntil: number;
  readonly advisorId: number;
  readonly deskId: number;
}

/** One local date of a shop, worked out once for every service asked about. */
export interface DayPlan {
  readonly date: string;
  readonly openings: readonly Interval[];
  readonly shifts: readonly ShiftInterval[];
}

/** Works out the openings and shifts of each date once (shared by every service). */
export function planDays(calendar: ShopCalendar, dates: readonly string[]): DayPlan[] {
  return dates.map((date) => ({
    date,
    openings: openingsOn(date, calendar.timeZone, calendar.week, calendar.exceptions),
    shifts: shiftsOn(date, calendar.timeZone, calendar.shifts),
  }));
}

/** Builds the busy map from claimed cells and reservations. */
export function busyFrom(
  cells: ReadonlyArray<{ readonly resource: string; readonly cellAt: number }>,
  reservations: ReadonlyArray<{
    readonly advisorId: number | null;
    readonly deskId: number | null;
    readonly start: number;
    readonly end: number;
  }>,
): Map<string, Interval[]> {
  const raw = new Map<string, Interval[]>();
  const add = (resource: string, interval: Interval) => {
    const list = raw.get(resource);
    if (list) list.push(interval);
    else raw.set(resource, [interval]);
  };
  for (const c of cells) add(c.resource, { start: c.cellAt, end: c.cellAt + cellMs });
  for (const r of reservations) {
    if (r.advisorId !== null) add(`advisor:${r.advisorId}`, { start: r.start, end: r.end });
    if (r.deskId !== null) add(`desk:${r.deskId}`, { start: r.start, end: r.end });
  }
  const busy = new Map<string, Interval[]>();
  for (const [resource, list] of raw) busy.set(resource, mergeIntervals(list));
  return busy;
}

/** Whether a sorted, merged list of busy spans leaves [start, end) free (binary search). */
function isFree(busy: readonly Interval[] | undefined, start: number, end: number): boolean {
  if (!busy || busy.length === 0) return true;
  let low = 0;
  let high = busy.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (busy[mid]!.end <= start) low = mid + 1;
    else high = mid;
  }
  return low === busy.length || busy[low]!.start >= end;
}

/** Whether an advisor's skills cover a service's. */
export function hasSkills(advisorSkills: readonly string[] | undefined, needed: readonly string[]) {
  return needed.every((s) => advisorSkills?.includes(s) ?? false);
}

/**
 * The free slots of one service over planned days, starting after `now`, in time order. Each slot
 * names the first advisor (in shift order) and desk that can take it; a booking claims those.
 */
export function openSlots(
  calendar: ShopCalendar,
  days: readonly DayPlan[],
  service: SlotService,
  options: { readonly now: number; readonly gridMinutes?: number; readonly limitPerDay?: number },
): FreeSlot[] {
  const grid = (options.gridMinutes ?? defaultGridMinutes) * 60_000;
  const duration = service.durationMinutes * 60_000;
  const held = (service.durationMinutes + service.bufferMinutes) * 60_000;
  // Each resource's busy list is looked up once per call, not once per candidate start.
  const desks: Taker[] = calendar.deskIds.map((deskId) => ({
    advisorId: 0,
    deskId,
    start: 0,
    end: 0,
    advisorBusy: undefined,
    deskBusy: calendar.busy.get(`desk:${deskId}`),
  }));
  const slots: FreeSlot[] = [];
  for (const day of days) {
    const takers: Taker[] = [];
    for (const s of day.shifts) {
      if (!hasSkills(calendar.skills.get(s.advisorId), service.skills)) continue;
      if (s.deskId !== null && !calendar.deskIds.includes(s.deskId)) continue;
      takers.push({
        advisorId: s.advisorId,
        deskId: s.deskId,
        start: s.start,
        end: s.end,
        advisorBusy: calendar.busy.get(`advisor:${s.advisorId}`),
        deskBusy: s.deskId === null ? undefined : calendar.busy.get(`desk:${s.deskId}`),
      });
    }
    if (takers.length === 0) continue;
    let found = 0;
    for (const opening of day.openings) {
      for (let start = opening.start; start + held <= opening.end; start += grid) {
        if (start < options.now) continue;
        const end = start + held;
        let advisorId = 0;
        let deskId = 0;
        // Plain index loops: this is the hot path (no closures or iterators per candidate start).
        for (let i = 0; i < takers.length && advisorId === 0; i++) {
          const t = takers[i]!;
          if (t.start > start || t.end < end || !isFree(t.advisorBusy, start, end)) continue;
          if (t.deskId !== null) {
            if (!isFree(t.deskBusy, start, end)) continue;
            deskId = t.deskId;
            advisorId = t.advisorId;
            continue;
          }
          for (let d = 0; d < desks.length; d++)
            if (isFree(desks[d]!.deskBusy, start, end)) {
              deskId = desks[d]!.deskId!;
              advisorId = t.advisorId;
              break;
            }
        }
        if (advisorId === 0) continue;
        slots.push({
          startsAt: start,
          endsAt: start + duration,
          heldUntil: end,
          advisorId,
          deskId,
        });
        if (options.limitPerDay && ++found >= options.limitPerDay) break;
      }
    }
  }
  return slots;
}

/** An advisor's shift (or a desk) that could take a slot, with its busy lists looked up. */
interface Taker {
  readonly advisorId: number;
  readonly deskId: number | null;
  readonly start: number;
  readonly end: number;
  readonly advisorBusy: readonly Interval[] | undefined;
  readonly deskBusy: readonly Interval[] | undefined;
}

/** The free slot starting exactly at `startsAt`, or null (the slot is taken, closed or off-grid). */
export function slotAt(
  calendar: ShopCalendar,
  days: readonly DayPlan[],
  service: SlotService,
  startsAt: number,
  options: { readonly now: number; readonly gridMinutes?: number },
): FreeSlot | null {
  return openSlots(calendar, days, service, options).find((s) => s.startsAt === startsAt) ?? null;
}

/** The claim cells a held span covers (five-minute cells, UTC). */
export function cellsOf(start: number, end: number): number[] {
  const cells: number[] = [];
  for (let at = Math.floor(start / cellMs) * cellMs; at < end; at += cellMs) cells.push(at);
  return cells;
}

const parseSkills = (json: string): string[] => {
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) ? value.filter((s): s is string => typeof s === 'string') : [];
  } catch {
    return [];
  }
};

/** A service of the catalogue as the slot rules read it. */
export async function loadSlotService(
  db: Kysely<Database>,
  serviceId: number,
): Promise<
  SlotService & { readonly name: string; readonly bookable: boolean; readonly active: boolean }
> {
  const row = await db
    .selectFrom('shop_services')
    .selectAll()
    .where('id', '=', serviceId)
    .executeTakeFirst();
  if (!row) throw new NotFound('service');
  return {
    id: row.id,
    name: row.name,
    durationMinutes: row.duration_minutes,
    bufferMinutes: row.buffer_minutes,
    skills: parseSkills(row.skills),
    bookable: row.bookable === 1,
    active: row.active === 1,
  };
}

/**
 * Reads one shop's calendar for the instants [from, to): hours, exceptions, active desks, shifts,
 * the advisors' skills, claimed cells and reservations. `except` leaves out one owner's claims (an
 * appointment being moved does not block itself).
 */
export async function loadShopCalendar(
  db: Kysely<Database>,
  shopId: number,
  from: number,
  to: number,
  except?: { readonly ownerType: string; readonly ownerId: number },
): Promise<ShopCalendar> {
  const shop = await db
    .selectFrom('shops')
    .select(['id', 'time_zone'])
    .where('id', '=', shopId)
    .executeTakeFirst();
  if (!shop) throw new NotFound('shop');
  const [hours, exceptions, desks, shifts] = await Promise.all([
    db.selectFrom('shop_hours').selectAll().where('shop_id', '=', shopId).execute(),
    db.selectFrom('shop_exceptions').selectAll().where('shop_id', '=', shopId).execute(),
    db
      .selectFrom('shop_desks')
      .select('id')
      .where('shop_id', '=', shopId)
      .where('active', '=', 1)
      .orderBy('id')
      .execute(),
    db
      .selectFrom('shop_shifts')
      .innerJoin('advisors', 'advisors.id', 'shop_shifts.advisor_id')
      .select([
        'shop_shifts.advisor_id',
        'shop_shifts.weekday',
        'shop_shifts.date',
        'shop_shifts.starts',
        'shop_shifts.ends',
        'shop_shifts.desk_id',
        'advisors.skills',
      ])
      .where('shop_shifts.shop_id', '=', shopId)
      .where('advisors.active', '=', 1)
      .orderBy('shop_shifts.id')
      .execute(),
  ]);
  const deskIds = desks.map((d) => Number(d.id));
  const advisorIds = [...new Set(shifts.map((s) => Number(s.advisor_id)))];
  const resources = [
    ...deskIds.map((id) => `desk:${id}`),
    ...advisorIds.map((id) => `advisor:${id}`),
  ];
  const [cells, reservations] = await Promise.all([
    resources.length === 0
      ? Promise.resolve([])
      : db
          .selectFrom('shop_claims')
          .select(['resource', 'cell_at', 'owner_type', 'owner_id'])
          .where('resource', 'in', resources)
          .where('cell_at', '>=', from - cellMs)
          .where('cell_at', '<', to)
          .execute(),
    db
      .selectFrom('shop_reservations')
      .select(['advisor_id', 'desk_id', 'starts_at', 'ends_at'])
      .where((eb) =>
        advisorIds.length > 0
          ? eb.or([eb('shop_id', '=', shopId), eb('advisor_id', 'in', advisorIds)])
          : eb('shop_id', '=', shopId),
      )
      .where('ends_at', '>', from)
      .where('starts_at', '<', to)
      .execute(),
  ]);
  return {
    shopId,
    timeZone: shop.time_zone,
    week: hours.map((h) => ({ weekday: h.weekday, opens: h.opens, closes: h.closes })),
    exceptions: exceptions.map((e) => ({ date: e.date, opens: e.opens, closes: e.closes })),
    deskIds,
    shifts: shifts.map((s) => ({
      advisorId: Number(s.advisor_id),
      weekday: s.weekday,
      date: s.date,
      starts: s.starts,
      ends: s.ends,
      deskId: s.desk_id === null ? null : Number(s.desk_id),
    })),
    skills: new Map(shifts.map((s) => [Number(s.advisor_id), parseSkills(s.skills)])),
    busy: busyFrom(
      cells
        .filter(
          (c) =>
            !except || c.owner_type !== except.ownerType || Number(c.owner_id) !== except.ownerId,
        )
        .map((c) => ({ resource: c.resource, cellAt: Number(c.cell_at) })),
      reservations.map((r) => ({
        advisorId: r.advisor_id === null ? null : Number(r.advisor_id),
        deskId: r.desk_id === null ? null : Number(r.desk_id),
        start: Number(r.starts_at),
        end: Number(r.ends_at),
      })),
    ),
  };
}
