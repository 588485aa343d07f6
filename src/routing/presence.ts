/** Advisors' presence and capacity as routing stores them: the rows `advisor_states` holds. */
import type { Unit } from '../platform/db/writer.ts';
import type { Actor } from '../platform/events/event.ts';
import { NotFound } from '../platform/errors.ts';
import { returnToQueue } from './offers.ts';
import { handsBackWork } from './policy.ts';
import { scopeOf } from './work-items.ts';
import type { ChannelCounts, Presence } from './types.ts';

export const presences: readonly Presence[] = ['available', 'busy', 'wrap_up', 'break', 'offline'];

/** Capacity an advisor starts with: one call, three chats, five written messages; shop advisors serve the desk. */
export function defaultCapacity(role: string): ChannelCounts {
  if (role === 'shop_advisor') return { voice: 1, chat: 2, email: 3, sms: 3, social: 3, shop: 1 };
  return { voice: 1, chat: 3, email: 5, sms: 5, social: 5, shop: 0 };
}

/** Sets an advisor's presence; leaving for a break or going offline hands back offers not yet accepted. */
export async function setPresence(
  unit: Unit,
  advisorId: number,
  presence: Presence,
  actor: Actor,
): Promise<void> {
  const advisor = await unit.db
    .selectFrom('advisors')
    .select(['id', 'role', 'team_id', 'shop_id'])
    .where('id', '=', advisorId)
    .executeTakeFirst();
  if (!advisor) throw new NotFound('advisor');
  const before = await unit.db
    .selectFrom('advisor_states')
    .selectAll()
    .where('advisor_id', '=', advisorId)
    .executeTakeFirst();
  if (before) {
    const becameFree =
      presence === 'available' && before.presence !== 'available' && before.presence !== 'busy';
    await unit.db
      .updateTable('advisor_states')
      .set({ presence, updated_at: unit.now, ...(becameFree ? { idle_since: unit.now } : {}) })
      .where('advisor_id', '=', advisorId)
      .execute();
  } else {
    await unit.db
      .insertInto('advisor_states')
      .values({
        advisor_id: advisorId,
        presence,
        capacity: JSON.stringify(defaultCapacity(advisor.role)),
        idle_since: unit.now,
        recovery_until: null,
        updated_at: unit.now,
      })
      .execute();
  }
  if (handsBackWork(presence)) {
    const offers = await unit.db
      .selectFrom('work_items')
      .selectAll()
      .where('advisor_id', '=', advisorId)
      .where('status', '=', 'offered')
      .execute();
    for (const item of offers) {
      // The advisor is still the customer's preferred one: holds resume when they are back in time.
      if (!(await returnToQueue(unit, item, { keepPreference: true }))) continue;
      await unit.record({
        type: 'work-item.handed-back',
        actor,
        entity: { type: 'work_item', id: item.id },
        scope: scopeOf(item),
      });
    }
  }
  await unit.record({
    type: 'presence.changed',
    actor,
    entity: { type: 'advisor', id: advisorId },
    scope: { ownerId: advisorId, teamId: advisor.team_id, shopId: advisor.shop_id },
    before: { presence: before?.presence ?? 'offline' },
    after: { presence },
  });
}

/** Changes how many items of each channel an advisor holds at once. */
export async function setCapacity(
  unit: Unit,
  advisorId: number,
  capacity: Partial<ChannelCounts>,
  actor: Actor,
): Promise<ChannelCounts> {
  const advisor = await unit.db
    .selectFrom('advisors')
    .select(['id', 'role'])
    .where('id', '=', advisorId)
    .executeTakeFirst();
  if (!advisor) throw new NotFound('advisor');
  const state = await unit.db
    .selectFrom('advisor_states')
    .selectAll()
    .where('advisor_id', '=', advisorId)
    .executeTakeFirst();
  const before = state
    ? (JSON.parse(state.capacity) as ChannelCounts)
    : defaultCapacity(advisor.role);
  const after = { ...before, ...capacity };
  if (state)
    await unit.db
      .updateTable('advisor_states')
      .set({ capacity: JSON.stringify(after), updated_at: unit.now })
      .where('advisor_id', '=', advisorId)
      .execute();
  else
    await unit.db
      .insertInto('advisor_states')
      .values({
        advisor_id: advisorId,
        presence: 'offline',
        capacity: JSON.stringify(after),
        idle_since: unit.now,
        recovery_until: null,
        updated_at: unit.now,
      })
      .execute();
  await unit.record({
    type: 'capacity.changed',
    actor,
    entity: { type: 'advisor', id: advisorId },
    before,
    after,
  });
  return after;
}
