/**
 * Delivery states of outbound interactions, with their history: queued → sending → sent →
 * delivered → read, or failed with the provider's reason. States only move forward: a late
 * "delivered" never undoes "read", and a failure stays until an advisor retries the send.
 */
import type { Kysely } from 'kysely';
import type { ConversationRow, Database, InteractionRow } from '../platform/db/schema.ts';
import type { Unit } from '../platform/db/writer.ts';
import type { Actor } from '../platform/events/event.ts';
import { Conflict, NotFound } from '../platform/errors.ts';
import type { Viewer } from '../advisors/access.ts';
import type { DeliveryReport } from '../channels/adapter.ts';
import type { DeliveryEvent, DeliveryState } from '../api-types/conversations.ts';
import { scopeOf, visibleConversation } from './conversations.ts';

/** Where each state of an outbound interaction stands; a move goes only to a higher rank. */
const rank: Partial<Record<DeliveryState, number>> = {
  queued: 0,
  sending: 1,
  sent: 2,
  delivered: 3,
  read: 4,
};

/**
 * Whether an outbound interaction may move from `from` to `to` (pure). Forward only; a failure can
 * end a send that has not reached the customer yet, and nothing leaves `failed` but a retry.
 */
export function deliveryMayMove(from: DeliveryState, to: DeliveryState): boolean {
  const fromRank = rank[from];
  if (fromRank === undefined) return false;
  if (to === 'failed') return fromRank <= (rank.sent ?? 0);
  const toRank = rank[to];
  return toRank !== undefined && toRank > fromRank;
}

/** A delivery step as the domain hands it over. */
export interface DeliveryMove {
  readonly to: DeliveryState;
  readonly reason?: string | undefined;
  /** The provider that reports it (and, for a send, its id for the message and thread). */
  readonly provider?: string | undefined;
  readonly providerId?: string | undefined;
  /** The provider's thread for the conversation, when its send answer names one (kept if none). */
  readonly threadId?: string | undefined;
  /** When it happened at the provider; now by default. */
  readonly at?: number | undefined;
}

/**
 * Moves an outbound interaction's delivery forward and records the step in its history and as an
 * `interaction.delivery-changed` event scoped like the case. A move backwards (or out of a
 * failure) is ignored: returns false and changes nothing.
 */
export async function moveDelivery(
  unit: Unit,
  interactionId: number,
  move: DeliveryMove,
  actor: Actor,
): Promise<boolean> {
  const row = await unit.db
    .selectFrom('interactions')
    .selectAll()
    .where('id', '=', interactionId)
    .executeTakeFirst();
  if (!row || row.direction !== 'outbound') return false;
  const from = row.delivery_state as DeliveryState;
  if (!deliveryMayMove(from, move.to)) return false;
  const at = move.at ?? unit.now;
  // Reaching the customer at all means it was sent: a "delivered" report before our own "sent"
  // still gives the reply its answer time.
  const reached = move.to === 'sent' || move.to === 'delivered' || move.to === 'read';
  const updated = await unit.db
    .updateTable('interactions')
    .set({
      delivery_state: move.to,
      delivery_reason: move.to === 'failed' ? (move.reason ?? 'the send failed') : null,
      ...(reached && row.sent_at === null ? { sent_at: at } : {}),
      ...(move.providerId !== undefined
        ? { provider: move.provider ?? row.provider, provider_id: move.providerId }
        : {}),
      ...(move.threadId !== undefined && row.thread_id === null
        ? { thread_id: move.threadId }
        : {}),
    })
    .where('id', '=', interactionId)
    .where('delivery_state', '=', from)
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) === 0) return false;
  await recordStep(unit, row, from, move.to, move.reason ?? null, move.provider ?? null, at, actor);
  return true;
}

async function recordStep(
  unit: Unit,
  row: InteractionRow,
  from: DeliveryState,
  to: DeliveryState,
  reason: string | null,
  provider: string | null,
  at: number,
  actor: Actor,
): Promise<void> {
  await unit.db
    .insertInto('delivery_events')
    .values({ interaction_id: row.id, state: to, reason, provider, at })
    .execute();
  const conversation = await unit.db
    .selectFrom('conversations')
    .select(['id', 'customer_id', 'team_id', 'shop_id', 'owner_id'])
    .where('id', '=', row.conversation_id)
    .executeTakeFirstOrThrow();
  await unit.record({
    type: 'interaction.delivery-changed',
    actor,
    entity: { type: 'interaction', id: row.id },
    scope: scopeOf(conversation),
    before: { deliveryState: from },
    after: { deliveryState: to, reason, conversationId: row.conversation_id },
  });
}

/** The first step of every reply's history: it is queued for its channel. */
export async function recordQueued(unit: Unit, row: InteractionRow): Promise<void> {
  await unit.db
    .insertInto('delivery_events')
    .values({ interaction_id: row.id, state: 'queued', reason: null, provider: null, at: unit.now })
    .execute();
}

/**
 * A provider's report about a message we sent, found by its provider id. Unknown ids (a message
 * sent by another system, a report before our own record of the send) are ignored: returns false.
 */
export async function applyDeliveryReport(
  unit: Unit,
  report: DeliveryReport,
  actor: Actor,
): Promise<boolean> {
  const row = await unit.db
    .selectFrom('interactions')
    .select('id')
    .where('provider', '=', report.provider)
    .where('provider_id', '=', report.providerId)
    .where('direction', '=', 'outbound')
    .executeTakeFirst();
  if (!row) return false;
  return moveDelivery(
    unit,
    row.id,
    {
      to: report.state,
      reason: report.reason,
      provider: report.provider,
      at: report.occurredAt,
    },
    actor,
  );
}

/**
 * An advisor asks for a failed reply (or one still waiting for its channel) to be sent again: it is
 * queued afresh, with the retry in its history and the audit trail. Returns the interaction.
 */
export async function requeueDelivery(
  unit: Unit,
  interactionId: number,
  viewer: Viewer,
  actor: Actor,
): Promise<InteractionRow> {
  const { row, conversation } = await visibleInteraction(unit.db, interactionId, viewer);
  if (row.direction !== 'outbound') throw new Conflict('only a reply to the customer is sent');
  const from = row.delivery_state as DeliveryState;
  if (from !== 'failed' && from !== 'queued')
    throw new Conflict(`the reply is ${from}; only a failed or waiting reply can be retried`);
  const updated = await unit.db
    .updateTable('interactions')
    .set({ delivery_state: 'queued', delivery_reason: null })
    .where('id', '=', interactionId)
    .where('delivery_state', '=', from)
    .returningAll()
    .executeTakeFirstOrThrow();
  await recordStep(unit, row, from, 'queued', 'retried by an advisor', null, unit.now, actor);
  await unit.record({
    type: 'interaction.send-retried',
    actor,
    entity: { type: 'interaction', id: row.id },
    scope: scopeOf(conversation),
    before: { deliveryState: from, reason: row.delivery_reason },
    after: { deliveryState: 'queued' },
  });
  return updated;
}

/**
 * An interaction the viewer may see, with its case. Missing and out of scope answer alike (404), so
 * an id outside one's scope tells nothing.
 */
export async function visibleInteraction(
  db: Kysely<Database>,
  interactionId: number,
  viewer: Viewer,
): Promise<{ row: InteractionRow; conversation: ConversationRow }> {
  const row = await db
    .selectFrom('interactions')
    .selectAll()
    .where('id', '=', interactionId)
    .executeTakeFirst();
  const conversation = row
    ? await visibleConversation(db, row.conversation_id, viewer).catch(() => undefined)
    : undefined;
  if (!row || !conversation) throw new NotFound('interaction');
  return { row, conversation };
}

/** Every step of an interaction's delivery, oldest first. */
export async function deliveryHistory(
  db: Kysely<Database>,
  interactionId: number,
): Promise<DeliveryEvent[]> {
  const rows = await db
    .selectFrom('delivery_events')
    .selectAll()
    .where('interaction_id', '=', interactionId)
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    state: r.state as DeliveryState,
    reason: r.reason,
    provider: r.provider,
    at: new Date(Number(r.at)).toISOString(),
  }));
}
