/**
 * Routing on the database: work items and presence are rows; every decision is one transaction that
 * loads a snapshot, asks the pure engine (`chooseAssignments`) and writes the offers with guarded
 * updates. On PostgreSQL a transaction-scoped advisory lock serialises dispatch across nodes, so two
 * nodes never offer the same item twice nor overfill an advisor.
 */
import { sql, type Kysely } from 'kysely';
import type { Database, WorkItemRow } from '../platform/db/schema.ts';
import type { StorageDialect } from '../platform/db/dialects/storage-dialect.ts';
import type { Unit } from '../platform/db/writer.ts';
import type { Actor } from '../platform/events/event.ts';
import { Conflict, Invalid, NotFound, RetryableConflict } from '../platform/errors.ts';
import { chooseAssignments } from './assign-work.ts';
import { kindOfChannel } from '../conversations/interactions.ts';
import { createOccupancyLedger, recordUtilization } from './occupancy-ledger.ts';
import { estimateWait, shouldOfferCallback } from './estimate.ts';
import { deadlineFor, affinityUntilFor } from './policy.ts';
import {
  CHANNELS,
  DEFAULT_ROUTING_OPTIONS,
  type AdvisorState,
  type Assignment,
  type Channel,
  type ChannelCounts,
  type Presence,
  type RoutingOptions,
  type WorkItem,
  type WorkItemKind,
} from './types.ts';
import type { QueueFigures } from '../api-types/routing.ts';

export const presences: readonly Presence[] = ['available', 'busy', 'wrap_up', 'break', 'offline'];
export type WorkStatus = 'waiting' | 'offered' | 'assigned' | 'done' | 'withdrawn';
const live: WorkStatus[] = ['waiting', 'offered', 'assigned'];
/** An advisor who lets an offer time out is probably away: no new offers for this long (as the simulator assumes). */
export const missedOfferPauseMs = 30_000;

/** Capacity an advisor starts with: one call, three chats, five written messages; shop advisors serve the desk. */
export function defaultCapacity(role: string): ChannelCounts {
  if (role === 'shop_advisor') return { voice: 1, chat: 2, email: 3, sms: 3, social: 3, shop: 1 };
  return { voice: 1, chat: 3, email: 5, sms: 5, social: 5, shop: 0 };
}

/** What routing hands out for each kind of inbound interaction. */
export function workFor(
  interactionKind: string,
): { kind: WorkItemKind; channel: Channel } | undefined {
  switch (interactionKind) {
    case 'email':
      return { kind: 'message', channel: 'email' };
    case 'chat_message':
      return { kind: 'chat', channel: 'chat' };
    case 'call':
      return { kind: 'call', channel: 'voice' };
    case 'sms':
      return { kind: 'message', channel: 'sms' };
    case 'social_post':
    case 'social_dm':
      return { kind: 'message', channel: 'social' };
    case 'shop_visit':
      return { kind: 'shop_ticket', channel: 'shop' };
    default:
      return undefined;
  }
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
  const policy = (options.serviceLevels ?? DEFAULT_ROUTING_OPTIONS.serviceLevels)[work.channel];
  const item = { createdAt: unit.now };
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
      deadline_at: deadlineFor(item, policy),
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
      deadlineAt: new Date(deadlineFor(item, policy)).toISOString(),
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

function scopeOf(item: WorkItemRow) {
  return {
    conversationId: item.conversation_id,
    customerId: item.customer_id,
    teamId: item.team_id,
    shopId: item.shop_id,
    ownerId: item.advisor_id,
  };
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
  if (presence === 'break' || presence === 'offline') {
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

async function liveItemOf(
  unit: Unit,
  itemId: number,
  advisorId: number,
  status: WorkStatus,
): Promise<WorkItemRow> {
  const item = await unit.db
    .selectFrom('work_items')
    .selectAll()
    .where('id', '=', itemId)
    .executeTakeFirst();
  if (!item || item.advisor_id !== advisorId) throw new NotFound('work item');
  if (item.status !== status) throw new Conflict(`the work item is ${item.status}, not ${status}`);
  return item;
}

/** The advisor takes the offered item: it is theirs and the case gets them as owner if it had none. */
export async function acceptOffer(unit: Unit, itemId: number, advisorId: number): Promise<void> {
  const item = await liveItemOf(unit, itemId, advisorId, 'offered');
  // Guarded: a routing round on another node may be taking the expired offer back right now.
  const result = await unit.db
    .updateTable('work_items')
    .set({
      status: 'assigned',
      accepted_at: unit.now,
      offer_expires_at: null,
      updated_at: unit.now,
    })
    .where('id', '=', itemId)
    .where('status', '=', 'offered')
    .where('advisor_id', '=', advisorId)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) throw new Conflict('the offer has moved on');
  await unit.db
    .updateTable('conversations')
    .set({ owner_id: advisorId, updated_at: unit.now })
    .where('id', '=', item.conversation_id)
    .where('owner_id', 'is', null)
    .execute();
  await unit.record({
    type: 'work-item.accepted',
    actor: { type: 'advisor', id: advisorId },
    entity: { type: 'work_item', id: itemId },
    scope: scopeOf(item),
  });
}

/** The advisor lets the offer go: the item returns to its place in the ordering, no longer held for them. */
export async function declineOffer(unit: Unit, itemId: number, advisorId: number): Promise<void> {
  const item = await liveItemOf(unit, itemId, advisorId, 'offered');
  if (!(await returnToQueue(unit, item))) throw new Conflict('the offer has moved on');
  await unit.record({
    type: 'work-item.declined',
    actor: { type: 'advisor', id: advisorId },
    entity: { type: 'work_item', id: itemId },
    scope: scopeOf(item),
  });
}

/** Puts an offered item back in the queue; false when it is no longer this offer (accepted, moved on). */
async function returnToQueue(
  unit: Unit,
  item: WorkItemRow,
  options: { readonly keepPreference?: boolean } = {},
): Promise<boolean> {
  const forget = !options.keepPreference && item.preferred_advisor_id === item.advisor_id;
  const result = await unit.db
    .updateTable('work_items')
    .set({
      status: 'waiting',
      advisor_id: null,
      offered_at: null,
      offer_expires_at: null,
      updated_at: unit.now,
      ...(forget ? { preferred_advisor_id: null, affinity_until: null } : {}),
    })
    .where('id', '=', item.id)
    .where('status', '=', 'offered')
    .where('advisor_id', '=', item.advisor_id ?? -1)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

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

function toEngineItem(row: WorkItemRow): WorkItem {
  return {
    id: String(row.id),
    kind: row.kind as WorkItemKind,
    channel: row.channel as Channel,
    customerId: String(row.customer_id),
    skills: JSON.parse(row.skills) as string[],
    ...(row.language ? { language: row.language } : {}),
    priority: row.priority,
    createdAt: row.created_at,
    deadlineAt: row.deadline_at,
    ...(row.preferred_advisor_id !== null
      ? { preferredAdvisorId: String(row.preferred_advisor_id) }
      : {}),
    ...(row.affinity_until !== null ? { affinityUntil: row.affinity_until } : {}),
    hard: row.hard === 1,
  };
}

/** Loads the advisors routing may use now, with their load and the last hour of occupancy. */
async function loadAdvisors(
  db: Kysely<Database>,
  now: number,
  windowMs: number,
): Promise<AdvisorState[]> {
  const rows = await db
    .selectFrom('advisor_states')
    .innerJoin('advisors', 'advisors.id', 'advisor_states.advisor_id')
    .select([
      'advisors.id',
      'advisors.skills',
      'advisors.languages',
      'advisors.team_id',
      'advisors.active',
      'advisor_states.presence',
      'advisor_states.capacity',
      'advisor_states.idle_since',
      'advisor_states.recovery_until',
    ])
    .where('advisor_states.presence', 'in', ['available', 'busy'])
    .where('advisors.active', '=', 1)
    .execute();
  if (rows.length === 0) return [];
  const work = await db
    .selectFrom('work_items')
    .select(['advisor_id', 'channel', 'status', 'offered_at', 'completed_at'])
    .where(
      'advisor_id',
      'in',
      rows.map((r) => r.id),
    )
    .where((eb) =>
      eb.or([eb('status', 'in', ['offered', 'assigned']), eb('completed_at', '>', now - windowMs)]),
    )
    .execute();
  return rows.map((row) => {
    const capacity = JSON.parse(row.capacity) as ChannelCounts;
    const load: ChannelCounts = { voice: 0, chat: 0, email: 0, sms: 0, social: 0, shop: 0 };
    const changes: Array<{ at: number; delta: number }> = [];
    for (const item of work) {
      if (item.advisor_id !== row.id) continue;
      const channel = item.channel as Channel;
      const weight = capacity[channel] > 0 ? 1 / capacity[channel] : 1;
      if (item.status === 'offered' || item.status === 'assigned') load[channel]++;
      changes.push({ at: Math.max(item.offered_at ?? now, now - windowMs), delta: weight });
      if (item.completed_at !== null) changes.push({ at: item.completed_at, delta: -weight });
    }
    const ledger = createOccupancyLedger(now - windowMs);
    let level = 0;
    for (const change of changes.sort((a, b) => a.at - b.at)) {
      level += change.delta;
      recordUtilization(ledger, change.at, Math.max(0, Math.min(1, level)));
    }
    const skills = JSON.parse(row.skills) as string[];
    return {
      id: String(row.id),
      presence: row.presence as Presence,
      skills: row.team_id === null ? skills : [...skills, `team:${row.team_id}`],
      languages: JSON.parse(row.languages) as string[],
      capacity,
      load,
      idleSince: row.idle_since,
      ...(row.recovery_until !== null ? { recoveryUntil: row.recovery_until } : {}),
      ledger,
    };
  });
}

/** What one routing round did. */
export interface DispatchRound {
  /** The offers made, in the order the engine chose them. */
  readonly offers: Assignment[];
  /** Offers that timed out and went back to the queue. */
  readonly expired: number;
  /** Another node was dispatching (PostgreSQL): nothing was done; run the round again shortly. */
  readonly busy: boolean;
}

/**
 * One routing round, as one transaction: expired offers return to the queue, then every assignment the
 * engine finds is written as an offer. On PostgreSQL a transaction-scoped advisory lock lets one node
 * dispatch at a time; a node that finds it taken does nothing and says so (`busy`), rather than wait
 * while holding the row locks of the other units in its batch. Guarded updates (`status = 'waiting'`)
 * keep the round safe against accepts, declines and completions running alongside.
 */
export async function dispatchWork(
  unit: Unit,
  dialect: StorageDialect,
  options: Partial<RoutingOptions> & { readonly missedOfferPauseMs?: number } = {},
): Promise<DispatchRound> {
  const settings: RoutingOptions = { ...DEFAULT_ROUTING_OPTIONS, ...options };
  if (!(await dialect.tryRoutingLock(unit.db))) return { offers: [], expired: 0, busy: true };
  const expired = await expireOffers(unit, options.missedOfferPauseMs ?? missedOfferPauseMs);
  await wakeSnoozedCases(unit, options);
  const advisors = await loadAdvisors(unit.db, unit.now, settings.occupancyWindowMs);
  if (advisors.length === 0) return { offers: [], expired, busy: false };
  const waiting = await unit.db
    .selectFrom('work_items')
    .selectAll()
    .where('status', '=', 'waiting')
    .orderBy('deadline_at')
    .limit(20_000)
    .execute();
  if (waiting.length === 0) return { offers: [], expired, busy: false };
  const assignments = chooseAssignments(
    { items: waiting.map(toEngineItem), advisors },
    unit.now,
    settings,
  );
  const byId = new Map(waiting.map((w) => [String(w.id), w]));
  const offers: Assignment[] = [];
  for (const assignment of assignments) {
    const item = byId.get(assignment.itemId)!;
    if (await offer(unit, item, Number(assignment.advisorId), assignment, settings))
      offers.push(assignment);
  }
  return { offers, expired, busy: false };
}

/**
 * Offers not accepted in time go back to the queue; their advisor, probably away from the desk, gets
 * no new offer for `pauseMs` so the item moves on to someone else.
 */
async function expireOffers(unit: Unit, pauseMs: number): Promise<number> {
  const expired = await unit.db
    .selectFrom('work_items')
    .selectAll()
    .where('status', '=', 'offered')
    .where('offer_expires_at', '<=', unit.now)
    .execute();
  let count = 0;
  for (const item of expired) {
    if (!(await returnToQueue(unit, item))) continue;
    count++;
    if (item.advisor_id !== null) {
      const pauseUntil = unit.now + pauseMs;
      await unit.db
        .updateTable('advisor_states')
        .set({ recovery_until: pauseUntil, updated_at: unit.now })
        .where('advisor_id', '=', item.advisor_id)
        .where((eb) =>
          eb.or([eb('recovery_until', 'is', null), eb('recovery_until', '<', pauseUntil)]),
        )
        .execute();
    }
    await unit.record({
      type: 'work-item.offer-expired',
      actor: { type: 'system', id: null },
      entity: { type: 'work_item', id: item.id },
      scope: scopeOf(item),
    });
  }
  return count;
}

/** Writes one offer if the item still waits; false when something else took it first. */
async function offer(
  unit: Unit,
  item: WorkItemRow,
  advisorId: number,
  assignment: Assignment,
  settings: RoutingOptions,
): Promise<boolean> {
  const timeout = settings.serviceLevels[item.channel as Channel].offerTimeoutMs;
  const result = await unit.db
    .updateTable('work_items')
    .set({
      status: 'offered',
      advisor_id: advisorId,
      offered_at: unit.now,
      offer_expires_at: unit.now + timeout,
      updated_at: unit.now,
    })
    .where('id', '=', item.id)
    .where('status', '=', 'waiting')
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) return false;
  await unit.db
    .updateTable('advisor_states')
    .set({ idle_since: unit.now, updated_at: unit.now })
    .where('advisor_id', '=', advisorId)
    .execute();
  await unit.record({
    type: 'work-item.offered',
    actor: { type: 'system', id: null },
    entity: { type: 'work_item', id: item.id },
    // Only the advisor offered (and supervisors) hear of the offer.
    scope: {
      conversationId: item.conversation_id,
      customerId: item.customer_id,
      ownerId: advisorId,
    },
    after: {
      advisorId,
      channel: item.channel,
      kind: item.kind,
      reason: assignment.reason,
      expiresAt: new Date(unit.now + timeout).toISOString(),
    },
  });
  return true;
}

/** Per channel: who waits, for how long, and the estimated wait of a new arrival. */
export async function queueFigures(
  db: Kysely<Database>,
  now: number,
  options: {
    readonly teamId?: number | null;
    readonly serviceLevels?: RoutingOptions['serviceLevels'];
  } = {},
): Promise<QueueFigures[]> {
  let waitingQuery = db
    .selectFrom('work_items')
    .select(['channel', 'created_at'])
    .where('status', '=', 'waiting');
  if (options.teamId != null) waitingQuery = waitingQuery.where('team_id', '=', options.teamId);
  const waiting = await waitingQuery.execute();
  const advisors = await loadAdvisors(db, now, DEFAULT_ROUTING_OPTIONS.occupancyWindowMs);
  const recent = await db
    .selectFrom('work_items')
    .select(['channel', 'accepted_at', 'offered_at', 'completed_at'])
    .where('status', '=', 'done')
    .where('completed_at', '>', now - 86_400_000)
    .orderBy('completed_at', 'desc')
    .limit(600)
    .execute();
  const levels = options.serviceLevels ?? DEFAULT_ROUTING_OPTIONS.serviceLevels;
  return CHANNELS.map((channel) => {
    const mine = waiting.filter((w) => w.channel === channel);
    const inTeam =
      options.teamId != null
        ? advisors.filter((a) => a.skills.includes(`team:${options.teamId}`))
        : advisors;
    const slotsOnShift = inTeam.reduce((sum, a) => sum + a.capacity[channel], 0);
    const freeSlots = inTeam.reduce(
      (sum, a) => sum + Math.max(0, a.capacity[channel] - a.load[channel]),
      0,
    );
    const handleTimes = recent
      .filter((r) => r.channel === channel && r.completed_at !== null)
      .slice(0, 50)
      .map((r) => r.completed_at! - (r.accepted_at ?? r.offered_at ?? r.completed_at!));
    const estimate = estimateWait(
      { channel, waiting: mine.length, freeSlots },
      handleTimes,
      slotsOnShift,
    );
    return {
      channel,
      waiting: mine.length,
      longestWaitMs: mine.reduce((max, w) => Math.max(max, now - w.created_at), 0),
      estimatedWaitMs: Number.isFinite(estimate) ? Math.round(estimate) : null,
      freeSlots,
      slotsOnShift,
      offerCallback:
        (channel === 'voice' || channel === 'chat') &&
        shouldOfferCallback(
          Number.isFinite(estimate) ? estimate : Infinity,
          levels[channel].thresholdMs,
        ),
    };
  });
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

/**
 * Cases whose snooze ran out come back: the snooze is cleared and, if the case still waits on us,
 * it is queued again (a customer who wrote meanwhile already queued it).
 */
async function wakeSnoozedCases(unit: Unit, options: Partial<RoutingOptions>): Promise<void> {
  const due = await unit.db
    .selectFrom('conversations')
    .select(['id', 'status', 'origin_channel'])
    .where('snoozed_until', 'is not', null)
    .where('snoozed_until', '<=', unit.now)
    .limit(500)
    .execute();
  for (const conversation of due) {
    await unit.db
      .updateTable('conversations')
      .set({ snoozed_until: null, snoozed_at: null })
      .where('id', '=', conversation.id)
      .execute();
    if (conversation.status === 'open' || conversation.status === 'pending_us') {
      await queueWork(
        unit,
        conversation.id,
        kindOfChannel[conversation.origin_channel as Channel] ?? 'email',
        options,
      );
    }
  }
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

export type { QueueFigures };
