/**
 * A chat's messages: a visitor's message stored through `contacts/receiveContact` (provider
 * `widget`, provider id `<visitorId>:<clientId>`, so a resend is a duplicate returning the same
 * interaction), into one chat case even under parallel sends, with the account's `afterResolved`
 * rule decided under the customer's lock; and the messages a visitor sees, by id (the sync cursor).
 */
import type { Kysely } from 'kysely';
import type { Context } from '../../platform/context.ts';
import type { Database, InteractionRow } from '../../platform/db/schema.ts';
import type { Unit } from '../../platform/db/writer.ts';
import { Invalid } from '../../platform/errors.ts';
import type { Attachment } from '../../api-types/conversations.ts';
import type { ChatMessage, ChatUpload } from '../../api-types/chat.ts';
import { receiveContact } from '../../contacts/contacts.ts';
import { moveDelivery } from '../../conversations/delivery.ts';
import {
  chatSettingsOf,
  visitorContactPoints,
  widgetProvider,
  type VisitorContext,
} from './visitors.ts';

/** Our own messages' provider id: `widget:<interactionId>`. */
export const ownProviderId = (interactionId: number): string => `widget:${interactionId}`;
/** A visitor's message's provider id. */
export const visitorProviderId = (visitorId: number, clientId: string): string =>
  `${visitorId}:${clientId}`;

/** What a visitor sends (a socket's `message` frame, the HTTP fallback's body). */
export interface VisitorMessage {
  readonly clientId: string;
  readonly text: string;
  readonly attachments?: readonly ChatUpload[] | undefined;
}

/** The `ack` frame's fields, and what the hub needs to know. */
export interface StoredMessage {
  readonly clientId: string;
  readonly id: number;
  readonly conversationId: number;
  readonly duplicate: boolean;
  /** A new case was opened for it (the first message, or `afterResolved: new`). */
  readonly opened: boolean;
  /** It put a resolved case back to open. */
  readonly reopened: boolean;
}

/**
 * Stores one visitor message. The case is chosen under the customer's lock: the visitor's current
 * chat case while it is active; once resolved, that case reopened (`afterResolved: reopen`) or a
 * new one (`new`); a closed case, or none yet, means a new case. Concurrent first sends (several
 * tabs, the socket and the HTTP fallback) therefore open one case, and a resend is the same message.
 */
export async function storeVisitorMessage(
  ctx: Context,
  who: VisitorContext,
  message: VisitorMessage,
): Promise<StoredMessage> {
  const { account, visitor } = who;
  const settings = chatSettingsOf(account, ctx.config.maxAttachmentBytes);
  return ctx.writer.run(async (unit) => {
    // Our own message coming back (a client that sends an id we gave): never a customer's word.
    if (message.clientId.startsWith(`${widgetProvider}:`)) {
      const ours = await ownMessage(unit.db, message.clientId);
      if (!ours) throw new Invalid('clientId', 'the widget: prefix is for Rapport’s own messages');
      return {
        ...ours,
        clientId: message.clientId,
        duplicate: true,
        opened: false,
        reopened: false,
      };
    }
    const providerId = visitorProviderId(visitor.id, message.clientId);
    const seen = await unit.db
      .selectFrom('interactions')
      .select(['id', 'conversation_id'])
      .where('provider', '=', widgetProvider)
      .where('provider_id', '=', providerId)
      .executeTakeFirst();
    if (seen)
      return {
        clientId: message.clientId,
        id: seen.id,
        conversationId: seen.conversation_id,
        duplicate: true,
        opened: false,
        reopened: false,
      };
    const attachments = await storedUploads(unit, message.attachments ?? [], settings);
    await ctx.store.dialect.lockCustomer(unit.db, visitor.customerId);
    // Read again under the lock: a parallel send may have opened the case since the token was read.
    const current = await unit.db
      .selectFrom('chat_visitors')
      .leftJoin('conversations', 'conversations.id', 'chat_visitors.conversation_id')
      .select(['chat_visitors.conversation_id', 'conversations.status'])
      .where('chat_visitors.id', '=', visitor.id)
      .executeTakeFirstOrThrow();
    const status = current.status ?? null;
    const join =
      current.conversation_id !== null &&
      status !== 'closed' &&
      (status !== 'resolved' || settings.afterResolved === 'reopen');
    const result = await receiveContact(
      unit,
      {
        kind: 'chat_message',
        from: visitorContactPoints(visitor.id),
        text: message.text,
        attachments,
        provider: widgetProvider,
        providerId,
        ...(join ? { conversationId: Number(current.conversation_id) } : { newCase: true }),
        accountId: account.id,
        to: account.address,
        threadId: `visitor:${visitor.id}`,
      },
      {
        defaultRegion: ctx.config.defaultPhoneRegion,
        actor: { type: 'channel', id: account.id },
        ownAddress: account.address,
        dialect: ctx.store.dialect,
      },
    );
    await unit.db
      .updateTable('chat_visitors')
      .set({ conversation_id: result.conversationId, last_seen_at: unit.now })
      .where('id', '=', visitor.id)
      .execute();
    return {
      clientId: message.clientId,
      id: result.interactionId,
      conversationId: result.conversationId,
      duplicate: result.duplicate,
      opened: result.conversationOpened,
      reopened: join && status === 'resolved',
    };
  });
}

async function ownMessage(db: Kysely<Database>, providerId: string) {
  const id = Number(providerId.slice(widgetProvider.length + 1));
  if (!Number.isSafeInteger(id)) return undefined;
  const row = await db
    .selectFrom('interactions')
    .select(['id', 'conversation_id'])
    .where('id', '=', id)
    .where('direction', '=', 'outbound')
    .where('channel', '=', 'chat')
    .executeTakeFirst();
  return row ? { id: row.id, conversationId: row.conversation_id } : undefined;
}

/**
 * The uploads a message names must be files the visitor uploaded before (`blobs`), of a type and
 * size the account allows; their size and type are the stored file's, whatever the widget said.
 */
async function storedUploads(
  unit: Unit,
  uploads: readonly ChatUpload[],
  settings: ReturnType<typeof chatSettingsOf>,
): Promise<Attachment[]> {
  if (uploads.length === 0) return [];
  const stored = await unit.db
    .selectFrom('blobs')
    .select(['sha256', 'size', 'content_type'])
    .where(
      'sha256',
      'in',
      uploads.map((u) => u.id),
    )
    .execute();
  return uploads.map((upload, index) => {
    const found = stored.find((b) => b.sha256 === upload.id);
    if (!found) throw new Invalid(`attachments/${index}/id`, 'no such uploaded file');
    const type = found.content_type.toLowerCase();
    if (!settings.attachmentTypes.includes(type))
      throw new Invalid(`attachments/${index}`, `files of type ${type} are not taken here`);
    if (Number(found.size) > settings.maxAttachmentBytes)
      throw new Invalid(`attachments/${index}`, 'the file is larger than this chat takes');
    return { id: upload.id, name: upload.name, contentType: type, size: Number(found.size) };
  });
}

/** An interaction as the widget shows it; `names` holds advisors' names by id. */
export function toChatMessage(
  row: Pick<
    InteractionRow,
    | 'id'
    | 'conversation_id'
    | 'direction'
    | 'author_type'
    | 'author_id'
    | 'text'
    | 'attachments'
    | 'provider'
    | 'provider_id'
    | 'created_at'
  >,
  names: ReadonlyMap<number, string>,
): ChatMessage {
  const inbound = row.direction === 'inbound';
  const clientId =
    inbound && row.provider === widgetProvider && row.provider_id
      ? row.provider_id.slice(row.provider_id.indexOf(':') + 1)
      : null;
  const advisor = !inbound && row.author_type === 'advisor';
  return {
    id: row.id,
    clientId,
    author: inbound ? 'visitor' : advisor ? 'advisor' : 'system',
    name: advisor && row.author_id !== null ? (names.get(Number(row.author_id)) ?? null) : null,
    photoUrl: null,
    text: row.text,
    attachments: (JSON.parse(row.attachments) as Attachment[]).map(
      ({ id, name, contentType, size }) => ({
        ...(id !== undefined ? { id } : {}),
        name,
        contentType,
        size,
      }),
    ),
    at: new Date(Number(row.created_at)).toISOString(),
    conversationId: row.conversation_id,
  };
}

/** The most messages one sync hands back; older ones are on the customer's timeline. */
export const syncLimit = 500;

/**
 * The visitor's chat messages with an id above `after` (all when null), oldest first: every
 * message in or out on this chat account for the visitor's customer, never notes.
 */
export async function messagesAfter(
  db: Kysely<Database>,
  who: VisitorContext,
  after: number | null,
): Promise<ChatMessage[]> {
  let query = db
    .selectFrom('interactions')
    .leftJoin('advisors', 'advisors.id', 'interactions.author_id')
    .select([
      'interactions.id',
      'interactions.conversation_id',
      'interactions.direction',
      'interactions.author_type',
      'interactions.author_id',
      'interactions.text',
      'interactions.attachments',
      'interactions.provider',
      'interactions.provider_id',
      'interactions.created_at',
      'advisors.name as advisor_name',
    ])
    .where('interactions.customer_id', '=', who.visitor.customerId)
    .where('interactions.channel', '=', 'chat')
    .where('interactions.account_id', '=', who.account.id)
    .where('interactions.direction', 'in', ['inbound', 'outbound'])
    .where('interactions.is_private', '=', 0);
  if (after !== null) query = query.where('interactions.id', '>', after);
  // Without a cursor the newest messages are the ones worth showing; with one, the next ones.
  const rows =
    after === null
      ? (await query.orderBy('interactions.id', 'desc').limit(syncLimit).execute()).reverse()
      : await query.orderBy('interactions.id', 'asc').limit(syncLimit).execute();
  const names = new Map<number, string>();
  for (const r of rows)
    if (r.author_type === 'advisor' && r.author_id !== null && r.advisor_name)
      names.set(Number(r.author_id), r.advisor_name);
  return rows.map((r) => toChatMessage(r, names));
}

/** How many of our messages the visitor has not read (those above `upTo`). */
export async function unreadCount(
  db: Kysely<Database>,
  who: VisitorContext,
  upTo: number,
): Promise<number> {
  const row = await db
    .selectFrom('interactions')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('customer_id', '=', who.visitor.customerId)
    .where('channel', '=', 'chat')
    .where('account_id', '=', who.account.id)
    .where('direction', '=', 'outbound')
    .where('is_private', '=', 0)
    .where('id', '>', upTo)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * The visitor has read our messages up to `upTo`: kept as their read mark (it only moves forward)
 * and each of our messages up to it moves to `read` in its delivery history. Answers the mark, the
 * unread count after it, and the conversation for the desk's event.
 */
export async function markVisitorRead(
  ctx: Context,
  who: VisitorContext,
  upTo: number,
): Promise<{ upTo: number; unread: number; conversationId: number | null }> {
  const mark = await ctx.writer.run(async (unit) => {
    const row = await unit.db
      .selectFrom('chat_visitors')
      .select(['visitor_read_up_to', 'conversation_id'])
      .where('id', '=', who.visitor.id)
      .executeTakeFirstOrThrow();
    const mark = Math.max(Number(row.visitor_read_up_to), upTo);
    await unit.db
      .updateTable('chat_visitors')
      .set({ visitor_read_up_to: mark, last_seen_at: unit.now })
      .where('id', '=', who.visitor.id)
      .execute();
    const ours = await unit.db
      .selectFrom('interactions')
      .select('id')
      .where('customer_id', '=', who.visitor.customerId)
      .where('channel', '=', 'chat')
      .where('account_id', '=', who.account.id)
      .where('direction', '=', 'outbound')
      .where('id', '<=', mark)
      .where('delivery_state', 'in', ['queued', 'sending', 'sent', 'delivered'])
      .execute();
    for (const { id } of ours)
      await moveDelivery(
        unit,
        id,
        { to: 'read', provider: widgetProvider, providerId: ownProviderId(id) },
        { type: 'channel', id: who.account.id },
      );
    return {
      upTo: mark,
      conversationId: row.conversation_id === null ? null : Number(row.conversation_id),
    };
  });
  return { ...mark, unread: await unreadCount(ctx.store.db, who, mark.upTo) };
}

/**
 * Our messages reached an open socket of the visitor (pushed, or re-synced after a reconnect):
 * each still on its way moves to `delivered`, named `widget:<id>`. Later states stay as they are.
 */
export async function markDelivered(
  ctx: Context,
  interactionIds: readonly number[],
  accountId: number,
): Promise<void> {
  if (interactionIds.length === 0) return;
  await ctx.writer.run(async (unit) => {
    const due = await unit.db
      .selectFrom('interactions')
      .select('id')
      .where('id', 'in', interactionIds)
      .where('direction', '=', 'outbound')
      .where('delivery_state', 'in', ['queued', 'sending', 'sent'])
      .execute();
    for (const { id } of due)
      await moveDelivery(
        unit,
        id,
        { to: 'delivered', provider: widgetProvider, providerId: ownProviderId(id) },
        { type: 'channel', id: accountId },
      );
  });
}
