import { DateTime } from 'luxon';
import type { Kysely } from 'kysely';
import type { Database } from '../platform/db/schema.ts';
import type { Unit } from '../platform/db/writer.ts';
import type { Actor } from '../platform/events/event.ts';
import { Invalid, NotFound } from '../platform/errors.ts';
import type { ShopShift } from '../api-types/shop-floor.ts';
import type { Weekday } from '../api-types/shops.ts';
import { checkDate, checkPeriod, localDateAt, minutesOf, shopStepMinutes } from './shop-hours.ts';

/** The longest shift a person may be put on in one go. */
export const longestShiftMinutes = 12 * 60;

/** Which shifts `listShifts` returns: a shop's, or an advisor's across shops. */
export type ShiftFilter = { readonly shopId: number } | { readonly advisorId: number };

/** Shifts by weekday (weekly ones first), date and start, with the advisor's name. */
export async function listShifts(db: Kysely<Database>, filter: ShiftFilter): Promise<ShopShift[]> {
  let query = db
    .selectFrom('shop_shifts')
    .innerJoin('advisors', 'advisors.id', 'shop_shifts.advisor_id')
    .selectAll('shop_shifts')
    .select('advisors.name as advisor_name');
  query =
    'shopId' in filter
      ? query.where('shop_shifts.shop_id', '=', filter.shopId)
      : query.where('shop_shifts.advisor_id', '=', filter.advisorId);
  const rows = await query.execute();
  return rows
    .map((r): ShopShift => ({
      id: Number(r.id),
      shopId: Number(r.shop_id),
      advisorId: Number(r.advisor_id),
      advisorName: r.advisor_name,
      weekday: r.weekday === null ? null : (Number(r.weekday) as Weekday),
      date: r.date,
      starts: r.starts,
      ends: r.ends,
      deskId: r.desk_id === null ? null : Number(r.desk_id),
    }))
    .sort(
      (a, b) =>
        (a.weekday ?? 8) - (b.weekday ?? 8) ||
        (a.date ?? '').localeCompare(b.date ?? '') ||
        a.starts.localeCompare(b.starts) ||
        a.advisorName.localeCompare(b.advisorName),
    );
}

export interface ShiftFields {
  readonly advisorId: number;
  readonly weekday: Weekday | null;
  readonly date: string | null;
  readonly starts: string;
  readonly ends: string;
  readonly deskId: number | null;
}

/** The weekday a shift falls on: its own, or its date's. */
const dayOf = (s: Pick<ShiftFields, 'weekday' | 'date'>): number =>
  s.weekday ?? DateTime.fromISO(s.date!, { zone: 'utc' }).weekday;

/** Whether two shifts can be at the same time: same weekday or date, or a date on the weekday. */
function sameDay(
  a: Pick<ShiftFields, 'weekday' | 'date'>,
  b: Pick<ShiftFields, 'weekday' | 'date'>,
) {
  if (a.date !== null && b.date !== null) return a.date === b.date;
  return dayOf(a) === dayOf(b);
}

const overlaps = (
  a: Pick<ShiftFields, 'starts' | 'ends'>,
  b: Pick<ShiftFields, 'starts' | 'ends'>,
) =>
  (minutesOf(a.starts) ?? 0) < (minutesOf(b.ends) ?? 0) &&
  (minutesOf(b.starts) ?? 0) < (minutesOf(a.ends) ?? 0);

const whenOf = (s: Pick<ShiftFields, 'weekday' | 'date' | 'starts' | 'ends'>) =>
  `${s.date ?? ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'][(s.weekday ?? 1) - 1]} ${s.starts}–${s.ends}`;

/**
 * Checks a shift as it will be: weekly XOR dated (a real date, not past in the shop's time), times
 * on five-minute steps within one day and at most twelve hours; the person is active and works at
 * this shop, or has no shop and belongs to the shop's team (a supervisor covering); the desk is this
 * shop's and in service; neither the person nor the desk is on two shifts at once.
 */
async function checkShift(
  db: Kysely<Database>,
  shop: { id: number; time_zone: string; team_id: number | null },
  shift: ShiftFields,
  now: number,
  except: number | null,
): Promise<void> {
  if ((shift.weekday === null) === (shift.date === null))
    throw new Invalid('weekday', 'give a weekday for every week, or a date for once (not both)');
  if (shift.weekday !== null && (shift.weekday < 1 || shift.weekday > 7))
    throw new Invalid('weekday', 'must be 1 (Monday) to 7 (Sunday)');
  if (shift.date !== null) {
    checkDate(shift.date, 'date');
    if (shift.date < localDateAt(shop.time_zone, now))
      throw new Invalid('date', `is in the past in the shop's time (${shop.time_zone})`);
  }
  const period = checkPeriod(
    shift.starts,
    shift.ends,
    'shift',
    { opens: 'starts', closes: 'ends' },
    shopStepMinutes,
  );
  if (period.closes - period.opens > longestShiftMinutes)
    throw new Invalid('shift.ends', 'a shift lasts at most twelve hours');
  const advisor = await db
    .selectFrom('advisors')
    .select(['id', 'name', 'role', 'shop_id', 'team_id', 'active'])
    .where('id', '=', shift.advisorId)
    .executeTakeFirst();
  if (!advisor) throw new Invalid('advisorId', 'no such advisor');
  if (Number(advisor.active) !== 1) throw new Invalid('advisorId', `${advisor.name} is not active`);
  if (advisor.role === 'integration')
    throw new Invalid('advisorId', 'an integration works no shifts');
  const ownShop = advisor.shop_id === null ? null : Number(advisor.shop_id);
  if (ownShop !== shop.id) {
    if (ownShop !== null) {
      const other = await db
        .selectFrom('shops')
        .select('name')
        .where('id', '=', ownShop)
        .executeTakeFirst();
      throw new Invalid('advisorId', `${advisor.name} works at ${other?.name ?? 'another shop'}`);
    }
    // Without a shop of their own, a member of the shop's team (its supervisor, say) may cover.
    if (
      shop.team_id === null ||
      advisor.team_id === null ||
      Number(advisor.team_id) !== shop.team_id
    )
      throw new Invalid(
        'advisorId',
        `${advisor.name} neither works at this shop nor belongs to its team`,
      );
  }
  if (shift.deskId !== null) {
    const desk = await db
      .selectFrom('shop_desks')
      .select(['shop_id', 'active', 'name'])
      .where('id', '=', shift.deskId)
      .executeTakeFirst();
    if (!desk || Number(desk.shop_id) !== shop.id)
      throw new Invalid('deskId', 'no such desk in this shop');
    if (Number(desk.active) !== 1) throw new Invalid('deskId', `${desk.name} is out of service`);
  }
  const others = (
    await db
      .selectFrom('shop_shifts')
      .innerJoin('advisors', 'advisors.id', 'shop_shifts.advisor_id')
      .innerJoin('shops', 'shops.id', 'shop_shifts.shop_id')
      .selectAll('shop_shifts')
      .select(['advisors.name as advisor_name', 'shops.name as shop_name'])
      .where((eb) =>
        eb.or([
          eb('shop_shifts.advisor_id', '=', shift.advisorId),
          ...(shift.deskId !== null ? [eb('shop_shifts.desk_id', '=', shift.deskId)] : []),
        ]),
      )
      .execute()
  ).filter((o) => Number(o.id) !== except);
  for (const o of others) {
    const other = {
      weekday: o.weekday === null ? null : (Number(o.weekday) as Weekday),
      date: o.date,
      starts: o.starts,
      ends: o.ends,
    };
    if (!sameDay(shift, other) || !overlaps(shift, other)) continue;
    if (Number(o.advisor_id) === shift.advisorId)
      throw new Invalid(
        'starts',
        `${o.advisor_name} already works ${whenOf(other)} at ${o.shop_name}`,
      );
    throw new Invalid('deskId', `the desk is ${o.advisor_name}'s ${whenOf(other)}`);
  }
}

async function shopRow(db: Kysely<Database>, shopId: number) {
  const shop = await db
    .selectFrom('shops')
    .select(['id', 'time_zone', 'team_id'])
    .where('id', '=', shopId)
    .executeTakeFirst();
  if (!shop) throw new NotFound('shop');
  return {
    id: Number(shop.id),
    time_zone: shop.time_zone,
    team_id: shop.team_id === null ? null : Number(shop.team_id),
  };
}

async function shiftOf(db: Kysely<Database>, id: number): Promise<ShopShift> {
  const row = await db
    .selectFrom('shop_shifts')
    .select('shop_id')
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw new NotFound('shift');
  const shift = (await listShifts(db, { shopId: Number(row.shop_id) })).find((s) => s.id === id);
  if (!shift) throw new NotFound('shift');
  return shift;
}

/** Puts an advisor on a shift at a shop (local times in the shop's zone). */
export async function addShift(
  unit: Unit,
  shopId: number,
  input: ShiftFields,
  actor: Actor,
): Promise<ShopShift> {
  const shop = await shopRow(unit.db, shopId);
  await checkShift(unit.db, shop, input, unit.now, null);
  const row = await unit.db
    .insertInto('shop_shifts')
    .values({
      shop_id: shopId,
      advisor_id: input.advisorId,
      weekday: input.weekday,
      date: input.date,
      starts: input.starts,
      ends: input.ends,
      desk_id: input.deskId,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const shift = await shiftOf(unit.db, Number(row.id));
  await unit.record({
    type: 'shop.shift-added',
    actor,
    entity: { type: 'shop_shift', id: shift.id },
    scope: { shopId, teamId: shop.team_id },
    after: shift,
  });
  return shift;
}

/** Moves a shift to other times, another day or desk, or gives it to another advisor. */
export async function updateShift(
  unit: Unit,
  id: number,
  changes: Partial<ShiftFields>,
  actor: Actor,
): Promise<ShopShift> {
  const before = await shiftOf(unit.db, id);
  const shop = await shopRow(unit.db, before.shopId);
  const next: ShiftFields = {
    advisorId: changes.advisorId ?? before.advisorId,
    // A weekly shift turned into a dated one (or back) names the one it becomes.
    weekday:
      changes.weekday !== undefined
        ? changes.weekday
        : changes.date !== undefined && changes.date !== null
          ? null
          : before.weekday,
    date:
      changes.date !== undefined
        ? changes.date
        : changes.weekday !== undefined && changes.weekday !== null
          ? null
          : before.date,
    starts: changes.starts ?? before.starts,
    ends: changes.ends ?? before.ends,
    deskId: changes.deskId !== undefined ? changes.deskId : before.deskId,
  };
  await checkShift(unit.db, shop, next, unit.now, id);
  await unit.db
    .updateTable('shop_shifts')
    .set({
      advisor_id: next.advisorId,
      weekday: next.weekday,
      date: next.date,
      starts: next.starts,
      ends: next.ends,
      desk_id: next.deskId,
    })
    .where('id', '=', id)
    .execute();
  const after = await shiftOf(unit.db, id);
  await unit.record({
    type: 'shop.shift-updated',
    actor,
    entity: { type: 'shop_shift', id },
    scope: { shopId: shop.id, teamId: shop.team_id },
    before,
    after,
  });
  return after;
}

/** Takes a shift off the rota. */
export async function removeShift(unit: Unit, id: number, actor: Actor): Promise<void> {
  const before = await shiftOf(unit.db, id);
  const shop = await shopRow(unit.db, before.shopId);
  await unit.db.deleteFrom('shop_shifts').where('id', '=', id).execute();
  await unit.record({
    type: 'shop.shift-removed',
    actor,
    entity: { type: 'shop_shift', id },
    scope: { shopId: shop.id, teamId: shop.team_id },
    before,
  });
}
