/**
 * Contacts in and answers out, as domain operations: what a customer's contact, an advisor's reply and
 * a change of a case mean for the case *and* for routing, in one unit of work. The HTTP routes, and
 * later an SMTP server, an IMAP poller or a provider's webhook, call these and nothing below them, so
 * every way in gets exactly the same: stored, routed, evented.
 */
import type { Unit } from '../platform/db/writer.ts';
import type { Actor } from '../platform/events/event.ts';
import type { InteractionRow } from '../platform/db/schema.ts';
import { Invalid } from '../platform/errors.ts';
import type { Viewer } from '../advisors/access.ts';
import { isChannel } from '../channels/channel.ts';
import { requireVisibleCustomer } from '../customers/customers.ts';
import { signReply } from '../channels/sign-reply.ts';
import { channelsCarryingFiles } from '../channels/attachments.ts';
import { replyRouteFor } from '../channels/reply-route.ts';
import {
  getConversation,
  openConversation,
  updateConversation,
  visibleConversation,
  type Conversation,
  type ConversationChanges,
} from '../conversations/conversations.ts';
import {
  addAdvisorInteraction,
  addAutomaticMessage,
  channelOfKind,
  ingestInbound,
  kindOfChannel,
  type AdvisorMessage,
  type InboundContact,
  type IngestResult,
  type ReplyAddressing,
} from '../conversations/interactions.ts';
import {
  completeWork,
  isTaken,
  queueWork,
  takeWork,
  wakeCase,
  withdrawWork,
} from '../routing/work-items.ts';
import type { Outbox } from '../channels/send-queue.ts';
import { isAutomatedContact, mayAutoSend, requireConsent } from './rules.ts';
import { queueSend } from './sending.ts';
import { markRead } from '../conversations/case-reads.ts';
import type { RoutingOptions } from '../routing/types.ts';
import type { StorageDialect } from '../platform/db/dialects/storage-dialect.ts';

/** What every way in tells `receiveContact` besides the contact itself. */
export interface ReceiveOptions {
  /** Region for reading local phone numbers (the company's country). */
  readonly defaultRegion: string;
  /** Who delivered the contact: the channel's integration account. */
  readonly actor: Actor;
  /** Routing settings for the queued work (service levels); the engine's defaults otherwise. */
  readonly routing?: Partial<RoutingOptions>;
  /** Our own address on the account it came in on: a contact from it is our own echo. */
  readonly ownAddress?: string | undefined;
  /** The store's dialect: it locks the customer while their case is chosen. */
  readonly dialect: StorageDialect;
}

/**
 * Takes in one contact from any channel: matches the customer, appends to their active case (or opens
 * one), stores the interaction and queues the case for routing. A re-delivery (same provider id, our
 * own sent message echoed back among them) returns the stored interaction and queues nothing. A
 * machine's message (auto-reply, bulk, from our own address) is stored as automated, never routed.
 */
export async function receiveContact(
  unit: Unit,
  contact: InboundContact,
  options: ReceiveOptions,
): Promise<IngestResult & { readonly automated: boolean }> {
  const automated = isAutomatedContact(
    contact,
    options.ownAddress ?? (await ownAddressOf(unit, contact)),
    options.defaultRegion,
  );
  const result = await ingestInbound(unit, contact, {
    defaultRegion: options.defaultRegion,
    actor: options.actor,
    automated,
    dialect: options.dialect,
  });
  if (!result.duplicate && !automated)
    await queueWork(unit, result.conversationId, contact.kind, options.routing ?? {});
  return { ...result, automated };
}

/**
 * Our own address for a contact whose way in did not say it: the account it names, else the address
 * it was sent to (ours, by definition), so a contact from that address is our own echo.
 */
async function ownAddressOf(unit: Unit, contact: InboundContact): Promise<string | undefined> {
  if (contact.accountId !== undefined) {
    const account = await unit.db
      .selectFrom('channel_accounts')
      .select('address')
      .where('id', '=', contact.accountId)
      .executeTakeFirst();
    if (account) return account.address;
  }
  return contact.to;
}

/**
 * A reply as its channel account shapes it: refused (422) when the chosen account, or every account
 * of the channel, is switched off or the customer has no address there; signed with the advisor's
 * name where the account signs replies. Notes pass unchanged and go out on no account.
 */
async function asChannelSays(
  unit: Unit,
  conversationId: number,
  message: AdvisorMessage,
  advisorName: string,
): Promise<{ message: AdvisorMessage; addressing?: ReplyAddressing }> {
  const channel = channelOfKind[message.kind];
  if (message.kind === 'note' || !isChannel(channel)) {
    if (message.accountId !== undefined)
      throw new Invalid('accountId', 'a note goes out on no account');
    return { message };
  }
  const conversation = await unit.db
    .selectFrom('conversations')
    .select(['customer_id', 'team_id'])
    .where('id', '=', conversationId)
    .executeTakeFirstOrThrow();
  const route = await replyRouteFor(
    unit.db,
    channel,
    { conversationId, customerId: conversation.customer_id, teamId: conversation.team_id },
    message.accountId,
  );
  return {
    message: { ...message, ...signReply(message, advisorName, route.account) },
    addressing: { accountId: route.account.id, from: route.account.address, to: route.to },
  };
}

/**
 * An advisor writes on a case: a reply to the customer (checked against the channel's settings and
 * the customer's consent, signed, its send enqueued in this same unit, and finishing the routed work
 * on the case) or an internal note (which finishes nothing and never leaves Rapport).
 */
export async function sendReply(
  unit: Unit,
  conversationId: number,
  message: AdvisorMessage,
  viewer: Viewer,
  actor: Actor,
  options: { readonly outbox?: Outbox | undefined } = {},
): Promise<InteractionRow> {
  const channel = channelOfKind[message.kind];
  // Visibility first: a case the caller may not see is a 404 before any channel check.
  const conversation = await visibleConversation(unit.db, conversationId, viewer);
  checkEmailParts(message);
  checkFilesTravel(message);
  // Whether the channel can reach the customer at all (an address, an account) is said before
  // whether they agreed to it: a missing phone number is the first thing to fix.
  const shaped = await asChannelSays(
    unit,
    conversationId,
    { ...message, ...(await withStoredSizes(unit, message.attachments)) },
    viewer.name,
  );
  if (message.kind !== 'note' && isChannel(channel))
    await requireConsent(unit.db, conversation.customer_id, channel);
  const row = await addAdvisorInteraction(
    unit,
    conversationId,
    shaped.message,
    viewer,
    actor,
    shaped.addressing,
  );
  if (message.kind === 'note') return row;
  // Answering a case reads it: it stays read for the advisor until the customer writes again.
  await markRead(unit, conversationId, viewer);
  // Stored and enqueued together: a stored reply is never lost, a rolled-back one never sent.
  await queueSend(unit, options.outbox, row);
  // A chat an advisor has taken stays theirs, holding one of their chat slots, until it ends
  // (resolved, snoozed, answered on another channel): the conversation goes on. Any other answer
  // finishes the routed work on this case.
  if (message.kind === 'chat_message' && (await isTaken(unit, conversationId))) return row;
  await completeWork(unit, conversationId, actor);
  return row;
}

/** Only an email names its own recipients, copies and subject. */
function checkEmailParts(message: AdvisorMessage): void {
  if (message.kind === 'email') return;
  for (const field of ['to', 'cc', 'subject'] as const)
    if (message[field] !== undefined)
      throw new Invalid(field, 'only an email has its own recipients, copies and subject');
}

/**
 * A stored file goes out only on a channel whose replies carry files (email) or stays in a note:
 * a chat, text or social reply would otherwise drop it without a word.
 */
function checkFilesTravel(message: AdvisorMessage): void {
  if (message.kind === 'note' || !message.attachments?.some((a) => a.id !== undefined)) return;
  const channel = channelOfKind[message.kind];
  if (!channelsCarryingFiles.includes(channel))
    throw new Invalid(
      'attachments',
      `a reply on ${channel} cannot carry files: send them by email, or keep them in a note`,
    );
}

/**
 * Attachments uploaded before (`POST /api/uploads`) must exist; their size is the stored file's,
 * whatever the caller said.
 */
async function withStoredSizes(
  unit: Unit,
  attachments: AdvisorMessage['attachments'],
): Promise<{ attachments?: AdvisorMessage['attachments'] }> {
  if (!attachments) return {};
  const ids = attachments.flatMap((a) => (a.id ? [a.id] : []));
  const stored =
    ids.length === 0
      ? []
      : await unit.db
          .selectFrom('blobs')
          .select(['sha256', 'size'])
          .where('sha256', 'in', ids)
          .execute();
  return {
    attachments: attachments.map((a, index) => {
      if (!a.id) return a;
      const found = stored.find((b) => b.sha256 === a.id);
      if (!found) throw new Invalid(`attachments/${index}/id`, 'no such uploaded file');
      return { ...a, size: Number(found.size) };
    }),
  };
}

/**
 * Tells a customer their new contact arrived (an email account's acknowledgement): an automatic
 * message on the case, sent like a reply, unless the customer has no address on the channel or the
 * automatic-message cap for them or their address is reached (two systems must never answer each
 * other in a loop). Answers the message, or null when none was sent.
 */
export async function acknowledgeContact(
  unit: Unit,
  outbox: Outbox | undefined,
  received: { readonly conversationId: number; readonly customerId: number },
  message: {
    readonly kind: 'email';
    readonly text: string;
    readonly subject?: string | undefined;
    readonly accountId: number;
  },
  actor: Actor,
): Promise<InteractionRow | null> {
  const conversation = await unit.db
    .selectFrom('conversations')
    .select(['team_id'])
    .where('id', '=', received.conversationId)
    .executeTakeFirstOrThrow();
  const route = await replyRouteFor(
    unit.db,
    'email',
    { ...received, teamId: conversation.team_id },
    message.accountId,
  ).catch(() => undefined);
  if (!route?.to) return null;
  const consents = await requireConsent(unit.db, received.customerId, 'email').then(
    () => true,
    () => false,
  );
  if (!consents) return null;
  if (!(await mayAutoSend(unit.db, received.customerId, 'email', unit.now, undefined, route.to)))
    return null;
  const row = await addAutomaticMessage(
    unit,
    received.conversationId,
    { kind: message.kind, text: message.text, subject: message.subject },
    { accountId: route.account.id, from: route.account.address, to: route.to },
    actor,
  );
  await queueSend(unit, outbox, row);
  return row;
}

/**
 * An advisor starts a matter with a customer (a new email from their card): a case of its own, owned
 * by the advisor, opened with the message, which is sent like any reply. The customer must be one
 * the advisor may see.
 */
export async function startConversation(
  unit: Unit,
  customerId: number,
  message: AdvisorMessage & { readonly subject: string },
  viewer: Viewer,
  actor: Actor,
  options: { readonly outbox?: Outbox | undefined } = {},
): Promise<{ conversationId: number; reply: InteractionRow }> {
  await requireVisibleCustomer(unit.db, customerId, viewer);
  const channel = channelOfKind[message.kind];
  if (message.kind === 'note' || !isChannel(channel))
    throw new Invalid('kind', 'a case is started with a message to the customer');
  const opened = await openConversation(
    unit,
    {
      customerId,
      subject: message.subject,
      channel,
      ownerId: viewer.id,
      ...(viewer.teamId !== null ? { teamId: viewer.teamId } : {}),
    },
    actor,
  );
  const reply = await sendReply(unit, opened.id, message, viewer, actor, options);
  return { conversationId: opened.id, reply };
}

/**
 * Changes a case (status, owner, team, priority, subject, snooze) and what that means for routing:
 * resolved or closed finishes its work; a snooze takes it out of the queue; woken early, a case that
 * still waits on us is queued again.
 */
export async function changeCase(
  unit: Unit,
  conversationId: number,
  changes: ConversationChanges,
  viewer: Viewer,
  actor: Actor,
  options: { readonly routing?: Partial<RoutingOptions> } = {},
): Promise<Conversation> {
  const wasSnoozed =
    changes.snoozedUntil === null &&
    (await getConversation(unit.db, conversationId, viewer, unit.now)).snoozedUntil !== null;
  await updateConversation(unit, conversationId, changes, viewer, actor);
  if (changes.status === 'resolved' || changes.status === 'closed')
    await completeWork(unit, conversationId, actor);
  else if (changes.ownerId === viewer.id) await takeWork(unit, conversationId, viewer.id, actor);
  if (typeof changes.snoozedUntil === 'number') await withdrawWork(unit, conversationId, actor);
  // Woken by hand, or marked Pending us while awake: the case waits for us (routing/waits.ts).
  if (wasSnoozed) await wakeCase(unit, conversationId, actor, options.routing);
  else if (changes.status === 'pending_us') {
    const now = await getConversation(unit.db, conversationId, null, unit.now);
    if (now.snoozedUntil === null)
      await queueWork(unit, conversationId, kindOfChannel[now.originChannel], options.routing);
  }
  return getConversation(unit.db, conversationId, null, unit.now);
}
