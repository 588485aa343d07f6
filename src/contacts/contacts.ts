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
import { loadChannelSettings, signReply } from '../channels/channel-settings.ts';
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
} from '../conversations/interactions.ts';
import { completeWork, queueWork, withdrawWork } from '../routing/work-queue.ts';
import type { Outbox } from '../channels/send-queue.ts';
import { isAutomatedContact, requireConsent } from './rules.ts';
import { queueSend } from './sending.ts';
import type { RoutingOptions } from '../routing/types.ts';

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
  const automated = isAutomatedContact(contact, options.ownAddress, options.defaultRegion);
  const result = await ingestInbound(unit, contact, {
    defaultRegion: options.defaultRegion,
    actor: options.actor,
    automated,
  });
  if (!result.duplicate && !automated)
    await queueWork(unit, result.conversationId, contact.kind, options.routing ?? {});
  return { ...result, automated };
}

/**
 * A reply as its channel's settings shape it: refused on a channel switched off, signed with the
 * advisor's name where the channel signs replies. Notes pass unchanged.
 */
async function asChannelSays(
  unit: Unit,
  message: AdvisorMessage,
  advisorName: string,
): Promise<AdvisorMessage> {
  const channel = channelOfKind[message.kind];
  if (message.kind === 'note' || !isChannel(channel)) return message;
  const setting = (await loadChannelSettings(unit.db))[channel];
  if (!setting.enabled)
    throw new Invalid('kind', `replies on ${setting.displayName} are switched off`);
  return { ...message, ...signReply(message, advisorName, setting) };
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
  const conversation = await visibleConversation(unit.db, conversationId, viewer);
  if (message.kind !== 'note' && isChannel(channel))
    await requireConsent(unit.db, conversation.customer_id, channel);
  const shaped = await asChannelSays(unit, message, viewer.name);
  const row = await addAdvisorInteraction(unit, conversationId, shaped, viewer, actor);
  if (message.kind === 'note') return row;
  // Stored and enqueued together: a stored reply is never lost, a rolled-back one never sent.
  await queueSend(unit, options.outbox, row, conversation.team_id);
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
