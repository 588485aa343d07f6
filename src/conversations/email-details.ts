/**
 * What the email adapter found in a message (its Message-ID, DMARC, a Reply-To that differs, remote
 * images, an unreadable body), shown beside the interaction. The adapter stores it in
 * `email_messages`; this is the read side every interaction list goes through, and the one place an
 * email's inline images (`cid:`) and stored attachments get the addresses they are served from.
 */
import type { Kysely } from 'kysely';
import type { Database, InteractionRow } from '../platform/db/schema.ts';
import type { Attachment, EmailDetails, Interaction } from '../api-types/conversations.ts';

type EmailMessageRow = {
  readonly interaction_id: number | null;
  readonly message_id: string;
  readonly reply_to: string | null;
  readonly authentication: string;
  readonly problems: string;
  readonly remote_images: number;
  readonly automated_reason: string | null;
};

/** What `email_messages.problems` holds. */
export interface EmailProblems {
  readonly replyToDiffers?: boolean;
  readonly unreadable?: string;
  readonly mentionsCase?: number;
  readonly refused?: readonly {
    readonly name: string;
    readonly size: number;
    readonly reason: string;
  }[];
}

/** The email rows of these interactions, by interaction id. */
export async function emailRowsOf(
  db: Kysely<Database>,
  interactionIds: readonly number[],
): Promise<Map<number, EmailMessageRow>> {
  if (interactionIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('email_messages')
    .select([
      'interaction_id',
      'message_id',
      'reply_to',
      'authentication',
      'problems',
      'remote_images',
      'automated_reason',
    ])
    .where('interaction_id', 'in', interactionIds)
    .execute();
  return new Map(rows.map((row) => [Number(row.interaction_id), row]));
}

export function emailDetailsOf(row: EmailMessageRow, interaction: InteractionRow): EmailDetails {
  const problems = JSON.parse(row.problems) as EmailProblems;
  return {
    messageId: row.message_id,
    subject: interaction.subject ?? '',
    replyTo: row.reply_to,
    replyToDiffers: problems.replyToDiffers === true,
    authentication: row.authentication as EmailDetails['authentication'],
    remoteImages: Number(row.remote_images) === 1,
    unreadable: problems.unreadable ?? null,
    rawUrl: `/api/interactions/${interaction.id}/raw`,
    automatedReason: row.automated_reason,
    mentionsCase: problems.mentionsCase ?? null,
    refused: problems.refused ?? [],
  };
}

/** Stored attachments get their download address; the HTML's `cid:` images point at theirs. */
export function withStoredFiles(interaction: Interaction): Interaction {
  if (!interaction.attachments.some((a) => a.id !== undefined)) return interaction;
  const attachments: Attachment[] = interaction.attachments.map((a, index) =>
    a.id === undefined
      ? a
      : { ...a, href: `/api/interactions/${interaction.id}/attachments/${index}` },
  );
  let html = interaction.html;
  if (html !== null)
    html = html.replace(/src="cid:([^"]+)"/gi, (whole, cid: string) => {
      const found = attachments.find((a) => a.contentId === decodeEntities(cid));
      return found?.href ? `src="${found.href}"` : whole;
    });
  return { ...interaction, attachments, html };
}

function decodeEntities(value: string): string {
  return value.replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>');
}
