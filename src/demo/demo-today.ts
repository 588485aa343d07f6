import { DateTime } from 'luxon';
import type { Context } from '../platform/context.ts';
import type { Actor } from '../platform/events/event.ts';
import { DomainError } from '../platform/errors.ts';
import type { Viewer } from '../advisors/access.ts';
import {
  addAdvisorInteraction,
  channelOfKind,
  ingestInbound,
  type InboundContact,
} from '../conversations/interactions.ts';
import type { InteractionKind } from '../api-types/conversations.ts';
import { updateConversation } from '../conversations/conversations.ts';
import { replyRouteFor } from '../channels/reply-route.ts';
import type { Channel as CustomerChannel } from '../channels/channel.ts';
import { receiveContact } from '../contacts/contacts.ts';
import { requestCallback } from '../routing/callbacks.ts';
import { takeTicket } from '../channels/shop/tickets.ts';

/** Who in the loaded demo company answers, and through which accounts customers write. */
export interface DemoCast {
  readonly accountIds: ReadonlyMap<string, number>;
  readonly shopIds: readonly number[];
  readonly centreAdvisors: readonly number[];
  readonly viewerFor: (advisorId: number) => Viewer;
}

/** A demo customer as the contacts of today address them. */
export interface DemoCustomer {
  readonly name: string;
  readonly email: string;
  readonly phone: string | null;
  readonly social: { readonly network: string; readonly handle: string } | null;
}

export type LiveKind = 'email' | 'chat_message' | 'sms' | 'social_dm' | 'social_post' | 'call';

/** What the demo's customers write about today, and what their advisor answers. */
export const asks: ReadonlyArray<{ subject: string; text: string; answer: string }> = [
  {
    subject: 'Order not arrived',
    text: 'My order was due yesterday and the tracking has not moved since Monday.',
    answer:
      'The parcel was held at the depot; it is out for delivery now and should reach you today.',
  },
  {
    subject: 'Charged twice',
    text: 'I see two payments for the same invoice this month. Can you check?',
    answer:
      'You are right, the second payment was a duplicate. I have refunded it; it shows within 3 days.',
  },
  {
    subject: 'Screen flickers',
    text: 'The screen of the phone I bought three weeks ago flickers when it is dim.',
    answer:
      'That is covered by the warranty. I booked a replacement; bring it to any of our shops.',
  },
  {
    subject: 'Change my plan',
    text: 'I would like a plan with more data; what can you offer me?',
    answer:
      'I moved you to the 40 GB plan from today at the same price for the first three months.',
  },
  {
    subject: 'No signal at home',
    text: 'Since this morning I have no signal at home at all.',
    answer: 'A mast near you is being repaired; it is back by 18:00. I added a week of free data.',
  },
];

function networkOfKind(kind: LiveKind, customer: DemoCustomer): string | undefined {
  return kind === 'social_dm' || kind === 'social_post' ? customer.social?.network : undefined;
}

/** The contact a demo customer sends on `kind`, addressed the way that channel addresses them. */
export function contactFrom(
  customer: DemoCustomer,
  kind: LiveKind,
  ask: { subject: string; text: string },
  cast: Pick<DemoCast, 'accountIds'>,
  providerId: string,
): InboundContact | null {
  const from =
    kind === 'email' || kind === 'chat_message'
      ? { email: customer.email, name: customer.name }
      : kind === 'sms' || kind === 'call'
        ? customer.phone
          ? { phone: customer.phone, name: customer.name }
          : null
        : customer.social
          ? { social: customer.social, name: customer.name }
          : null;
  if (!from) return null;
  const account =
    kind === 'email'
      ? 'care'
      : kind === 'chat_message'
        ? 'chat'
        : kind === 'sms'
          ? 'sms'
          : kind === 'call'
            ? 'voice'
            : networkOfKind(kind, customer)!;
  return {
    kind,
    from,
    text: kind === 'call' ? `Missed call, voicemail left: ${ask.text}` : ask.text,
    subject: ask.subject,
    provider: 'demo',
    providerId,
    accountId: cast.accountIds.get(account),
  };
}

/** An advisor's answer on the case, on the channel the customer wrote on, at `at`. */
export async function answerAsAdvisor(
  ctx: Context,
  answer: {
    readonly conversationId: number;
    readonly customerId: number;
    readonly kind: Exclude<InteractionKind, 'note'>;
    readonly text: string;
    readonly at: number;
    readonly resolve: boolean;
  },
  who: Viewer,
): Promise<void> {
  const actor: Actor = { type: 'advisor', id: who.id };
  const replyKind = answer.kind === 'social_post' ? 'social_dm' : answer.kind;
  await ctx.writer.run(
    async (unit) => {
      const channel = channelOfKind[replyKind] as CustomerChannel;
      const route = await replyRouteFor(unit.db, channel, {
        conversationId: answer.conversationId,
        customerId: answer.customerId,
        teamId: null,
      });
      return addAdvisorInteraction(
        unit,
        answer.conversationId,
        { kind: replyKind, text: `${answer.text}\n\n${who.name}` },
        { ...who, role: 'admin' },
        actor,
        { accountId: route.account.id, from: route.account.address, to: route.to },
      );
    },
    { at: answer.at },
  );
  if (answer.resolve)
    await ctx.writer.run(
      (unit) =>
        updateConversation(
          unit,
          answer.conversationId,
          { status: 'resolved' },
          { ...who, role: 'admin' },
          actor,
        ),
      { at: answer.at + 60_000 },
    );
}

/** Demo customers who can be written to on every channel, by id. */
export async function demoCustomers(ctx: Pick<Context, 'store'>): Promise<DemoCustomer[]> {
  const rows = await ctx.store.db
    .selectFrom('identities')
    .innerJoin('customers', 'customers.id', 'identities.customer_id')
    .select([
      'identities.customer_id as id',
      'identities.kind',
      'identities.network',
      'identities.value',
      'customers.display_name as name',
    ])
    .where('customers.merged_into_id', 'is', null)
    .where('customers.erased_at', 'is', null)
    .orderBy('identities.customer_id')
    .execute();
  interface Known {
    name: string;
    email?: string;
    phone?: string;
    social?: { network: string; handle: string };
  }
  const byId = new Map<number, Known>();
  for (const row of rows) {
    const customer: Known = byId.get(row.id) ?? { name: row.name };
    if (row.kind === 'email') customer.email ??= row.value;
    else if (row.kind === 'phone') customer.phone ??= row.value;
    else if (row.kind === 'social') customer.social ??= { network: row.network, handle: row.value };
    byId.set(row.id, customer);
  }
  return [...byId.values()].flatMap((c) =>
    c.email
      ? [{ name: c.name, email: c.email, phone: c.phone ?? null, social: c.social ?? null }]
      : [],
  );
}

/** How long the demo's answers take on each channel (ms), so today's service level is mixed. */
function answerDelay(kind: LiveKind, random: () => number): number {
  if (kind === 'chat_message') return (8 + random() * 80) * 1000;
  // A missed call is called back within minutes.
  if (kind === 'call') return (2 + random() * 20) * 60_000;
  if (kind === 'email') return (10 + random() * 300) * 60_000;
  return (3 + random() * 90) * 60_000;
}

const todayKinds: readonly LiveKind[] = [
  'email',
  'chat_message',
  'sms',
  'social_dm',
  'email',
  'social_post',
  'chat_message',
  'call',
];

/**
 * Today so far in the centre's zone: contacts since midnight (at most the last twelve hours), most
 * answered, some late, so the wall opens on today's service instead of zeros.
 */
export async function loadDemoToday(
  ctx: Context,
  cast: DemoCast,
  random: () => number,
): Promise<number> {
  const now = ctx.clock.now();
  const midnight = DateTime.fromMillis(now, { zone: ctx.config.timeZone })
    .startOf('day')
    .toMillis();
  const from = Math.max(midnight, now - 12 * 3_600_000);
  const until = now - 20 * 60_000;
  if (until <= from) return 0;
  const customers = await demoCustomers(ctx);
  const count = Math.min(40, Math.max(6, Math.round((until - from) / (15 * 60_000))));
  // Drawn in order so the demo is the same every time; one customer's contacts in turn, customers side by side.
  const plan = Array.from({ length: count }, (_, i) => ({
    i,
    customer: (i * 7 + 3) % customers.length,
    kind: todayKinds[i % todayKinds.length]!,
    ask: asks[i % asks.length]!,
    at: Math.round(from + ((i + random()) / count) * (until - from)),
    delay: 0,
    resolve: false,
  })).map((step) => ({ ...step, delay: answerDelay(step.kind, random), resolve: random() < 0.7 }));
  let interactions = 0;
  const byCustomer = new Map<number, typeof plan>();
  for (const step of plan)
    byCustomer.set(step.customer, [...(byCustomer.get(step.customer) ?? []), step]);
  await Promise.all(
    [...byCustomer.values()].map(async (steps) => {
      for (const { i, customer, kind, ask, at, delay, resolve } of steps) {
        const contact = contactFrom(customers[customer]!, kind, ask, cast, `demo-today-${i}`);
        if (!contact) continue;
        const result = await ctx.writer.run(
          (unit) =>
            ingestInbound(
              unit,
              { ...contact, occurredAt: at },
              {
                defaultRegion: ctx.config.defaultPhoneRegion,
                dialect: ctx.store.dialect,
                actor: { type: 'channel', id: null },
              },
            ),
          { at },
        );
        interactions++;
        const answerAt = Math.round(at + delay);
        if (answerAt > now - 60_000) continue;
        const who = cast.viewerFor(cast.centreAdvisors[i % cast.centreAdvisors.length]!);
        await answerAsAdvisor(
          ctx,
          {
            conversationId: result.conversationId,
            customerId: result.customerId,
            kind,
            text: ask.answer,
            at: answerAt,
            resolve,
          },
          who,
        );
        interactions++;
      }
    }),
  );
  return interactions;
}

const nowKinds: readonly LiveKind[] = [
  'email',
  'chat_message',
  'sms',
  'social_dm',
  'social_post',
  'call',
  'email',
  'chat_message',
  'sms',
  'email',
];

/**
 * Work waiting right now on every channel: written contacts and chats of the last minutes, a missed
 * call waiting for its callback, and a walk-in ticket in each shop that is open now.
 */
export async function loadDemoNow(
  ctx: Context,
  cast: DemoCast,
  random: () => number,
): Promise<number> {
  const now = ctx.clock.now();
  const customers = await demoCustomers(ctx);
  const options = {
    defaultRegion: ctx.config.defaultPhoneRegion,
    dialect: ctx.store.dialect,
    actor: { type: 'channel' as const, id: null },
  };
  let waiting = 0;
  for (const [i, kind] of nowKinds.entries()) {
    const customer = customers[(i * 11 + 5) % customers.length]!;
    const ask = asks[(i + 2) % asks.length]!;
    // Live contacts came in a moment ago; written ones over the last half hour.
    const ago = kind === 'chat_message' ? 20 + random() * 40 : 60 + random() * 29 * 60;
    const at = Math.round(now - ago * 1000);
    const contact = contactFrom(customer, kind, ask, cast, `demo-now-${i}`);
    if (!contact) continue;
    await ctx.writer.run(
      async (unit) => {
        const result = await receiveContact(unit, { ...contact, occurredAt: at }, options);
        if (kind !== 'call' || !customer.phone) return;
        const item = await unit.db
          .selectFrom('work_items')
          .select('id')
          .where('conversation_id', '=', result.conversationId)
          .where('status', '=', 'waiting')
          .executeTakeFirst();
        if (item)
          await requestCallback(unit, item.id, customer.phone, { type: 'channel', id: null });
      },
      { at },
    );
    waiting++;
  }
  // A visitor is waiting with a ticket at every shop open now (a closed shop takes none).
  for (const [i, shopId] of cast.shopIds.entries()) {
    const customer = customers[(i * 13 + 1) % customers.length]!;
    const service = await ctx.store.db
      .selectFrom('shop_offered_services')
      .innerJoin('shop_services', 'shop_services.id', 'shop_offered_services.service_id')
      .select('shop_services.id')
      .where('shop_offered_services.shop_id', '=', shopId)
      .where('shop_services.walk_in', '=', 1)
      .orderBy('shop_services.id')
      .executeTakeFirst();
    if (!service) continue;
    try {
      await ctx.writer.run(
        (unit) =>
          takeTicket(unit, options, shopId, {
            serviceId: service.id,
            ...(customer.phone ? { phone: customer.phone } : { email: customer.email }),
          }),
        { at: now - Math.round((2 + random() * 10) * 60_000) },
      );
      waiting++;
    } catch (error) {
      if (!(error instanceof DomainError && error.code === 'shop-closed')) throw error;
    }
  }
  return waiting;
}
