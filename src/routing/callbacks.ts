/** Callbacks: a caller or chatter leaves a number instead of waiting on the line. */
import type { Unit } from '../platform/db/writer.ts';
import type { Actor } from '../platform/events/event.ts';
import { sql } from 'kysely';
import { Conflict, Invalid, NotFound, RetryableConflict } from '../platform/errors.ts';
import { normalisePhone } from '../channels/addresses.ts';
import { affinityUntilFor, deadlineFor } from './policy.ts';
import { loadRoutingLevels } from './service-levels.ts';
import { completeWork, live, scopeOf } from './work-items.ts';
import type { RoutingOptions } from './types.ts';

/**
 * A caller or chatter takes a callback: the item becomes a callback on the voice channel and keeps its
 * place (same arrival time and deadline) in the one ordering. With `dueAt` (a time the customer
 * asked for) it is not offered before then; an item that only arrived now starts its place then,
 * as an advisor's "call back at 15:00" does, while one that waited already keeps its earlier place.
 */
export async function requestCallback(
  unit: Unit,
  itemId: number,
  phone: string,
  actor: Actor,
  options: { readonly dueAt?: number | undefined } = {},
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
  const later = options.dueAt !== undefined && options.dueAt > unit.now ? options.dueAt : null;
  const shift = later !== null && item.created_at >= unit.now ? later - item.created_at : 0;
  await unit.db
    .updateTable('work_items')
    .set({
      kind: 'callback',
      channel: 'voice',
      callback_number: phone,
      ...(later !== null ? { due_at: later } : {}),
      ...(shift > 0
        ? {
            created_at: item.created_at + shift,
            deadline_at: item.deadline_at + shift,
            ...(item.affinity_until !== null
              ? { affinity_until: item.affinity_until + shift }
              : {}),
          }
        : {}),
      updated_at: unit.now,
    })
    .where('id', '=', itemId)
    .execute();
  await unit.record({
    type: 'work-item.callback-requested',
    actor,
    entity: { type: 'work_item', id: itemId },
    scope: scopeOf(item),
    after: { phone, ...(later !== null ? { dueAt: new Date(later).toISOString() } : {}) },
  });
}

export interface ScheduledCallback {
  readonly itemId: number;
  readonly phone: string;
  /** When it may be offered (epoch ms); it takes its place in the ordering from then. */
  readonly dueAt: number;
}

/** How far ahead an advisor may place a callback. */
const furthestAheadMs = 90 * 24 * 60 * 60 * 1000;

/**
 * An advisor places a callback on a case ("call this customer back at 15:00"): a `callback` work item
 * on voice, not offered before `at`, that arrives in the ordering at `at` (its place is its
 * appointment: it does not jump ahead of people who queued before then), kept for the advisor who
 * placed it within the affinity window. The number is `phone` (E.164 on store) or the customer's
 * phone. The advisor's own live item on the case is done (the call they were on); a callback already
 * waiting is moved to the new time; any other live item refuses (the case waits already).
 */
export async function scheduleCallback(
  unit: Unit,
  conversationId: number,
  request: { readonly at?: number | undefined; readonly phone?: string | undefined },
  actor: Actor & { readonly type: 'advisor'; readonly id: number },
  options: { readonly defaultRegion: string } & Partial<RoutingOptions>,
): Promise<ScheduledCallback> {
  const at = request.at ?? unit.now;
  if (at < unit.now - 60_000) throw new Invalid('at', 'is in the past');
  if (at > unit.now + furthestAheadMs) throw new Invalid('at', 'is more than 90 days ahead');
  const conversation = await unit.db
    .selectFrom('conversations')
    .innerJoin('customers', 'customers.id', 'conversations.customer_id')
    .select([
      'conversations.id',
      'conversations.customer_id',
      'conversations.team_id',
      'conversations.shop_id',
      'conversations.owner_id',
      'customers.language',
    ])
    .where('conversations.id', '=', conversationId)
    .executeTakeFirst();
  if (!conversation) throw new NotFound('conversation');
  let phone: string;
  if (request.phone !== undefined) phone = normalisePhone(request.phone, options.defaultRegion);
  else {
    const known = await unit.db
      .selectFrom('identities')
      .select('value')
      .where('customer_id', '=', conversation.customer_id)
      .where('kind', '=', 'phone')
      .orderBy('id')
      .executeTakeFirst();
    if (!known) throw new Invalid('phone', 'the customer has no phone number: give one');
    phone = known.value;
  }
  const dueAt = Math.max(at, unit.now);
  const dueColumn = dueAt > unit.now ? dueAt : null;
  const policy = (options.serviceLevels ?? (await loadRoutingLevels(unit.db))).voice;
  const arrival = { createdAt: dueAt };
  const current = await unit.db
    .selectFrom('work_items')
    .selectAll()
    .where('conversation_id', '=', conversationId)
    .where('status', 'in', live)
    .executeTakeFirst();
  if (current?.kind === 'callback' && current.status === 'waiting') {
    await unit.db
      .updateTable('work_items')
      .set({
        callback_number: phone,
        due_at: dueColumn,
        created_at: dueAt,
        deadline_at: deadlineFor(arrival, policy),
        preferred_advisor_id: actor.id,
        affinity_until: affinityUntilFor(arrival, policy),
        updated_at: unit.now,
      })
      .where('id', '=', current.id)
      .where('status', '=', 'waiting')
      .execute();
    await recordScheduled(unit, current.id, conversation, phone, dueAt, actor);
    return { itemId: current.id, phone, dueAt };
  }
  if (current && !(current.status === 'assigned' && current.advisor_id === actor.id))
    throw new Conflict('the case already waits in the queue or is with another advisor');
  if (current) await completeWork(unit, conversationId, actor);
  const row = await unit.db
    .insertInto('work_items')
    .values({
      kind: 'callback',
      channel: 'voice',
      conversation_id: conversation.id,
      customer_id: conversation.customer_id,
      team_id: conversation.team_id,
      shop_id: conversation.shop_id,
      skills: JSON.stringify(conversation.team_id === null ? [] : [`team:${conversation.team_id}`]),
      language: conversation.language,
      priority: 1,
      hard: 0,
      created_at: dueAt,
      deadline_at: deadlineFor(arrival, policy),
      preferred_advisor_id: actor.id,
      affinity_until: affinityUntilFor(arrival, policy),
      status: 'waiting',
      advisor_id: null,
      offered_at: null,
      offer_expires_at: null,
      accepted_at: null,
      completed_at: null,
      callback_number: phone,
      due_at: dueColumn,
      updated_at: unit.now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await recordScheduled(unit, row.id, conversation, phone, dueAt, actor);
  return { itemId: row.id, phone, dueAt };
}

async function recordScheduled(
  unit: Unit,
  itemId: number,
  conversation: {
    id: number;
    customer_id: number;
    team_id: number | null;
    shop_id: number | null;
    owner_id: number | null;
  },
  phone: string,
  dueAt: number,
  actor: Actor,
): Promise<void> {
  await unit.record({
    // The dispatcher's trigger, as for a caller's callback.
    type: 'work-item.callback-requested',
    actor,
    entity: { type: 'work_item', id: itemId },
    scope: {
      conversationId: conversation.id,
      customerId: conversation.customer_id,
      teamId: conversation.team_id,
      shopId: conversation.shop_id,
      ownerId: conversation.owner_id,
    },
    after: { phone, dueAt: new Date(dueAt).toISOString(), placedBy: actor.id },
  });
}

/**
 * A caller who hung up on hold (their `call` item withdrawn) is called back: a new callback work item
 * on their case keeping the missed call's arrival time and deadline, so FIFO stays fair between them
 * and everyone who queued since; held for the advisor who asked within the affinity window. A
 * callback already live on the case is answered instead (`created: false`); other live work on the
 * case (they called again, or wrote) refuses: the case waits already.
 */
export async function callBackMissed(
  unit: Unit,
  missedItemId: number,
  phone: string,
  actor: Actor & { readonly type: 'advisor'; readonly id: number },
  options: Partial<RoutingOptions> = {},
): Promise<{ readonly itemId: number; readonly created: boolean }> {
  const missed = await unit.db
    .selectFrom('work_items')
    .selectAll()
    .where('id', '=', missedItemId)
    .executeTakeFirst();
  if (!missed) throw new NotFound('work item');
  if (missed.kind !== 'call' || missed.status !== 'withdrawn')
    throw new Conflict('only a call whose caller hung up while waiting is called back this way');
  const current = await unit.db
    .selectFrom('work_items')
    .select(['id', 'kind'])
    .where('conversation_id', '=', missed.conversation_id)
    .where('status', 'in', live)
    .executeTakeFirst();
  if (current?.kind === 'callback') return { itemId: Number(current.id), created: false };
  if (current)
    throw new Conflict('the case already waits in the queue or is with an advisor', 'case-waiting');
  const policy = (options.serviceLevels ?? (await loadRoutingLevels(unit.db))).voice;
  const row = await unit.db
    .insertInto('work_items')
    .values({
      kind: 'callback',
      channel: 'voice',
      conversation_id: missed.conversation_id,
      customer_id: missed.customer_id,
      team_id: missed.team_id,
      shop_id: missed.shop_id,
      skills: missed.skills,
      language: missed.language,
      priority: missed.priority,
      hard: 0,
      // Its place in line is the missed call's: it arrived then.
      created_at: missed.created_at,
      deadline_at: missed.deadline_at,
      preferred_advisor_id: actor.id,
      affinity_until: affinityUntilFor({ createdAt: unit.now }, policy),
      status: 'waiting',
      advisor_id: null,
      offered_at: null,
      offer_expires_at: null,
      accepted_at: null,
      completed_at: null,
      callback_number: phone,
      due_at: null,
      updated_at: unit.now,
    })
    // A second press racing this one inserts the same case's live item: the index keeps one.
    .onConflict((oc) =>
      oc
        .column('conversation_id')
        .where(sql<boolean>`status in ('waiting', 'offered', 'assigned')`)
        .doNothing(),
    )
    .returning('id')
    .executeTakeFirst();
  if (!row) throw new RetryableConflict('a callback was made concurrently');
  await unit.record({
    type: 'work-item.callback-requested',
    actor,
    entity: { type: 'work_item', id: row.id },
    scope: scopeOf(missed),
    after: { phone, missedItemId, placedBy: actor.id },
  });
  return { itemId: Number(row.id), created: true };
}
