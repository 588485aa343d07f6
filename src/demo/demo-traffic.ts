import type { Kysely } from 'kysely';
import type { Context } from '../platform/context.ts';
import type { Database } from '../platform/db/schema.ts';
import type { InboundContact } from '../conversations/interactions.ts';
import { receiveContact } from '../contacts/contacts.ts';
import {
  asks,
  contactFrom,
  demoCustomers,
  type DemoCustomer,
  type LiveKind,
} from './demo-today.ts';

/**
 * Contacts that keep arriving so a newcomer sees routing and the wall move: `rapport demo-traffic`
 * sends them to a running Rapport through the JSON inbound route; RAPPORT_DEMO_TRAFFIC makes `serve`
 * take them in itself.
 */

/** The mix of channels the traffic follows (weights). */
const mix: ReadonlyArray<readonly [LiveKind, number]> = [
  ['email', 30],
  ['chat_message', 20],
  ['sms', 15],
  ['social_dm', 15],
  ['social_post', 10],
];

const newcomers = ['Ana Duarte', 'Tomás Ferreira', 'Mei Tanaka', 'Owen Price', 'Sofia Conti'];

/** Where the traffic comes from: the company's customers and the accounts they write to. */
export interface TrafficSource {
  readonly customers: readonly DemoCustomer[];
  readonly accountIds: ReadonlyMap<string, number>;
}

/** The accounts the demo's channels arrive on, by the key `contactFrom` uses (care, chat, sms, a network). */
async function trafficAccounts(db: Kysely<Database>): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('channel_accounts')
    .select(['id', 'channel', 'address', 'settings'])
    .where('enabled', '=', 1)
    .orderBy('id')
    .execute();
  const ids = new Map<string, number>();
  for (const row of rows) {
    const network = (JSON.parse(row.settings) as { network?: unknown }).network;
    const key =
      row.channel === 'email'
        ? 'care'
        : row.channel === 'social' && typeof network === 'string'
          ? network
          : row.channel === 'voice'
            ? 'voice'
            : row.channel;
    if (row.channel === 'email' && row.address.startsWith('care@')) ids.set(key, row.id);
    else if (!ids.has(key)) ids.set(key, row.id);
  }
  return ids;
}

/** Reads the customers and accounts traffic is made of. */
export async function trafficSource(ctx: Pick<Context, 'store'>): Promise<TrafficSource> {
  return {
    customers: await demoCustomers(ctx),
    accountIds: await trafficAccounts(ctx.store.db),
  };
}

/**
 * The next contact: mostly returning customers on a channel they can be reached on, now and then a
 * newcomer writing by email. `seq` keeps provider ids distinct, so a retried send is one contact.
 */
export function nextTrafficContact(
  source: TrafficSource,
  random: () => number,
  seq: number,
  runId: string,
): InboundContact {
  const ask = asks[Math.floor(random() * asks.length)]!;
  const providerId = `traffic-${runId}-${seq}`;
  if (random() < 0.2 || source.customers.length === 0) {
    const name = newcomers[Math.floor(random() * newcomers.length)]!;
    const email = `${name
      .toLowerCase()
      .normalize('NFD')
      .replace(/[^a-z ]/g, '')
      .replace(' ', '.')}.${runId}-${seq}@example.com`;
    return contactFrom(
      { name, email, phone: null, social: null },
      'email',
      ask,
      source,
      providerId,
    )!;
  }
  const total = mix.reduce((sum, [, weight]) => sum + weight, 0);
  for (;;) {
    let roll = random() * total;
    const kind = mix.find(([, weight]) => (roll -= weight) < 0)?.[0] ?? 'email';
    const customer = source.customers[Math.floor(random() * source.customers.length)]!;
    const contact = contactFrom(customer, kind, ask, source, providerId);
    if (contact && contact.accountId !== undefined) return contact;
  }
}

/** The contact as the JSON inbound route takes it. */
export function inboundBodyOf(contact: InboundContact): Record<string, unknown> {
  const { occurredAt, ...rest } = contact;
  return {
    ...rest,
    ...(occurredAt !== undefined ? { occurredAt: new Date(occurredAt).toISOString() } : {}),
  };
}

/**
 * `serve` with RAPPORT_DEMO_TRAFFIC: takes in `perMinute` contacts a minute itself, queued for
 * routing like any other; returns the stop.
 */
export function startDemoTraffic(ctx: Context, perMinute: number): () => void {
  let source: TrafficSource | undefined;
  let seq = 0;
  const runId = ctx.clock.now().toString(36);
  const tick = async () => {
    source ??= await trafficSource(ctx);
    const contact = nextTrafficContact(source, Math.random, seq++, runId);
    await ctx.writer.run((unit) =>
      receiveContact(unit, contact, {
        defaultRegion: ctx.config.defaultPhoneRegion,
        actor: { type: 'channel', id: null },
        dialect: ctx.store.dialect,
      }),
    );
  };
  const timer = setInterval(
    () => {
      tick().catch((error: unknown) =>
        ctx.logger.warn({ err: error }, 'demo traffic: a contact was not taken in'),
      );
    },
    Math.max(200, Math.round(60_000 / perMinute)),
  );
  timer.unref();
  return () => clearInterval(timer);
}
