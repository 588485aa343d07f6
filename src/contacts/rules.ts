/**
 * Rules every channel gets for free, enforced by the server whatever the way in or out: consent for
 * a reply, the echo and loop guard for inbound contacts, and a per-recipient cap on automatic messages.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../platform/db/schema.ts';
import { Invalid, NotFound } from '../platform/errors.ts';
import type { InboundContact } from '../channels/adapter.ts';
import type { Channel } from '../channels/channel.ts';
import { normaliseEmail, normalisePhone } from '../channels/addresses.ts';
import { consentFrom, consentOfChannel, type ConsentChannel } from '../customers/customers.ts';

const consentNames: Readonly<Record<ConsentChannel, string>> = {
  email: 'email',
  sms: 'SMS',
  phone: 'phone calls',
  chat: 'chat',
  social: 'social media messages',
  marketing: 'marketing',
};

/**
 * Refuses (422, naming the reason) a reply on a channel the customer said no to, or whose consent is
 * unknown: the customer has neither written to us there nor handed us that contact point
 * (`resolveCustomer` records both as agreed), nor has an advisor recorded their yes.
 */
export async function requireConsent(
  db: Kysely<Database>,
  customerId: number,
  channel: Channel,
): Promise<void> {
  const flag = consentOfChannel[channel];
  if (flag === null) return;
  const row = await db
    .selectFrom('customers')
    .select('consent')
    .where('id', '=', customerId)
    .executeTakeFirst();
  if (!row) throw new NotFound('customer');
  const consent = consentFrom(row.consent)[flag];
  if (consent === false)
    throw new Invalid(
      'kind',
      `the customer said no to ${consentNames[flag]}: a reply on ${channel} is refused (consent)`,
    );
  if (consent === null)
    throw new Invalid(
      'kind',
      `the customer has not agreed to ${consentNames[flag]} yet: a reply on ${channel} is refused until their consent is recorded (consent)`,
    );
}

/** Header values that mark a machine's message (RFC 3834 Auto-Submitted, Precedence, list mail). */
function automatedByHeaders(headers: Readonly<Record<string, string>>): boolean {
  const value = (name: string) => headers[name]?.trim().toLowerCase();
  const autoSubmitted = value('auto-submitted');
  if (autoSubmitted !== undefined && autoSubmitted !== 'no') return true;
  const precedence = value('precedence');
  if (precedence === 'bulk' || precedence === 'junk' || precedence === 'list') return true;
  if (value('x-autoreply') !== undefined || value('x-autorespond') !== undefined) return true;
  return false;
}

/** An address as the channel writes it, or undefined when it is not one. */
function normalised(read: () => string): string | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

/** Whether a contact comes from our own account's address (compared as the channel writes addresses). */
function isOwnAddress(contact: InboundContact, ownAddress: string, region: string): boolean {
  const own = ownAddress.trim().toLowerCase();
  if (own === '') return false;
  const { email, phone, social } = contact.from;
  if (email !== undefined && normalised(() => normaliseEmail(email)) === own) return true;
  if (phone !== undefined) {
    const ownPhone = normalised(() => normalisePhone(ownAddress, region));
    if (ownPhone !== undefined && normalised(() => normalisePhone(phone, region)) === ownPhone)
      return true;
  }
  return social !== undefined && `${social.network}:${social.handle}`.toLowerCase() === own;
}

/**
 * The loop guard: a contact from a machine (marked by its adapter or its headers) or from our own
 * account's address is automated: stored as such, never queued for routing, never auto-answered.
 */
export function isAutomatedContact(
  contact: InboundContact,
  ownAddress: string | undefined,
  region: string,
): boolean {
  if (contact.automated === true) return true;
  if (contact.headers && automatedByHeaders(contact.headers)) return true;
  return ownAddress !== undefined && isOwnAddress(contact, ownAddress, region);
}

/** How many automatic messages one customer may get on one channel in an hour. */
export const autoSendLimitPerHour = 3;

/**
 * Whether an automatic sender (an auto-acknowledgement, a reminder) may message this customer on
 * this channel now: at most `limit` automatic messages per rolling hour, so two systems answering
 * each other cannot loop.
 */
export async function mayAutoSend(
  db: Kysely<Database>,
  customerId: number,
  channel: Channel,
  now: number,
  limit = autoSendLimitPerHour,
  /** The address it would go to: automatic messages to it count whoever's record they were on. */
  address?: string,
): Promise<boolean> {
  const row = await db
    .selectFrom('interactions')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where((eb) =>
      address === undefined
        ? eb('customer_id', '=', customerId)
        : eb.or([eb('customer_id', '=', customerId), eb('to_address', '=', address)]),
    )
    .where('channel', '=', channel)
    .where('direction', '=', 'outbound')
    .where('automated', '=', 1)
    .where('created_at', '>', now - 3_600_000)
    .executeTakeFirstOrThrow();
  return Number(row.n) < limit;
}
