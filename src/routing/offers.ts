/** Offers: an advisor accepts or declines the item routing offered; an offer not taken in time expires. */
import type { Kysely } from 'kysely';
import type { Database, WorkItemRow } from '../platform/db/schema.ts';
import type { Unit } from '../platform/db/writer.ts';
import { Conflict, NotFound } from '../platform/errors.ts';
import { scopeOf, type WorkStatus } from './work-items.ts';
import { DEFAULT_ROUTING_OPTIONS } from './types.ts';

/** An advisor who lets an offer time out is probably away: no new offers for this long (as the simulator assumes). */
export const missedOfferPauseMs = 30_000;

async function liveItemOf(
  unit: Unit,
  itemId: number,
  advisorId: number,
  status: WorkStatus,
): Promise<WorkItemRow> {
  const item = await unit.db
    .selectFrom('work_items')
    .selectAll()
    .where('id', '=', itemId)
    .executeTakeFirst();
  if (!item || item.advisor_id !== advisorId) throw new NotFound('work item');
  if (item.status !== status) throw new Conflict(`the work item is ${item.status}, not ${status}`);
  return item;
}

/** The advisor takes the offered item: it is theirs and the case gets them as owner if it had none. */
export async function acceptOffer(unit: Unit, itemId: number, advisorId: number): Promise<void> {
  const item = await liveItemOf(unit, itemId, advisorId, 'offered');
  // Guarded: a routing round on another node may be taking the expired offer back right now.
  const result = await unit.db
    .updateTable('work_items')
    .set({
      status: 'assigned',
      accepted_at: unit.now,
      offer_expires_at: null,
      updated_at: unit.now,
    })
    .where('id', '=', itemId)
    .where('status', '=', 'offered')
    .where('advisor_id', '=', advisorId)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) throw new Conflict('the offer has moved on');
  await unit.db
    .updateTable('conversations')
    .set({ owner_id: advisorId, updated_at: unit.now })
    .where('id', '=', item.conversation_id)
    .where('owner_id', 'is', null)
    .execute();
  await unit.record({
    type: 'work-item.accepted',
    actor: { type: 'advisor', id: advisorId },
    entity: { type: 'work_item', id: itemId },
    scope: scopeOf(item),
  });
}

/**
 * The advisor lets the offer go: the item returns to its place in the ordering, no longer held for
 * them, and is not offered to them again for `coolOffMs` (others are tried first; alone on shift, the
 * item waits rather than coming straight back).
 */
export async function declineOffer(
  unit: Unit,
  itemId: number,
  advisorId: number,
  coolOffMs: number = DEFAULT_ROUTING_OPTIONS.declineCoolOffMs,
): Promise<void> {
  const item = await liveItemOf(unit, itemId, advisorId, 'offered');
  if (!(await returnToQueue(unit, item))) throw new Conflict('the offer has moved on');
  const until = unit.now + coolOffMs;
  await unit.db
    .insertInto('offer_declines')
    .values({ work_item_id: itemId, advisor_id: advisorId, declined_at: unit.now, until })
    .onConflict((oc) =>
      oc.columns(['work_item_id', 'advisor_id']).doUpdateSet({ declined_at: unit.now, until }),
    )
    .execute();
  await unit.record({
    type: 'work-item.declined',
    actor: { type: 'advisor', id: advisorId },
    entity: { type: 'work_item', id: itemId },
    scope: scopeOf(item),
    after: { until: new Date(until).toISOString() },
  });
}

/** Declines still respected at `now`, per work item: the advisors it is not offered to meanwhile. */
export async function declinesInForce(
  db: Kysely<Database>,
  now: number,
): Promise<Map<number, { advisorId: number; until: number }[]>> {
  const rows = await db
    .selectFrom('offer_declines')
    .select(['work_item_id', 'advisor_id', 'until'])
    .where('until', '>', now)
    .orderBy('declined_at')
    .execute();
  const byItem = new Map<number, { advisorId: number; until: number }[]>();
  for (const row of rows) {
    const list = byItem.get(Number(row.work_item_id)) ?? [];
    list.push({ advisorId: Number(row.advisor_id), until: Number(row.until) });
    byItem.set(Number(row.work_item_id), list);
  }
  return byItem;
}

/** Puts an offered item back in the queue; false when it is no longer this offer (accepted, moved on). */
export async function returnToQueue(
  unit: Unit,
  item: WorkItemRow,
  options: { readonly keepPreference?: boolean } = {},
): Promise<boolean> {
  const forget = !options.keepPreference && item.preferred_advisor_id === item.advisor_id;
  const result = await unit.db
    .updateTable('work_items')
    .set({
      status: 'waiting',
      advisor_id: null,
      offered_at: null,
      offer_expires_at: null,
      updated_at: unit.now,
      ...(forget ? { preferred_advisor_id: null, affinity_until: null } : {}),
    })
    .where('id', '=', item.id)
    .where('status', '=', 'offered')
    .where('advisor_id', '=', item.advisor_id ?? -1)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * Offers not accepted in time go back to the queue; their advisor, probably away from the desk, gets
 * no new offer for `pauseMs` so the item moves on to someone else.
 */
export async function expireOffers(unit: Unit, pauseMs: number): Promise<number> {
  const expired = await unit.db
    .selectFrom('work_items')
    .selectAll()
    .where('status', '=', 'offered')
    .where('offer_expires_at', '<=', unit.now)
    .execute();
  let count = 0;
  for (const item of expired) {
    if (!(await returnToQueue(unit, item))) continue;
    count++;
    if (item.advisor_id !== null) {
      const pauseUntil = unit.now + pauseMs;
      await unit.db
        .updateTable('advisor_states')
        .set({ recovery_until: pauseUntil, updated_at: unit.now })
        .where('advisor_id', '=', item.advisor_id)
        .where((eb) =>
          eb.or([eb('recovery_until', 'is', null), eb('recovery_until', '<', pauseUntil)]),
        )
        .execute();
    }
    await unit.record({
      type: 'work-item.offer-expired',
      actor: { type: 'system', id: null },
      entity: { type: 'work_item', id: item.id },
      scope: scopeOf(item),
    });
  }
  return count;
}
