/**
 * A missed call (the caller hung up on hold, their work item withdrawn) called back with one click:
 * a callback work item on the call's case keeping the missed call's arrival time (routing's
 * `callBackMissed`), to the number that called (else the customer's phone). Once per call: a second
 * press, or a press racing the first, answers the same callback.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';
import type { Unit } from '../../platform/db/writer.ts';
import { Conflict, Invalid, NotFound } from '../../platform/errors.ts';
import { canSeeConversation, type Viewer } from '../../advisors/access.ts';
import { callBackMissed } from '../../routing/callbacks.ts';
import { callDetailsOf } from '../../conversations/call-details.ts';
import type { CallDetails } from '../../api-types/conversations.ts';
import type { RoutingOptions } from '../../routing/types.ts';
import { scopeOfCall } from './calls.ts';

export interface MissedCallback {
  readonly itemId: number;
  /** False when this call (or the case) had its callback already. */
  readonly created: boolean;
  readonly phone: string;
  /** The caller's arrival: the callback's place in line. */
  readonly since: string;
}

/** The call, if the viewer may see its case; not found otherwise, like one that does not exist. */
async function visibleCall(db: Kysely<Database>, callId: number, viewer: Viewer) {
  const call = await db.selectFrom('calls').selectAll().where('id', '=', callId).executeTakeFirst();
  if (!call || call.conversation_id === null || call.interaction_id === null)
    throw new NotFound('call');
  const conversation = await db
    .selectFrom('conversations')
    .select(['team_id', 'shop_id', 'owner_id'])
    .where('id', '=', call.conversation_id)
    .executeTakeFirst();
  if (!conversation || !canSeeConversation(viewer, conversation)) throw new NotFound('call');
  return { ...call, conversation_id: call.conversation_id, interaction_id: call.interaction_id };
}

/** One call as the timeline shows it (state, recording, wrap-up, whether it was missed). */
export async function callOf(
  db: Kysely<Database>,
  callId: number,
  viewer: Viewer,
): Promise<CallDetails> {
  const call = await visibleCall(db, callId, viewer);
  return (await callDetailsOf(db, [call.interaction_id])).get(call.interaction_id)!;
}

/** The advisor calls a missed caller back: the callback, made once per call. */
export async function callBackMissedCall(
  unit: Unit,
  callId: number,
  viewer: Viewer,
  options: Partial<RoutingOptions> = {},
): Promise<MissedCallback> {
  const call = await visibleCall(unit.db, callId, viewer);
  const answer = async (itemId: number, created: boolean): Promise<MissedCallback> => {
    const item = await unit.db
      .selectFrom('work_items')
      .select(['callback_number', 'created_at'])
      .where('id', '=', itemId)
      .executeTakeFirstOrThrow();
    return {
      itemId,
      created,
      phone: item.callback_number ?? '',
      since: new Date(Number(item.created_at)).toISOString(),
    };
  };
  if (call.callback_item_id !== null) return answer(Number(call.callback_item_id), false);
  if (call.direction !== 'inbound' || call.ended_at === null || call.work_item_id === null)
    throw new Conflict('only an ended incoming call is called back this way');
  // The number that called, else the customer's phone (a withheld number is not a number).
  let phone: string | undefined = /^\+[1-9]\d{5,14}$/.test(call.from_number)
    ? call.from_number
    : undefined;
  if (phone === undefined && call.customer_id !== null)
    phone = (
      await unit.db
        .selectFrom('identities')
        .select('value')
        .where('customer_id', '=', call.customer_id)
        .where('kind', '=', 'phone')
        .orderBy('id')
        .executeTakeFirst()
    )?.value;
  if (phone === undefined)
    throw new Invalid('id', 'the caller withheld their number and the customer has no phone');
  const made = await callBackMissed(
    unit,
    call.work_item_id,
    phone,
    { type: 'advisor', id: viewer.id },
    options,
  );
  await unit.db
    .updateTable('calls')
    .set({ callback_item_id: made.itemId, updated_at: unit.now })
    .where('id', '=', call.id)
    .where('callback_item_id', 'is', null)
    .execute();
  await unit.record({
    type: 'call.called-back',
    actor: { type: 'advisor', id: viewer.id },
    entity: { type: 'call', id: call.id },
    scope: await scopeOfCall(unit.db, call),
    after: { callbackItemId: made.itemId, created: made.created, phone },
  });
  return answer(made.itemId, made.created);
}
