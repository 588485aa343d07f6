/**
 * A chat's transcript, emailed to the customer through the team's email account: an automatic
 * email on the same case (so it is on the timeline and goes out through the send queue like any
 * reply), recorded as `chat.transcript-sent`. Visitors' words go in as plain text, never markup.
 */
import { DateTime } from 'luxon';
import type { Kysely } from 'kysely';
import type { Database, InteractionRow } from '../../platform/db/schema.ts';
import type { Unit } from '../../platform/db/writer.ts';
import type { Actor } from '../../platform/events/event.ts';
import { Conflict, Invalid } from '../../platform/errors.ts';
import type { Outbox } from '../send-queue.ts';
import { defaultAccountFor } from '../channel-accounts.ts';
import { customerAddressFor } from '../reply-route.ts';
import type { Attachment } from '../../api-types/conversations.ts';
import { addAutomaticMessage } from '../../conversations/interactions.ts';
import { scopeOf } from '../../conversations/conversations.ts';
import { mayAutoSend } from '../../contacts/rules.ts';
import { queueSend } from '../../contacts/sending.ts';

/** One line of a transcript. */
export interface TranscriptLine {
  readonly at: number;
  /** "You" for the visitor, the advisor's name, or "Rapport" for the system. */
  readonly who: string;
  readonly text: string;
  readonly files: readonly string[];
}

/** The transcript's text: a heading, then one block per message with its local time. */
export function transcriptText(
  title: string,
  lines: readonly TranscriptLine[],
  timeZone = 'UTC',
): string {
  const blocks = lines.map((line) => {
    const when = DateTime.fromMillis(line.at, { zone: timeZone }).toFormat('yyyy-MM-dd HH:mm');
    const files = line.files.map((name) => `\n  [file: ${name}]`).join('');
    return `[${when}] ${line.who}:\n${line.text}${files}`;
  });
  return [title, '', ...blocks].join('\n\n').replace(/\n{3,}/g, '\n\n');
}

/** The chat messages of a case, oldest first, as transcript lines (notes are never in it). */
export async function transcriptLines(
  db: Kysely<Database>,
  conversationId: number,
): Promise<TranscriptLine[]> {
  const rows = await db
    .selectFrom('interactions')
    .leftJoin('advisors', 'advisors.id', 'interactions.author_id')
    .select([
      'interactions.created_at',
      'interactions.author_type',
      'interactions.text',
      'interactions.attachments',
      'advisors.name',
    ])
    .where('interactions.conversation_id', '=', conversationId)
    .where('interactions.channel', '=', 'chat')
    .where('interactions.is_private', '=', 0)
    .orderBy('interactions.created_at')
    .orderBy('interactions.id')
    .execute();
  return rows.map((row) => ({
    at: Number(row.created_at),
    who:
      row.author_type === 'customer'
        ? 'You'
        : row.author_type === 'advisor'
          ? (row.name ?? 'Advisor')
          : 'Rapport',
    text: row.text,
    files: (JSON.parse(row.attachments) as Attachment[]).map((a) => a.name),
  }));
}

/**
 * Emails the chat's transcript to the customer (`to`, when the visitor gave an address, else their
 * email) from the team's email account, and records it. Refused when the case has no chat, no
 * email account is on, the customer has no address (`no-email-address`), or three automatic emails
 * went to them within the hour (`automatic-message-limit`). Asked again within the hour with
 * nothing new said, it answers the transcript already sent (a retry sends no second email).
 */
export async function sendTranscript(
  unit: Unit,
  outbox: Outbox | undefined,
  conversationId: number,
  options: {
    readonly to?: string | undefined;
    readonly actor: Actor;
    readonly requestedBy: 'visitor' | 'advisor';
    readonly timeZone?: string | undefined;
  },
): Promise<InteractionRow> {
  const conversation = await unit.db
    .selectFrom('conversations')
    .selectAll()
    .where('id', '=', conversationId)
    .executeTakeFirstOrThrow();
  const lines = await transcriptLines(unit.db, conversationId);
  if (lines.length === 0) throw new Invalid('conversation', 'this case has no chat to send');
  const account = await defaultAccountFor(unit.db, 'email', {
    conversationId,
    teamId: conversation.team_id,
  });
  if (!account)
    throw new Invalid('email', 'no email account is switched on to send the transcript from');
  const to =
    options.to ??
    (await customerAddressFor(unit.db, 'email', {
      conversationId,
      customerId: conversation.customer_id,
    }));
  if (!to)
    throw new Invalid(
      'email',
      'the customer has no email address to send the transcript to',
      [],
      'no-email-address',
    );
  const subject = `Your chat with ${account.displayName}`;
  const text = transcriptText(
    `Your chat with ${account.displayName}, as you asked.`,
    lines,
    options.timeZone,
  );
  // Asked again (a retried request, a second click) with nothing new said: it has gone already.
  const same = await unit.db
    .selectFrom('interactions')
    .selectAll()
    .where('conversation_id', '=', conversationId)
    .where('channel', '=', 'email')
    .where('automated', '=', 1)
    .where('to_address', '=', to)
    .where('text', '=', text)
    .where('created_at', '>', unit.now - 3_600_000)
    .executeTakeFirst();
  if (same) return same;
  if (!(await mayAutoSend(unit.db, conversation.customer_id, 'email', unit.now, undefined, to)))
    throw new Conflict(
      'enough automatic emails went to this customer this hour: try again later',
      'automatic-message-limit',
    );
  const row = await addAutomaticMessage(
    unit,
    conversationId,
    { kind: 'email', subject, text },
    { accountId: account.id, from: account.address, to },
    options.actor,
  );
  await queueSend(unit, outbox, row);
  await unit.record({
    type: 'chat.transcript-sent',
    actor: options.actor,
    entity: { type: 'conversation', id: conversationId },
    scope: scopeOf(conversation),
    after: { interactionId: row.id, to, requestedBy: options.requestedBy, messages: lines.length },
  });
  return row;
}
