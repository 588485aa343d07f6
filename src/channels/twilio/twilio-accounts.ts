/**
 * Which Twilio account a webhook is for (by the number it was sent to and the route's channel), and
 * the start-up check that every Twilio account an operator configured can check signatures.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';
import { Invalid } from '../../platform/errors.ts';
import type { AdapterAccount } from '../adapter.ts';
import type { AccountLookup } from '../send-queue.ts';
import { authTokenName, twilioProvider } from './twilio-adapter.ts';

/**
 * The enabled Twilio account of `channel` at our number `to` (E.164, as Twilio sends it and accounts
 * store it), secrets opened; undefined when there is none. When several share the number, the one
 * whose `accountSid` setting matches the request's AccountSid wins, else the oldest.
 */
export async function twilioAccountFor(
  db: Kysely<Database>,
  accounts: AccountLookup,
  channel: 'sms' | 'voice',
  to: string,
  accountSid?: string,
): Promise<AdapterAccount | undefined> {
  const rows = await db
    .selectFrom('channel_accounts')
    .select(['id', 'settings'])
    .where('provider', '=', twilioProvider)
    .where('channel', '=', channel)
    .where('address', '=', to.trim())
    .where('enabled', '=', 1)
    .orderBy('id')
    .execute();
  const sidOf = (settings: string) =>
    (JSON.parse(settings) as Record<string, unknown>).accountSid as string | undefined;
  const row =
    rows.find((r) => accountSid !== undefined && sidOf(r.settings) === accountSid) ?? rows[0];
  return row ? accounts.byId(db, row.id) : undefined;
}

/** A demo account carries `demo: true`: it may lack a token (it then cannot receive, by design). */
function isDemo(settings: string): boolean {
  return (JSON.parse(settings) as Record<string, unknown>).demo === true;
}

/**
 * Refuses to start when an enabled Twilio account has no auth token: every request to it would be
 * refused, and an operator would see only 403s at run time. The demo's accounts are let through
 * without one (RAPPORT_DEMO_TWILIO_AUTH_TOKEN unset): they are listed in `idle`, for a warning.
 */
export async function checkTwilioAccounts(db: Kysely<Database>): Promise<{ idle: string[] }> {
  const rows = await db
    .selectFrom('channel_accounts')
    .select(['id', 'display_name', 'address', 'channel', 'settings', 'secret_names'])
    .where('provider', '=', twilioProvider)
    .where('enabled', '=', 1)
    .orderBy('id')
    .execute();
  const missing = rows.filter(
    (r) => !(JSON.parse(r.secret_names) as string[]).includes(authTokenName),
  );
  const named = (r: (typeof rows)[number]) =>
    `"${r.display_name}" (account ${r.id}, ${r.channel} ${r.address})`;
  const configured = missing.filter((r) => !isDemo(r.settings));
  if (configured.length > 0)
    throw new Invalid(
      `channel account ${configured[0]!.id}`,
      `the Twilio account${configured.length > 1 ? 's' : ''} ${configured.map(named).join(', ')} ${configured.length > 1 ? 'have' : 'has'} no auth token: set the secret "${authTokenName}" (Admin → Channels, or PATCH /api/channel-accounts/:id) or disable the account`,
    );
  return { idle: missing.map(named) };
}

/** The region an account reads national numbers in: its `region` setting, else the company's. */
export function regionOf(account: AdapterAccount, fallback: string): string {
  const region = account.settings.region;
  return typeof region === 'string' && /^[A-Z]{2}$/.test(region) ? region : fallback;
}
