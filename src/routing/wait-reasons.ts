/**
 * Why work waits, in routing's own terms: the round the engine would run now is run on a copy, and
 * every item it would not offer is explained against the advisors as that round leaves them.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../platform/db/schema.ts';
import type { DeclineInForce, WaitReason, WaitingWork } from '../api-types/routing.ts';
import { chooseAssignments } from './assign-work.ts';
import { loadAdvisors } from './advisor-load.ts';
import { toEngineItem } from './dispatch-round.ts';
import { declinesInForce } from './offers.ts';
import { canHoldFor, freeCapacity, hasDeclined, isQualified, isRoutable } from './policy.ts';
import {
  DEFAULT_ROUTING_OPTIONS,
  type AdvisorState,
  type Channel,
  type RoutingOptions,
  type WorkItem,
} from './types.ts';

/** A reason before names are looked up: advisor and team by id, times in epoch milliseconds. */
export interface WaitCause {
  readonly code: WaitReason['code'];
  readonly until: number | null;
  readonly advisorId: string | null;
}

/**
 * Why one item is not offered (pure), against the advisors on shift after this round's offers:
 * held for its own advisor; nobody qualified on shift; everyone qualified at capacity; those with
 * room declined it; or those with room are pausing (recovery, a missed offer).
 */
export function causeOf(
  item: WorkItem,
  advisors: readonly AdvisorState[],
  now: number,
  declineUntil: ReadonlyMap<string, number> = new Map(),
): WaitCause {
  const preferred = advisors.find((a) => a.id === item.preferredAdvisorId);
  if (
    preferred &&
    item.affinityUntil !== undefined &&
    item.affinityUntil > now &&
    canHoldFor(preferred, item) &&
    !hasDeclined(item, preferred.id)
  )
    return { code: 'held_for_advisor', until: item.affinityUntil, advisorId: preferred.id };
  const qualified = advisors.filter((a) => isQualified(a, item));
  if (qualified.length === 0) return { code: 'nobody_on_shift', until: null, advisorId: null };
  const withRoom = qualified.filter((a) => freeCapacity(a, item.channel) > 0);
  if (withRoom.length === 0) return { code: 'at_capacity', until: null, advisorId: null };
  const willing = withRoom.filter((a) => !hasDeclined(item, a.id));
  if (willing.length === 0) {
    const untils = withRoom.map((a) => declineUntil.get(a.id) ?? now);
    const soonest = Math.min(...untils);
    return { code: 'declined', until: soonest, advisorId: withRoom[untils.indexOf(soonest)]!.id };
  }
  const pausing = willing.filter((a) => !isRoutable(a, now));
  if (pausing.length === willing.length) {
    const until = Math.min(...pausing.map((a) => a.recoveryUntil ?? now));
    return { code: 'pausing', until, advisorId: null };
  }
  return { code: 'being_offered', until: null, advisorId: null };
}

/** What `explainWaits` found: each waiting item's reason (by id, in deadline order) and the declines in force. */
export interface WaitExplanations {
  readonly items: ReadonlyArray<{
    readonly row: { id: number; conversation_id: number; channel: string; created_at: number };
    readonly why: WaitReason;
  }>;
  readonly declines: readonly DeclineInForce[];
}

/**
 * Why each waiting item that is due still waits (the first `limit` by deadline, optionally of one
 * team), with advisor and team names looked up, and the declines routing respects now.
 */
export async function explainWaits(
  db: Kysely<Database>,
  now: number,
  options: {
    readonly teamId?: number | null;
    readonly limit?: number;
    readonly routing?: Partial<RoutingOptions>;
  } = {},
): Promise<WaitExplanations> {
  const settings: RoutingOptions = { ...DEFAULT_ROUTING_OPTIONS, ...options.routing };
  let query = db
    .selectFrom('work_items')
    .selectAll()
    .where('status', '=', 'waiting')
    .where((eb) => eb.or([eb('due_at', 'is', null), eb('due_at', '<=', now)]));
  if (options.teamId != null) query = query.where('team_id', '=', options.teamId);
  const rows = await query
    .orderBy('deadline_at')
    .orderBy('id')
    .limit(options.limit ?? 200)
    .execute();
  const declines = await declinesInForce(db, now);
  const advisors = await loadAdvisors(db, now, settings.occupancyWindowMs);
  const items = rows.map((row) => {
    const item = toEngineItem(row);
    const declined = declines.get(Number(row.id));
    return declined ? { ...item, declinedBy: declined.map((d) => String(d.advisorId)) } : item;
  });
  // The round as it would run now; what it leaves waiting is explained against the advisors after it.
  const offered = new Set<string>();
  for (const a of chooseAssignments({ items, advisors }, now, settings)) {
    offered.add(a.itemId);
    const advisor = advisors.find((x) => x.id === a.advisorId);
    if (advisor) advisor.load[a.channel as Channel] += 1;
  }
  const causes = items.map((item) => {
    if (offered.has(item.id))
      return { code: 'being_offered', until: null, advisorId: null } as WaitCause;
    const until = new Map(
      (declines.get(Number(item.id)) ?? []).map((d) => [String(d.advisorId), d.until]),
    );
    return causeOf(item, advisors, now, until);
  });

  const declineRows = await db
    .selectFrom('offer_declines')
    .innerJoin('work_items', 'work_items.id', 'offer_declines.work_item_id')
    .innerJoin('customers', 'customers.id', 'work_items.customer_id')
    .select([
      'offer_declines.work_item_id',
      'offer_declines.advisor_id',
      'offer_declines.declined_at',
      'offer_declines.until',
      'work_items.conversation_id',
      'customers.display_name',
    ])
    .where('offer_declines.until', '>', now)
    .where('work_items.status', 'in', ['waiting', 'offered'])
    .orderBy('offer_declines.declined_at', 'desc')
    .limit(20)
    .execute();

  const advisorIds = new Set<number>(declineRows.map((d) => Number(d.advisor_id)));
  for (const c of causes) if (c.advisorId !== null) advisorIds.add(Number(c.advisorId));
  const names = new Map<number, string>();
  if (advisorIds.size > 0)
    for (const a of await db
      .selectFrom('advisors')
      .select(['id', 'name'])
      .where('id', 'in', [...advisorIds])
      .execute())
      names.set(Number(a.id), a.name);
  const teams = new Map<number, string>();
  const teamIds = [...new Set(rows.flatMap((r) => (r.team_id === null ? [] : [r.team_id])))];
  if (teamIds.length > 0)
    for (const t of await db
      .selectFrom('teams')
      .select(['id', 'name'])
      .where('id', 'in', teamIds)
      .execute())
      teams.set(Number(t.id), t.name);

  return {
    items: rows.map((row, index) => {
      const cause = causes[index]!;
      return {
        row: {
          id: Number(row.id),
          conversation_id: Number(row.conversation_id),
          channel: row.channel,
          created_at: Number(row.created_at),
        },
        why: {
          code: cause.code,
          until: cause.until === null ? null : new Date(cause.until).toISOString(),
          advisorName:
            cause.advisorId === null ? null : (names.get(Number(cause.advisorId)) ?? null),
          teamName: row.team_id === null ? null : (teams.get(Number(row.team_id)) ?? null),
        },
      };
    }),
    declines: declineRows.map((d) => ({
      workItemId: Number(d.work_item_id),
      conversationId: Number(d.conversation_id),
      customerName: d.display_name,
      advisorName: names.get(Number(d.advisor_id)) ?? 'an advisor',
      declinedAt: new Date(Number(d.declined_at)).toISOString(),
      until: new Date(Number(d.until)).toISOString(),
    })),
  };
}

/** The wall's list: the first items in line with their customer and why each waits. */
export async function waitingWork(
  db: Kysely<Database>,
  now: number,
  explained: WaitExplanations,
  limit = 10,
): Promise<WaitingWork[]> {
  const first = explained.items.slice(0, limit);
  if (first.length === 0) return [];
  const names = new Map(
    (
      await db
        .selectFrom('work_items')
        .innerJoin('customers', 'customers.id', 'work_items.customer_id')
        .select(['work_items.id', 'customers.display_name'])
        .where(
          'work_items.id',
          'in',
          first.map((e) => e.row.id),
        )
        .execute()
    ).map((r) => [Number(r.id), r.display_name]),
  );
  return first.map((e) => ({
    workItemId: e.row.id,
    conversationId: e.row.conversation_id,
    customerName: names.get(e.row.id) ?? '',
    channel: e.row.channel as Channel,
    waitMs: Math.max(0, now - e.row.created_at),
    why: e.why,
  }));
}
