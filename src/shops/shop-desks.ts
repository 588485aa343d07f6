import type { Kysely } from 'kysely';
import type { Database } from '../platform/db/schema.ts';
import type { Unit } from '../platform/db/writer.ts';
import type { Actor } from '../platform/events/event.ts';
import { Conflict, Invalid, NotFound } from '../platform/errors.ts';
import { unlessDuplicate } from '../platform/db/unique.ts';
import type { ShopDesk } from '../api-types/shops.ts';

async function checkDeskName(
  db: Kysely<Database>,
  shopId: number,
  name: string,
  except: number | null,
): Promise<string> {
  const trimmed = name.trim();
  if (!trimmed) throw new Invalid('name', 'must not be blank');
  let query = db
    .selectFrom('shop_desks')
    .select('id')
    .where('shop_id', '=', shopId)
    .where('name', '=', trimmed);
  if (except !== null) query = query.where('id', '!=', except);
  if (await query.executeTakeFirst())
    throw new Conflict(`this shop already has a desk named "${trimmed}"`);
  return trimmed;
}

/** Adds a desk (a counter) to a shop; its name is unique in the shop (a constraint backs it). */
export async function addDesk(
  unit: Unit,
  shopId: number,
  name: string,
  actor: Actor,
): Promise<ShopDesk> {
  const shop = await unit.db
    .selectFrom('shops')
    .select(['id', 'team_id'])
    .where('id', '=', shopId)
    .executeTakeFirst();
  if (!shop) throw new NotFound('shop');
  const checked = await checkDeskName(unit.db, shopId, name, null);
  // The look-up names the clash; the constraint decides when two administrators race.
  const row = await unlessDuplicate(
    unit.db
      .insertInto('shop_desks')
      .values({ shop_id: shopId, name: checked, created_at: unit.now })
      .returning('id')
      .executeTakeFirstOrThrow(),
    `this shop already has a desk named "${checked}"`,
  );
  const desk: ShopDesk = { id: Number(row.id), name: checked, active: true };
  await unit.record({
    type: 'shop.desk-added',
    actor,
    entity: { type: 'shop_desk', id: desk.id },
    scope: { shopId, teamId: shop.team_id },
    after: desk,
  });
  return desk;
}

/** Renames a desk, or takes it out of service (its history stays) and back. */
export async function updateDesk(
  unit: Unit,
  id: number,
  changes: { readonly name?: string | undefined; readonly active?: boolean | undefined },
  actor: Actor,
): Promise<ShopDesk> {
  const row = await unit.db
    .selectFrom('shop_desks')
    .innerJoin('shops', 'shops.id', 'shop_desks.shop_id')
    .select([
      'shop_desks.id',
      'shop_desks.shop_id',
      'shop_desks.name',
      'shop_desks.active',
      'shops.team_id',
    ])
    .where('shop_desks.id', '=', id)
    .executeTakeFirst();
  if (!row) throw new NotFound('desk');
  const shopId = Number(row.shop_id);
  const name =
    changes.name !== undefined ? await checkDeskName(unit.db, shopId, changes.name, id) : row.name;
  const active = changes.active ?? Number(row.active) === 1;
  await unlessDuplicate(
    unit.db
      .updateTable('shop_desks')
      .set({ name, active: active ? 1 : 0 })
      .where('id', '=', id)
      .execute(),
    `this shop already has a desk named "${name}"`,
  );
  const before: ShopDesk = { id, name: row.name, active: Number(row.active) === 1 };
  const after: ShopDesk = { id, name, active };
  await unit.record({
    type: 'shop.desk-updated',
    actor,
    entity: { type: 'shop_desk', id },
    scope: { shopId, teamId: row.team_id },
    before,
    after,
  });
  return after;
}
