/**
 * One routing round on the database: every decision is one transaction that loads a snapshot, asks
 * the pure engine (`chooseAssignments`) and writes the offers with guarded updates. The dialect's
 * routing lock lets one node dispatch at a time, so two nodes never offer the same item twice nor
 * overfill an advisor.
 */
import type { StorageDialect } from '../platform/db/dialects/storage-dialect.ts';
import type { WorkItemRow } from '../platform/db/schema.ts';
import type { Unit } from '../platform/db/writer.ts';
import { chooseAssignments } from './assign-work.ts';
import { loadAdvisors } from './advisor-load.ts';
import { declinesInForce, expireOffers, missedOfferPauseMs } from './offers.ts';
import { wakeCase } from './work-items.ts';
import { requeueAbandonedChats } from './desk-watch.ts';
import {
  DEFAULT_ROUTING_OPTIONS,
  type Assignment,
  type Channel,
  type RoutingOptions,
  type WorkItem,
  type WorkItemKind,
} from './types.ts';

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
 * One routing round, as one transaction: expired offers return to the queue (and chats whose advisor
 * left, `desk-watch.ts`), then every assignment the engine finds is written as an offer. On
 * PostgreSQL a transaction-scoped advisory lock lets one node dispatch at a time; a node that finds it taken does nothing and says so (`busy`), rather than wait
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
  // Chats of an advisor whose desk is gone wait again, and may be offered in this same round.
  await requeueAbandonedChats(unit);
  const advisors = await loadAdvisors(unit.db, unit.now, settings.occupancyWindowMs);
  if (advisors.length === 0) return { offers: [], expired, busy: false };
  const waiting = await unit.db
    .selectFrom('work_items')
    .selectAll()
    .where('status', '=', 'waiting')
    // A callback placed for later, or pausing after a busy line, is not offered before it is due.
    .where((eb) => eb.or([eb('due_at', 'is', null), eb('due_at', '<=', unit.now)]))
    .orderBy('deadline_at')
    .limit(20_000)
    .execute();
  if (waiting.length === 0) return { offers: [], expired, busy: false };
  // Declines whose cool-off ran out are forgotten; those in force keep the item from their advisor.
  await unit.db.deleteFrom('offer_declines').where('until', '<=', unit.now).execute();
  const declines = await declinesInForce(unit.db, unit.now);
  const items = waiting.map((row) => {
    const item = toEngineItem(row);
    const declined = declines.get(Number(row.id));
    return declined ? { ...item, declinedBy: declined.map((d) => String(d.advisorId)) } : item;
  });
  const assignments = chooseAssignments({ items, advisors }, unit.now, settings);
  const byId = new Map(waiting.map((w) => [String(w.id), w]));
  const offers: Assignment[] = [];
  for (const assignment of assignments) {
    const item = byId.get(assignment.itemId)!;
    if (await offer(unit, item, Number(assignment.advisorId), assignment, settings))
      offers.push(assignment);
  }
  return { offers, expired, busy: false };
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

/** A stored work item as the engine reads it. */
export function toEngineItem(row: WorkItemRow): WorkItem {
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

/**
 * Cases whose snooze ran out come back: the snooze is cleared and the case waits for us again
 * (`wakeCase`: Pending us, queued; a customer who wrote meanwhile already queued it).
 */
async function wakeSnoozedCases(unit: Unit, options: Partial<RoutingOptions>): Promise<void> {
  const due = await unit.db
    .selectFrom('conversations')
    .select(['id'])
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
    await wakeCase(unit, conversation.id, { type: 'system', id: null }, options);
  }
}
