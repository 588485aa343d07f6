/**
 * Work items, the rows routing hands out: a case enters the queue after an inbound contact
 * (`queueWork`), leaves it when answered (`completeWork`) or snoozed (`withdrawWork`).
 */
import { sql, type Kysely } from 'kysely';
import type { Database, WorkItemRow } from '../platform/db/schema.ts';
import type { Unit } from '../platform/db/writer.ts';
import type { Actor } from '../platform/events/event.ts';
import { NotFound, RetryableConflict } from '../platform/errors.ts';
import {
  channelOfKind,
  interactionKinds,
  kindOfChannel,
  type InteractionKind,
} from '../conversations/interactions.ts';
import { activeStatuses } from '../conversations/conversations.ts';
import { deadlineFor, affinityUntilFor, countsBusinessTime } from './policy.ts';
import { loadRoutingLevels } from './service-levels.ts';
import { businessCalendarOf } from './team-calendars.ts';
import {
  DEFAULT_ROUTING_OPTIONS,
  type Channel,
  type RoutingOptions,
  type WorkItemKind,
} from './types.ts';

export type WorkStatus = 'waiting' | 'offered' | 'assigned' | 'done' | 'withdrawn';
/** Statuses of an item still in play: waiting, offered or held by an advisor. */
export const live: WorkStatus[] = ['waiting', 'offered', 'assigned'];

/** What routing hands out on each channel; calls and callbacks are voice, tickets the shop. */
const workKindOfChannel: Readonly<Record<Channel, WorkItemKind>> = {
  email: 'message',
  chat: 'chat',
  voice: 'call',
  sms: 'message',
  social: 'message',
  shop: 'shop_ticket',
};

/**
 * What routing hands out for an inbound interaction of this kind: its channel from the one
 * kind → channel map, and the work that channel means. Notes (and unknown kinds) route nothing.
 */
export function workFor(
  interactionKind: string,
): { kind: WorkItemKind; channel: Channel } | undefined {
  if (!(interactionKinds as readonly string[]).includes(interactionKind)) return undefined;
  const channel = channelOfKind[interactionKind as InteractionKind];
  if (channel === 'internal') return undefined;
  return { kind: workKindOfChannel[channel], channel };
}

const priorityRank: Record<string, number> = { low: 0, normal: 1, high: 2, urgent: 3 };

/**
 * Puts a case in the queue after an inbound contact, unless it already waits or is being handled.
 * The item keeps the case's team (as a `team:<id>` skill), the customer's language, and the owner or
 * last advisor for continuity.
 */
export async function queueWork(
  unit: Unit,
  conversationId: number,
  interactionKind: string,
  options: Partial<RoutingOptions> = {},
): Promise<number | null> {
  const work = workFor(interactionKind);
  if (!work) return null;
  const existing = await unit.db
    .selectFrom('work_items')
    .select('id')
    .where('conversation_id', '=', conversationId)
    .where('status', 'in', live)
    .executeTakeFirst();
  if (existing) return existing.id;
  const conversation = await unit.db
    .selectFrom('conversations')
    .innerJoin('customers', 'customers.id', 'conversations.customer_id')
    .select([
      'conversations.id',
      'conversations.customer_id',
      'conversations.team_id',
      'conversations.shop_id',
      'conversations.owner_id',
      'conversations.priority',
      'customers.last_advisor_id',
      'customers.language',
    ])
    .where('conversations.id', '=', conversationId)
    .executeTakeFirst();
  if (!conversation) throw new NotFound('conversation');
  // The promises the admin set (a caller such as the simulator may pass its own), and for written
  // channels the team's calendar, so the deadline counts business hours.
  const policy = (options.serviceLevels ?? (await loadRoutingLevels(unit.db)))[work.channel];
  const calendar = countsBusinessTime(work.channel)
    ? await businessCalendarOf(unit.db, conversation.team_id)
    : undefined;
  const item = { createdAt: unit.now, channel: work.channel };
  const deadlineAt = deadlineFor(item, policy, calendar);
  const preferred = conversation.owner_id ?? conversation.last_advisor_id;
  const row = await unit.db
    .insertInto('work_items')
    .values({
      kind: work.kind,
      channel: work.channel,
      conversation_id: conversation.id,
      customer_id: conversation.customer_id,
      team_id: conversation.team_id,
      shop_id: conversation.shop_id,
      skills: JSON.stringify(conversation.team_id === null ? [] : [`team:${conversation.team_id}`]),
      language: conversation.language,
      priority: priorityRank[conversation.priority] ?? 1,
      hard: 0,
      created_at: unit.now,
      deadline_at: deadlineAt,
      preferred_advisor_id: preferred,
      affinity_until: preferred === null ? null : affinityUntilFor(item, policy),
      status: 'waiting',
      advisor_id: null,
      offered_at: null,
      offer_expires_at: null,
      accepted_at: null,
      completed_at: null,
      callback_number: null,
      updated_at: unit.now,
    })
    // A concurrent inbound on the same case may have queued it since we looked: the index keeps one.
    .onConflict((oc) =>
      oc
        .column('conversation_id')
        .where(sql<boolean>`status in ('waiting', 'offered', 'assigned')`)
        .doNothing(),
    )
    .returning('id')
    .executeTakeFirst();
  if (!row) throw new RetryableConflict('work item queued concurrently');
  await unit.record({
    type: 'work-item.queued',
    actor: { type: 'system', id: null },
    entity: { type: 'work_item', id: row.id },
    scope: {
      conversationId: conversation.id,
      customerId: conversation.customer_id,
      teamId: conversation.team_id,
      shopId: conversation.shop_id,
      ownerId: conversation.owner_id,
    },
    after: {
      channel: work.channel,
      kind: work.kind,
      deadlineAt: new Date(deadlineAt).toISOString(),
    },
  });
  return row.id;
}

/** Closes the live work item of a case (answered, resolved): the advisor's capacity frees up. */
export async function completeWork(
  unit: Unit,
  conversationId: number,
  actor: Actor,
  options: { readonly hard?: boolean } = {},
): Promise<void> {
  const item = await unit.db
    .selectFrom('work_items')
    .selectAll()
    .where('conversation_id', '=', conversationId)
    .where('status', 'in', live)
    .executeTakeFirst();
  if (!item) return;
  await unit.db
    .updateTable('work_items')
    .set({
      status: 'done',
      completed_at: unit.now,
      updated_at: unit.now,
      hard: options.hard ? 1 : item.hard,
    })
    .where('id', '=', item.id)
    .where('status', 'in', live)
    .execute();
  if (item.advisor_id !== null && (options.hard || item.hard)) {
    await unit.db
      .updateTable('advisor_states')
      .set({ recovery_until: unit.now + DEFAULT_ROUTING_OPTIONS.recoveryMs, updated_at: unit.now })
      .where('advisor_id', '=', item.advisor_id)
      .execute();
  }
  await unit.record({
    type: 'work-item.done',
    actor,
    entity: { type: 'work_item', id: item.id },
    scope: scopeOf(item),
  });
}

/** Whether an advisor has taken the case's live work item (accepted it, or was assigned it). */
export async function isTaken(unit: Unit, conversationId: number): Promise<boolean> {
  const item = await unit.db
    .selectFrom('work_items')
    .select('id')
    .where('conversation_id', '=', conversationId)
    .where('status', '=', 'assigned')
    .executeTakeFirst();
  return item !== undefined;
}

/**
 * A case whose snooze ended (its time came, or an advisor woke it) waits for us again: it is marked
 * Pending us (the one rule of `waits.ts`) and queued, so the waiting list, the queue panel, the wall
 * and routing all have it. A resolved or closed case stays as it is.
 */
export async function wakeCase(
  unit: Unit,
  conversationId: number,
  actor: Actor,
  options: Partial<RoutingOptions> = {},
): Promise<void> {
  const before = await unit.db
    .selectFrom('conversations')
    .selectAll()
    .where('id', '=', conversationId)
    .executeTakeFirst();
  if (!before || !(activeStatuses as readonly string[]).includes(before.status)) return;
  if (before.status !== 'pending_us') {
    await unit.db
      .updateTable('conversations')
      .set({ status: 'pending_us', updated_at: unit.now })
      .where('id', '=', conversationId)
      .execute();
    await unit.record({
      type: 'conversation.updated',
      actor,
      entity: { type: 'conversation', id: conversationId },
      scope: {
        conversationId,
        customerId: before.customer_id,
        teamId: before.team_id,
        shopId: before.shop_id,
        ownerId: before.owner_id,
      },
      before: { status: before.status },
      after: { status: 'pending_us' },
    });
  }
  await queueWork(
    unit,
    conversationId,
    kindOfChannel[before.origin_channel as Channel] ?? 'email',
    options,
  );
}

/**
 * An advisor takes a case ("Take this case"): its queued work item (waiting, or offered to someone)
 * becomes theirs, so nobody else is offered it and a caller on hold is put through to them. Work an
 * advisor already holds stays with them. Returns the item settled, if any.
 */
export async function takeWork(
  unit: Unit,
  conversationId: number,
  advisorId: number,
  actor: Actor,
): Promise<number | null> {
  const item = await unit.db
    .selectFrom('work_items')
    .selectAll()
    .where('conversation_id', '=', conversationId)
    .where('status', 'in', ['waiting', 'offered'])
    .executeTakeFirst();
  if (!item) return null;
  const result = await unit.db
    .updateTable('work_items')
    .set({
      status: 'assigned',
      advisor_id: advisorId,
      offered_at: item.offered_at ?? unit.now,
      offer_expires_at: null,
      accepted_at: unit.now,
      due_at: null,
      updated_at: unit.now,
    })
    .where('id', '=', item.id)
    .where('status', '=', item.status)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) throw new RetryableConflict('work item moved meanwhile');
  await unit.record({
    // Taken is accepted: a callback's call is placed, a chat's visitor hears who joined.
    type: 'work-item.accepted',
    actor,
    entity: { type: 'work_item', id: item.id },
    scope: { ...scopeOf(item), ownerId: advisorId },
    before: { status: item.status, advisorId: item.advisor_id },
    after: { status: 'assigned', advisorId, taken: true },
  });
  return item.id;
}

/** A snoozed case leaves the queue: its live work item is withdrawn and the advisor's capacity frees up. */
export async function withdrawWork(
  unit: Unit,
  conversationId: number,
  actor: Actor,
): Promise<void> {
  const items = await unit.db
    .selectFrom('work_items')
    .selectAll()
    .where('conversation_id', '=', conversationId)
    .where('status', 'in', live)
    .execute();
  for (const item of items) {
    await unit.db
      .updateTable('work_items')
      .set({ status: 'withdrawn', completed_at: unit.now, updated_at: unit.now })
      .where('id', '=', item.id)
      .where('status', '=', item.status)
      .execute();
    await unit.record({
      type: 'work-item.withdrawn',
      actor,
      entity: { type: 'work_item', id: item.id },
      scope: scopeOf(item),
    });
  }
}

/** The audit scope of a work item's events: its case, customer, team, shop and advisor. */
export function scopeOf(item: WorkItemRow) {
  return {
    conversationId: item.conversation_id,
    customerId: item.customer_id,
    teamId: item.team_id,
    shopId: item.shop_id,
    ownerId: item.advisor_id,
  };
}

/** The items an advisor holds now (offered or assigned), with their case and customer, by deadline. */
export function heldWork(db: Kysely<Database>, advisorId: number) {
  return db
    .selectFrom('work_items')
    .innerJoin('conversations', 'conversations.id', 'work_items.conversation_id')
    .innerJoin('customers', 'customers.id', 'work_items.customer_id')
    .select([
      'work_items.id',
      'work_items.kind',
      'work_items.channel',
      'work_items.status',
      'work_items.conversation_id',
      'work_items.customer_id',
      'work_items.created_at',
      'work_items.deadline_at',
      'work_items.offered_at',
      'work_items.accepted_at',
      'work_items.offer_expires_at',
      'work_items.priority',
      'work_items.callback_number',
      'conversations.subject',
      'customers.display_name',
    ])
    .where('work_items.advisor_id', '=', advisorId)
    .where('work_items.status', 'in', ['offered', 'assigned'])
    .orderBy('work_items.deadline_at')
    .execute();
}
