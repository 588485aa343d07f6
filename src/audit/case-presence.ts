import type { Kysely } from 'kysely';
import type { Context } from '../platform/context.ts';
import type { ConversationRow, Database } from '../platform/db/schema.ts';
import type { Unit } from '../platform/db/writer.ts';
import type { DomainEvent } from '../platform/events/event.ts';
import type { CasePresence, CasePresenceChange } from '../api-types/collision.ts';

/**
 * How long a presence entry lives without news from its browser. The desk renews it every 10 s, so
 * a browser that went away (closed, asleep, offline) drops out within half a minute by itself.
 */
export const presenceLifetimeMs = 30_000;
/** How long "typing" holds after a keystroke; the desk says so again at most every 3 s. */
export const typingLifetimeMs = 6_000;

/** Who is on the case now (entries not yet expired), with their names, oldest first. */
export async function presentOn(
  db: Kysely<Database>,
  conversationId: number,
  now: number,
): Promise<CasePresence[]> {
  const rows = await db
    .selectFrom('case_presence')
    .innerJoin('advisors', 'advisors.id', 'case_presence.advisor_id')
    .select([
      'case_presence.advisor_id',
      'advisors.name',
      'case_presence.typing_until',
      'case_presence.expires_at',
    ])
    .where('case_presence.conversation_id', '=', conversationId)
    .where('case_presence.expires_at', '>', now)
    .orderBy('case_presence.advisor_id')
    .execute();
  return rows.map((r) => entryOf(Number(r.advisor_id), r.name, r, now));
}

/** An entry as the API gives it: what is left of its lifetime, from `now`. */
function entryOf(
  advisorId: number,
  name: string,
  row: { typing_until: number | string; expires_at: number | string },
  now: number,
): CasePresence {
  const typingForMs = Math.max(0, Number(row.typing_until) - now);
  return {
    advisorId,
    name,
    typing: typingForMs > 0,
    expiresInMs: Math.max(0, Number(row.expires_at) - now),
    typingForMs,
  };
}

/**
 * Marks the advisor on the case (and typing, or no longer typing) for the next
 * `presenceLifetimeMs`; entries expired anywhere are cleared on the way. Answers their entry.
 */
export async function markPresent(
  unit: Unit,
  conversationId: number,
  advisor: { readonly id: number; readonly name: string },
  typing: boolean,
): Promise<CasePresence> {
  const now = unit.now;
  const row = {
    typing_until: typing ? now + typingLifetimeMs : 0,
    expires_at: now + presenceLifetimeMs,
  };
  await unit.db.deleteFrom('case_presence').where('expires_at', '<=', now).execute();
  await unit.db
    .insertInto('case_presence')
    .values({ conversation_id: conversationId, advisor_id: advisor.id, ...row })
    .onConflict((oc) => oc.columns(['conversation_id', 'advisor_id']).doUpdateSet(row))
    .execute();
  return entryOf(advisor.id, advisor.name, row, now);
}

/** The advisor left the case (closed it, or their page went away); answers whether they were on it. */
export async function leaveCase(
  unit: Unit,
  conversationId: number,
  advisorId: number,
): Promise<boolean> {
  const result = await unit.db
    .deleteFrom('case_presence')
    .where('conversation_id', '=', conversationId)
    .where('advisor_id', '=', advisorId)
    .where('expires_at', '>', unit.now)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/**
 * Tells every node's live sockets of a change of presence, scoped like the case (without the
 * customer, so screens of the customer's record do not reload for it). Ephemeral: never stored.
 */
export function publishPresence(
  ctx: Context,
  conversation: Pick<ConversationRow, 'id' | 'team_id' | 'shop_id' | 'owner_id'>,
  change: CasePresenceChange,
): void {
  const event: DomainEvent = {
    id: 0,
    type: 'case.presence',
    actor: { type: 'advisor', id: change.advisorId },
    entity: { type: 'conversation', id: conversation.id },
    scope: {
      conversationId: conversation.id,
      teamId: conversation.team_id,
      shopId: conversation.shop_id,
      ownerId: conversation.owner_id,
    },
    before: null,
    after: change,
    at: ctx.clock.now(),
  };
  ctx.bus
    .publish([event])
    .catch((error: unknown) =>
      ctx.logger.warn({ err: error }, 'a change of presence on a case was not published'),
    );
}
