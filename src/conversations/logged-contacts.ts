/**
 * Contacts that happened outside Rapport's own lines, logged by the advisor who had them: a phone
 * call (inbound or outbound, how long, what it came to, notes) or a visit to a shop (which shop,
 * notes). Each becomes an interaction on the case, on the customer's timeline like any other.
 */
import type { InteractionRow } from '../platform/db/schema.ts';
import type { Unit } from '../platform/db/writer.ts';
import type { Actor } from '../platform/events/event.ts';
import { Invalid } from '../platform/errors.ts';
import type { Viewer } from '../advisors/access.ts';
import { scopeOf, visibleConversation } from './conversations.ts';
import { markRead } from './case-reads.ts';
import type { WrapUpOutcome } from '../api-types/conversations.ts';

/** The provider name of calls logged by hand (their provider call id is `logged-<interaction>`). */
export const loggedCallProvider = 'logged';

/** Longest call one can log: a whole day. */
export const maxLoggedCallSeconds = 86_400;

export interface CallLog {
  readonly direction: 'inbound' | 'outbound';
  readonly durationSeconds: number;
  readonly outcome: WrapUpOutcome;
  readonly notes: string;
}

export interface VisitLog {
  readonly shopId: number;
  readonly notes: string;
}

async function insertLogged(
  unit: Unit,
  conversationId: number,
  viewer: Viewer,
  values: {
    readonly kind: 'call' | 'shop_visit';
    readonly channel: 'voice' | 'shop';
    readonly direction: 'inbound' | 'outbound';
    readonly text: string;
    readonly at: number;
  },
): Promise<InteractionRow> {
  const conversation = await visibleConversation(unit.db, conversationId, viewer);
  const row = await unit.db
    .insertInto('interactions')
    .values({
      conversation_id: conversationId,
      customer_id: conversation.customer_id,
      channel: values.channel,
      kind: values.kind,
      direction: values.direction,
      author_type: 'advisor',
      author_id: viewer.id,
      text: values.text,
      html: null,
      attachments: '[]',
      provider: null,
      provider_id: null,
      is_private: 0,
      delivery_state: 'none',
      // An outbound call reached the customer when it was made.
      sent_at: values.direction === 'outbound' ? values.at : null,
      created_at: values.at,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await unit.db
    .updateTable('conversations')
    .set({ last_interaction_at: unit.now, updated_at: unit.now })
    .where('id', '=', conversationId)
    .execute();
  await markRead(unit, conversationId, viewer);
  return row;
}

/** Logs a call the advisor had with the customer of this case, with its wrap-up (outcome, notes). */
export async function logCall(
  unit: Unit,
  conversationId: number,
  call: CallLog,
  viewer: Viewer,
  actor: Actor,
): Promise<InteractionRow> {
  if (call.durationSeconds > maxLoggedCallSeconds)
    throw new Invalid('durationSeconds', 'must be at most a day');
  const notes = call.notes.trim();
  const started = unit.now - call.durationSeconds * 1000;
  const row = await insertLogged(unit, conversationId, viewer, {
    kind: 'call',
    channel: 'voice',
    direction: call.direction,
    // The notes are the call's wrap-up, shown once with it.
    text:
      call.direction === 'inbound'
        ? 'Call from the customer, logged by hand'
        : 'Call to the customer, logged by hand',
    at: started,
  });
  const stored = await unit.db
    .insertInto('calls')
    .values({
      provider: loggedCallProvider,
      provider_call_id: `logged-${row.id}`,
      account_id: null,
      direction: call.direction,
      from_number: '',
      to_number: '',
      customer_id: row.customer_id,
      conversation_id: conversationId,
      interaction_id: row.id,
      work_item_id: null,
      advisor_id: viewer.id,
      state: 'completed',
      ended_by: null,
      outcome: call.outcome,
      started_at: started,
      answered_at: started,
      ended_at: unit.now,
      duration_seconds: call.durationSeconds,
      recording_url: null,
      recording_sid: null,
      recording_sha256: null,
      recording_state: null,
      callback_item_id: null,
      updated_at: unit.now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await unit.db
    .insertInto('call_wrap_ups')
    .values({
      call_id: stored.id,
      advisor_id: viewer.id,
      outcome: call.outcome,
      notes,
      hard: 0,
      created_at: unit.now,
      updated_at: unit.now,
    })
    .execute();
  await recordLogged(unit, row, actor, {
    direction: call.direction,
    durationSeconds: call.durationSeconds,
    outcome: call.outcome,
  });
  return row;
}

/** Logs a visit the customer of this case made to a shop. */
export async function logVisit(
  unit: Unit,
  conversationId: number,
  visit: VisitLog,
  viewer: Viewer,
  actor: Actor,
): Promise<InteractionRow> {
  const shop = await unit.db
    .selectFrom('shops')
    .select(['id', 'name'])
    .where('id', '=', visit.shopId)
    .executeTakeFirst();
  if (!shop) throw new Invalid('shopId', 'no such shop');
  const notes = visit.notes.trim();
  const row = await insertLogged(unit, conversationId, viewer, {
    kind: 'shop_visit',
    channel: 'shop',
    direction: 'inbound',
    text: notes ? `Visit at ${shop.name}: ${notes}` : `Visit at ${shop.name}`,
    at: unit.now,
  });
  await unit.db
    .insertInto('logged_visits')
    .values({ interaction_id: row.id, shop_id: shop.id })
    .execute();
  await recordLogged(unit, row, actor, { shopId: shop.id });
  return row;
}

async function recordLogged(
  unit: Unit,
  row: InteractionRow,
  actor: Actor,
  details: Record<string, unknown>,
): Promise<void> {
  const conversation = await unit.db
    .selectFrom('conversations')
    .selectAll()
    .where('id', '=', row.conversation_id)
    .executeTakeFirstOrThrow();
  await unit.record({
    type: 'interaction.logged',
    actor,
    entity: { type: 'interaction', id: row.id },
    scope: scopeOf(conversation),
    after: {
      channel: row.channel,
      kind: row.kind,
      conversationId: row.conversation_id,
      ...details,
    },
  });
}
