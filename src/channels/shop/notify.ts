import type { Actor } from '../../platform/events/event.ts';
import type { Unit } from '../../platform/db/writer.ts';
import type { InteractionRow } from '../../platform/db/schema.ts';
import type { Attachment } from '../../api-types/conversations.ts';
import type { Outbox } from '../send-queue.ts';
import { defaultAccountFor } from '../channel-accounts.ts';
import { customerAddressFor } from '../reply-route.ts';
import { addAutomaticMessage } from '../../conversations/interactions.ts';
import { mayAutoSend, requireConsent } from '../../contacts/rules.ts';
import { queueSend } from '../../contacts/sending.ts';

/** A channel the shop floor writes to a customer on. */
export type NoticeChannel = 'email' | 'sms';

/** What the shop floor tells a customer: the SMS carries `text` only, the email both. */
export interface ShopNotice {
  readonly subject: string;
  readonly text: string;
  /** Stored files the email carries (an appointment's .ics in `blobs`); an SMS carries none. */
  readonly attachments?: readonly Attachment[] | undefined;
}

/** Why a channel was passed over; the notice went out on the others. */
export type SkipReason = 'no-address' | 'no-account' | 'no-consent' | 'automatic-message-limit';

export interface NoticeResult {
  readonly sent: ReadonlyArray<{
    readonly channel: NoticeChannel;
    readonly interaction: InteractionRow;
  }>;
  readonly skipped: ReadonlyArray<{ readonly channel: NoticeChannel; readonly reason: SkipReason }>;
}

/**
 * Tells a customer something about their visit (a booking confirmed, their turn nearing, a repair
 * ready) as an automatic message on their case, sent through the job queue like any reply: stored
 * and queued in the caller's transaction, so a rolled-back change tells nobody. `channels` are
 * tried in order; `mode: 'first'` stops at the first that goes out (the channel they prefer),
 * `'all'` sends on each. A channel without an address, an account, the customer's consent, or
 * with three automatic messages this hour is skipped and named in the result, never an error:
 * the visit itself must not fail because a text could not be sent.
 */
export async function notifyCustomer(
  unit: Unit,
  outbox: Outbox | undefined,
  input: {
    readonly conversationId: number;
    readonly channels: readonly NoticeChannel[];
    readonly mode: 'first' | 'all';
    readonly notice: ShopNotice;
    /** Addresses given for this visit (a kiosk's phone number, a booking's email) before the case's. */
    readonly to?: Partial<Record<NoticeChannel, string | null | undefined>>;
    readonly actor: Actor;
  },
): Promise<NoticeResult> {
  const conversation = await unit.db
    .selectFrom('conversations')
    .select(['id', 'customer_id', 'team_id'])
    .where('id', '=', input.conversationId)
    .executeTakeFirstOrThrow();
  const sent: Array<{ channel: NoticeChannel; interaction: InteractionRow }> = [];
  const skipped: Array<{ channel: NoticeChannel; reason: SkipReason }> = [];
  for (const channel of input.channels) {
    if (input.mode === 'first' && sent.length > 0) break;
    const account = await defaultAccountFor(unit.db, channel, {
      conversationId: conversation.id,
      teamId: conversation.team_id,
    });
    if (!account) {
      skipped.push({ channel, reason: 'no-account' });
      continue;
    }
    const to =
      input.to?.[channel] ||
      (await customerAddressFor(
        unit.db,
        channel,
        { conversationId: conversation.id, customerId: conversation.customer_id },
        account,
      ));
    if (!to) {
      skipped.push({ channel, reason: 'no-address' });
      continue;
    }
    try {
      await requireConsent(unit.db, conversation.customer_id, channel);
    } catch {
      skipped.push({ channel, reason: 'no-consent' });
      continue;
    }
    if (!(await mayAutoSend(unit.db, conversation.customer_id, channel, unit.now, undefined, to))) {
      skipped.push({ channel, reason: 'automatic-message-limit' });
      continue;
    }
    const interaction = await addAutomaticMessage(
      unit,
      conversation.id,
      channel === 'email'
        ? {
            kind: 'email',
            subject: input.notice.subject,
            text: input.notice.text,
            attachments: input.notice.attachments,
          }
        : { kind: 'sms', text: input.notice.text },
      { accountId: account.id, from: account.address, to },
      input.actor,
    );
    await queueSend(unit, outbox, interaction);
    sent.push({ channel, interaction });
  }
  return { sent, skipped };
}
