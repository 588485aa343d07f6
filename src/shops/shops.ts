import type { Kysely } from 'kysely';
import type { Database } from '../platform/db/schema.ts';
import type { Unit } from '../platform/db/writer.ts';
import type { Actor } from '../platform/events/event.ts';
import { Conflict, Invalid, NotFound } from '../platform/errors.ts';
import {
  checkTimeZone,
  checkWeeklyHours,
  isOpenAt,
  localDateAt,
  localTimeAt,
  shopStepMinutes,
  type DayHours,
  type Weekday,
  type WeeklyHours,
} from './shop-hours.ts';
import type { Shop, ShopDesk, ShopException } from '../api-types/shops.ts';

/**
 * Every shop (or those of `only`) with its hours, exceptions from its own today on, desks and
 * offered services, judged open or closed at `now`.
 */
export async function listShops(
  db: Kysely<Database>,
  now: number,
  only?: readonly number[],
): Promise<Shop[]> {
  if (only && only.length === 0) return [];
  // One shop's page reads only its own rows; the list reads every shop's at once.
  const [shops, hours, exceptions, desks, offered] = await Promise.all([
    db
      .selectFrom('shops')
      .selectAll()
      .$if(only !== undefined, (q) => q.where('id', 'in', only!))
      .orderBy('name')
      .execute(),
    db
      .selectFrom('shop_hours')
      .selectAll()
      .$if(only !== undefined, (q) => q.where('shop_id', 'in', only!))
      .orderBy('weekday')
      .orderBy('opens')
      .execute(),
    db
      .selectFrom('shop_exceptions')
      .selectAll()
      .$if(only !== undefined, (q) => q.where('shop_id', 'in', only!))
      // Yesterday in the earliest zone is before today everywhere: the exact cut is per shop below.
      .where('date', '>=', localDateAt('Etc/GMT+12', now - 86_400_000))
      .orderBy('date')
      .orderBy('opens')
      .execute(),
    db
      .selectFrom('shop_desks')
      .selectAll()
      .$if(only !== undefined, (q) => q.where('shop_id', 'in', only!))
      // In the order they were set up: "Desk 2" before "Desk 10".
      .orderBy('id')
      .execute(),
    db
      .selectFrom('shop_offered_services')
      .selectAll()
      .$if(only !== undefined, (q) => q.where('shop_id', 'in', only!))
      .orderBy('service_id')
      .execute(),
  ]);
  return shops.map((s) => {
    const id = Number(s.id);
    const week: DayHours[] = hours
      .filter((h) => Number(h.shop_id) === id)
      .map((h) => ({ weekday: h.weekday as Weekday, opens: h.opens, closes: h.closes }));
    const today = localDateAt(s.time_zone, now);
    const dated: ShopException[] = exceptions
      .filter((e) => Number(e.shop_id) === id && e.date >= today)
      .map((e) => ({
        id: Number(e.id),
        date: e.date,
        opens: e.opens,
        closes: e.closes,
        reason: e.reason,
      }));
    const counters: ShopDesk[] = desks
      .filter((d) => Number(d.shop_id) === id)
      .map((d) => ({ id: Number(d.id), name: d.name, active: Number(d.active) === 1 }));
    return {
      id,
      name: s.name,
      city: s.city,
      address: s.address,
      postcode: s.postcode,
      latitude: s.latitude === null ? null : Number(s.latitude),
      longitude: s.longitude === null ? null : Number(s.longitude),
      timeZone: s.time_zone,
      teamId: s.team_id === null ? null : Number(s.team_id),
      hours: week,
      exceptions: dated,
      desks: counters,
      serviceIds: offered.filter((o) => Number(o.shop_id) === id).map((o) => Number(o.service_id)),
      openNow: isOpenAt(s.time_zone, week, now, dated),
      localTime: localTimeAt(s.time_zone, now),
    };
  });
}

/** One shop as the API shows it; NotFound when there is none. */
export async function getShop(db: Kysely<Database>, id: number, now: number): Promise<Shop> {
  const [shop] = await listShops(db, now, [id]);
  if (!shop) throw new NotFound('shop');
  return shop;
}

/** Where a shop is: latitude and longitude go together, in range. */
function checkPlace(fields: {
  latitude?: number | null | undefined;
  longitude?: number | null | undefined;
}): void {
  const { latitude, longitude } = fields;
  if (latitude === undefined && longitude === undefined) return;
  if (((latitude ?? null) === null) !== ((longitude ?? null) === null))
    throw new Invalid(
      latitude == null ? 'latitude' : 'longitude',
      'give both latitude and longitude, or neither',
    );
  if (latitude != null && (latitude < -90 || latitude > 90))
    throw new Invalid('latitude', 'must be between -90 and 90 degrees');
  if (longitude != null && (longitude < -180 || longitude > 180))
    throw new Invalid('longitude', 'must be between -180 and 180 degrees');
}

async function checkShopFields(
  db: Kysely<Database>,
  fields: { name?: string | undefined; teamId?: number | null | undefined },
  except: number | null,
): Promise<void> {
  if (fields.name !== undefined) {
    if (!fields.name.trim()) throw new Invalid('name', 'must not be blank');
    let query = db.selectFrom('shops').select('id').where('name', '=', fields.name.trim());
    if (except !== null) query = query.where('id', '!=', except);
    if (await query.executeTakeFirst())
      throw new Conflict(`a shop named "${fields.name.trim()}" already exists`);
  }
  if (fields.teamId != null) {
    const team = await db
      .selectFrom('teams')
      .select('id')
      .where('id', '=', fields.teamId)
      .executeTakeFirst();
    if (!team) throw new Invalid('teamId', 'no such team');
  }
}

export interface NewShop {
  readonly name: string;
  readonly city: string;
  readonly address: string;
  readonly postcode?: string | undefined;
  readonly latitude?: number | null | undefined;
  readonly longitude?: number | null | undefined;
  readonly timeZone: string;
  readonly teamId?: number | null | undefined;
  readonly hours?: WeeklyHours | undefined;
}

/** Opens a shop in its time zone, with its weekly hours. */
export async function createShop(unit: Unit, input: NewShop, actor: Actor): Promise<Shop> {
  checkTimeZone(input.timeZone);
  checkPlace({ latitude: input.latitude ?? null, longitude: input.longitude ?? null });
  const hours = checkWeeklyHours(input.hours ?? [], 'hours', shopStepMinutes);
  await checkShopFields(unit.db, input, null);
  const row = await unit.db
    .insertInto('shops')
    .values({
      name: input.name.trim(),
      city: input.city.trim(),
      address: input.address.trim(),
      postcode: (input.postcode ?? '').trim(),
      latitude: input.latitude ?? null,
      longitude: input.longitude ?? null,
      time_zone: input.timeZone,
      team_id: input.teamId ?? null,
      created_at: unit.now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await writeHours(unit, row.id, hours);
  const shop = await getShop(unit.db, row.id, unit.now);
  await unit.record({
    type: 'shop.created',
    actor,
    entity: { type: 'shop', id: row.id },
    scope: { shopId: row.id, teamId: row.team_id },
    after: { name: shop.name, timeZone: shop.timeZone, hours: shop.hours },
  });
  return shop;
}

export interface ShopChanges {
  readonly name?: string | undefined;
  readonly city?: string | undefined;
  readonly address?: string | undefined;
  readonly postcode?: string | undefined;
  readonly latitude?: number | null | undefined;
  readonly longitude?: number | null | undefined;
  readonly timeZone?: string | undefined;
  readonly teamId?: number | null | undefined;
}

const placeOf = (s: Shop) => ({
  name: s.name,
  city: s.city,
  address: s.address,
  postcode: s.postcode,
  latitude: s.latitude,
  longitude: s.longitude,
  timeZone: s.timeZone,
  teamId: s.teamId,
});

/** Renames, moves or re-zones a shop. */
export async function updateShop(
  unit: Unit,
  id: number,
  changes: ShopChanges,
  actor: Actor,
): Promise<Shop> {
  const before = await getShop(unit.db, id, unit.now);
  if (changes.timeZone !== undefined) checkTimeZone(changes.timeZone);
  if (changes.latitude !== undefined || changes.longitude !== undefined)
    checkPlace({
      latitude: changes.latitude !== undefined ? changes.latitude : before.latitude,
      longitude: changes.longitude !== undefined ? changes.longitude : before.longitude,
    });
  await checkShopFields(unit.db, changes, id);
  await unit.db
    .updateTable('shops')
    .set({
      ...(changes.name !== undefined ? { name: changes.name.trim() } : {}),
      ...(changes.city !== undefined ? { city: changes.city.trim() } : {}),
      ...(changes.address !== undefined ? { address: changes.address.trim() } : {}),
      ...(changes.postcode !== undefined ? { postcode: changes.postcode.trim() } : {}),
      ...(changes.latitude !== undefined ? { latitude: changes.latitude } : {}),
      ...(changes.longitude !== undefined ? { longitude: changes.longitude } : {}),
      ...(changes.timeZone !== undefined ? { time_zone: changes.timeZone } : {}),
      ...(changes.teamId !== undefined ? { team_id: changes.teamId } : {}),
    })
    .where('id', '=', id)
    .execute();
  const after = await getShop(unit.db, id, unit.now);
  await unit.record({
    type: 'shop.updated',
    actor,
    entity: { type: 'shop', id },
    scope: { shopId: id, teamId: after.teamId },
    before: placeOf(before),
    after: placeOf(after),
  });
  return after;
}

async function writeHours(unit: Unit, shopId: number, hours: readonly DayHours[]): Promise<void> {
  await unit.db.deleteFrom('shop_hours').where('shop_id', '=', shopId).execute();
  if (hours.length > 0)
    await unit.db
      .insertInto('shop_hours')
      .values(hours.map((h) => ({ shop_id: shopId, ...h })))
      .execute();
}

/**
 * Replaces a shop's weekly hours (local times in the shop's zone, several openings a day allowed);
 * a weekday left out is closed.
 */
export async function setShopHours(
  unit: Unit,
  shopId: number,
  hours: WeeklyHours,
  actor: Actor,
): Promise<Shop> {
  const before = await getShop(unit.db, shopId, unit.now);
  const checked = checkWeeklyHours(hours, 'hours', shopStepMinutes);
  await writeHours(unit, shopId, checked);
  const after = await getShop(unit.db, shopId, unit.now);
  await unit.record({
    type: 'shop.hours-changed',
    actor,
    entity: { type: 'shop', id: shopId },
    scope: { shopId, teamId: after.teamId },
    before: { hours: before.hours },
    after: { hours: after.hours },
  });
  return after;
}

export type { Shop };
