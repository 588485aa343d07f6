import type { Kysely } from 'kysely';
import type { Database, InteractionRow } from '../platform/db/schema.ts';
import { emailDetailsOf, emailRowsOf, withStoredFiles } from './email-details.ts';
import { callDetailsOf } from './call-details.ts';
import type { StorageDialect } from '../platform/db/dialects/storage-dialect.ts';
import type { Unit } from '../platform/db/writer.ts';
import type { Actor } from '../platform/events/event.ts';
import { Invalid, RetryableConflict } from '../platform/errors.ts';
import { searchWords } from '../platform/db/text-search.ts';
import { encodeCursor, type PageCursor } from '../platform/http/cursor.ts';
import { conversationScope, type Viewer } from '../advisors/access.ts';
import { resolveCustomer } from '../customers/customers.ts';
import type { InboundContact } from '../channels/adapter.ts';
import { identitiesOf, type ContactPoints } from '../customers/identities.ts';
import { normaliseAccountAddress } from '../channels/channel-accounts.ts';
import {
  activeStatuses,
  checkReferences,
  openConversation,
  scopeOf,
  visibleConversation,
  type InteractionChannel,
} from './conversations.ts';
import { sanitiseHtml, textOfHtml } from './sanitise.ts';
import { recordQueued } from './delivery.ts';
import type {
  Attachment,
  DeliveryState,
  Direction,
  Interaction,
  InteractionKind,
  TimelinePage,
} from '../api-types/conversations.ts';

export const interactionKinds = [
  'email',
  'chat_message',
  'call',
  'sms',
  'shop_visit',
  'social_post',
  'social_dm',
  'note',
] as const satisfies readonly InteractionKind[];

/** The channel each kind of interaction travels on: the one map, with its inverse below. */
export const channelOfKind: Record<InteractionKind, InteractionChannel> = {
  email: 'email',
  chat_message: 'chat',
  call: 'voice',
  sms: 'sms',
  shop_visit: 'shop',
  social_post: 'social',
  social_dm: 'social',
  note: 'internal',
};

/** The interaction kind a case's channel of origin usually carries (for re-queuing a case). */
export const kindOfChannel: Record<InteractionChannel, InteractionKind> = {
  email: 'email',
  chat: 'chat_message',
  voice: 'call',
  sms: 'sms',
  shop: 'shop_visit',
  social: 'social_dm',
  internal: 'note',
};

/** An interaction as the API shows it; `email` is its row of `email_messages`, where it has one. */
export function toInteraction(
  row: InteractionRow,
  email?: Parameters<typeof emailDetailsOf>[0],
): Interaction {
  return withStoredFiles({
    id: row.id,
    conversationId: row.conversation_id,
    customerId: row.customer_id,
    channel: row.channel as InteractionChannel,
    kind: row.kind as InteractionKind,
    direction: row.direction as Direction,
    author: { type: row.author_type, id: row.author_id },
    text: row.text,
    html: row.html,
    attachments: JSON.parse(row.attachments) as Attachment[],
    provider: row.provider,
    providerId: row.provider_id,
    private: row.is_private === 1,
    deliveryState: row.delivery_state as DeliveryState,
    deliveryReason: row.delivery_reason,
    sentAt: row.sent_at === null ? null : new Date(Number(row.sent_at)).toISOString(),
    automated: Number(row.automated) === 1,
    createdAt: new Date(row.created_at).toISOString(),
    accountId: row.account_id === null ? null : Number(row.account_id),
    from: row.from_address,
    to: row.to_address,
    cc: row.cc ? (JSON.parse(row.cc) as string[]) : [],
    threadId: row.thread_id,
    subject: row.subject,
    email: email ? emailDetailsOf(email, row) : null,
  });
}

/** Interactions as the API shows them, with their email details loaded in one query. */
export async function toInteractions(
  db: Kysely<Database>,
  rows: readonly InteractionRow[],
): Promise<Interaction[]> {
  const emails = await emailRowsOf(
    db,
    rows.filter((r) => r.channel === 'email').map((r) => r.id),
  );
  const calls = await callDetailsOf(
    db,
    rows.filter((r) => r.kind === 'call').map((r) => r.id),
  );
  return rows.map((row) => {
    const interaction = toInteraction(row, emails.get(row.id));
    const call = calls.get(row.id);
    return call ? { ...interaction, call } : interaction;
  });
}

/** The sender's address on the channel, from the contact points the contact carried. */
function senderAddress(
  channel: InteractionChannel,
  from: ContactPoints,
  defaultRegion: string,
): string | null {
  const found = identitiesOf(from, defaultRegion);
  const of = (kind: string) => found.find((i) => i.kind === kind);
  const social = of('social');
  const pick =
    channel === 'email'
      ? of('email')
      : channel === 'sms' || channel === 'voice'
        ? of('phone')
        : channel === 'social'
          ? social
          : (of('email') ?? of('phone') ?? of('external'));
  if (!pick) return null;
  return pick.kind === 'social' ? `${pick.network}:${pick.value}` : pick.value;
}

/** The account an inbound contact arrived on: the one named, or the one owning the address it was sent to. */
async function inboundAccount(
  db: Kysely<Database>,
  channel: InteractionChannel,
  contact: InboundContact,
): Promise<{ id: number; address: string; teamId: number | null } | undefined> {
  if (contact.accountId !== undefined) {
    const row = await db
      .selectFrom('channel_accounts')
      .select(['id', 'channel', 'address', 'team_id'])
      .where('id', '=', contact.accountId)
      .executeTakeFirst();
    if (!row) throw new Invalid('accountId', 'no such channel account');
    if (row.channel !== channel)
      throw new Invalid('accountId', `is a ${row.channel} account, not ${channel}`);
    return { id: row.id, address: row.address, teamId: row.team_id };
  }
  if (!contact.to || channel === 'internal') return undefined;
  let address: string;
  try {
    address = normaliseAccountAddress(channel, contact.to);
  } catch {
    return undefined;
  }
  const row = await db
    .selectFrom('channel_accounts')
    .select(['id', 'address', 'team_id'])
    .where('channel', '=', channel)
    .where('address', '=', address)
    .orderBy('id')
    .limit(1)
    .executeTakeFirst();
  return row ? { id: row.id, address: row.address, teamId: row.team_id } : undefined;
}

export interface IngestResult {
  readonly interactionId: number;
  readonly conversationId: number;
  readonly customerId: number;
  readonly duplicate: boolean;
  readonly customerCreated: boolean;
  readonly conversationOpened: boolean;
}

/** How far ahead of our clock a contact's own time may be (the sender's clock runs fast). */
const futureSkewMs = 5 * 60_000;

/**
 * Takes in one inbound contact from any channel: finds or creates the customer, appends to their
 * active case (or opens one), stores the interaction and records the event. A provider id seen
 * before returns the stored interaction and changes nothing.
 */
export async function ingestInbound(
  unit: Unit,
  contact: InboundContact,
  options: {
    readonly defaultRegion: string;
    readonly actor: Actor;
    /** A machine's message (auto-reply, bulk, our own echo): stored as such, never reopens the case. */
    readonly automated?: boolean;
    /** The store's dialect: it locks the customer while their case is chosen. */
    readonly dialect: StorageDialect;
  },
): Promise<IngestResult> {
  const automated = options.automated === true;
  if (contact.providerId !== undefined && !contact.provider)
    throw new Invalid('provider', 'is required with providerId');
  if (contact.provider && contact.providerId) {
    const existing = await findByProviderId(unit.db, contact.provider, contact.providerId);
    if (existing)
      return { ...existing, duplicate: true, customerCreated: false, conversationOpened: false };
  }
  // A contact cannot have happened later than now (a clock a few minutes fast is forgiven and held
  // at now): a future time would sort it above everything and put its deadline days away.
  if (contact.occurredAt !== undefined && contact.occurredAt > unit.now + futureSkewMs)
    throw new Invalid(
      'occurredAt',
      `is in the future (${new Date(contact.occurredAt).toISOString()}): a contact has already happened`,
    );
  // Checked whether or not a case is opened, so a wrong id is refused the same way every time.
  await checkReferences(unit.db, { teamId: contact.teamId, shopId: contact.shopId });
  // An email's inline (`cid:`) images stay, its remote ones are held back until an advisor allows them.
  const html = contact.html
    ? sanitiseHtml(contact.html, { emailImages: contact.kind === 'email' })
    : null;
  const text = contact.text ?? (html ? textOfHtml(html) : '');
  if (text.length === 0 && (contact.attachments ?? []).length === 0)
    throw new Invalid('text', 'an inbound contact needs text, html or an attachment');

  const arrivedOn = channelOfKind[contact.kind];
  const resolution = await resolveCustomer(unit, contact.from, {
    displayName: contact.from.name,
    defaultRegion: options.defaultRegion,
    actor: options.actor,
    unverified: contact.unverified === true,
    // They wrote to us on this channel: replies there are agreed (consent elsewhere stays unknown).
    channel: arrivedOn === 'internal' ? undefined : arrivedOn,
  });
  const customerId = resolution.customerId;
  const channel = channelOfKind[contact.kind];
  const account = await inboundAccount(unit.db, channel, contact);
  const teamId = contact.teamId ?? account?.teamId ?? undefined;
  // Two contacts of one customer on two nodes must not both open a case: hold the customer's row
  // until this transaction ends, so the second sees the case the first opened.
  await options.dialect.lockCustomer(unit.db, customerId);

  let conversation = contact.conversationId
    ? await unit.db
        .selectFrom('conversations')
        .selectAll()
        .where('id', '=', contact.conversationId)
        .where('customer_id', '=', customerId)
        .executeTakeFirst()
    : contact.newCase
      ? undefined
      : await unit.db
          .selectFrom('conversations')
          .selectAll()
          .where('customer_id', '=', customerId)
          .where('status', 'in', activeStatuses)
          .orderBy('last_interaction_at', 'desc')
          .limit(1)
          .executeTakeFirst();
  if (contact.conversationId && !conversation)
    throw new Invalid('conversationId', 'no such conversation for this customer');
  // A closed case is finished for good: the customer's word on it starts a new one.
  if (conversation?.status === 'closed' && !automated) conversation = undefined;
  let opened = false;
  if (!conversation) {
    conversation = await openConversation(
      unit,
      {
        customerId,
        subject: contact.subject?.trim() || firstWords(text),
        channel,
        shopId: contact.shopId ?? null,
        ...(teamId !== undefined ? { teamId } : {}),
      },
      options.actor,
    );
    opened = true;
  }
  const at = Math.min(contact.occurredAt ?? unit.now, unit.now);
  const inserted = await unit.db
    .insertInto('interactions')
    .values({
      conversation_id: conversation.id,
      customer_id: customerId,
      channel,
      kind: contact.kind,
      direction: 'inbound',
      author_type: 'customer',
      author_id: customerId,
      text,
      html,
      attachments: JSON.stringify(contact.attachments ?? []),
      provider: contact.provider ?? null,
      provider_id: contact.providerId ?? null,
      is_private: 0,
      delivery_state: 'received',
      created_at: at,
      automated: automated ? 1 : 0,
      account_id: account?.id ?? null,
      from_address: senderAddress(channel, contact.from, options.defaultRegion),
      to_address: contact.to?.trim() || account?.address || null,
      cc: contact.cc && contact.cc.length > 0 ? JSON.stringify(contact.cc) : null,
      thread_id: contact.threadId ?? null,
      subject: contact.subject?.trim() || null,
    })
    .onConflict((oc) => oc.columns(['provider', 'provider_id']).doNothing())
    .returning('id')
    .executeTakeFirst();
  // The same provider id committed by a concurrent writer since we looked: start again and find it.
  if (!inserted) throw new RetryableConflict('provider id taken concurrently');
  // The customer writing again on a case waiting for them, or one resolved, puts it back with us.
  const reopened = automated
    ? conversation.status
    : conversation.status === 'pending_customer'
      ? 'pending_us'
      : conversation.status === 'resolved'
        ? 'open'
        : conversation.status;
  await unit.db
    .updateTable('conversations')
    .set({
      last_interaction_at: Math.max(at, conversation.last_interaction_at),
      updated_at: unit.now,
      status: reopened,
    })
    .where('id', '=', conversation.id)
    .execute();
  await unit.record({
    type: 'interaction.received',
    actor: options.actor,
    entity: { type: 'interaction', id: inserted.id },
    scope: scopeOf(conversation),
    after: {
      channel,
      kind: contact.kind,
      conversationId: conversation.id,
      customerId,
      text: text.slice(0, 280),
      automated,
    },
  });
  return {
    interactionId: inserted.id,
    conversationId: conversation.id,
    customerId,
    duplicate: false,
    customerCreated: resolution.created,
    conversationOpened: opened,
  };
}

async function findByProviderId(db: Kysely<Database>, provider: string, providerId: string) {
  const row = await db
    .selectFrom('interactions')
    .select(['id', 'conversation_id', 'customer_id'])
    .where('provider', '=', provider)
    .where('provider_id', '=', providerId)
    .executeTakeFirst();
  return row
    ? { interactionId: row.id, conversationId: row.conversation_id, customerId: row.customer_id }
    : undefined;
}

function firstWords(text: string): string {
  const line = text.split('\n')[0]!.trim();
  return line.length > 80 ? `${line.slice(0, 77)}…` : line || 'New conversation';
}

export interface AdvisorMessage {
  readonly kind: InteractionKind;
  readonly text: string;
  readonly html?: string | undefined;
  readonly attachments?: readonly Attachment[] | undefined;
  /** The account a reply on a channel goes out on (chosen by the caller for replies only). */
  readonly accountId?: number | undefined;
  /** An email's own subject, recipient and copies, as the advisor set them in the composer. */
  readonly subject?: string | undefined;
  readonly to?: string | undefined;
  /** Given (even empty) means exactly these; absent means the copies of the message answered. */
  readonly cc?: readonly string[] | undefined;
}

/** Where a reply goes, as the channel domain chose it: its account, our address, theirs, the thread. */
export interface ReplyAddressing {
  readonly accountId: number;
  readonly from: string;
  readonly to: string | null;
}

/**
 * An advisor's reply on a channel, or an internal note. A reply is stored `queued`, the first step of
 * its delivery history (its send is enqueued by the caller); a note is private and never leaves Rapport.
 */
export async function addAdvisorInteraction(
  unit: Unit,
  conversationId: number,
  message: AdvisorMessage,
  viewer: Viewer,
  actor: Actor,
  addressing?: ReplyAddressing,
): Promise<InteractionRow> {
  const conversation = await visibleConversation(unit.db, conversationId, viewer);
  const isNote = message.kind === 'note';
  // A reply continues the provider's thread the customer last wrote in on this channel.
  const thread =
    addressing && !isNote
      ? await unit.db
          .selectFrom('interactions')
          .select('thread_id')
          .where('conversation_id', '=', conversationId)
          .where('channel', '=', channelOfKind[message.kind])
          .where('thread_id', 'is not', null)
          .orderBy('created_at', 'desc')
          .orderBy('id', 'desc')
          .limit(1)
          .executeTakeFirst()
      : undefined;
  const html = message.html ? sanitiseHtml(message.html) : null;
  const row = await unit.db
    .insertInto('interactions')
    .values({
      conversation_id: conversationId,
      customer_id: conversation.customer_id,
      channel: channelOfKind[message.kind],
      kind: message.kind,
      direction: isNote ? 'internal' : 'outbound',
      author_type: 'advisor',
      author_id: viewer.id,
      text: message.text,
      html,
      attachments: JSON.stringify(message.attachments ?? []),
      provider: null,
      provider_id: null,
      is_private: isNote ? 1 : 0,
      delivery_state: isNote ? 'none' : 'queued',
      created_at: unit.now,
      account_id: isNote ? null : (addressing?.accountId ?? null),
      from_address: isNote ? null : (addressing?.from ?? null),
      to_address: isNote ? null : (message.to ?? addressing?.to ?? null),
      cc: isNote || message.cc === undefined ? null : JSON.stringify(message.cc),
      subject: isNote ? null : (message.subject?.trim() ?? null) || null,
      thread_id: thread?.thread_id ?? null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  if (!isNote) await recordQueued(unit, row);
  await unit.db
    .updateTable('conversations')
    .set({
      last_interaction_at: unit.now,
      updated_at: unit.now,
      ...(isNote
        ? {}
        : {
            status:
              conversation.status === 'resolved' || conversation.status === 'closed'
                ? conversation.status
                : 'pending_customer',
          }),
      ...(conversation.owner_id === null && !isNote ? { owner_id: viewer.id } : {}),
    })
    .where('id', '=', conversationId)
    .execute();
  if (!isNote)
    await unit.db
      .updateTable('customers')
      .set({ last_advisor_id: viewer.id })
      .where('id', '=', conversation.customer_id)
      .execute();
  await unit.record({
    type: isNote ? 'interaction.noted' : 'interaction.replied',
    actor,
    entity: { type: 'interaction', id: row.id },
    scope: scopeOf(conversation),
    after: {
      channel: row.channel,
      kind: row.kind,
      conversationId,
      text: message.text.slice(0, 280),
      deliveryState: row.delivery_state,
    },
  });
  return row;
}

/**
 * A message Rapport sends by itself (an acknowledgement of a new email): outbound, marked automated
 * (so its send carries `Auto-Submitted: auto-generated` and it counts against the automatic-mail cap),
 * queued for its channel. It answers nothing: the case's status, owner and routed work stay as they are.
 */
export async function addAutomaticMessage(
  unit: Unit,
  conversationId: number,
  message: {
    readonly kind: Exclude<InteractionKind, 'note'>;
    readonly text: string;
    readonly subject?: string | undefined;
    /** Stored files it carries (an appointment's .ics), kept in `blobs` by their SHA-256 as `id`. */
    readonly attachments?: readonly Attachment[] | undefined;
  },
  addressing: ReplyAddressing,
  actor: Actor,
): Promise<InteractionRow> {
  const conversation = await unit.db
    .selectFrom('conversations')
    .selectAll()
    .where('id', '=', conversationId)
    .executeTakeFirstOrThrow();
  const row = await unit.db
    .insertInto('interactions')
    .values({
      conversation_id: conversationId,
      customer_id: conversation.customer_id,
      channel: channelOfKind[message.kind],
      kind: message.kind,
      direction: 'outbound',
      author_type: 'system',
      author_id: null,
      text: message.text,
      html: null,
      attachments: JSON.stringify(message.attachments ?? []),
      provider: null,
      provider_id: null,
      is_private: 0,
      delivery_state: 'queued',
      created_at: unit.now,
      automated: 1,
      subject: message.subject ?? null,
      account_id: addressing.accountId,
      from_address: addressing.from,
      to_address: addressing.to,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await recordQueued(unit, row);
  await unit.record({
    type: 'interaction.auto-sent',
    actor,
    entity: { type: 'interaction', id: row.id },
    scope: scopeOf(conversation),
    after: {
      channel: row.channel,
      kind: row.kind,
      conversationId,
      text: message.text.slice(0, 280),
    },
  });
  return row;
}

/** Every interaction of a case, oldest first. */
export async function listInteractions(
  db: Kysely<Database>,
  conversationId: number,
  viewer: Viewer,
): Promise<Interaction[]> {
  await visibleConversation(db, conversationId, viewer);
  const rows = await db
    .selectFrom('interactions')
    .selectAll()
    .where('conversation_id', '=', conversationId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return toInteractions(db, rows);
}

/** A customer's whole story across cases and channels, newest first, a page at a time. */
export async function customerTimeline(
  db: Kysely<Database>,
  customerId: number,
  viewer: Viewer,
  options: { readonly limit: number; readonly cursor?: PageCursor | undefined },
): Promise<TimelinePage> {
  let query = db
    .selectFrom('interactions')
    .innerJoin('conversations', 'conversations.id', 'interactions.conversation_id')
    .selectAll('interactions')
    .where('interactions.customer_id', '=', customerId)
    .where(conversationScope(viewer));
  const cursor = options.cursor;
  if (cursor) {
    query = query.where((eb) =>
      eb.or([
        eb('interactions.created_at', '<', cursor.at),
        eb.and([
          eb('interactions.created_at', '=', cursor.at),
          eb('interactions.id', '<', cursor.id),
        ]),
      ]),
    );
  }
  const rows = await query
    .orderBy('interactions.created_at', 'desc')
    .orderBy('interactions.id', 'desc')
    .limit(options.limit + 1)
    .execute();
  const page = rows.slice(0, options.limit);
  const last = page[page.length - 1];
  return {
    items: await toInteractions(db, page),
    nextCursor:
      rows.length > options.limit && last
        ? encodeCursor({ at: last.created_at, id: last.id })
        : null,
  };
}

/** Full-text search over the interactions a viewer may see, newest first. */
export async function searchInteractions(
  db: Kysely<Database>,
  dialect: StorageDialect,
  query: string,
  viewer: Viewer,
  limit: number,
): Promise<Interaction[]> {
  const words = searchWords(query);
  if (words.length === 0) return [];
  const rows = await dialect.newestInteractionMatches(db, words, limit, (match, n) =>
    db
      .selectFrom('interactions')
      .innerJoin('conversations', 'conversations.id', 'interactions.conversation_id')
      .selectAll('interactions')
      .where(conversationScope(viewer))
      .where(match)
      .orderBy('interactions.id', 'desc')
      .limit(n)
      .execute(),
  );
  return toInteractions(db, rows);
}

export type {
  Attachment,
  DeliveryState,
  Direction,
  InboundContact,
  Interaction,
  InteractionKind,
  TimelinePage,
};
