import type { Expression, ExpressionBuilder, Kysely, SqlBool } from 'kysely';
import type { Database } from '../platform/db/schema.ts';
import { activeStatuses } from '../conversations/conversations.ts';
import { canSeeConversation, type Viewer } from '../advisors/access.ts';

/** A customer waiting for an answer in an active case: since when, and on which channel. */
export interface Wait {
  readonly conversationId: number;
  /** The channel of the customer's latest unanswered contact: where they wait now. */
  readonly channel: string;
  /** The first unanswered contact since the last reply. */
  readonly since: number;
  /** The case's team, whose calendar a written wait's clock counts in (none: 24 × 7). */
  readonly teamId?: number | null;
}

export interface UnansweredRow {
  readonly conversation_id: number;
  readonly channel: string;
  readonly created_at: number;
  readonly team_id?: number | null;
}

/** Folds unanswered inbound interactions into one wait per case (pure). */
export function foldWaits(rows: readonly UnansweredRow[]): Map<number, Wait> {
  const waits = new Map<
    number,
    {
      conversationId: number;
      channel: string;
      since: number;
      latest: number;
      teamId?: number | null;
    }
  >();
  for (const row of rows) {
    const at = Number(row.created_at);
    const current = waits.get(row.conversation_id);
    if (!current) {
      waits.set(row.conversation_id, {
        conversationId: row.conversation_id,
        channel: row.channel,
        since: at,
        latest: at,
        ...(row.team_id === undefined ? {} : { teamId: row.team_id }),
      });
      continue;
    }
    if (at < current.since) current.since = at;
    if (at >= current.latest) {
      current.latest = at;
      current.channel = row.channel;
    }
  }
  return new Map(
    [...waits].map(([id, w]) => [
      id,
      {
        conversationId: w.conversationId,
        channel: w.channel,
        since: w.since,
        ...(w.teamId === undefined ? {} : { teamId: w.teamId }),
      },
    ]),
  );
}

export type ConversationCondition = (
  eb: ExpressionBuilder<Database, 'conversations'>,
) => Expression<SqlBool>;

export interface WaitQuery {
  /** Narrows the cases (filters); `visibleTo` keeps only those the viewer may see. */
  readonly where?: readonly ConversationCondition[];
  readonly visibleTo?: Viewer;
  readonly channel?: string | undefined;
}

/**
 * The one rule of what waits for us (pure), read by the desk's waiting list, the queue panel, the
 * wall and routing: an active case, not snoozed, whose customer's latest contact (not a machine's) is
 * unanswered, or that is marked Pending us (by hand, or by a snooze running out) and not answered
 * since (a reply sets Pending customer). `findWaits` is this rule in SQL.
 */
export function waitsForUs(state: {
  readonly status: string;
  readonly snoozed: boolean;
  readonly unansweredContact: boolean;
}): boolean {
  if (!(activeStatuses as readonly string[]).includes(state.status) || state.snoozed) return false;
  return state.unansweredContact || state.status === 'pending_us';
}

/**
 * Who waits now (`waitsForUs`; the caller narrows out snoozed cases): active cases whose customer
 * wrote (or called, or visited) after the last reply that was sent, since their first unanswered
 * contact; and cases marked Pending us, since they were queued for it (their live work item), else
 * since the case last changed. One indexed probe per inbound interaction of an active case.
 */
export async function findWaits(
  db: Kysely<Database>,
  options: WaitQuery = {},
): Promise<Map<number, Wait>> {
  const [unanswered, marked] = await Promise.all([
    unansweredWaits(db, options),
    markedWaits(db, options),
  ]);
  for (const [id, wait] of marked) if (!unanswered.has(id)) unanswered.set(id, wait);
  return unanswered;
}

/** Cases marked Pending us, with the time and channel their live work item was queued with. */
async function markedWaits(db: Kysely<Database>, options: WaitQuery): Promise<Map<number, Wait>> {
  let query = db
    .selectFrom('conversations')
    .select((eb) => [
      'conversations.id',
      'conversations.origin_channel',
      'conversations.updated_at',
      'conversations.team_id',
      'conversations.shop_id',
      'conversations.owner_id',
      eb
        .selectFrom('work_items')
        .select('work_items.created_at')
        .whereRef('work_items.conversation_id', '=', 'conversations.id')
        .where('work_items.status', 'in', ['waiting', 'offered', 'assigned'])
        .limit(1)
        .as('queued_at'),
      eb
        .selectFrom('work_items')
        .select('work_items.channel')
        .whereRef('work_items.conversation_id', '=', 'conversations.id')
        .where('work_items.status', 'in', ['waiting', 'offered', 'assigned'])
        .limit(1)
        .as('queued_channel'),
    ])
    .where('conversations.status', '=', 'pending_us');
  for (const condition of options.where ?? []) query = query.where(condition);
  const rows = await query.execute();
  const viewer = options.visibleTo;
  const waits = new Map<number, Wait>();
  for (const row of rows) {
    if (viewer && !canSeeConversation(viewer, row)) continue;
    const channel = row.queued_channel ?? row.origin_channel;
    if (options.channel && channel !== options.channel) continue;
    waits.set(row.id, {
      conversationId: row.id,
      channel,
      since: Number(row.queued_at ?? row.updated_at),
      teamId: row.team_id,
    });
  }
  return waits;
}

async function unansweredWaits(
  db: Kysely<Database>,
  options: WaitQuery,
): Promise<Map<number, Wait>> {
  let query = db
    .selectFrom('interactions as i')
    .innerJoin('conversations', 'conversations.id', 'i.conversation_id')
    .select([
      'i.conversation_id',
      'i.channel',
      'i.created_at',
      'conversations.team_id',
      'conversations.shop_id',
      'conversations.owner_id',
    ])
    .where('conversations.status', 'in', activeStatuses)
    .where('i.direction', '=', 'inbound')
    // A machine's message (an auto-reply, our own echo) is nobody waiting.
    .where('i.automated', '=', 0)
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('interactions as o')
            .select('o.id')
            .whereRef('o.conversation_id', '=', 'i.conversation_id')
            .where('o.direction', '=', 'outbound')
            // Only a reply that reached the channel answers: queued or failed, the customer still waits.
            .where('o.sent_at', 'is not', null)
            .whereRef('o.created_at', '>=', 'i.created_at'),
        ),
      ),
    );
  for (const condition of options.where ?? []) query = query.where(condition);
  if (options.channel) query = query.where('i.channel', '=', options.channel);
  const rows = await query.execute();
  // Scope is checked here rather than in SQL: an OR over owner and team makes the databases leave
  // the status index and costs twice as much on a busy desk.
  const viewer = options.visibleTo;
  return foldWaits(viewer ? rows.filter((row) => canSeeConversation(viewer, row)) : rows);
}

/** One wait of a customer, from their first unanswered contact to the reply (or the case's end). */
export interface WaitEpisode {
  readonly conversationId: number;
  readonly channel: string;
  readonly start: number;
  readonly answeredAt: number | null;
  /** Set when the case was resolved or closed without a reply to this wait. */
  readonly endedAt: number | null;
  /** The case's team, whose calendar a written wait's clock counts in (none: 24 × 7). */
  readonly teamId?: number | null;
}

export interface TimelineRow {
  readonly conversation_id: number;
  readonly channel: string;
  readonly direction: string;
  readonly created_at: number;
  /** When an outbound reply was sent (null while queued or failed: it answers nothing yet). */
  readonly sent_at: number | null;
}

/**
 * Cuts each case's public interactions (ordered by case, then time) into waits: an inbound contact
 * opens a wait unless one is open; the next outbound reply that was sent answers it, at the time it
 * was sent (pure). A reply still queued, or failed, is not an answer.
 */
export function waitEpisodes(
  rows: readonly TimelineRow[],
  endedAt: ReadonlyMap<number, number | null> = new Map(),
): WaitEpisode[] {
  const episodes: WaitEpisode[] = [];
  let open: { conversationId: number; channel: string; start: number } | null = null;
  let currentCase: number | null = null;
  const close = () => {
    if (open)
      episodes.push({
        ...open,
        answeredAt: null,
        endedAt: endedAt.get(open.conversationId) ?? null,
      });
    open = null;
  };
  for (const row of rows) {
    if (row.conversation_id !== currentCase) {
      close();
      currentCase = row.conversation_id;
    }
    const at = Number(row.created_at);
    if (row.direction === 'inbound' && !open)
      open = { conversationId: row.conversation_id, channel: row.channel, start: at };
    else if (row.direction === 'outbound' && row.sent_at !== null && open) {
      const answered: { conversationId: number; channel: string; start: number } = open;
      episodes.push({ ...answered, answeredAt: Math.max(Number(row.sent_at), at), endedAt: null });
      open = null;
    }
  }
  close();
  return episodes;
}
