import type { Expression, ExpressionBuilder, Kysely, SqlBool } from 'kysely';
import type { Database } from '../platform/db/schema.ts';
import { conversationScope, type Viewer } from '../advisors/access.ts';
import { isChannel } from '../channels/channel.ts';
import {
  activeStatuses,
  notSnoozed,
  snoozesInForce,
  type InteractionChannel,
  type Priority,
  type Status,
} from '../conversations/conversations.ts';
import { findWaits, type Wait } from './waits.ts';
import { loadPolicies, type ServiceLevelSettings } from './service-levels.ts';
import type { WaitingCase } from '../api-types/conversations.ts';

export const workViews = ['mine', 'waiting'] as const;
export type WorkView = (typeof workViews)[number];

export interface WorkFilter {
  readonly view: WorkView;
  readonly channel?: InteractionChannel | undefined;
  readonly status?: Status | undefined;
  readonly tag?: string | undefined;
  readonly teamId?: number | undefined;
  readonly limit: number;
}

type Condition = (eb: ExpressionBuilder<Database, 'conversations'>) => Expression<SqlBool>;

function conditions(viewer: Viewer, filter: WorkFilter): Condition[] {
  const list: Condition[] = [];
  if (filter.view === 'mine') list.push((eb) => eb('conversations.owner_id', '=', viewer.id));
  if (filter.teamId !== undefined) {
    const teamId = filter.teamId;
    list.push((eb) => eb('conversations.team_id', '=', teamId));
  }
  const tag = filter.tag;
  if (tag) {
    list.push((eb) =>
      eb.exists(
        eb
          .selectFrom('conversation_tags')
          .select('conversation_tags.tag')
          .whereRef('conversation_tags.conversation_id', '=', 'conversations.id')
          .where('conversation_tags.tag', '=', tag.trim().toLowerCase()),
      ),
    );
  }
  return list;
}

function deadlineOf(wait: Wait, policies: ServiceLevelSettings): number {
  return (
    wait.since +
    (isChannel(wait.channel) ? policies[wait.channel].thresholdMs : policies.email.thresholdMs)
  );
}

/** The earliest time a snoozed case in the viewer's scope wakes, so the desk can refresh then. */
async function nextWake(db: Kysely<Database>, viewer: Viewer, now: number): Promise<number | null> {
  const row = await db
    .selectFrom('conversations')
    .select((eb) => eb.fn.min('conversations.snoozed_until').as('wake'))
    .where('conversations.snoozed_until', '>', now)
    .where('conversations.status', 'in', activeStatuses)
    .where(conversationScope(viewer))
    .executeTakeFirst();
  return row?.wake == null ? null : Number(row.wake);
}

/**
 * The advisor's work as of `now`: "mine" is every active case they own; "waiting" is every case in
 * their scope whose customer waits for an answer, except snoozed ones. Waiting cases come first,
 * earliest deadline first, whatever the channel; a snoozed case of mine is listed with the rest.
 */
export async function listWork(
  db: Kysely<Database>,
  viewer: Viewer,
  filter: WorkFilter,
  now: number,
): Promise<{ items: WaitingCase[]; total: number; nextWakeAt: string | null }> {
  const where = conditions(viewer, filter);
  const awake = notSnoozed(now);
  const statusFilter = filter.status;
  const statusCondition: Condition = statusFilter
    ? (eb) => eb('conversations.status', '=', statusFilter)
    : (eb) => eb('conversations.status', 'in', activeStatuses);
  const [waits, policies] = await Promise.all([
    findWaits(db, {
      where: statusFilter ? [...where, statusCondition, awake] : [...where, awake],
      visibleTo: viewer,
      channel: filter.channel,
    }),
    loadPolicies(db),
  ]);
  const wake = await nextWake(db, viewer, now);
  const nextWakeAt = wake === null ? null : new Date(wake).toISOString();

  let ids: number[];
  let total: number;
  if (filter.view === 'waiting') {
    const ordered = [...waits.values()].sort(
      (a, b) =>
        deadlineOf(a, policies) - deadlineOf(b, policies) || a.conversationId - b.conversationId,
    );
    total = ordered.length;
    ids = ordered.slice(0, filter.limit).map((w) => w.conversationId);
  } else {
    let query = db
      .selectFrom('conversations')
      .select(['conversations.id', 'conversations.origin_channel'])
      .where(statusCondition)
      .where(conversationScope(viewer));
    for (const condition of where) query = query.where(condition);
    const channel = filter.channel;
    const mine = await query
      .orderBy('conversations.last_interaction_at', 'desc')
      .orderBy('conversations.id', 'desc')
      .limit(2000)
      .execute();
    const matching = channel
      ? mine.filter((c) => waits.has(c.id) || c.origin_channel === channel)
      : mine;
    const waiting = matching
      .filter((c) => waits.has(c.id))
      .sort(
        (a, b) => deadlineOf(waits.get(a.id)!, policies) - deadlineOf(waits.get(b.id)!, policies),
      );
    const rest = matching.filter((c) => !waits.has(c.id));
    total = matching.length;
    ids = [...waiting, ...rest].slice(0, filter.limit).map((c) => c.id);
  }
  if (ids.length === 0) return { items: [], total, nextWakeAt };

  const rows = await db
    .selectFrom('conversations')
    .innerJoin('customers', 'customers.id', 'conversations.customer_id')
    .selectAll('conversations')
    .select('customers.display_name')
    .where('conversations.id', 'in', ids)
    .execute();
  const tags = await db
    .selectFrom('conversation_tags')
    .selectAll()
    .where('conversation_id', 'in', ids)
    .orderBy('tag')
    .execute();
  const tagsById = new Map<number, string[]>();
  for (const t of tags)
    tagsById.set(t.conversation_id, [...(tagsById.get(t.conversation_id) ?? []), t.tag]);
  const byId = new Map(rows.map((r) => [r.id, r]));
  const snoozes = await snoozesInForce(db, rows, now);
  const items = ids.flatMap((id): WaitingCase[] => {
    const row = byId.get(id);
    if (!row) return [];
    const wait = waits.get(id);
    return [
      {
        conversationId: row.id,
        customerId: row.customer_id,
        customerName: row.display_name,
        subject: row.subject,
        status: row.status as Status,
        priority: row.priority as Priority,
        channel: wait?.channel ?? row.origin_channel,
        tags: tagsById.get(id) ?? [],
        ownerId: row.owner_id,
        teamId: row.team_id,
        waitingSince: wait ? new Date(wait.since).toISOString() : null,
        deadline: wait ? new Date(deadlineOf(wait, policies)).toISOString() : null,
        lastInteractionAt: new Date(row.last_interaction_at).toISOString(),
        snoozedUntil: snoozes.has(id) ? new Date(snoozes.get(id)!).toISOString() : null,
      },
    ];
  });
  return { items, total, nextWakeAt };
}

export type { WaitingCase };
