/** Callbacks: a caller or chatter leaves a number instead of waiting on the line. */
import type { Unit } from '../platform/db/writer.ts';
import type { Actor } from '../platform/events/event.ts';
import { Conflict, Invalid, NotFound } from '../platform/errors.ts';
import { scopeOf } from './work-items.ts';

/**
 * A caller or chatter takes a callback: the item becomes a callback on the voice channel and keeps its
 * place (same arrival time and deadline) in the one ordering.
 */
export async function requestCallback(
  unit: Unit,
  itemId: number,
  phone: string,
  actor: Actor,
): Promise<void> {
  const item = await unit.db
    .selectFrom('work_items')
    .selectAll()
    .where('id', '=', itemId)
    .executeTakeFirst();
  if (!item) throw new NotFound('work item');
  if (item.status !== 'waiting') throw new Conflict('only a waiting item can become a callback');
  if (item.channel !== 'voice' && item.channel !== 'chat')
    throw new Invalid('id', 'callbacks are offered to callers and chatters');
  await unit.db
    .updateTable('work_items')
    .set({ kind: 'callback', channel: 'voice', callback_number: phone, updated_at: unit.now })
    .where('id', '=', itemId)
    .execute();
  await unit.record({
    type: 'work-item.callback-requested',
    actor,
    entity: { type: 'work_item', id: itemId },
    scope: scopeOf(item),
    after: { phone },
  });
}
