import type { Unit } from '../platform/db/writer.ts';
import type { Actor } from '../platform/events/event.ts';
import { Invalid, NotFound } from '../platform/errors.ts';
import type { ShopException } from '../api-types/shops.ts';
import { checkException, localDateAt } from './shop-hours.ts';

export interface NewShopException {
  readonly date: string;
  readonly opens?: string | null | undefined;
  readonly closes?: string | null | undefined;
  readonly reason: string;
}

/**
 * Adds a dated exception to a shop: a closure (no times) or a special opening that, with the
 * date's other special openings, replaces its weekly hours. Dates are shop-local, from today on.
 */
export async function addShopException(
  unit: Unit,
  shopId: number,
  input: NewShopException,
  actor: Actor,
): Promise<ShopException> {
  const shop = await unit.db
    .selectFrom('shops')
    .select(['id', 'time_zone', 'team_id'])
    .where('id', '=', shopId)
    .executeTakeFirst();
  if (!shop) throw new NotFound('shop');
  const reason = input.reason.trim();
  if (!reason) throw new Invalid('reason', 'must not be blank: say why (a holiday, a closure)');
  const exception = {
    date: input.date,
    opens: input.opens ?? null,
    closes: input.closes ?? null,
  };
  const sameDay = await unit.db
    .selectFrom('shop_exceptions')
    .select(['date', 'opens', 'closes'])
    .where('shop_id', '=', shopId)
    .where('date', '=', input.date)
    .execute();
  checkException(exception, sameDay, 'exception');
  if (exception.date < localDateAt(shop.time_zone, unit.now))
    throw new Invalid('exception.date', `is in the past in the shop's time (${shop.time_zone})`);
  const row = await unit.db
    .insertInto('shop_exceptions')
    .values({ shop_id: shopId, ...exception, reason })
    .returning('id')
    .executeTakeFirstOrThrow();
  const added: ShopException = { id: Number(row.id), ...exception, reason };
  await unit.record({
    type: 'shop.exception-added',
    actor,
    entity: { type: 'shop', id: shopId },
    scope: { shopId, teamId: shop.team_id },
    after: added,
  });
  return added;
}

/** Removes a dated exception: that date follows the weekly hours again. */
export async function removeShopException(unit: Unit, id: number, actor: Actor): Promise<void> {
  const row = await unit.db
    .selectFrom('shop_exceptions')
    .innerJoin('shops', 'shops.id', 'shop_exceptions.shop_id')
    .select([
      'shop_exceptions.id',
      'shop_exceptions.shop_id',
      'shop_exceptions.date',
      'shop_exceptions.opens',
      'shop_exceptions.closes',
      'shop_exceptions.reason',
      'shops.team_id',
    ])
    .where('shop_exceptions.id', '=', id)
    .executeTakeFirst();
  if (!row) throw new NotFound('shop exception');
  await unit.db.deleteFrom('shop_exceptions').where('id', '=', id).execute();
  await unit.record({
    type: 'shop.exception-removed',
    actor,
    entity: { type: 'shop', id: Number(row.shop_id) },
    scope: { shopId: Number(row.shop_id), teamId: row.team_id },
    before: {
      id: Number(row.id),
      date: row.date,
      opens: row.opens,
      closes: row.closes,
      reason: row.reason,
    },
  });
}
