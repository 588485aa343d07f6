/**
 * The help centre's contact side: how to reach the company, read from its enabled channel accounts
 * (the chat widget, the mailboxes, the phone lines and their hours), and "ask us to call you back":
 * a callback work item on the customer's case (found by their number, else a new customer), that
 * keeps the place of anything they already wait for, answered with an honest estimate.
 */
import type { Kysely } from 'kysely';
import { DateTime } from 'luxon';
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import type { Database } from '../../platform/db/schema.ts';
import type { Unit } from '../../platform/db/writer.ts';
import type { StorageDialect } from '../../platform/db/dialects/storage-dialect.ts';
import { Invalid, NotFound } from '../../platform/errors.ts';
import type { WeeklyHours } from '../../shops/shop-hours.ts';
import { isOpenAt } from '../../shops/shop-hours.ts';
import { receiveContact } from '../../contacts/contacts.ts';
import { requestCallback } from '../../routing/callbacks.ts';
import { becomeCall, placeInQueue } from '../../routing/direct-calls.ts';
import { callerEstimate } from '../../routing/caller-estimate.ts';
import { live } from '../../routing/work-items.ts';
import type { AdapterAccount } from '../adapter.ts';
import { normalisePhone } from '../addresses.ts';
import { hoursOf, nextOpening } from '../twilio/voice.ts';
import { withinHours } from '../twilio/callback-outcomes.ts';

/** The help centre's delivery: contacts from it arrive as `help` (never deduplicated by id). */
export const helpProvider = 'help';
/** How far ahead a customer may ask to be called. */
export const furthestAheadDays = 14;

export interface HelpContacts {
  /** The chat widget's key (its account's address), when the company chats on its site. */
  readonly chatKey: string | null;
  readonly emails: readonly { readonly name: string; readonly address: string }[];
  readonly phones: readonly {
    readonly name: string;
    readonly number: string;
    /** "+33 1 40 00 05 00", as people write it. */
    readonly shown: string;
  }[];
  /** The callback line's week, when it has one, and its time zone. */
  readonly hours: { readonly zone: string; readonly week: WeeklyHours } | null;
  /** Whether callbacks can be asked (a phone line exists). */
  readonly callbacks: boolean;
}

interface AccountRow {
  id: number;
  channel: string;
  provider: string;
  address: string;
  display_name: string;
  settings: string;
}

function asAccount(row: AccountRow): AdapterAccount {
  return {
    id: Number(row.id),
    channel: row.channel as AdapterAccount['channel'],
    provider: row.provider,
    address: row.address,
    settings: JSON.parse(row.settings) as AdapterAccount['settings'],
    secrets: {},
  };
}

async function enabledAccounts(db: Kysely<Database>): Promise<AccountRow[]> {
  return db
    .selectFrom('channel_accounts')
    .select(['id', 'channel', 'provider', 'address', 'display_name', 'settings'])
    .where('enabled', '=', 1)
    .where('channel', 'in', ['chat', 'email', 'voice'])
    .orderBy('id')
    .execute();
}

/**
 * The line callbacks are asked on: an enabled Twilio voice account (which can place the call back),
 * one with opening hours first, else any voice account with a number.
 */
function callbackLine(rows: readonly AccountRow[]): AccountRow | undefined {
  const voice = rows.filter((r) => r.channel === 'voice' && r.address.startsWith('+'));
  const twilio = voice.filter((r) => r.provider === 'twilio');
  const withHours = (r: AccountRow) =>
    typeof (JSON.parse(r.settings) as Record<string, unknown>).hours === 'string';
  return twilio.find(withHours) ?? twilio[0] ?? voice[0];
}

/** How to reach the company, from its enabled channel accounts. */
export async function helpContacts(db: Kysely<Database>): Promise<HelpContacts> {
  const rows = await enabledAccounts(db);
  const line = callbackLine(rows);
  const week = line ? hoursOf(asAccount(line)) : undefined;
  return {
    chatKey: rows.find((r) => r.channel === 'chat' && r.provider === 'widget')?.address ?? null,
    emails: rows
      .filter((r) => r.channel === 'email' && r.address.includes('@'))
      .map((r) => ({ name: r.display_name, address: r.address })),
    phones: rows
      .filter((r) => r.channel === 'voice' && r.address.startsWith('+'))
      .map((r) => ({
        name: r.display_name,
        number: r.address,
        shown: parsePhoneNumberFromString(r.address)?.formatInternational() ?? r.address,
      })),
    hours: week ? { zone: week.zone, week: week.hours } : null,
    callbacks: line !== undefined,
  };
}

export interface CallbackRequest {
  readonly name: string;
  readonly phone: string;
  /** When the customer would like the call (epoch ms); absent: as soon as an advisor is free. */
  readonly preferredAt?: number | undefined;
  readonly consent: boolean;
}

export interface CallbackConfirmation {
  /** `queued`: a callback waits in line; `with-advisor`: an advisor has the case already. */
  readonly status: 'queued' | 'with-advisor';
  readonly phone: string;
  readonly conversationId: number;
  /** Not called before this (the time asked for, or the line's next opening). */
  readonly notBefore: string | null;
  /** The honest estimate: null when nobody is on shift to promise a time. */
  readonly estimatedWaitMs: number | null;
  /** What the page says, in one or two sentences. */
  readonly message: string;
}

const spokenTime = (at: number, zone: string) =>
  DateTime.fromMillis(at, { zone }).toFormat("cccc d LLLL 'at' HH:mm");

/**
 * A customer asks to be called back: their number (E.164) finds them or makes a new customer, the
 * request lands on their case's timeline, and the case's work becomes a callback keeping any place
 * it had (`routing/requestCallback`), not offered before the time asked for or the line's opening.
 */
export async function askForCallback(
  unit: Unit,
  request: CallbackRequest,
  options: { readonly defaultRegion: string; readonly dialect: StorageDialect },
): Promise<CallbackConfirmation> {
  if (!request.consent)
    throw new Invalid('consent', 'must be given: we call you only if you agree to it');
  const name = request.name.trim();
  if (name === '') throw new Invalid('name', 'must not be empty');
  const phone = normalisePhone(request.phone, options.defaultRegion, 'phone');
  const rows = await enabledAccounts(unit.db);
  const lineRow = callbackLine(rows);
  if (!lineRow) throw new NotFound('phone line taking callbacks');
  const line = asAccount(lineRow);
  const week = hoursOf(line);
  const zone = week?.zone ?? 'UTC';
  const at = request.preferredAt;
  if (at !== undefined) {
    if (at < unit.now + 60_000) throw new Invalid('preferredTime', 'is in the past');
    if (at > unit.now + furthestAheadDays * 86_400_000)
      throw new Invalid('preferredTime', `is more than ${furthestAheadDays} days ahead`);
    if (week && !isOpenAt(week.zone, week.hours, at))
      throw new Invalid('preferredTime', 'is outside our opening hours');
  }
  // Out of hours with no time asked for: called at the next opening, not at night.
  const notBefore =
    at ?? (week && !isOpenAt(zone, week.hours, unit.now) ? withinHours(line, unit.now) : undefined);
  const wanted = at === undefined ? 'as soon as possible' : `on ${spokenTime(at, zone)} (${zone})`;
  const received = await receiveContact(
    unit,
    {
      kind: 'call',
      from: { phone, name },
      text: `Asked to be called back from the help centre, ${wanted}, on ${phone}. They agreed to be called.`,
      provider: helpProvider,
      accountId: line.id,
      to: line.address,
    },
    {
      defaultRegion: options.defaultRegion,
      actor: { type: 'channel', id: line.id },
      ownAddress: line.address,
      dialect: options.dialect,
    },
  );
  const item = await unit.db
    .selectFrom('work_items')
    .selectAll()
    .where('conversation_id', '=', received.conversationId)
    .where('status', 'in', live)
    .executeTakeFirst();
  const actor = { type: 'channel' as const, id: line.id };
  if (!item || item.status !== 'waiting')
    return {
      status: 'with-advisor',
      phone,
      conversationId: received.conversationId,
      notBefore: null,
      estimatedWaitMs: null,
      message: `An advisor is already looking after your case: they will call you on ${phone}.`,
    };
  // A written message they wait an answer to becomes the call, keeping its place.
  if (item.channel !== 'voice' && item.channel !== 'chat') await becomeCall(unit, item.id, actor);
  await requestCallback(unit, item.id, phone, actor, { dueAt: notBefore });
  const position = (await placeInQueue({ db: unit.db, now: notBefore ?? unit.now }, item.id)) ?? 1;
  const estimate =
    notBefore === undefined
      ? await callerEstimate(unit.db, unit.now, {
          channel: 'voice',
          teamId: item.team_id,
          position,
        })
      : { estimatedWaitMs: null };
  const message =
    at !== undefined
      ? `We will call you on ${phone} from ${spokenTime(at, zone)} (${zone}), as soon as an advisor is free then.`
      : notBefore !== undefined
        ? `We are closed now. We will call you on ${phone} when we open${week ? `, ${nextOpening(zone, week.hours, unit.now) ?? spokenTime(notBefore, zone)}` : ''} (${zone}).`
        : estimate.estimatedWaitMs === null
          ? `Nobody is free to take calls right now, so we cannot promise a time: we will call you on ${phone} as soon as an advisor is.`
          : estimate.estimatedWaitMs < 60_000
            ? `We will call you on ${phone} within a minute or so: you are ${position === 1 ? 'next' : `number ${position}`} in line.`
            : `We will call you on ${phone} in about ${Math.ceil(estimate.estimatedWaitMs / 60_000)} minutes: you are ${position === 1 ? 'next' : `number ${position}`} in line.`;
  return {
    status: 'queued',
    phone,
    conversationId: received.conversationId,
    notBefore: notBefore === undefined ? null : new Date(notBefore).toISOString(),
    estimatedWaitMs: estimate.estimatedWaitMs,
    message,
  };
}

/** Whether the help centre has a way to reach the company to show (the banner then names it). */
export async function hasHelpCentre(db: Kysely<Database>): Promise<boolean> {
  const contacts = await helpContacts(db);
  return contacts.chatKey !== null || contacts.emails.length > 0 || contacts.phones.length > 0;
}
