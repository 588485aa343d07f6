/**
 * Search as the desk uses it: the cases whose messages hold every word typed, newest match first,
 * each with its customer, subject, status and the matching message; narrowed by channel, status and
 * the date of the match; paged with a keyset cursor (the newest matching message's id).
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../platform/db/schema.ts';
import type { StorageDialect } from '../platform/db/dialects/storage-dialect.ts';
import { searchWords } from '../platform/db/text-search.ts';
import { decodeCursor, encodeCursor } from '../platform/http/cursor.ts';
import { conversationScope, type Viewer } from '../advisors/access.ts';
import { toInteractions } from './interactions.ts';
import type { CaseHit, InteractionChannel, Status } from '../api-types/conversations.ts';

/** What narrows a case search. Dates bound the matching message's time (`to` excluded). */
export interface CaseSearch {
  readonly q: string;
  readonly channel?: InteractionChannel | undefined;
  readonly status?: Status | undefined;
  readonly from?: number | undefined;
  readonly to?: number | undefined;
  readonly limit: number;
  /** Where the previous page ended (`nextCursor` of its answer). */
  readonly cursor?: string | undefined;
}

/** One page of matching cases the viewer may see, and where the next page starts (null: none). */
export async function searchCases(
  db: Kysely<Database>,
  dialect: StorageDialect,
  search: CaseSearch,
  viewer: Viewer,
): Promise<{ cases: CaseHit[]; nextCursor: string | null }> {
  const words = searchWords(search.q);
  if (words.length === 0) return { cases: [], nextCursor: null };
  const newest = sql<number>`max(${sql.ref('interactions.id')})`;
  let query = db
    .selectFrom('interactions')
    .innerJoin('conversations', 'conversations.id', 'interactions.conversation_id')
    .select(['interactions.conversation_id as conversationId', newest.as('hit')])
    .where(conversationScope(viewer))
    .where(dialect.interactionTextMatches(words));
  if (search.channel) query = query.where('interactions.channel', '=', search.channel);
  if (search.status) query = query.where('conversations.status', '=', search.status);
  if (search.from !== undefined) query = query.where('interactions.created_at', '>=', search.from);
  if (search.to !== undefined) query = query.where('interactions.created_at', '<', search.to);
  query = query.groupBy('interactions.conversation_id');
  // The cursor is the newest match of the last case shown: the next page's cases matched before it.
  if (search.cursor) query = query.having(newest, '<', decodeCursor(search.cursor).id);
  const groups = await query
    .orderBy(newest, 'desc')
    .limit(search.limit + 1)
    .execute();
  const page = groups.slice(0, search.limit);
  if (page.length === 0) return { cases: [], nextCursor: null };

  const hitIds = page.map((g) => Number(g.hit));
  const [rows, cases] = await Promise.all([
    db.selectFrom('interactions').selectAll().where('id', 'in', hitIds).execute(),
    db
      .selectFrom('conversations')
      .innerJoin('customers', 'customers.id', 'conversations.customer_id')
      .select([
        'conversations.id',
        'conversations.customer_id',
        'conversations.subject',
        'conversations.status',
        'conversations.last_interaction_at',
        'customers.display_name',
      ])
      .where(
        'conversations.id',
        'in',
        page.map((g) => Number(g.conversationId)),
      )
      .execute(),
  ]);
  const matches = new Map((await toInteractions(db, rows)).map((i) => [i.id, i]));
  const caseOf = new Map(cases.map((c) => [Number(c.id), c]));
  const hits: CaseHit[] = [];
  for (const group of page) {
    const match = matches.get(Number(group.hit));
    const found = caseOf.get(Number(group.conversationId));
    if (!match || !found) continue;
    hits.push({
      conversationId: Number(found.id),
      customerId: Number(found.customer_id),
      customerName: found.display_name,
      subject: found.subject,
      status: found.status as Status,
      channel: match.channel,
      lastInteractionAt: new Date(Number(found.last_interaction_at)).toISOString(),
      match,
    });
  }
  const last = page[page.length - 1]!;
  return {
    cases: hits,
    nextCursor: groups.length > search.limit ? encodeCursor({ at: 0, id: Number(last.hit) }) : null,
  };
}
