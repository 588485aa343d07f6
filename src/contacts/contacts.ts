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
import { signReply } from '../channels/sign-reply.ts';
import { replyRouteFor } from '../channels/reply-route.ts';
import {
  getConversation,
  updateConversation,
  visibleConversation,
  type Conversation,
  type ConversationChanges,
} from '../conversations/conversations.ts';
import {
  addAdvisorInteraction,
  channelOfKind,
  ingestInbound,
  kindOfChannel,
  type AdvisorMessage,
  type InboundContact,
  type IngestResult,
  type ReplyAddressing,
} from '../conversations/interactions.ts';
import { completeWork, queueWork, withdrawWork } from '../routing/work-items.ts';
import type { Outbox } from '../channels/send-queue.ts';
import { isAutomatedContact, requireConsent } from './rules.ts';
import { queueSend } from './sending.ts';
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
  if (message.kind !== 'note' && isChannel(channel))
    await requireConsent(unit.db, conversation.customer_id, channel);
  const shaped = await asChannelSays(unit, conversationId, message, viewer.name);
  const row = await addAdvisorInteraction(
    unit,
    conversationId,
    shaped.message,
    viewer,
    actor,
    shaped.addressing,
  );
  if (message.kind === 'note') return row;
  // Stored and enqueued together: a stored reply is never lost, a rolled-back one never sent.
  await queueSend(unit, options.outbox, row);
  // An answer to the customer finishes the routed work on this case.
  await completeWork(unit, conversationId, actor);
  return row;
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
  await updateConversation(unit, conversationId, changes, viewer, actor);
  if (changes.status === 'resolved' || changes.status === 'closed')
    await completeWork(unit, conversationId, actor);
  const after = await getConversation(unit.db, conversationId, null, unit.now);
  if (typeof changes.snoozedUntil === 'number') await withdrawWork(unit, conversationId, actor);
  if (changes.snoozedUntil === null && (after.status === 'open' || after.status === 'pending_us'))
    await queueWork(
      unit,
      conversationId,
      kindOfChannel[after.originChannel],
      options.routing ?? {},
    );
  return after;
}
