import type { Kysely } from 'kysely';
import type { Database } from '../platform/db/schema.ts';
import type { Unit } from '../platform/db/writer.ts';
import type { Actor } from '../platform/events/event.ts';
import { Conflict, Invalid, NotFound } from '../platform/errors.ts';
import {
  checkTimeZone,
  checkWeeklyHours,
  isOpenAt,
  localTimeAt,
  type DayHours,
  type Weekday,
  type WeeklyHours,
} from './shop-hours.ts';
import type { Shop } from '../api-types/shops.ts';

/** Every shop with its hours, judged open or closed at `now`. */
export async function listShops(db: Kysely<Database>, now: number): Promise<Shop[]> {
  const [shops, hours] = await Promise.all([
    db.selectFrom('shops').selectAll().orderBy('name').execute(),
    db.selectFrom('shop_hours').selectAll().orderBy('weekday').execute(),
  ]);
  return shops.map((s) => {
    const week: DayHours[] = hours
      .filter((h) => Number(h.shop_id) === s.id)
      .map((h) => ({ weekday: h.weekday as Weekday, opens: h.opens, closes: h.closes }));
    return {
      id: s.id,
      name: s.name,
      city: s.city,
      address: s.address,
      timeZone: s.time_zone,
      teamId: s.team_id,
      hours: week,
      openNow: isOpenAt(s.time_zone, week, now),
      localTime: localTimeAt(s.time_zone, now),
    };
  });
}

async function shopOf(db: Kysely<Database>, id: number, now: number): Promise<Shop> {
  const shop = (await listShops(db, now)).find((s) => s.id === id);
  if (!shop) throw new NotFound('shop');
  return shop;
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
  readonly timeZone: string;
  readonly teamId?: number | null | undefined;
  readonly hours?: WeeklyHours | undefined;
}

/** Opens a shop in its time zone, with its weekly hours. */
export async function createShop(unit: Unit, input: NewShop, actor: Actor): Promise<Shop> {
  checkTimeZone(input.timeZone);
  const hours = checkWeeklyHours(input.hours ?? []);
  await checkShopFields(unit.db, input, null);
  const row = await unit.db
    .insertInto('shops')
    .values({
      name: input.name.trim(),
      city: input.city.trim(),
      address: input.address.trim(),
      time_zone: input.timeZone,
      team_id: input.teamId ?? null,
      created_at: unit.now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await writeHours(unit, row.id, hours);
  const shop = await shopOf(unit.db, row.id, unit.now);
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
  readonly timeZone?: string | undefined;
  readonly teamId?: number | null | undefined;
}

/** Renames, moves or re-zones a shop. */
export async function updateShop(
  unit: Unit,
  id: number,
  changes: ShopChanges,
  actor: Actor,
): Promise<Shop> {
  const before = await shopOf(unit.db, id, unit.now);
  if (changes.timeZone !== undefined) checkTimeZone(changes.timeZone);
  await checkShopFields(unit.db, changes, id);
  await unit.db
    .updateTable('shops')
    .set({
      ...(changes.name !== undefined ? { name: changes.name.trim() } : {}),
      ...(changes.city !== undefined ? { city: changes.city.trim() } : {}),
      ...(changes.address !== undefined ? { address: changes.address.trim() } : {}),
      ...(changes.timeZone !== undefined ? { time_zone: changes.timeZone } : {}),
      ...(changes.teamId !== undefined ? { team_id: changes.teamId } : {}),
    })
    .where('id', '=', id)
    .execute();
  const after = await shopOf(unit.db, id, unit.now);
  await unit.record({
    type: 'shop.updated',
    actor,
    entity: { type: 'shop', id },
    scope: { shopId: id, teamId: after.teamId },
    before: { name: before.name, city: before.city, timeZone: before.timeZone },
    after: { name: after.name, city: after.city, timeZone: after.timeZone },
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

/** Replaces a shop's weekly hours (local times in the shop's zone); a weekday left out is closed. */
export async function setShopHours(
  unit: Unit,
  shopId: number,
  hours: WeeklyHours,
  actor: Actor,
): Promise<Shop> {
  const before = await shopOf(unit.db, shopId, unit.now);
  const checked = checkWeeklyHours(hours);
  await writeHours(unit, shopId, checked);
  const after = await shopOf(unit.db, shopId, unit.now);
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
