/**
 * The `smtp` adapter's outbound half: an advisor's reply on an email case leaves by SMTP over the
 * account's own server, from the named advisor at the address the customer wrote to, in the same
 * thread (In-Reply-To, References), with the per-case reply address, keeping the other people the
 * customer copied. Email comes in by the SMTP server or IMAP (smtp-inbound.ts, imap-poller.ts), never
 * by a webhook, so the inbound half refuses.
 */
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import nodemailer from 'nodemailer';
import MailComposer from 'nodemailer/lib/mail-composer';
import type { MailComposerAttachment } from 'nodemailer/lib/mail-composer';
import type { Attachment } from '../../api-types/conversations.ts';
import type { Database } from '../../platform/db/schema.ts';
import { Forbidden } from '../../platform/errors.ts';
import {
  classifyProviderError,
  ProviderFailure,
  type AdapterAccount,
  type ChannelAdapter,
  type OutboundMessage,
  type SendReceipt,
} from '../adapter.ts';
import { getBlob, putBlob } from '../blobs.ts';
import { emailProvider, ensureReplyToken, replyAddressOf, splitReplyAddress } from './threading.ts';

/** The account secret that logs in to the SMTP server, with the `smtpUser` setting. */
export const smtpPasswordName = 'smtpPassword';

export interface EmailAdapterOptions {
  readonly db: Kysely<Database>;
  readonly now: () => number;
}

/** The email adapter: sends replies by SMTP; refuses any attempt to deliver email by webhook. */
export function createEmailAdapter({ db, now }: EmailAdapterOptions): ChannelAdapter {
  const refuse = (): never => {
    throw new Forbidden('email arrives by SMTP or IMAP, not by webhook');
  };
  const transports = transportPool();
  return {
    provider: emailProvider,
    channel: 'email',
    verify: refuse,
    parse: refuse,
    send: (message, account) => sendEmail(db, now, transports, message, account),
    classify: classifySmtpError,
  };
}

type Transport = ReturnType<typeof pooledTransport>;
type TransportPool = (account: AdapterAccount) => Transport;

/**
 * A few SMTP connections per account's settings, reused while replies keep coming and closed after
 * a second without any: a burst of replies does not pay a connection (and greeting) each. Changed
 * settings get connections of their own; the old ones close when idle.
 */
function transportPool(): TransportPool {
  const pools = new Map<string, Transport>();
  return (account) => {
    const options = transportOptionsOf(account);
    const key = createHash('sha256')
      .update(JSON.stringify([account.id, options]))
      .digest('hex');
    let transport = pools.get(key);
    if (!transport) {
      transport = pooledTransport(options);
      pools.set(key, transport);
    }
    return transport;
  };
}

function pooledTransport(options: ReturnType<typeof transportOptionsOf>) {
  return nodemailer.createTransport({
    ...options,
    pool: true,
    maxConnections: 4,
    maxMessages: 100,
    idleTimeout: 1_000,
  });
}

/** The email this reply answers: the customer's latest message on the case before the reply. */
interface Parent {
  readonly messageId: string;
  readonly references: readonly string[];
  readonly subject: string | null;
  readonly from: string | null;
  readonly to: string | null;
  readonly cc: readonly string[];
}

/** Everything about one reply that its email needs, read from the database. */
interface Reply {
  readonly text: string;
  readonly html: string | null;
  readonly to: string | null;
  readonly cc: readonly string[] | null;
  readonly subject: string | null;
  readonly caseSubject: string;
  readonly attachments: readonly Attachment[];
  readonly createdAt: number;
  readonly advisorName: string | null;
}

async function sendEmail(
  db: Kysely<Database>,
  now: () => number,
  transports: TransportPool,
  message: OutboundMessage,
  account: AdapterAccount,
): Promise<SendReceipt> {
  const reply = await replyOf(db, message.interactionId);
  const parent = await parentOf(db, message.conversationId, message.interactionId);
  const ours = await ownMailboxes(db);
  const from = fromAddressOf(parent, account, ours);
  const messageId = messageIdOf(message.idempotencyKey, account.id, reply.createdAt, from);
  const threadId = parent ? (parent.references[0] ?? parent.messageId) : messageId;
  const receipt: SendReceipt = { providerId: messageId, threadId };

  // A run after a crash that came after the server took the message: it was sent, say so again.
  const already = await db
    .selectFrom('email_messages')
    .select('id')
    .where('message_id', '=', messageId)
    .where('via', '=', 'sent')
    .executeTakeFirst();
  if (already) return receipt;

  const to = reply.to ?? message.to;
  if (!to) throw new ProviderFailure('permanent', 'the reply has no email address to go to');
  const cc = reply.cc
    ? distinct(reply.cc, [to])
    : parent
      ? distinct([...(parent.to ? [parent.to] : []), ...parent.cc], [to, parent.from ?? ''], ours)
      : [];
  const token = await ensureReplyToken(db, message.conversationId, now());
  const replyTo = replyAddressOf(from, token);
  const references = parent ? [...parent.references, parent.messageId] : [];
  const accountName = await accountNameOf(db, account.id);
  const firstName = reply.advisorName?.trim().split(/\s+/)[0];
  const raw = await new MailComposer({
    from: { name: firstName ? `${firstName} at ${accountName}` : accountName, address: from },
    to,
    ...(cc.length > 0 ? { cc } : {}),
    replyTo,
    subject: subjectOf(reply, parent),
    messageId: `<${messageId}>`,
    date: new Date(now()),
    ...(parent
      ? { inReplyTo: `<${parent.messageId}>`, references: references.map((id) => `<${id}>`) }
      : {}),
    // The text was signed when the reply was stored (sign-reply.ts): never signed again here.
    text: reply.text,
    html: reply.html ?? paragraphsOf(reply.text),
    attachments: await attachmentsOf(db, reply.attachments),
    ...(message.automatic ? { headers: { 'Auto-Submitted': 'auto-generated' } } : {}),
    // CRLF throughout, so the bytes on the wire are the bytes kept.
    newline: 'win',
    disableFileAccess: true,
    disableUrlAccess: true,
  })
    .compile()
    .build();

  const envelope = { from, to: [to, ...cc] };
  const info = await transports(account).sendMail({ envelope, raw });
  const rejected = (info.rejectedErrors ?? []).map((e) => ({
    address: String((e as { recipient?: unknown }).recipient ?? ''),
    reason: (e as { response?: string }).response ?? e.message,
  }));
  // One commit for the raw source and its row.
  await db.transaction().execute(async (trx) => {
    const rawSha256 = await putBlob(trx, raw, 'message/rfc822', now());
    await trx
      .insertInto('email_messages')
      .values({
        account_id: account.id,
        message_id: messageId,
        raw_sha256: rawSha256,
        via: 'sent',
        envelope_from: from,
        envelope_to: JSON.stringify(envelope.to),
        interaction_id: message.interactionId,
        in_reply_to: parent?.messageId ?? null,
        references: JSON.stringify(references),
        reply_to: replyTo,
        authentication: 'none',
        problems: JSON.stringify(rejected.length > 0 ? { rejectedRecipients: rejected } : {}),
        remote_images: 0,
        automated_reason: message.automatic ? 'auto-generated' : null,
        created_at: now(),
      })
      .onConflict((oc) => oc.column('message_id').doNothing())
      .execute();
  });
  const customerRefused = rejected.find((r) => r.address.toLowerCase() === to.toLowerCase());
  // The copies went out, the customer's did not: the reply failed, with the server's reason.
  if (customerRefused) throw new ProviderFailure('permanent', customerRefused.reason.slice(0, 500));
  return receipt;
}

async function replyOf(db: Kysely<Database>, interactionId: number): Promise<Reply> {
  const row = await db
    .selectFrom('interactions')
    .innerJoin('conversations', 'conversations.id', 'interactions.conversation_id')
    .leftJoin('advisors', (join) =>
      join
        .onRef('advisors.id', '=', 'interactions.author_id')
        .on('interactions.author_type', '=', 'advisor'),
    )
    .select([
      'interactions.text',
      'interactions.html',
      'interactions.to_address',
      'interactions.cc',
      'interactions.subject',
      'interactions.attachments',
      'interactions.created_at',
      'conversations.subject as case_subject',
      'advisors.name as advisor_name',
    ])
    .where('interactions.id', '=', interactionId)
    .executeTakeFirst();
  if (!row) throw new ProviderFailure('not_found', `reply ${interactionId} is no longer stored`);
  return {
    text: row.text,
    html: row.html,
    to: row.to_address,
    cc: row.cc === null ? null : (JSON.parse(row.cc) as string[]),
    subject: row.subject?.trim() || null,
    caseSubject: row.case_subject,
    attachments: JSON.parse(row.attachments) as Attachment[],
    createdAt: Number(row.created_at),
    advisorName: row.advisor_name,
  };
}

async function parentOf(
  db: Kysely<Database>,
  conversationId: number,
  replyId: number,
): Promise<Parent | undefined> {
  const row = await db
    .selectFrom('interactions')
    .leftJoin('email_messages', 'email_messages.interaction_id', 'interactions.id')
    .select([
      'interactions.provider_id',
      'interactions.subject',
      'interactions.from_address',
      'interactions.to_address',
      'interactions.cc',
      'email_messages.message_id',
      'email_messages.references',
    ])
    .where('interactions.conversation_id', '=', conversationId)
    .where('interactions.channel', '=', 'email')
    .where('interactions.direction', '=', 'inbound')
    .where('interactions.provider', '=', emailProvider)
    // Earlier than the reply, so every attempt of its send answers the same message…
    .where('interactions.id', '<', replyId)
    // …and the customer's own words before a machine's (an auto-reply on the case).
    .orderBy('interactions.automated')
    .orderBy('interactions.created_at', 'desc')
    .orderBy('interactions.id', 'desc')
    .limit(1)
    .executeTakeFirst();
  const messageId = row?.message_id ?? row?.provider_id;
  if (!row || !messageId) return undefined;
  return {
    messageId,
    references: row.references ? (JSON.parse(row.references) as string[]) : [],
    subject: row.subject,
    from: row.from_address,
    to: row.to_address,
    cc: row.cc ? (JSON.parse(row.cc) as string[]) : [],
  };
}

/** Every mailbox of ours (each email account's address), lower-cased. */
async function ownMailboxes(db: Kysely<Database>): Promise<ReadonlySet<string>> {
  const rows = await db
    .selectFrom('channel_accounts')
    .select('address')
    .where('channel', '=', 'email')
    .execute();
  return new Set(rows.map((r) => r.address.trim().toLowerCase()));
}

const isOurs = (address: string, ours: ReadonlySet<string>) =>
  ours.has(splitReplyAddress(address).mailbox);

/** The address the customer wrote to when it is one of ours (without its `+token`), else the account's. */
function fromAddressOf(
  parent: Parent | undefined,
  account: AdapterAccount,
  ours: ReadonlySet<string>,
): string {
  const written = [parent?.to, ...(parent?.cc ?? [])].find(
    (a): a is string => typeof a === 'string' && isOurs(a, ours),
  );
  return written ? splitReplyAddress(written).mailbox : account.address;
}

/** `addresses` once each, without those in `except` or of ours. */
function distinct(
  addresses: readonly string[],
  except: readonly string[],
  ours: ReadonlySet<string> = new Set(),
): string[] {
  const seen = new Set(except.map((a) => a.trim().toLowerCase()));
  const kept: string[] = [];
  for (const address of addresses) {
    const key = address.trim().toLowerCase();
    if (key === '' || seen.has(key) || isOurs(key, ours)) continue;
    seen.add(key);
    kept.push(address.trim());
  }
  return kept;
}

/**
 * The same Message-ID for every attempt of one send (a retry after a crash is the same message), and
 * one no other reply has: the key names the reply, its creation time this database's reply.
 */
function messageIdOf(key: string, accountId: number, createdAt: number, from: string): string {
  const digest = createHash('sha256').update(`${key}\n${accountId}\n${createdAt}`).digest('hex');
  return `rapport.${digest.slice(0, 24)}@${from.slice(from.lastIndexOf('@') + 1)}`;
}

/** The reply's own subject, else `Re:` the one it answers (never `Re: Re:`). */
function subjectOf(reply: Reply, parent: Parent | undefined): string {
  if (reply.subject) return reply.subject;
  const answered = parent?.subject?.trim() || reply.caseSubject;
  if (!parent) return answered;
  return /^re\s*:/i.test(answered) ? answered : `Re: ${answered}`;
}

/** Plain text as simple HTML: a paragraph per blank-line block, line breaks kept, all escaped. */
export function paragraphsOf(text: string): string {
  const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return text
    .split(/\r?\n\s*\r?\n/)
    .filter((block) => block.trim() !== '')
    .map((block) => `<p>${escape(block).replace(/\r?\n/g, '<br>')}</p>`)
    .join('\n');
}

async function attachmentsOf(
  db: Kysely<Database>,
  attachments: readonly Attachment[],
): Promise<MailComposerAttachment[]> {
  const parts: MailComposerAttachment[] = [];
  for (const attachment of attachments) {
    // A file Rapport does not hold (a link) is not fetched from the server: that would reach anywhere.
    if (!attachment.id)
      throw new ProviderFailure(
        'permanent',
        `the attachment ${attachment.name} is not a stored file: upload it to send it by email`,
      );
    const blob = await getBlob(db, attachment.id);
    if (!blob)
      throw new ProviderFailure('permanent', `the attachment ${attachment.name} is not stored`);
    parts.push({
      filename: attachment.name,
      content: blob.bytes,
      contentType: attachment.contentType || blob.contentType,
      ...(attachment.inline && attachment.contentId
        ? { cid: attachment.contentId, contentDisposition: 'inline' }
        : {}),
    });
  }
  return parts;
}

async function accountNameOf(db: Kysely<Database>, accountId: number): Promise<string> {
  const row = await db
    .selectFrom('channel_accounts')
    .select('display_name')
    .where('id', '=', accountId)
    .executeTakeFirst();
  return row?.display_name ?? '';
}

/** The account's SMTP server as nodemailer's options; short timeouts, so a dead server is a quick retry. */
export function transportOptionsOf(account: AdapterAccount) {
  const { smtpHost, smtpPort, smtpSecure, smtpUser, requireTLS } = account.settings;
  if (typeof smtpHost !== 'string' || smtpHost === '')
    throw new ProviderFailure('permission', 'the email account has no SMTP server (smtpHost)');
  const secure = smtpSecure === true || smtpSecure === 'true';
  const password = account.secrets[smtpPasswordName];
  return {
    host: smtpHost,
    port: Number(smtpPort) > 0 ? Number(smtpPort) : secure ? 465 : 587,
    secure,
    requireTLS: requireTLS === true || requireTLS === 'true',
    ...(typeof smtpUser === 'string' && smtpUser !== ''
      ? { auth: { user: smtpUser, pass: password ?? '' } }
      : {}),
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
    dnsTimeout: 10_000,
  };
}

// nodemailer's codes for a server that could not be reached or talked to: a retry can cure them.
const connectionCodes = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ECONNREFUSED']);

/**
 * An SMTP failure in the closed set: a refused login is `permission`, a 5xx answer `permanent`, a 4xx
 * answer or a connection that failed `temporary`. The reason is the server's own answer.
 */
export function classifySmtpError(error: unknown): ProviderFailure {
  if (error instanceof ProviderFailure) return error;
  const { code, responseCode, response } = (error ?? {}) as {
    code?: unknown;
    responseCode?: unknown;
    response?: unknown;
  };
  const said = typeof response === 'string' && response !== '' ? response : undefined;
  const reason = (said ?? (error instanceof Error ? error.message : String(error))).slice(0, 500);
  const status = typeof responseCode === 'number' ? responseCode : undefined;
  if (code === 'EAUTH' || status === 535 || status === 530)
    return new ProviderFailure('permission', reason);
  if (status !== undefined && status >= 500) return new ProviderFailure('permanent', reason);
  if (status !== undefined && status >= 400) return new ProviderFailure('temporary', reason);
  if (typeof code === 'string' && connectionCodes.has(code))
    return new ProviderFailure('temporary', `${code}: ${reason}`.slice(0, 500));
  return classifyProviderError(error);
}
