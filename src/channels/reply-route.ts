import type { Kysely } from 'kysely';
import type { Database } from '../platform/db/schema.ts';
import { Invalid } from '../platform/errors.ts';
import type { Channel } from './channel.ts';
import { defaultAccountFor, getChannelAccount, type ChannelAccount } from './channel-accounts.ts';

/** Where a reply goes: the account it leaves on and the customer's address it is sent to. */
export interface ReplyRoute {
  readonly account: ChannelAccount;
  /** Null only where a reply needs no address (a shop's own record of a visit). */
  readonly to: string | null;
}

const addressNames: Readonly<Record<Channel, string>> = {
  email: 'an email address',
  sms: 'a phone number',
  voice: 'a phone number',
  social: 'a social media account',
  chat: 'a chat session or an email address',
  shop: 'an address',
};

/** The customer's address on a channel: the one they last wrote from on this case, else their identity. */
export async function customerAddressFor(
  db: Kysely<Database>,
  channel: Channel,
  case_: { readonly conversationId: number; readonly customerId: number },
  account?: ChannelAccount,
): Promise<string | undefined> {
  const last = await db
    .selectFrom('interactions')
    .select('from_address')
    .where('conversation_id', '=', case_.conversationId)
    .where('channel', '=', channel)
    .where('direction', '=', 'inbound')
    .where('from_address', 'is not', null)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (last?.from_address) return last.from_address;
  const kinds: Readonly<Record<Channel, readonly string[]>> = {
    email: ['email'],
    sms: ['phone'],
    voice: ['phone'],
    social: ['social'],
    chat: ['email'],
    shop: ['email', 'phone'],
  };
  const identities = await db
    .selectFrom('identities')
    .select(['kind', 'network', 'value'])
    .where('customer_id', '=', case_.customerId)
    .where('kind', 'in', [...kinds[channel]])
    .orderBy('id')
    .execute();
  if (channel === 'social') {
    const network = account?.settings.network;
    const found = identities.find((i) => i.network === network) ?? identities[0];
    return found ? `${found.network}:${found.value}` : undefined;
  }
  return identities[0]?.value;
}

/**
 * Chooses the account and the customer's address for a reply on `channel`, or refuses it (422)
 * naming why: the chosen account is switched off or on another channel, every account of the channel
 * is off or none is set up, or the customer has no address on it.
 */
export async function replyRouteFor(
  db: Kysely<Database>,
  channel: Channel,
  case_: {
    readonly conversationId: number;
    readonly customerId: number;
    readonly teamId: number | null;
  },
  accountId?: number,
): Promise<ReplyRoute> {
  let account: ChannelAccount | undefined;
  if (accountId !== undefined) {
    account = await getChannelAccount(db, accountId).catch(() => undefined);
    if (!account) throw new Invalid('accountId', 'no such channel account');
    if (account.channel !== channel)
      throw new Invalid('accountId', `${account.displayName} is a ${account.channel} account`);
    if (!account.enabled)
      throw new Invalid(
        'accountId',
        `${account.displayName} is switched off: no reply goes out on it`,
      );
  } else {
    account = await defaultAccountFor(db, channel, {
      conversationId: case_.conversationId,
      teamId: case_.teamId,
    });
    if (!account) {
      const any = await db
        .selectFrom('channel_accounts')
        .select('id')
        .where('channel', '=', channel)
        .limit(1)
        .executeTakeFirst();
      throw new Invalid(
        'kind',
        any
          ? `every ${channel} account is switched off: replies on ${channel} do not go out`
          : `no ${channel} account is set up: an administrator adds one under Channels`,
      );
    }
  }
  const to = await customerAddressFor(db, channel, case_, account);
  if (to === undefined && channel !== 'shop')
    throw new Invalid(
      'kind',
      `the customer has no address on ${channel}: a reply there needs ${addressNames[channel]}`,
    );
  return { account, to: to ?? null };
}
