/**
 * Calls and their states, for every way a call reaches us (Twilio's webhooks, a PBX's call events).
 * Status reports come late, twice or out of order: the state only moves forward
 * (queued → ringing → in-progress → one terminal state), a terminal state sticks, and a sweeper
 * closes a call that never got its hangup.
 */
import type { Kysely } from 'kysely';
import type { CallRow, Database } from '../../platform/db/schema.ts';
import type { Unit } from '../../platform/db/writer.ts';
import type { Actor } from '../../platform/events/event.ts';
import { completeWork, live, withdrawWork, type WorkStatus } from '../../routing/work-items.ts';

export const callStates = [
  'queued',
  'ringing',
  'in-progress',
  'completed',
  'busy',
  'no-answer',
  'failed',
  'canceled',
] as const;
export type CallState = (typeof callStates)[number];
export const terminalCallStates: readonly CallState[] = [
  'completed',
  'busy',
  'no-answer',
  'failed',
  'canceled',
];

const rank: Readonly<Record<CallState, number>> = {
  queued: 0,
  ringing: 1,
  'in-progress': 2,
  completed: 3,
  busy: 3,
  'no-answer': 3,
  failed: 3,
  canceled: 3,
};

export function isCallState(value: string): value is CallState {
  return (callStates as readonly string[]).includes(value);
}

/** Forward only; nothing leaves a terminal state. */
export function callStateMayMove(from: CallState, to: CallState): boolean {
  return rank[to] > rank[from];
}

export interface NewCall {
  readonly provider: string;
  readonly providerCallId: string;
  readonly accountId: number | null;
  readonly direction: 'inbound' | 'outbound';
  readonly from: string;
  readonly to: string;
  readonly state: CallState;
  readonly at: number;
}

/** The call with this provider id, stored once however often its first webhook comes. */
export async function openCall(unit: Unit, call: NewCall): Promise<CallRow & { opened: boolean }> {
  const inserted = await unit.db
    .insertInto('calls')
    .values({
      provider: call.provider,
      provider_call_id: call.providerCallId,
      account_id: call.accountId,
      direction: call.direction,
      from_number: call.from,
      to_number: call.to,
      customer_id: null,
      conversation_id: null,
      interaction_id: null,
      work_item_id: null,
      advisor_id: null,
      state: call.state,
      ended_by: null,
      outcome: null,
      started_at: call.at,
      answered_at: call.state === 'in-progress' ? call.at : null,
      ended_at: terminalCallStates.includes(call.state) ? call.at : null,
      duration_seconds: null,
      recording_url: null,
      updated_at: unit.now,
    })
    .onConflict((oc) => oc.columns(['provider', 'provider_call_id']).doNothing())
    .returning('id')
    .executeTakeFirst();
  const row = await callByProviderId(unit, call.provider, call.providerCallId);
  return { ...row!, opened: inserted !== undefined };
}

export async function callByProviderId(
  unit: { readonly db: Kysely<Database> },
  provider: string,
  providerCallId: string,
): Promise<CallRow | undefined> {
  return unit.db
    .selectFrom('calls')
    .selectAll()
    .where('provider', '=', provider)
    .where('provider_call_id', '=', providerCallId)
    .executeTakeFirst();
}

/** Links the call to what it became on our side: the customer, the case, the interaction, the work. */
export async function linkCall(
  unit: Unit,
  callId: number,
  link: Partial<
    Pick<
      CallRow,
      | 'customer_id'
      | 'conversation_id'
      | 'interaction_id'
      | 'work_item_id'
      | 'advisor_id'
      | 'outcome'
    >
  >,
): Promise<void> {
  await unit.db
    .updateTable('calls')
    .set({ ...link, updated_at: unit.now })
    .where('id', '=', callId)
    .execute();
}

/**
 * A call event's scope: its customer and case, with the case's team, shop and owner, so the event
 * reaches the desks of those who may see the case (and only theirs).
 */
export async function scopeOfCall(
  db: Kysely<Database>,
  call: Pick<CallRow, 'customer_id' | 'conversation_id'>,
) {
  const conversation =
    call.conversation_id === null
      ? undefined
      : await db
          .selectFrom('conversations')
          .select(['team_id', 'shop_id', 'owner_id'])
          .where('id', '=', call.conversation_id)
          .executeTakeFirst();
  return {
    customerId: call.customer_id,
    conversationId: call.conversation_id,
    teamId: conversation?.team_id ?? null,
    shopId: conversation?.shop_id ?? null,
    ownerId: conversation?.owner_id ?? null,
  };
}

export interface CallMove {
  readonly state: CallState;
  /** When the provider says it happened (its Timestamp), else now. */
  readonly at?: number | undefined;
  readonly durationSeconds?: number | undefined;
  readonly advisorId?: number | undefined;
  readonly endedBy?: 'provider' | 'sweeper';
}

/**
 * Moves a call forward; a report of a state it passed (late, twice, out of order) changes nothing
 * and answers false. Ending a call ends its routed work: a call put through to an advisor is done; a
 * caller who hung up while waiting (not a callback, not a voicemail) leaves the queue.
 */
export async function moveCall(
  unit: Unit,
  call: CallRow,
  move: CallMove,
  actor: Actor,
): Promise<boolean> {
  const from = call.state as CallState;
  if (!callStateMayMove(from, move.state)) {
    // A duration arriving with a repeated terminal report is still worth keeping.
    if (
      move.durationSeconds !== undefined &&
      call.duration_seconds === null &&
      terminalCallStates.includes(from)
    )
      await unit.db
        .updateTable('calls')
        .set({ duration_seconds: move.durationSeconds, updated_at: unit.now })
        .where('id', '=', call.id)
        .execute();
    return false;
  }
  const at = move.at ?? unit.now;
  const terminal = terminalCallStates.includes(move.state);
  const result = await unit.db
    .updateTable('calls')
    .set({
      state: move.state,
      updated_at: unit.now,
      ...(move.state === 'in-progress' && call.answered_at === null ? { answered_at: at } : {}),
      ...(terminal ? { ended_at: at, ended_by: move.endedBy ?? 'provider' } : {}),
      ...(move.durationSeconds !== undefined ? { duration_seconds: move.durationSeconds } : {}),
      ...(move.advisorId !== undefined ? { advisor_id: move.advisorId } : {}),
    })
    .where('id', '=', call.id)
    // Guarded: a concurrent report for the same call moved it since we read it.
    .where('state', '=', call.state)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) return false;
  await unit.record({
    type: 'call.state-changed',
    actor,
    entity: { type: 'call', id: call.id },
    scope: await scopeOfCall(unit.db, call),
    before: { state: from },
    after: { state: move.state, endedBy: terminal ? (move.endedBy ?? 'provider') : undefined },
  });
  if (terminal && call.conversation_id !== null) await endRoutedWork(unit, call, actor);
  return true;
}

async function endRoutedWork(unit: Unit, call: CallRow, actor: Actor): Promise<void> {
  if (call.work_item_id === null) return;
  // A callback call's end is its attempt's outcome (callback-outcomes.ts): a machine is no answer.
  if (call.outcome === 'callback-call' || call.outcome === 'machine') return;
  const item = await unit.db
    .selectFrom('work_items')
    .select(['status', 'kind', 'advisor_id'])
    .where('id', '=', call.work_item_id)
    .executeTakeFirst();
  // An item already closed is left alone: the conversation may hold a callback by now.
  if (!item || !live.includes(item.status as WorkStatus)) return;
  if (item.status === 'assigned' && call.answered_at !== null)
    await completeWork(unit, call.conversation_id!, actor);
  else if (item.kind === 'call' && (item.status === 'waiting' || call.answered_at === null))
    // The caller hung up on hold, or before the call was put through (offered, or taken with "Take
    // this case"): gone from the queue and from whoever held it; the missed call stays on the
    // timeline.
    await withdrawWork(unit, call.conversation_id!, actor);
}

/**
 * Closes calls whose hangup never came: ringing or queued for longer than `ringingMs`, or in progress
 * for longer than `openMs`. Answers how many were closed.
 */
export async function sweepCalls(
  unit: Unit,
  options: { readonly ringingMs: number; readonly openMs: number },
): Promise<number> {
  const stale = await unit.db
    .selectFrom('calls')
    .selectAll()
    .where('ended_at', 'is', null)
    .where((eb) =>
      eb.or([
        eb.and([eb('state', '=', 'in-progress'), eb('updated_at', '<', unit.now - options.openMs)]),
        eb.and([
          eb('state', '!=', 'in-progress'),
          eb('updated_at', '<', unit.now - options.ringingMs),
        ]),
      ]),
    )
    .orderBy('updated_at')
    .limit(500)
    .execute();
  let closed = 0;
  for (const call of stale) {
    const answered = call.state === 'in-progress';
    const moved = await moveCall(
      unit,
      call,
      { state: answered ? 'completed' : 'no-answer', endedBy: 'sweeper' },
      { type: 'system', id: null },
    );
    if (moved) closed++;
  }
  return closed;
}
