import type { Expression, ExpressionBuilder, Kysely, SqlBool } from 'kysely';
import { checkTeamInUse } from '../advisors/teams.ts';
import type { ConversationRow, Database } from '../platform/db/schema.ts';
import type { Unit } from '../platform/db/writer.ts';
import type { Actor } from '../platform/events/event.ts';
import { Invalid, NotFound } from '../platform/errors.ts';
import { canSeeConversation, conversationScope, type Viewer } from '../advisors/access.ts';
import { channels } from '../channels/channel.ts';
import type {
  Conversation,
  InteractionChannel,
  Priority,
  Status,
} from '../api-types/conversations.ts';

export const statuses = [
  'open',
  'pending_customer',
  'pending_us',
  'resolved',
  'closed',
] as const satisfies readonly Status[];
export const priorities = [
  'low',
  'normal',
  'high',
  'urgent',
] as const satisfies readonly Priority[];
/** Where an interaction travels: a customer's channel, or `internal` for notes that never leave. */
export const interactionChannels = [
  ...channels,
  'internal',
] as const satisfies readonly InteractionChannel[];

/** Statuses in which a case still needs someone; a new contact appends to such a case. */
export const activeStatuses: readonly Status[] = ['open', 'pending_customer', 'pending_us'];

/** Longest snooze: a case put aside for more than a year is better closed. */
export const maxSnoozeMs = 366 * 86_400_000;

/**
 * The snooze rule (pure): a case is snoozed while `snoozed_until` is ahead of `now` and no inbound
 * contact arrived after the snooze was set. The customer writing again wakes the case; so does time.
 */
export function snoozeInForce(
  row: { readonly snoozed_until: number | null; readonly snoozed_at: number | null },
  lastInboundAt: number | null,
  now: number,
): boolean {
  if (row.snoozed_until === null || Number(row.snoozed_until) <= now) return false;
  return lastInboundAt === null || lastInboundAt <= Number(row.snoozed_at ?? 0);
}

/** The snooze rule as a SQL condition on `conversations`: true for cases NOT snoozed at `now`. */
export function notSnoozed(now: number) {
  return (eb: ExpressionBuilder<Database, 'conversations'>): Expression<SqlBool> =>
    eb.or([
      eb('conversations.snoozed_until', 'is', null),
      eb('conversations.snoozed_until', '<=', now),
      eb.exists(
        eb
          .selectFrom('interactions as woke')
          .select('woke.id')
          .whereRef('woke.conversation_id', '=', 'conversations.id')
          .where('woke.direction', '=', 'inbound')
          .whereRef('woke.created_at', '>', 'conversations.snoozed_at'),
      ),
    ]);
}

/** Of these cases, the ones snoozed at `now`, with the time each wakes. */
export async function snoozesInForce(
  db: Kysely<Database>,
  rows: ReadonlyArray<Pick<ConversationRow, 'id' | 'snoozed_until' | 'snoozed_at'>>,
  now: number,
): Promise<Map<number, number>> {
  const candidates = rows.filter((r) => r.snoozed_until !== null && Number(r.snoozed_until) > now);
  const found = new Map<number, number>();
  if (candidates.length === 0) return found;
  const latest = await db
    .selectFrom('interactions')
    .select(['conversation_id', (eb) => eb.fn.max('created_at').as('last')])
    .where(
      'conversation_id',
      'in',
      candidates.map((r) => r.id),
    )
    .where('direction', '=', 'inbound')
    .groupBy('conversation_id')
    .execute();
  const lastInbound = new Map(latest.map((l) => [Number(l.conversation_id), Number(l.last)]));
  for (const row of candidates)
    if (snoozeInForce(row, lastInbound.get(row.id) ?? null, now))
      found.set(row.id, Number(row.snoozed_until));
  return found;
}

function toConversation(
  row: ConversationRow,
  tags: string[],
  snoozedUntil: number | undefined,
): Conversation {
  return {
    id: row.id,
    customerId: row.customer_id,
    subject: row.subject,
    status: row.status as Status,
    ownerId: row.owner_id,
    teamId: row.team_id,
    shopId: row.shop_id,
    priority: row.priority as Priority,
    originChannel: row.origin_channel as InteractionChannel,
    tags,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
    lastInteractionAt: new Date(row.last_interaction_at).toISOString(),
    resolvedAt: row.resolved_at === null ? null : new Date(row.resolved_at).toISOString(),
    snoozedUntil: snoozedUntil === undefined ? null : new Date(snoozedUntil).toISOString(),
  };
}

async function tagsFor(
  db: Kysely<Database>,
  ids: readonly number[],
): Promise<Map<number, string[]>> {
  const map = new Map<number, string[]>();
  if (ids.length === 0) return map;
  const rows = await db
    .selectFrom('conversation_tags')
    .selectAll()
    .where('conversation_id', 'in', ids)
    .orderBy('tag')
    .execute();
  for (const row of rows)
    map.set(row.conversation_id, [...(map.get(row.conversation_id) ?? []), row.tag]);
  return map;
}

/** Loads a case the viewer may see, as of `now`; a case out of scope is NotFound, exactly like a missing one. */
export async function getConversation(
  db: Kysely<Database>,
  id: number,
  viewer: Viewer | null,
  now: number,
): Promise<Conversation> {
  const row = await db
    .selectFrom('conversations')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row || (viewer && !canSeeConversation(viewer, row))) throw new NotFound('conversation');
  const snoozes = await snoozesInForce(db, [row], now);
  return toConversation(row, (await tagsFor(db, [id])).get(id) ?? [], snoozes.get(id));
}

/** Loads a case row the viewer may see; out of scope is NotFound, exactly like a missing case. */
export async function visibleConversation(
  db: Kysely<Database>,
  id: number,
  viewer: Viewer,
): Promise<ConversationRow> {
  const row = await db
    .selectFrom('conversations')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row || !canSeeConversation(viewer, row)) throw new NotFound('conversation');
  return row;
}

export const conversationSorts = [
  'last_interaction_desc',
  'last_interaction_asc',
  'created_desc',
  'priority_desc',
] as const;
export type ConversationSort = (typeof conversationSorts)[number];

export interface ConversationFilter {
  readonly status?: Status | undefined;
  readonly channel?: InteractionChannel | undefined;
  readonly teamId?: number | undefined;
  readonly ownerId?: number | undefined;
  readonly customerId?: number | undefined;
  readonly tag?: string | undefined;
  readonly sort: ConversationSort;
  readonly limit: number;
  readonly offset: number;
}

/** Lists the cases a viewer may see, filtered and sorted from a fixed list of options. */
export async function listConversations(
  db: Kysely<Database>,
  viewer: Viewer,
  filter: ConversationFilter,
  now: number,
): Promise<Conversation[]> {
  let query = db
    .selectFrom('conversations')
    .selectAll('conversations')
    .where(conversationScope(viewer));
  if (filter.status) query = query.where('conversations.status', '=', filter.status);
  if (filter.channel) query = query.where('conversations.origin_channel', '=', filter.channel);
  if (filter.teamId !== undefined) query = query.where('conversations.team_id', '=', filter.teamId);
  if (filter.ownerId !== undefined)
    query = query.where('conversations.owner_id', '=', filter.ownerId);
  if (filter.customerId !== undefined)
    query = query.where('conversations.customer_id', '=', filter.customerId);
  const tag = filter.tag;
  if (tag) {
    query = query.where((eb) =>
      eb.exists(
        eb
          .selectFrom('conversation_tags')
          .select('conversation_tags.tag')
          .whereRef('conversation_tags.conversation_id', '=', 'conversations.id')
          .where('conversation_tags.tag', '=', tag),
      ),
    );
  }
  switch (filter.sort) {
    case 'last_interaction_asc':
      query = query.orderBy('conversations.last_interaction_at', 'asc');
      break;
    case 'created_desc':
      query = query.orderBy('conversations.created_at', 'desc');
      break;
    case 'priority_desc':
      query = query
        .orderBy((eb) =>
          eb
            .case()
            .when('conversations.priority', '=', 'urgent')
            .then(0)
            .when('conversations.priority', '=', 'high')
            .then(1)
            .when('conversations.priority', '=', 'normal')
            .then(2)
            .else(3)
            .end(),
        )
        .orderBy('conversations.last_interaction_at', 'asc');
      break;
    default:
      query = query.orderBy('conversations.last_interaction_at', 'desc');
  }
  const rows = await query
    .orderBy('conversations.id', 'desc')
    .limit(filter.limit)
    .offset(filter.offset)
    .execute();
  const tags = await tagsFor(
    db,
    rows.map((r) => r.id),
  );
  const snoozes = await snoozesInForce(db, rows, now);
  return rows.map((r) => toConversation(r, tags.get(r.id) ?? [], snoozes.get(r.id)));
}

export interface NewConversation {
  readonly customerId: number;
  readonly subject: string;
  readonly channel: InteractionChannel;
  readonly teamId?: number | null | undefined;
  readonly shopId?: number | null | undefined;
  readonly ownerId?: number | null | undefined;
  readonly priority?: Priority | undefined;
}

/** Opens a case for a customer. */
export async function openConversation(
  unit: Unit,
  input: NewConversation,
  actor: Actor,
): Promise<ConversationRow> {
  const customer = await unit.db
    .selectFrom('customers')
    .select(['id', 'owner_id', 'merged_into_id', 'erased_at'])
    .where('id', '=', input.customerId)
    .executeTakeFirst();
  if (!customer || customer.merged_into_id !== null || customer.erased_at !== null)
    throw new Invalid('customerId', 'no such customer');
  await checkReferences(unit.db, input);
  const teamId =
    input.teamId !== undefined ? input.teamId : await defaultTeam(unit.db, input.shopId ?? null);
  const row = await unit.db
    .insertInto('conversations')
    .values({
      customer_id: input.customerId,
      subject: input.subject,
      status: 'open',
      owner_id: input.ownerId ?? customer.owner_id,
      team_id: teamId,
      shop_id: input.shopId ?? null,
      priority: input.priority ?? 'normal',
      origin_channel: input.channel,
      created_at: unit.now,
      updated_at: unit.now,
      last_interaction_at: unit.now,
      resolved_at: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await unit.record({
    type: 'conversation.opened',
    actor,
    entity: { type: 'conversation', id: row.id },
    scope: scopeOf(row),
    after: {
      subject: row.subject,
      channel: row.origin_channel,
      ownerId: row.owner_id,
      teamId: row.team_id,
      shopId: row.shop_id,
    },
  });
  return row;
}

/**
 * Refuses a team, shop or owner that names no record, naming the field (422), before the insert
 * would break a foreign key: every way a case is opened answers the same.
 */
export async function checkReferences(
  db: Kysely<Database>,
  ids: Pick<NewConversation, 'teamId' | 'shopId' | 'ownerId'>,
): Promise<void> {
  if (ids.teamId != null) {
    const team = await db
      .selectFrom('teams')
      .select('id')
      .where('id', '=', ids.teamId)
      .executeTakeFirst();
    if (!team) throw new Invalid('teamId', 'no such team');
    await checkTeamInUse(db, ids.teamId);
  }
  if (ids.shopId != null) {
    const shop = await db
      .selectFrom('shops')
      .select('id')
      .where('id', '=', ids.shopId)
      .executeTakeFirst();
    if (!shop) throw new Invalid('shopId', 'no such shop');
  }
  if (ids.ownerId != null) {
    const owner = await db
      .selectFrom('advisors')
      .select(['id', 'active'])
      .where('id', '=', ids.ownerId)
      .executeTakeFirst();
    if (!owner || owner.active !== 1) throw new Invalid('ownerId', 'no such active advisor');
  }
}

/** The team a case lands in when nobody says: the shop's team for a shop visit, else the first contact-centre team. */
async function defaultTeam(db: Kysely<Database>, shopId: number | null): Promise<number | null> {
  if (shopId !== null) {
    const shop = await db
      .selectFrom('shops')
      .select('team_id')
      .where('id', '=', shopId)
      .executeTakeFirst();
    if (!shop) throw new Invalid('shopId', 'no such shop');
    return shop.team_id;
  }
  const team = await db
    .selectFrom('teams')
    .select('id')
    .where('kind', '=', 'contact_centre')
    .where('archived_at', 'is', null)
    .orderBy('id')
    .limit(1)
    .executeTakeFirst();
  return team?.id ?? null;
}

/** Who may see events about this case. */
export function scopeOf(
  row: Pick<ConversationRow, 'id' | 'customer_id' | 'team_id' | 'shop_id' | 'owner_id'>,
) {
  return {
    conversationId: row.id,
    customerId: row.customer_id,
    teamId: row.team_id,
    shopId: row.shop_id,
    ownerId: row.owner_id,
  };
}

export interface ConversationChanges {
  readonly status?: Status | undefined;
  readonly ownerId?: number | null | undefined;
  readonly teamId?: number | null | undefined;
  readonly priority?: Priority | undefined;
  readonly subject?: string | undefined;
  /** Snooze until this time (UTC ms, in the future), or null to wake the case now. */
  readonly snoozedUntil?: number | null | undefined;
}

/** Changes status, owner, team, priority, subject or snooze of a case the viewer may see. */
export async function updateConversation(
  unit: Unit,
  id: number,
  changes: ConversationChanges,
  viewer: Viewer,
  actor: Actor,
): Promise<void> {
  const before = await visibleConversation(unit.db, id, viewer);
  await checkReferences(unit.db, { ownerId: changes.ownerId, teamId: changes.teamId });
  const resolvedNow = changes.status === 'resolved' || changes.status === 'closed';
  if (changes.snoozedUntil != null) {
    if (changes.snoozedUntil <= unit.now)
      throw new Invalid('snoozedUntil', 'must be in the future');
    if (changes.snoozedUntil > unit.now + maxSnoozeMs)
      throw new Invalid('snoozedUntil', 'must be within a year');
    const status = changes.status ?? (before.status as Status);
    if (!activeStatuses.includes(status))
      throw new Invalid('snoozedUntil', 'a resolved or closed case cannot be snoozed');
  }
  // Resolving a case ends its snooze; so does an explicit null.
  const snooze =
    changes.snoozedUntil != null
      ? { snoozed_until: changes.snoozedUntil, snoozed_at: unit.now }
      : changes.snoozedUntil === null || resolvedNow
        ? { snoozed_until: null, snoozed_at: null }
        : {};
  const after = await unit.db
    .updateTable('conversations')
    .set({
      ...(changes.status !== undefined
        ? {
            status: changes.status,
            resolved_at: resolvedNow ? (before.resolved_at ?? unit.now) : null,
          }
        : {}),
      ...(changes.ownerId !== undefined ? { owner_id: changes.ownerId } : {}),
      ...(changes.teamId !== undefined ? { team_id: changes.teamId } : {}),
      ...(changes.priority !== undefined ? { priority: changes.priority } : {}),
      ...(changes.subject !== undefined ? { subject: changes.subject } : {}),
      ...snooze,
      updated_at: unit.now,
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
  if (changes.ownerId != null) {
    await unit.db
      .updateTable('customers')
      .set({ owner_id: changes.ownerId, updated_at: unit.now })
      .where('id', '=', after.customer_id)
      .execute();
  }
  await unit.record({
    type: 'conversation.updated',
    actor,
    entity: { type: 'conversation', id },
    scope: scopeOf(after),
    before: pick(before, changes),
    after: pick(after, changes),
  });
}

function pick(row: ConversationRow, changes: ConversationChanges): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (changes.status !== undefined) out.status = row.status;
  if (changes.ownerId !== undefined) out.ownerId = row.owner_id;
  if (changes.teamId !== undefined) out.teamId = row.team_id;
  if (changes.priority !== undefined) out.priority = row.priority;
  if (changes.subject !== undefined) out.subject = row.subject;
  if (changes.snoozedUntil !== undefined)
    out.snoozedUntil =
      row.snoozed_until === null ? null : new Date(Number(row.snoozed_until)).toISOString();
  return out;
}

/** Replaces a case's tags (lower-cased, de-duplicated). */
export async function setTags(
  unit: Unit,
  id: number,
  tags: readonly string[],
  viewer: Viewer,
  actor: Actor,
): Promise<string[]> {
  const row = await visibleConversation(unit.db, id, viewer);
  const clean = [
    ...new Set(tags.map((t) => t.trim().toLowerCase()).filter((t) => t.length > 0)),
  ].sort();
  const before = (await tagsFor(unit.db, [id])).get(id) ?? [];
  await unit.db.deleteFrom('conversation_tags').where('conversation_id', '=', id).execute();
  if (clean.length > 0)
    await unit.db
      .insertInto('conversation_tags')
      .values(clean.map((tag) => ({ conversation_id: id, tag })))
      .execute();
  await unit.db
    .updateTable('conversations')
    .set({ updated_at: unit.now })
    .where('id', '=', id)
    .execute();
  await unit.record({
    type: 'conversation.tagged',
    actor,
    entity: { type: 'conversation', id },
    scope: scopeOf(row),
    before: { tags: before },
    after: { tags: clean },
  });
  return clean;
}

export type { Conversation, InteractionChannel, Priority, Status };
