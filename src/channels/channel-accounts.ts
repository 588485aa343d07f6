/**
 * Channel accounts: the mailboxes, phone numbers, pages, widgets and shops each channel reaches
 * customers through, several per channel. Each has its display name, signature, team, non-secret
 * settings (a provider's base URL, an SMTP host) and secrets sealed at rest under RAPPORT_SECRET_KEY.
 * Secrets are write-only: callers learn which names are set, only adapters (`accountSecrets`) read them.
 */
import type { Kysely, Updateable } from 'kysely';
import type { ChannelAccountRow, ChannelAccountsTable, Database } from '../platform/db/schema.ts';
import type { Unit } from '../platform/db/writer.ts';
import type { Actor } from '../platform/events/event.ts';
import { Invalid, NotFound } from '../platform/errors.ts';
import type { SecretBox } from '../platform/secrets.ts';
import { channels, isChannel, type Channel } from './channel.ts';
import { normaliseEmail } from './addresses.ts';
import type {
  ChannelAccount,
  ChannelProvider,
  ChannelSummary,
  SettingValue,
} from '../api-types/channels.ts';

export type { ChannelAccount, ChannelProvider, ChannelSummary, SettingValue };

/** Who carries an account's messages; each channel accepts only its own providers. */
export const channelProviders = [
  'smtp',
  'twilio',
  'meta',
  'x',
  'webhook',
  'widget',
  'shop',
] as const satisfies readonly ChannelProvider[];

/** The providers that may carry each channel (`webhook` is the company's own system, on any channel). */
export const providersOf: Readonly<Record<Channel, readonly ChannelProvider[]>> = {
  email: ['smtp', 'webhook'],
  chat: ['widget', 'webhook'],
  voice: ['twilio', 'webhook'],
  sms: ['twilio', 'webhook'],
  social: ['meta', 'x', 'webhook'],
  shop: ['shop', 'webhook'],
};

/** Whether replies on a channel are signed unless an administrator says otherwise. */
const signsByDefault: Readonly<Record<Channel, boolean>> = {
  email: true,
  chat: false,
  voice: false,
  sms: false,
  social: false,
  shop: false,
};

export interface NewChannelAccount {
  readonly channel: Channel;
  readonly provider: ChannelProvider;
  readonly displayName: string;
  readonly address: string;
  readonly signature?: boolean | undefined;
  readonly enabled?: boolean | undefined;
  readonly teamId?: number | null | undefined;
  readonly settings?: Readonly<Record<string, SettingValue>> | undefined;
  readonly secrets?: Readonly<Record<string, string>> | undefined;
}

export interface ChannelAccountChanges {
  readonly displayName?: string | undefined;
  readonly address?: string | undefined;
  readonly signature?: boolean | undefined;
  readonly enabled?: boolean | undefined;
  readonly teamId?: number | null | undefined;
  /** Replaces the settings as a whole. */
  readonly settings?: Readonly<Record<string, SettingValue>> | undefined;
  /** Per name: a value sets or replaces that secret, null removes it; names not given stay. */
  readonly secrets?: Readonly<Record<string, string | null>> | undefined;
}

const namePattern = /^[A-Za-z][A-Za-z0-9_]{0,39}$/;
// Setting names that say "secret": such values belong in the sealed secrets, never in plain settings.
const secretLooking = /(secret|token|password|passwd|apikey|api_key|credential)/i;

function toAccount(row: ChannelAccountRow): ChannelAccount {
  return {
    id: row.id,
    channel: row.channel as Channel,
    provider: row.provider as ChannelProvider,
    displayName: row.display_name,
    address: row.address,
    signature: Number(row.signature) === 1,
    enabled: Number(row.enabled) === 1,
    teamId: row.team_id === null ? null : Number(row.team_id),
    settings: JSON.parse(row.settings) as Record<string, SettingValue>,
    secretsSet: JSON.parse(row.secret_names) as string[],
    createdAt: new Date(Number(row.created_at)).toISOString(),
    updatedAt: new Date(Number(row.updated_at)).toISOString(),
  };
}

/** The address as the channel writes it: a lower-cased mailbox, an E.164 number, a trimmed id. */
export function normaliseAccountAddress(channel: Channel, raw: string): string {
  const value = raw.trim();
  if (channel === 'email') return normaliseEmail(value, 'address');
  if (channel === 'voice' || channel === 'sms') {
    const number = value.replace(/[\s().-]/g, '');
    if (!/^\+[1-9]\d{6,14}$/.test(number))
      throw new Invalid('address', 'must be a phone number in E.164 form, e.g. +14155550100');
    return number;
  }
  if (value.length === 0 || value.length > 300)
    throw new Invalid('address', 'must be between 1 and 300 characters');
  return value;
}

function checkSettings(settings: Readonly<Record<string, SettingValue>>): string {
  for (const [name, value] of Object.entries(settings)) {
    if (!namePattern.test(name))
      throw new Invalid(`settings.${name}`, 'names are letters, digits and _ (40 at most)');
    if (secretLooking.test(name))
      throw new Invalid(
        `settings.${name}`,
        'looks like a secret: set it under secrets, which are encrypted at rest',
      );
    if (/url$/i.test(name)) {
      let url: URL | undefined;
      try {
        url = new URL(String(value));
      } catch {
        url = undefined;
      }
      if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:'))
        throw new Invalid(`settings.${name}`, 'must be an http or https URL');
    }
  }
  return JSON.stringify(settings);
}

function checkSecretName(name: string): void {
  if (!namePattern.test(name))
    throw new Invalid(`secrets.${name}`, 'names are letters, digits and _ (40 at most)');
}

/** The sealed blob and its names for a set of secrets; needs the key when there is anything to seal. */
function sealSecrets(
  box: SecretBox,
  secrets: Readonly<Record<string, string>>,
): { secrets: string | null; secret_names: string } {
  const names = Object.keys(secrets).sort();
  if (names.length === 0) return { secrets: null, secret_names: '[]' };
  if (!box.ready)
    throw new Invalid(
      'RAPPORT_SECRET_KEY',
      'is not set: channel account secrets are encrypted at rest with it; set it to a random string of at least 32 characters and restart',
    );
  const ordered = Object.fromEntries(names.map((n) => [n, secrets[n]!]));
  return { secrets: box.seal(JSON.stringify(ordered)), secret_names: JSON.stringify(names) };
}

function openSecrets(box: SecretBox, row: ChannelAccountRow): Record<string, string> {
  if (row.secrets === null) return {};
  return JSON.parse(box.open(row.secrets)) as Record<string, string>;
}

async function checkTeam(db: Kysely<Database>, teamId: number | null | undefined): Promise<void> {
  if (teamId === null || teamId === undefined) return;
  const team = await db
    .selectFrom('teams')
    .select('id')
    .where('id', '=', teamId)
    .executeTakeFirst();
  if (!team) throw new Invalid('teamId', 'no such team');
}

function checkDisplayName(raw: string): string {
  const name = raw.trim();
  if (name.length === 0 || name.length > 80)
    throw new Invalid('displayName', 'must be between 1 and 80 characters');
  return name;
}

async function rowOf(db: Kysely<Database>, id: number): Promise<ChannelAccountRow> {
  const row = await db
    .selectFrom('channel_accounts')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw new NotFound('channel account');
  return row;
}

async function addressTaken(
  db: Kysely<Database>,
  channel: string,
  provider: string,
  address: string,
  except: number | null,
): Promise<void> {
  let query = db
    .selectFrom('channel_accounts')
    .select('id')
    .where('channel', '=', channel)
    .where('provider', '=', provider)
    .where('address', '=', address);
  if (except !== null) query = query.where('id', '!=', except);
  if (await query.executeTakeFirst())
    throw new Invalid(
      'address',
      `another ${channel} account on ${provider} already uses ${address}`,
    );
}

/** Every channel account, by channel in report order, then oldest first; optionally one channel's. */
export async function listChannelAccounts(
  db: Kysely<Database>,
  filter: { readonly channel?: Channel | undefined } = {},
): Promise<ChannelAccount[]> {
  let query = db.selectFrom('channel_accounts').selectAll();
  if (filter.channel) query = query.where('channel', '=', filter.channel);
  const rows = await query.orderBy('id').execute();
  const order = (c: string) => channels.indexOf(c as Channel);
  return rows.sort((a, b) => order(a.channel) - order(b.channel)).map(toAccount);
}

/** One channel account; NotFound when it does not exist. */
export async function getChannelAccount(db: Kysely<Database>, id: number): Promise<ChannelAccount> {
  return toAccount(await rowOf(db, id));
}

/** Adds an account (secrets sealed with `box`); audited without secret values. */
export async function createChannelAccount(
  unit: Unit,
  box: SecretBox,
  input: NewChannelAccount,
  actor: Actor,
): Promise<ChannelAccount> {
  if (!isChannel(input.channel)) throw new Invalid('channel', 'is not a customer channel');
  if (!providersOf[input.channel].includes(input.provider))
    throw new Invalid(
      'provider',
      `${input.channel} accounts are carried by ${providersOf[input.channel].join(', ')}`,
    );
  const address = normaliseAccountAddress(input.channel, input.address);
  await addressTaken(unit.db, input.channel, input.provider, address, null);
  await checkTeam(unit.db, input.teamId);
  for (const name of Object.keys(input.secrets ?? {})) checkSecretName(name);
  const row = await unit.db
    .insertInto('channel_accounts')
    .values({
      channel: input.channel,
      provider: input.provider,
      display_name: checkDisplayName(input.displayName),
      address,
      signature: (input.signature ?? signsByDefault[input.channel]) ? 1 : 0,
      enabled: (input.enabled ?? true) ? 1 : 0,
      team_id: input.teamId ?? null,
      settings: checkSettings(input.settings ?? {}),
      ...sealSecrets(box, input.secrets ?? {}),
      created_at: unit.now,
      updated_at: unit.now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  const account = toAccount(row);
  await unit.record({
    type: 'channel-account.created',
    actor,
    entity: { type: 'channel_account', id: account.id },
    scope: { teamId: account.teamId },
    after: account,
  });
  return account;
}

/** Changes an account; secrets are set, replaced or removed one name at a time. Audited without values. */
export async function updateChannelAccount(
  unit: Unit,
  box: SecretBox,
  id: number,
  changes: ChannelAccountChanges,
  actor: Actor,
): Promise<ChannelAccount> {
  const row = await rowOf(unit.db, id);
  const before = toAccount(row);
  const channel = before.channel;
  const address =
    changes.address !== undefined ? normaliseAccountAddress(channel, changes.address) : undefined;
  if (address !== undefined && address !== row.address)
    await addressTaken(unit.db, row.channel, row.provider, address, id);
  if (changes.teamId !== undefined) await checkTeam(unit.db, changes.teamId);
  let sealed: { secrets: string | null; secret_names: string } | undefined;
  if (changes.secrets && Object.keys(changes.secrets).length > 0) {
    for (const name of Object.keys(changes.secrets)) checkSecretName(name);
    const current = row.secrets === null ? {} : openSecrets(box, row);
    for (const [name, value] of Object.entries(changes.secrets)) {
      if (value === null) delete current[name];
      else current[name] = value;
    }
    sealed = sealSecrets(box, current);
  }
  return storeChange(unit, id, before, 'channel-account.changed', actor, {
    ...(changes.displayName !== undefined
      ? { display_name: checkDisplayName(changes.displayName) }
      : {}),
    ...(address !== undefined ? { address } : {}),
    ...(changes.signature !== undefined ? { signature: changes.signature ? 1 : 0 } : {}),
    ...(changes.enabled !== undefined ? { enabled: changes.enabled ? 1 : 0 } : {}),
    ...(changes.teamId !== undefined ? { team_id: changes.teamId } : {}),
    ...(changes.settings !== undefined ? { settings: checkSettings(changes.settings) } : {}),
    ...(sealed ?? {}),
  });
}

/** Switches an account off: no reply goes out on it any more; inbound contacts are still taken in. */
export async function disableChannelAccount(
  unit: Unit,
  id: number,
  actor: Actor,
): Promise<ChannelAccount> {
  const row = await rowOf(unit.db, id);
  const before = toAccount(row);
  if (!before.enabled) return before;
  return storeChange(unit, id, before, 'channel-account.disabled', actor, { enabled: 0 });
}

/** Writes a change to an account and records it, before and after (secret names only, never values). */
async function storeChange(
  unit: Unit,
  id: number,
  before: ChannelAccount,
  type: 'channel-account.changed' | 'channel-account.disabled',
  actor: Actor,
  values: Omit<Updateable<ChannelAccountsTable>, 'id' | 'updated_at'>,
): Promise<ChannelAccount> {
  const updated = await unit.db
    .updateTable('channel_accounts')
    .set({ ...values, updated_at: unit.now })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
  const after = toAccount(updated);
  await unit.record({
    type,
    actor,
    entity: { type: 'channel_account', id },
    scope: { teamId: after.teamId },
    before,
    after,
  });
  return after;
}

/** An account's secrets, opened: for adapters on the server only, never for an API answer or a log. */
export async function accountSecrets(
  db: Kysely<Database>,
  box: SecretBox,
  accountId: number,
): Promise<Readonly<Record<string, string>>> {
  return openSecrets(box, await rowOf(db, accountId));
}

/**
 * The account a reply on `channel` goes out on: the account the case's customer last wrote to on it,
 * then the case team's first enabled account, then the channel's first enabled one. Only enabled
 * accounts are chosen; undefined when the channel has none.
 */
export async function defaultAccountFor(
  db: Kysely<Database>,
  channel: Channel,
  options: { readonly conversationId?: number | undefined; readonly teamId?: number | null } = {},
): Promise<ChannelAccount | undefined> {
  if (options.conversationId !== undefined) {
    const last = await db
      .selectFrom('interactions')
      .innerJoin('channel_accounts', 'channel_accounts.id', 'interactions.account_id')
      .selectAll('channel_accounts')
      .where('interactions.conversation_id', '=', options.conversationId)
      .where('interactions.channel', '=', channel)
      .where('interactions.direction', '=', 'inbound')
      .orderBy('interactions.created_at', 'desc')
      .orderBy('interactions.id', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (last && Number(last.enabled) === 1) return toAccount(last);
  }
  const enabled = () =>
    db
      .selectFrom('channel_accounts')
      .selectAll()
      .where('channel', '=', channel)
      .where('enabled', '=', 1)
      .orderBy('id')
      .limit(1);
  if (options.teamId !== undefined && options.teamId !== null) {
    const team = await enabled().where('team_id', '=', options.teamId).executeTakeFirst();
    if (team) return toAccount(team);
  }
  const first = await enabled().executeTakeFirst();
  return first ? toAccount(first) : undefined;
}

/** Built-in names of the channels, as the desk shows them. */
const channelNames: Readonly<Record<Channel, string>> = {
  voice: 'Phone',
  chat: 'Chat',
  email: 'Email',
  sms: 'SMS',
  social: 'Social',
  shop: 'Shop',
};

/** Every channel with its enabled accounts (no settings, no secret names): what staff may read. */
export async function channelSummaries(db: Kysely<Database>): Promise<ChannelSummary[]> {
  const accounts = await listChannelAccounts(db);
  return channels.map((channel) => {
    const enabled = accounts.filter((a) => a.channel === channel && a.enabled);
    return {
      channel,
      displayName: channelNames[channel],
      enabled: enabled.length > 0,
      signature: enabled[0]?.signature ?? false,
      accounts: enabled.map((a) => ({
        id: a.id,
        displayName: a.displayName,
        address: a.address,
        signature: a.signature,
        teamId: a.teamId,
      })),
    };
  });
}

/** Whether any account holds sealed secrets (start-up refuses to run without the key then). */
export async function anySealedSecrets(db: Kysely<Database>): Promise<boolean> {
  const row = await db
    .selectFrom('channel_accounts')
    .select('id')
    .where('secrets', 'is not', null)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}
