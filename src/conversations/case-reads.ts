/**
 * Each advisor's read state of each case: a case is unread for me while the customer wrote after I
 * last read (opened or answered) it, or since I marked it unread. The rule is one SQL condition, so
 * views count and list unread cases in the database, within the viewer's scope.
 */
import type { Expression, ExpressionBuilder, Kysely, SqlBool } from 'kysely';
import type { Database } from '../platform/db/schema.ts';
import type { Unit } from '../platform/db/writer.ts';
import { conversationScope, type Viewer } from '../advisors/access.ts';
import { visibleConversation } from './conversations.ts';

/** The unread rule for `advisorId`, as a SQL condition on `conversations`. */
export function unreadBy(advisorId: number) {
  return (eb: ExpressionBuilder<Database, 'conversations'>): Expression<SqlBool> =>
    eb.or([
      eb.exists(
        eb
          .selectFrom('case_reads as marked')
          .select('marked.conversation_id')
          .whereRef('marked.conversation_id', '=', 'conversations.id')
          .where('marked.advisor_id', '=', advisorId)
          .where('marked.unread', '=', 1),
      ),
      eb.exists(
        eb
          .selectFrom('interactions as heard')
          .select('heard.id')
          .whereRef('heard.conversation_id', '=', 'conversations.id')
          .where('heard.direction', '=', 'inbound')
          .where('heard.author_type', '=', 'customer')
          .where('heard.automated', '=', 0)
          .where((inner) =>
            inner.not(
              inner.exists(
                inner
                  .selectFrom('case_reads as seen')
                  .select('seen.conversation_id')
                  .whereRef('seen.conversation_id', '=', 'conversations.id')
                  .where('seen.advisor_id', '=', advisorId)
                  .whereRef('seen.read_at', '>=', 'heard.created_at'),
              ),
            ),
          ),
      ),
    ]);
}

/**
 * Records that the advisor read the case now (opened it, answered it, logged a contact on it):
 * read until the customer writes again. A case out of scope is NotFound.
 */
export async function markRead(unit: Unit, conversationId: number, viewer: Viewer): Promise<void> {
  await visibleConversation(unit.db, conversationId, viewer);
  await saveReadState(unit, conversationId, viewer.id, 0);
}

/** Marks the case unread for the advisor until they open or answer it again. */
export async function markUnread(
  unit: Unit,
  conversationId: number,
  viewer: Viewer,
): Promise<void> {
  await visibleConversation(unit.db, conversationId, viewer);
  await saveReadState(unit, conversationId, viewer.id, 1);
}

async function saveReadState(
  unit: Unit,
  conversationId: number,
  advisorId: number,
  unread: 0 | 1,
): Promise<void> {
  await unit.db
    .insertInto('case_reads')
    .values({ advisor_id: advisorId, conversation_id: conversationId, read_at: unit.now, unread })
    .onConflict((oc) =>
      oc.columns(['advisor_id', 'conversation_id']).doUpdateSet({ read_at: unit.now, unread }),
    )
    .execute();
}

/** Of these cases, the ones the viewer may see and has not read. */
export async function unreadAmong(
  db: Kysely<Database>,
  viewer: Viewer,
  ids: readonly number[],
): Promise<number[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom('conversations')
    .select('conversations.id')
    .where('conversations.id', 'in', ids)
    .where(conversationScope(viewer))
    .where(unreadBy(viewer.id))
    .orderBy('conversations.id')
    .execute();
  return rows.map((r) => r.id);
}
