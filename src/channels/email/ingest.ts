/**
 * One email in, however it came (the SMTP server, an IMAP mailbox): its raw source stored first, so
 * nothing is lost even when everything after fails; then parsed, threaded onto its case, taken in
 * through `receiveContact` like every channel's contact, and its findings (DMARC, Reply-To, remote
 * images, attachments left out, an unreadable body) kept beside it for the advisor. A bounce marks the
 * message it bounces as failed instead of opening a case. The same Message-ID twice is stored once.
 */
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../../platform/db/schema.ts';
import type { Unit, Writer } from '../../platform/db/writer.ts';
import type { StorageDialect } from '../../platform/db/dialects/storage-dialect.ts';
import type { Actor } from '../../platform/events/event.ts';
import type { Attachment } from '../../api-types/conversations.ts';
import type { InboundContact } from '../adapter.ts';
import type { RoutingOptions } from '../../routing/types.ts';
import { acknowledgeContact, receiveContact } from '../../contacts/contacts.ts';
import type { Outbox } from '../send-queue.ts';
import { moveDelivery } from '../../conversations/delivery.ts';
import type { EmailProblems } from '../../conversations/email-details.ts';
import { unverifiedNetwork } from '../../customers/customers.ts';
import { putBlob, sha256Of } from '../blobs.ts';
import { parseEmail, type EmailAddress, type ParsedEmail } from './mime.ts';
import { emailProvider, splitReplyAddress } from './threading.ts';

/** How a message reached us: the SMTP server's envelope, or the IMAP account it was fetched from. */
export interface EmailArrival {
  readonly via: 'smtp' | 'imap';
  /** The account it was fetched for (IMAP); found from the recipients otherwise. */
  readonly accountId?: number | undefined;
  readonly envelope?:
    | {
        readonly from: string | null;
        readonly to: readonly string[];
        readonly remoteAddress?: string;
      }
    | undefined;
}

/** What became of a message. */
export interface EmailIntakeResult {
  readonly messageId: string;
  readonly interactionId: number | null;
  readonly conversationId: number | null;
  readonly duplicate: boolean;
  /** `bounce` when it was a bounce of one of our messages (attached to it, no interaction). */
  readonly outcome: 'taken' | 'automated' | 'bounce' | 'unreadable' | 'duplicate';
}

export interface EmailIntakeOptions {
  readonly writer: Writer;
  readonly db: Kysely<Database>;
  readonly dialect: StorageDialect;
  readonly defaultRegion: string;
  /** Attachments larger than this are left out (listed on the message), never stored. */
  readonly maxAttachmentBytes: number;
  readonly routing?: Partial<RoutingOptions> | undefined;
  readonly logger: Logger;
  /** Where acknowledgements are sent from; none are sent without it. */
  readonly outbox?: Outbox | undefined;
}

export interface EmailIntake {
  /** Whether a recipient is one of our mailboxes (or a reply address of one). */
  acceptsRecipient(address: string): Promise<boolean>;
  take(raw: Buffer, arrival: EmailArrival): Promise<EmailIntakeResult>;
}

interface MailboxAccount {
  readonly id: number;
  readonly address: string;
  readonly displayName: string;
  /** Settings `acknowledge` (on/off) and `acknowledgement` (its text). */
  readonly settings: Readonly<Record<string, unknown>>;
}

export function createEmailIntake(options: EmailIntakeOptions): EmailIntake {
  const mailboxes = async (): Promise<MailboxAccount[]> => {
    const rows = await options.db
      .selectFrom('channel_accounts')
      .select(['id', 'address', 'display_name', 'settings'])
      .where('channel', '=', 'email')
      .where('enabled', '=', 1)
      .execute();
    return rows.map((r) => ({
      id: Number(r.id),
      address: r.address.toLowerCase(),
      displayName: r.display_name,
      settings: JSON.parse(r.settings) as Record<string, unknown>,
    }));
  };

  return {
    async acceptsRecipient(address) {
      const { mailbox } = splitReplyAddress(address);
      return (await mailboxes()).some((m) => m.address === mailbox);
    },

    async take(raw, arrival) {
      const rawSha = sha256Of(raw);
      const parsed = await parseEmail(raw, { maxAttachmentBytes: options.maxAttachmentBytes });
      const messageId = parsed.messageId ?? `${rawSha}@rapport.invalid`;
      const known = await findMessage(options.db, messageId);
      if (known) return { ...known, messageId, duplicate: true, outcome: 'duplicate' };
      const accounts = await mailboxes();
      const account = accountOf(accounts, parsed, arrival);
      try {
        return await options.writer.run(async (unit) => {
          // The raw source goes in the same unit as what was read from it: one commit per message.
          await putBlob(unit.db, raw, 'message/rfc822', unit.now);
          // A concurrent delivery of the same message may have won since we looked.
          const again = await findMessage(unit.db, messageId);
          if (again) return { ...again, messageId, duplicate: true, outcome: 'duplicate' as const };
          return parsed.ok
            ? takeParsed(unit, options, {
                parsed,
                raw,
                rawSha,
                messageId,
                account,
                accounts,
                arrival,
              })
            : takeUnreadable(unit, options, { parsed, rawSha, messageId, account, arrival });
        });
      } catch (error) {
        // Whatever went wrong after parsing, the message itself is kept (the sender is told to try
        // again, an IMAP mailbox keeps it): nothing is ever lost.
        await options.writer
          .run((unit) => putBlob(unit.db, raw, 'message/rfc822', unit.now))
          .catch(() => undefined);
        options.logger.error(
          { err: error, messageId },
          'email could not be taken in; raw source kept',
        );
        throw error;
      }
    },
  };
}

async function findMessage(
  db: Kysely<Database>,
  messageId: string,
): Promise<{ interactionId: number | null; conversationId: number | null } | undefined> {
  const row = await db
    .selectFrom('email_messages')
    .leftJoin('interactions', 'interactions.id', 'email_messages.interaction_id')
    .select(['email_messages.interaction_id', 'interactions.conversation_id'])
    .where('email_messages.message_id', '=', messageId)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    interactionId: row.interaction_id === null ? null : Number(row.interaction_id),
    conversationId: row.conversation_id === null ? null : Number(row.conversation_id),
  };
}

/** Every address the message was delivered to: the envelope first, then its headers. */
function recipientsOf(parsed: ParsedEmail, arrival: EmailArrival): string[] {
  const headers = parsed.ok
    ? [
        ...parsed.to.map((a) => a.address),
        ...parsed.cc.map((a) => a.address),
        ...parsed.deliveredTo,
        ...parsed.originalTo,
      ]
    : [];
  return [...(arrival.envelope?.to ?? []), ...headers].map((a) => a.trim().toLowerCase());
}

function accountOf(
  accounts: readonly MailboxAccount[],
  parsed: ParsedEmail,
  arrival: EmailArrival,
): MailboxAccount | undefined {
  if (arrival.accountId !== undefined) return accounts.find((a) => a.id === arrival.accountId);
  for (const recipient of recipientsOf(parsed, arrival)) {
    const { mailbox } = splitReplyAddress(recipient);
    const found = accounts.find((a) => a.address === mailbox);
    if (found) return found;
  }
  return undefined;
}

const channelActor = (account: MailboxAccount | undefined): Actor =>
  account ? { type: 'channel', id: account.id } : { type: 'system', id: null };

interface Taking {
  readonly parsed: Extract<ParsedEmail, { ok: true }>;
  readonly raw: Buffer;
  readonly rawSha: string;
  readonly messageId: string;
  readonly account: MailboxAccount | undefined;
  readonly accounts: readonly MailboxAccount[];
  readonly arrival: EmailArrival;
}

async function takeParsed(
  unit: Unit,
  options: EmailIntakeOptions,
  taking: Taking,
): Promise<EmailIntakeResult> {
  const { parsed, messageId, account } = taking;
  const actor = channelActor(account);
  const bounced = parsed.bounce ? await bouncedMessage(unit.db, parsed.bounce) : undefined;
  if (parsed.bounce && bounced) {
    await moveDelivery(
      unit,
      bounced.interactionId,
      { to: 'failed', reason: `delivery failed: ${parsed.bounce.reason}`, provider: emailProvider },
      actor,
    );
    await recordMessage(unit, taking, { interactionId: null, problems: {} });
    return {
      messageId,
      interactionId: null,
      conversationId: bounced.conversationId,
      duplicate: false,
      outcome: 'bounce',
    };
  }

  const sender = parsed.from ?? parsed.replyTo ?? envelopeSender(taking.arrival);
  const unverified = parsed.authentication === 'fail';
  const thread =
    (await threadOf(unit.db, parsed, taking.arrival)) ??
    (await caseNamedIn(unit.db, parsed.subject));
  const senderCustomer = sender
    ? await customerOfAddress(unit.db, sender.address, unverified)
    : undefined;
  const joins = thread !== undefined && senderCustomer === thread.customerId;
  const problems: EmailProblems = {
    ...(parsed.replyTo && parsed.from && parsed.replyTo.address !== parsed.from.address
      ? { replyToDiffers: true }
      : {}),
    ...(thread && !joins ? { mentionsCase: thread.conversationId } : {}),
    ...(parsed.refused.length > 0 ? { refused: parsed.refused } : {}),
  };
  const attachments: Attachment[] = [];
  for (const part of parsed.attachments) {
    const id = await putBlob(unit.db, part.content, part.contentType, unit.now);
    attachments.push({
      name: part.name,
      contentType: part.contentType,
      size: part.size,
      id,
      ...(part.inline ? { inline: true } : {}),
      ...(part.contentId ? { contentId: part.contentId } : {}),
    });
  }
  const contact: InboundContact = {
    kind: 'email',
    from: sender
      ? { email: sender.address, ...(sender.name ? { name: sender.name } : {}) }
      : { external: { system: 'email', id: taking.rawSha } },
    text: parsed.text.trim() || (attachments.length > 0 ? '' : '(empty message)'),
    ...(parsed.html ? { html: parsed.html } : {}),
    subject: parsed.subject,
    attachments,
    provider: emailProvider,
    providerId: messageId,
    ...(joins ? { conversationId: thread.conversationId } : { newCase: true }),
    ...(account ? { accountId: account.id, to: account.address } : {}),
    cc: parsed.cc.map((a) => a.address),
    threadId: parsed.references[0] ?? parsed.inReplyTo ?? messageId,
    ...(parsed.date !== null ? { occurredAt: Math.min(parsed.date, unit.now) } : {}),
    automated: parsed.automated !== null || parsed.bounce !== null,
    headers: parsed.headers,
    unverified,
  };
  const received = await receiveContact(unit, contact, {
    defaultRegion: options.defaultRegion,
    actor,
    ownAddress: account?.address,
    dialect: options.dialect,
    ...(options.routing ? { routing: options.routing } : {}),
  });
  await recordMessage(unit, taking, { interactionId: received.interactionId, problems });
  if (
    account?.settings.acknowledge === true &&
    received.conversationOpened &&
    !received.automated &&
    !unverified
  )
    await acknowledgeContact(
      unit,
      options.outbox,
      received,
      {
        kind: 'email',
        text: acknowledgementOf(account, received.conversationId),
        // The case number in brackets: a reply that loses its headers still finds the case.
        subject: `[#${received.conversationId}] ${parsed.subject.trim() || 'Your message'}`.slice(
          0,
          300,
        ),
        accountId: account.id,
      },
      actor,
    );
  return {
    messageId,
    interactionId: received.interactionId,
    conversationId: received.conversationId,
    duplicate: received.duplicate,
    outcome: received.automated ? 'automated' : 'taken',
  };
}

/**
 * A message that could not be parsed: stored as a flagged message from whoever the envelope or the
 * first headers name, routed like any other so a person looks at it, its raw source downloadable.
 */
async function takeUnreadable(
  unit: Unit,
  options: EmailIntakeOptions,
  taking: {
    readonly parsed: Extract<ParsedEmail, { ok: false }>;
    readonly rawSha: string;
    readonly messageId: string;
    readonly account: MailboxAccount | undefined;
    readonly arrival: EmailArrival;
  },
): Promise<EmailIntakeResult> {
  const { parsed, account } = taking;
  const sender = parsed.from ?? envelopeSender(taking.arrival);
  const received = await receiveContact(
    unit,
    {
      kind: 'email',
      from: sender
        ? { email: sender.address, ...(sender.name ? { name: sender.name } : {}) }
        : { external: { system: 'email', id: taking.rawSha } },
      text: `This message could not be read (${parsed.reason}). Its raw source is kept: download it from the message.`,
      subject: parsed.subject || 'Unreadable email',
      provider: emailProvider,
      providerId: taking.messageId,
      newCase: true,
      ...(account ? { accountId: account.id, to: account.address } : {}),
      // Unread, the sender cannot be vouched for: kept apart from the customer it names.
      unverified: sender !== null,
    },
    {
      defaultRegion: options.defaultRegion,
      actor: channelActor(account),
      ownAddress: account?.address,
      dialect: options.dialect,
      ...(options.routing ? { routing: options.routing } : {}),
    },
  );
  await unit.db
    .insertInto('email_messages')
    .values({
      account_id: account?.id ?? null,
      message_id: taking.messageId,
      raw_sha256: taking.rawSha,
      via: taking.arrival.via,
      envelope_from: taking.arrival.envelope?.from ?? null,
      envelope_to: taking.arrival.envelope ? JSON.stringify(taking.arrival.envelope.to) : null,
      interaction_id: received.interactionId,
      in_reply_to: null,
      references: '[]',
      reply_to: null,
      authentication: 'none',
      problems: JSON.stringify({ unreadable: parsed.reason } satisfies EmailProblems),
      remote_images: 0,
      automated_reason: null,
      created_at: unit.now,
    })
    .execute();
  options.logger.warn({ messageId: taking.messageId, reason: parsed.reason }, 'unreadable email');
  return {
    messageId: taking.messageId,
    interactionId: received.interactionId,
    conversationId: received.conversationId,
    duplicate: false,
    outcome: 'unreadable',
  };
}

async function recordMessage(
  unit: Unit,
  taking: Taking,
  row: { readonly interactionId: number | null; readonly problems: EmailProblems },
): Promise<void> {
  const { parsed } = taking;
  await unit.db
    .insertInto('email_messages')
    .values({
      account_id: taking.account?.id ?? null,
      message_id: taking.messageId,
      raw_sha256: taking.rawSha,
      via: taking.arrival.via,
      envelope_from: taking.arrival.envelope?.from ?? null,
      envelope_to: taking.arrival.envelope ? JSON.stringify(taking.arrival.envelope.to) : null,
      interaction_id: row.interactionId,
      in_reply_to: parsed.inReplyTo,
      references: JSON.stringify(parsed.references),
      reply_to: parsed.replyTo?.address ?? null,
      authentication: parsed.authentication,
      problems: JSON.stringify(row.problems),
      remote_images: parsed.remoteImages ? 1 : 0,
      automated_reason: parsed.bounce
        ? `bounce: ${parsed.bounce.reason}`
        : (parsed.automated?.reason ?? null),
      created_at: unit.now,
    })
    .execute();
}

/** The account's own words, or ours; `{case}` stands for the case number. */
function acknowledgementOf(account: MailboxAccount, conversationId: number): string {
  const own = account.settings.acknowledgement;
  const text =
    typeof own === 'string' && own.trim() !== ''
      ? own
      : `Thank you for writing to ${account.displayName}. Your message is with our care team, and a person will answer you by email. Your case number is {case}: reply to this email to add to it.`;
  return text.replaceAll('{case}', String(conversationId));
}

function envelopeSender(arrival: EmailArrival): EmailAddress | null {
  const from = arrival.envelope?.from?.trim().toLowerCase();
  return from ? { address: from, name: '' } : null;
}

/** The outbound message a bounce names, by its Message-ID. */
async function bouncedMessage(
  db: Kysely<Database>,
  bounce: NonNullable<Extract<ParsedEmail, { ok: true }>['bounce']>,
): Promise<{ interactionId: number; conversationId: number } | undefined> {
  if (!bounce.originalMessageId) return undefined;
  const row = await db
    .selectFrom('interactions')
    .select(['id', 'conversation_id'])
    .where('provider', '=', emailProvider)
    .where('provider_id', '=', bounce.originalMessageId)
    .where('direction', '=', 'outbound')
    .executeTakeFirst();
  return row
    ? { interactionId: Number(row.id), conversationId: Number(row.conversation_id) }
    : undefined;
}

/**
 * The case a message answers: by In-Reply-To / References (newest first), then by a reply token in
 * any address it was delivered to.
 */
async function threadOf(
  db: Kysely<Database>,
  parsed: Extract<ParsedEmail, { ok: true }>,
  arrival: EmailArrival,
): Promise<{ conversationId: number; customerId: number } | undefined> {
  const ids = [
    ...(parsed.inReplyTo ? [parsed.inReplyTo] : []),
    ...[...parsed.references].reverse(),
  ];
  if (ids.length > 0) {
    const rows = await db
      .selectFrom('interactions')
      .innerJoin('conversations', 'conversations.id', 'interactions.conversation_id')
      .select(['interactions.provider_id', 'conversations.id', 'conversations.customer_id'])
      .where('interactions.provider', '=', emailProvider)
      .where('interactions.provider_id', 'in', ids)
      .execute();
    for (const id of ids) {
      const found = rows.find((r) => r.provider_id === id);
      if (found) return { conversationId: Number(found.id), customerId: Number(found.customer_id) };
    }
  }
  for (const recipient of recipientsOf(parsed, arrival)) {
    const { token } = splitReplyAddress(recipient);
    if (!token) continue;
    const found = await db
      .selectFrom('reply_tokens')
      .innerJoin('conversations', 'conversations.id', 'reply_tokens.conversation_id')
      .select(['conversations.id', 'conversations.customer_id'])
      .where('reply_tokens.token', '=', token)
      .executeTakeFirst();
    if (found) return { conversationId: Number(found.id), customerId: Number(found.customer_id) };
  }
  return undefined;
}

/**
 * A case number the subject names ("[#123]", "case 123"), as our acknowledgements write it. Joined only when the sender is that case's customer, like any other thread.
 */
async function caseNamedIn(
  db: Kysely<Database>,
  subject: string,
): Promise<{ conversationId: number; customerId: number } | undefined> {
  const named = /\[#(\d{1,12})\]|\bcase\s+#?(\d{1,12})\b/i.exec(subject);
  if (!named) return undefined;
  const found = await db
    .selectFrom('conversations')
    .select(['id', 'customer_id'])
    .where('id', '=', Number(named[1] ?? named[2]))
    .executeTakeFirst();
  return found
    ? { conversationId: Number(found.id), customerId: Number(found.customer_id) }
    : undefined;
}

/** The customer an address belongs to (following merges), kept apart when unverified. */
async function customerOfAddress(
  db: Kysely<Database>,
  address: string,
  unverified: boolean,
): Promise<number | undefined> {
  const row = await db
    .selectFrom('identities')
    .innerJoin('customers', 'customers.id', 'identities.customer_id')
    .select(['identities.customer_id', 'customers.merged_into_id'])
    .where('identities.kind', '=', 'email')
    .where('identities.network', '=', unverified ? unverifiedNetwork : '')
    .where('identities.value', '=', address.toLowerCase())
    .executeTakeFirst();
  if (!row) return undefined;
  return Number(row.merged_into_id ?? row.customer_id);
}
