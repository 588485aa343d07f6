import type { StorageDialect } from '../platform/db/dialects/storage-dialect.ts';
import type { Unit } from '../platform/db/writer.ts';
import { Conflict } from '../platform/errors.ts';
import type { Viewer } from '../advisors/access.ts';
import { visibleConversation } from '../conversations/conversations.ts';

/** "1 message", "2 messages": a count a person reads. */
const counted = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

/**
 * Refuses a send when the case moved on since the advisor last read it: anything added after
 * `lastSeenInteractionId` by someone else (the customer wrote, a colleague replied or noted). The
 * customer's row is locked first, so a reply or a contact committing meanwhile on another node is
 * seen here, not missed. The advisor reads what is new and sends again, or sends anyway. A chat
 * reply is not held back by the customer's own chat messages: those show in the live chat as they
 * come.
 */
export async function requireCaseNotMovedOn(
  unit: Unit,
  dialect: StorageDialect,
  conversationId: number,
  lastSeenInteractionId: number,
  viewer: Viewer,
  kind: string,
): Promise<void> {
  const conversation = await visibleConversation(unit.db, conversationId, viewer);
  await dialect.lockCustomer(unit.db, conversation.customer_id);
  const newer = await unit.db
    .selectFrom('interactions')
    .leftJoin('advisors', (join) =>
      join
        .onRef('advisors.id', '=', 'interactions.author_id')
        .on('interactions.author_type', '=', 'advisor'),
    )
    .select(['interactions.id', 'interactions.direction', 'interactions.kind', 'advisors.name'])
    .where('interactions.conversation_id', '=', conversationId)
    .where('interactions.id', '>', lastSeenInteractionId)
    .where((eb) =>
      eb.or([
        eb('interactions.author_type', '!=', 'advisor'),
        eb('interactions.author_id', 'is', null),
        eb('interactions.author_id', '!=', viewer.id),
      ]),
    )
    .$if(kind === 'chat_message', (q) =>
      q.where((eb) =>
        eb.not(
          eb.and([
            eb('interactions.direction', '=', 'inbound'),
            eb('interactions.kind', '=', 'chat_message'),
          ]),
        ),
      ),
    )
    .orderBy('interactions.id')
    .execute();
  if (newer.length === 0) return;
  const fromCustomer = newer.filter((i) => i.direction === 'inbound').length;
  const colleagues = [...new Set(newer.flatMap((i) => (i.name ? [i.name] : [])))];
  const what = [
    ...(fromCustomer > 0 ? [`the customer wrote ${counted(fromCustomer, 'message')}`] : []),
    ...(colleagues.length > 0 ? [`${colleagues.join(' and ')} wrote on the case`] : []),
  ];
  const others = newer.length - fromCustomer - newer.filter((i) => i.name).length;
  if (others > 0) what.push(`${counted(others, 'other message')} arrived`);
  throw new Conflict(
    `The case moved on since you last read it: ${what.join(', ')}. Read ${
      newer.length === 1 ? 'it' : 'them'
    }, then send again, or send anyway.`,
    'case-moved-on',
  );
}
