/**
 * Calls put straight through to the advisor who knows the caller (the case's owner or the
 * customer's last advisor, free now): the call's work item is theirs at once, without an offer; when
 * they do not pick up, it goes back to its place in the queue (same arrival time and deadline).
 */
import type { Kysely } from 'kysely';
import type { Database } from '../platform/db/schema.ts';
import type { Unit } from '../platform/db/writer.ts';
import type { Actor } from '../platform/events/event.ts';
import { scopeOf } from './work-items.ts';
import { loadRoutingLevels } from './service-levels.ts';
import { deadlineFor } from './policy.ts';
import type { ServiceLevelPolicies } from './types.ts';

/** The waiting item becomes the advisor's (assigned, accepted now); false when it has moved on. */
export async function putThrough(
  unit: Unit,
  itemId: number,
  advisorId: number,
  actor: Actor,
): Promise<boolean> {
  const result = await unit.db
    .updateTable('work_items')
    .set({
      status: 'assigned',
      advisor_id: advisorId,
      offered_at: unit.now,
      accepted_at: unit.now,
      offer_expires_at: null,
      updated_at: unit.now,
    })
    .where('id', '=', itemId)
    .where('status', '=', 'waiting')
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) return false;
  const item = await unit.db
    .selectFrom('work_items')
    .selectAll()
    .where('id', '=', itemId)
    .executeTakeFirstOrThrow();
  await unit.db
    .updateTable('conversations')
    .set({ owner_id: advisorId, updated_at: unit.now })
    .where('id', '=', item.conversation_id)
    .where('owner_id', 'is', null)
    .execute();
  await unit.record({
    type: 'work-item.put-through',
    actor,
    entity: { type: 'work_item', id: itemId },
    scope: scopeOf(item),
    after: { advisorId },
  });
  return true;
}

/**
 * A put-through call the advisor did not answer goes back to the queue, keeping its arrival time;
 * recorded as declined so the dispatcher runs a round for it. False when it is no longer theirs.
 */
export async function notPickedUp(unit: Unit, itemId: number, actor: Actor): Promise<boolean> {
  const item = await unit.db
    .selectFrom('work_items')
    .selectAll()
    .where('id', '=', itemId)
    .executeTakeFirst();
  if (!item || item.status !== 'assigned' || item.advisor_id === null) return false;
  const result = await unit.db
    .updateTable('work_items')
    .set({
      status: 'waiting',
      advisor_id: null,
      offered_at: null,
      accepted_at: null,
      updated_at: unit.now,
    })
    .where('id', '=', itemId)
    .where('status', '=', 'assigned')
    .where('advisor_id', '=', item.advisor_id)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) return false;
  await unit.record({
    type: 'work-item.declined',
    actor,
    entity: { type: 'work_item', id: itemId },
    scope: scopeOf(item),
    after: { reason: 'not picked up' },
  });
  return true;
}

/**
 * Where a waiting item stands: its place among waiting items of its channel and team (1 = next).
 * Callbacks held back until later (`due_at` after `now`) are not ahead of anyone yet.
 */
export async function placeInQueue(
  unit: { readonly db: Kysely<Database>; readonly now: number },
  itemId: number,
): Promise<number | undefined> {
  const item = await unit.db
    .selectFrom('work_items')
    .select(['channel', 'team_id', 'created_at', 'status', 'id'])
    .where('id', '=', itemId)
    .executeTakeFirst();
  if (!item || item.status !== 'waiting') return undefined;
  let ahead = unit.db
    .selectFrom('work_items')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('status', '=', 'waiting')
    .where('channel', '=', item.channel)
    .where((eb) => eb.or([eb('due_at', 'is', null), eb('due_at', '<=', unit.now)]))
    .where((eb) =>
      eb.or([
        eb('created_at', '<', item.created_at),
        eb.and([eb('created_at', '=', item.created_at), eb('id', '<', item.id)]),
      ]),
    );
  ahead =
    item.team_id === null
      ? ahead.where('team_id', 'is', null)
      : ahead.where('team_id', '=', item.team_id);
  const row = await ahead.executeTakeFirstOrThrow();
  return Number(row.n) + 1;
}

/**
 * The customer calls while their case waits as a written message: the waiting item becomes the call
 * (kind `call`, channel `voice`), keeping its arrival time (they have waited since they wrote) and
 * the earlier of its deadline and the voice one. False when it is not waiting (someone has it).
 */
export async function becomeCall(
  unit: Unit,
  itemId: number,
  actor: Actor,
  serviceLevels?: ServiceLevelPolicies,
): Promise<boolean> {
  const item = await unit.db
    .selectFrom('work_items')
    .selectAll()
    .where('id', '=', itemId)
    .executeTakeFirst();
  if (!item || item.status !== 'waiting') return false;
  if (item.channel === 'voice') return true;
  const deadline = Math.min(
    item.deadline_at,
    deadlineFor(
      { createdAt: unit.now },
      (serviceLevels ?? (await loadRoutingLevels(unit.db))).voice,
    ),
  );
  const result = await unit.db
    .updateTable('work_items')
    .set({ kind: 'call', channel: 'voice', deadline_at: deadline, updated_at: unit.now })
    .where('id', '=', itemId)
    .where('status', '=', 'waiting')
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) return false;
  await unit.record({
    type: 'work-item.became-call',
    actor,
    entity: { type: 'work_item', id: itemId },
    scope: scopeOf(item),
    before: { kind: item.kind, channel: item.channel },
    after: { kind: 'call', channel: 'voice' },
  });
  return true;
}
