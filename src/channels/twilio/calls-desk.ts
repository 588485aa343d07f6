/**
 * The desk's side of calls: the advisor's wrap-up after a call (notes, an outcome, "this was a hard
 * call", which gives them routing's recovery time), and the callbacks due, oldest first, with their
 * real wait (a callback keeps the caller's original arrival time).
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';
import type { Unit } from '../../platform/db/writer.ts';
import { NotFound } from '../../platform/errors.ts';
import { canSeeConversation, conversationScope, type Viewer } from '../../advisors/access.ts';
import { completeWork, live } from '../../routing/work-items.ts';
import { DEFAULT_ROUTING_OPTIONS } from '../../routing/types.ts';
import { callDetailsOf } from '../../conversations/call-details.ts';
import type { CallDetails, WrapUpOutcome } from '../../api-types/conversations.ts';

export interface WrapUp {
  readonly outcome: WrapUpOutcome;
  readonly notes: string;
  readonly hard: boolean;
}

/**
 * Stores the wrap-up of a call (once per call: a retry or a correction replaces it) and finishes the
 * call's routed work if it is still open. A hard call sets the item's `hard` and starts the advisor's
 * recovery time, whether the work was still open or already ended with the hangup. A call of a case
 * the viewer may not see is not found, like one that does not exist.
 */
export async function wrapUpCall(
  unit: Unit,
  callId: number,
  viewer: Viewer,
  wrapUp: WrapUp,
): Promise<CallDetails> {
  const call = await unit.db
    .selectFrom('calls')
    .selectAll()
    .where('id', '=', callId)
    .executeTakeFirst();
  if (!call || call.conversation_id === null || call.interaction_id === null)
    throw new NotFound('call');
  const conversation = await unit.db
    .selectFrom('conversations')
    .select(['id', 'team_id', 'shop_id', 'owner_id', 'customer_id'])
    .where('id', '=', call.conversation_id)
    .executeTakeFirst();
  if (!conversation || !canSeeConversation(viewer, conversation)) throw new NotFound('call');
  const before = await unit.db
    .selectFrom('call_wrap_ups')
    .select(['outcome', 'notes', 'hard'])
    .where('call_id', '=', callId)
    .executeTakeFirst();
  const values = {
    advisor_id: viewer.id,
    outcome: wrapUp.outcome,
    notes: wrapUp.notes,
    hard: wrapUp.hard ? 1 : 0,
    updated_at: unit.now,
  };
  await unit.db
    .insertInto('call_wrap_ups')
    .values({ call_id: callId, created_at: unit.now, ...values })
    .onConflict((oc) => oc.column('call_id').doUpdateSet(values))
    .execute();
  const actor = { type: 'advisor' as const, id: viewer.id };
  if (call.work_item_id !== null) {
    const item = await unit.db
      .selectFrom('work_items')
      .select(['id', 'status', 'hard', 'advisor_id'])
      .where('id', '=', call.work_item_id)
      .executeTakeFirst();
    // Work still open after the hangup is finished, unless the advisor promised a callback on it.
    if (
      item?.status === 'assigned' &&
      call.ended_at !== null &&
      wrapUp.outcome !== 'callback-promised'
    )
      await completeWork(unit, call.conversation_id, actor, { hard: wrapUp.hard });
    else if (item && item.status === 'done' && wrapUp.hard && Number(item.hard) !== 1) {
      await unit.db
        .updateTable('work_items')
        .set({ hard: 1, updated_at: unit.now })
        .where('id', '=', item.id)
        .execute();
      if (item.advisor_id !== null)
        await unit.db
          .updateTable('advisor_states')
          .set({
            recovery_until: unit.now + DEFAULT_ROUTING_OPTIONS.recoveryMs,
            updated_at: unit.now,
          })
          .where('advisor_id', '=', item.advisor_id)
          .execute();
    }
  }
  await unit.record({
    type: 'call.wrapped-up',
    actor,
    entity: { type: 'call', id: callId },
    scope: {
      customerId: conversation.customer_id,
      conversationId: conversation.id,
      teamId: conversation.team_id,
      shopId: conversation.shop_id,
      ownerId: conversation.owner_id,
    },
    before: before ? { outcome: before.outcome, hard: Number(before.hard) === 1 } : undefined,
    after: { outcome: wrapUp.outcome, hard: wrapUp.hard },
  });
  return (await callDetailsOf(unit.db, [call.interaction_id])).get(call.interaction_id)!;
}

export interface DueCallback {
  readonly id: number;
  readonly conversationId: number;
  readonly customerId: number;
  readonly customerName: string;
  readonly number: string | null;
  readonly status: string;
  readonly advisorId: number | null;
  /** The caller's original arrival: a callback keeps its place. */
  readonly since: string;
  readonly waitMs: number;
  readonly deadlineAt: string;
  /** Not to be called before this (placed for later, or a pause after a busy line); null: now. */
  readonly dueAt: string | null;
}

/** The callbacks still to make (waiting, offered or taken), of cases the viewer may see, oldest first. */
export async function callbacksDue(
  db: Kysely<Database>,
  viewer: Viewer,
  now: number,
): Promise<DueCallback[]> {
  const rows = await db
    .selectFrom('work_items')
    .innerJoin('conversations', 'conversations.id', 'work_items.conversation_id')
    .innerJoin('customers', 'customers.id', 'work_items.customer_id')
    .select([
      'work_items.id',
      'work_items.conversation_id',
      'work_items.customer_id',
      'customers.display_name',
      'work_items.callback_number',
      'work_items.status',
      'work_items.advisor_id',
      'work_items.created_at',
      'work_items.deadline_at',
      'work_items.due_at',
    ])
    .where('work_items.kind', '=', 'callback')
    .where('work_items.status', 'in', live)
    .where(conversationScope(viewer))
    .orderBy('work_items.created_at')
    .orderBy('work_items.id')
    .limit(200)
    .execute();
  return rows.map((row) => ({
    id: Number(row.id),
    conversationId: Number(row.conversation_id),
    customerId: Number(row.customer_id),
    customerName: row.display_name,
    number: row.callback_number,
    status: row.status,
    advisorId: row.advisor_id === null ? null : Number(row.advisor_id),
    since: new Date(Number(row.created_at)).toISOString(),
    waitMs: Math.max(0, now - Number(row.created_at)),
    deadlineAt: new Date(Number(row.deadline_at)).toISOString(),
    dueAt:
      row.due_at !== null && Number(row.due_at) > now
        ? new Date(Number(row.due_at)).toISOString()
        : null,
  }));
}
