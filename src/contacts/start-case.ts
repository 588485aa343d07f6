/**
 * An advisor starts a case: for a customer they may see, owned by them, in their team (and their
 * shop, for a shop advisor), optionally opened with a first message on any channel that reaches the
 * customer, sent through `sendReply` like every reply (consent, account, address, the send queue).
 */
import type { Unit } from '../platform/db/writer.ts';
import type { Actor } from '../platform/events/event.ts';
import type { InteractionRow } from '../platform/db/schema.ts';
import { Invalid, NotFound } from '../platform/errors.ts';
import type { Viewer } from '../advisors/access.ts';
import type { Channel } from '../channels/channel.ts';
import type { Outbox } from '../channels/send-queue.ts';
import { requireVisibleCustomer } from '../customers/customers.ts';
import { openConversation } from '../conversations/conversations.ts';
import { markRead } from '../conversations/case-reads.ts';
import type { Priority } from '../api-types/conversations.ts';
import { sendReply } from './contacts.ts';

/** The message kind a first message on each channel is; a call or a visit is logged, not sent. */
export const firstMessageKinds = {
  email: 'email',
  sms: 'sms',
  chat: 'chat_message',
  social: 'social_dm',
} as const satisfies Partial<Record<Channel, string>>;

export interface NewCase {
  readonly customerId: number;
  readonly subject: string;
  readonly channel: Channel;
  readonly priority?: Priority | undefined;
  readonly teamId?: number | null | undefined;
  readonly message?:
    | {
        readonly text: string;
        readonly html?: string | undefined;
        readonly accountId?: number | undefined;
        readonly to?: string | undefined;
        readonly cc?: readonly string[] | undefined;
      }
    | undefined;
}

/** Opens the case and sends its first message, if any, in one unit: refused, nothing is kept. */
export async function startCase(
  unit: Unit,
  input: NewCase,
  viewer: Viewer,
  actor: Actor,
  options: { readonly outbox?: Outbox | undefined } = {},
): Promise<{ conversationId: number; interaction: InteractionRow | null }> {
  // A case of one's own on another team's customer would open that customer to the caller.
  await requireVisibleCustomer(unit.db, input.customerId, viewer).catch((error: unknown) => {
    throw error instanceof NotFound ? new Invalid('customerId', 'no such customer') : error;
  });
  const kind = input.message
    ? (
        firstMessageKinds as Partial<
          Record<Channel, (typeof firstMessageKinds)[keyof typeof firstMessageKinds]>
        >
      )[input.channel]
    : undefined;
  if (input.message && !kind)
    throw new Invalid(
      'channel',
      'a first message goes out by email, SMS, chat or social media; log a call or a visit instead',
    );
  const opened = await openConversation(
    unit,
    {
      customerId: input.customerId,
      subject: input.subject.trim(),
      channel: input.channel,
      ownerId: viewer.id,
      teamId: input.teamId !== undefined ? input.teamId : viewer.teamId,
      ...(viewer.role === 'shop_advisor' && viewer.shopId !== null
        ? { shopId: viewer.shopId }
        : {}),
      ...(input.priority ? { priority: input.priority } : {}),
    },
    actor,
  );
  await markRead(unit, opened.id, viewer);
  if (!input.message || !kind) return { conversationId: opened.id, interaction: null };
  const interaction = await sendReply(
    unit,
    opened.id,
    {
      kind,
      text: input.message.text,
      html: input.message.html,
      accountId: input.message.accountId,
      ...(kind === 'email'
        ? { subject: input.subject.trim(), to: input.message.to, cc: input.message.cc }
        : {}),
    },
    viewer,
    actor,
    options,
  );
  return { conversationId: opened.id, interaction };
}
