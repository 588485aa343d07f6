/**
 * Programmable Voice: what a caller hears, decided in one short unit of work per webhook and
 * answered as TwiML (Twilio gives up after 15 s; nothing slow runs here). The paths:
 *
 * - the caller is identified by number (E.164) and greeted by name when known;
 * - the case's owner or the customer's last advisor, free now and within the continuity window,
 *   with a line (`advisor_lines`) → `<Dial>` straight to them; not picked up → back to the queue;
 * - otherwise the call waits in routing's queue (a `call` work item on `voice`): the caller hears
 *   their place and an honest estimate, and may press 1 for a callback that keeps their place
 *   (`routing/requestCallback`: same arrival time, same deadline); the hold loop (`/voice/wait`)
 *   tells them again every half minute and puts them through once an advisor with a line takes it;
 * - out of hours (the account's `hours` and `timeZone` settings) → said so, with the next opening,
 *   a callback (press 1) or a voicemail (`<Record>`, transcribed), which lands on the timeline.
 */
import VoiceResponse from 'twilio/lib/twiml/VoiceResponse.js';
import { DateTime } from 'luxon';
import type { Unit } from '../../platform/db/writer.ts';
import type { Kysely } from 'kysely';
import type { CallRow, Database } from '../../platform/db/schema.ts';
import type { Actor } from '../../platform/events/event.ts';
import type { StorageDialect } from '../../platform/db/dialects/storage-dialect.ts';
import type { AdapterAccount, InboundContact } from '../adapter.ts';
import { receiveContact } from '../../contacts/contacts.ts';
import { requestCallback } from '../../routing/callbacks.ts';
import { becomeCall, notPickedUp, placeInQueue, putThrough } from '../../routing/direct-calls.ts';
import { callerEstimate } from '../../routing/caller-estimate.ts';
import { loadAdvisors } from '../../routing/advisor-load.ts';
import { live } from '../../routing/work-items.ts';
import { DEFAULT_ROUTING_OPTIONS } from '../../routing/types.ts';
import { checkWeeklyHours, isOpenAt, minutesOf, type WeeklyHours } from '../../shops/shop-hours.ts';
import { normalisePhone } from '../addresses.ts';
import {
  linkCall,
  moveCall,
  openCall,
  callByProviderId,
  isCallState,
  type CallState,
} from './calls.ts';
import { twilioProvider } from './twilio-adapter.ts';
import { queueRecordingFetch } from './recordings.ts';

/** Where Twilio comes back to during a call, under the public URL. */
export const voicePaths = {
  incoming: '/webhooks/twilio/voice',
  status: '/webhooks/twilio/voice/status',
  menu: '/webhooks/twilio/voice/menu',
  wait: '/webhooks/twilio/voice/wait',
  dialed: '/webhooks/twilio/voice/dialed',
  recording: '/webhooks/twilio/voice/recording',
  transcription: '/webhooks/twilio/voice/transcription',
} as const;

/** How long after their last call with a customer an advisor still counts as "the one who knows them". */
export const defaultContinuityDays = 30;
/** Seconds between two updates of the hold message. */
const holdSeconds = 25;

export interface VoiceOptions {
  readonly unit: Unit;
  readonly account: AdapterAccount;
  /** The public base URL TwiML actions point at. */
  readonly base: string;
  readonly defaultRegion: string;
  readonly dialect: StorageDialect;
}

type Params = Record<string, string | string[]>;
const one = (params: Params, name: string): string => {
  const value = params[name];
  return (Array.isArray(value) ? value[0] : value) ?? '';
};

function actorOf(account: AdapterAccount): Actor {
  return { type: 'channel', id: account.id };
}

/** The account's week of hours, when it has one (`hours`: JSON `[{weekday, opens, closes}]`). */
export function hoursOf(account: AdapterAccount): { zone: string; hours: WeeklyHours } | undefined {
  const raw = account.settings.hours;
  if (typeof raw !== 'string' || raw.trim() === '') return undefined;
  const zone = typeof account.settings.timeZone === 'string' ? account.settings.timeZone : 'UTC';
  return { zone, hours: checkWeeklyHours(JSON.parse(raw) as WeeklyHours, 'settings.hours') };
}

/** The next opening after `now`, as a caller hears it: "today at 09:00", "on Monday at 09:00". */
export function nextOpening(zone: string, hours: WeeklyHours, now: number): string | undefined {
  const local = DateTime.fromMillis(now, { zone });
  for (let days = 0; days < 8; days++) {
    const date = local.plus({ days }).startOf('day');
    const day = hours.find((h) => h.weekday === date.weekday);
    if (!day) continue;
    const opens = minutesOf(day.opens)!;
    const at = date.plus({ minutes: opens });
    if (at.toMillis() <= now) continue;
    const when = days === 0 ? 'today' : days === 1 ? 'tomorrow' : `on ${at.toFormat('cccc')}`;
    return `${when} at ${at.toFormat('HH:mm')}`;
  }
  return undefined;
}

/** A wait as said on the phone. */
export function spokenWait(ms: number | null): string {
  if (ms === null) return 'Nobody is free to take calls right now, so we cannot promise a time.';
  if (ms < 60_000) return 'Your wait should be less than a minute.';
  const minutes = Math.ceil(ms / 60_000);
  return `Your wait is about ${minutes} minute${minutes === 1 ? '' : 's'}.`;
}

function ordinal(n: number): string {
  return n === 1 ? 'next' : `number ${n} in the queue`;
}

/** The caller as a contact: their number, or (withheld, "anonymous") the call itself. */
function callerOf(params: Params, region: string): InboundContact['from'] {
  const from = one(params, 'From');
  const name = one(params, 'CallerName') || undefined;
  try {
    return { phone: normalisePhone(from, region), ...(name ? { name } : {}) };
  } catch {
    return {
      external: { system: 'withheld-caller', id: one(params, 'CallSid') },
      name: 'Withheld number',
    };
  }
}

/** Whether a display name is a real name (not the number a customer was created with). */
function isName(name: string): boolean {
  return !/^[+\d\s().-]+$/.test(name) && name !== 'Withheld number';
}

interface CallContext {
  readonly call: CallRow;
  readonly item?:
    | {
        id: number;
        status: string;
        kind: string;
        channel: string;
        advisor_id: number | null;
        team_id: number | null;
      }
    | undefined;
}

async function liveItemOf(unit: Unit, conversationId: number | null) {
  if (conversationId === null) return undefined;
  return unit.db
    .selectFrom('work_items')
    .select(['id', 'status', 'kind', 'channel', 'advisor_id', 'team_id'])
    .where('conversation_id', '=', conversationId)
    .where('status', 'in', live)
    .executeTakeFirst();
}

/** The advisor who knows this caller and can take the call now, with their line; undefined when none. */
async function knownAdvisorFree(
  unit: Unit,
  account: AdapterAccount,
  conversationId: number,
  customerId: number,
): Promise<{ id: number; name: string; line: string } | undefined> {
  const row = await unit.db
    .selectFrom('conversations')
    .innerJoin('customers', 'customers.id', 'conversations.customer_id')
    .select(['conversations.owner_id', 'customers.last_advisor_id'])
    .where('conversations.id', '=', conversationId)
    .executeTakeFirstOrThrow();
  const days =
    typeof account.settings.continuityDays === 'number'
      ? account.settings.continuityDays
      : defaultContinuityDays;
  const candidates: number[] = [];
  // The case's owner knows it now; the last advisor only within the continuity window.
  if (row.owner_id !== null) candidates.push(row.owner_id);
  if (row.last_advisor_id !== null && row.last_advisor_id !== row.owner_id) {
    const recent = await unit.db
      .selectFrom('work_items')
      .select('id')
      .where('customer_id', '=', customerId)
      .where('advisor_id', '=', row.last_advisor_id)
      .where('completed_at', '>', unit.now - days * 86_400_000)
      .limit(1)
      .executeTakeFirst();
    if (recent) candidates.push(row.last_advisor_id);
  }
  if (candidates.length === 0) return undefined;
  const advisors = await loadAdvisors(unit.db, unit.now, DEFAULT_ROUTING_OPTIONS.occupancyWindowMs);
  for (const id of candidates) {
    const state = advisors.find((a) => a.id === String(id));
    const free =
      state?.presence === 'available' &&
      state.load.voice < state.capacity.voice &&
      (state.recoveryUntil === undefined || state.recoveryUntil <= unit.now);
    if (!free) continue;
    const person = await unit.db
      .selectFrom('advisors')
      .leftJoin('advisor_lines', 'advisor_lines.advisor_id', 'advisors.id')
      .select(['advisors.name', 'advisor_lines.address'])
      .where('advisors.id', '=', id)
      .executeTakeFirst();
    if (person?.address) return { id, name: person.name, line: person.address };
  }
  return undefined;
}

function dialTo(response: VoiceResponse, base: string, line: string, callerId: string): void {
  const dial = response.dial({
    action: `${base}${voicePaths.dialed}`,
    method: 'POST',
    timeout: 20,
    answerOnBridge: true,
    callerId,
  });
  if (line.startsWith('sip:')) dial.sip(line);
  else dial.number(line);
}

/**
 * A TwiML answer, or one finished after the unit commits: the hold message's place and estimate are
 * read on the read connection then (they see the call just queued), so the writer is not held by
 * reads while other calls wait for it.
 */
export type VoiceAnswer = string | ((read: Kysely<Database>, now: number) => Promise<string>);

/** The hold message: place, estimate, the callback offer, then a pause and the loop back. */
function holdMessage(
  response: VoiceResponse,
  base: string,
  itemId: number,
  teamId: number | null,
  channel: string,
): VoiceAnswer {
  return async (db, now) => {
    const position = (await placeInQueue({ db, now }, itemId)) ?? 1;
    const estimate = await callerEstimate(db, now, {
      channel: channel === 'voice' ? 'voice' : 'chat',
      teamId,
      position,
    });
    response.say(`You are ${ordinal(position)}. ${spokenWait(estimate.estimatedWaitMs)}`);
    if (channel === 'voice' || channel === 'chat') {
      const gather = response.gather({
        numDigits: 1,
        action: `${base}${voicePaths.menu}`,
        method: 'POST',
        timeout: 5,
      });
      gather.say('Press 1 and we will call you back, keeping your place in the queue.');
    }
    response.pause({ length: holdSeconds });
    response.redirect({ method: 'POST' }, `${base}${voicePaths.wait}`);
    return response.toString();
  };
}

function closedMessage(response: VoiceResponse, base: string, opening: string | undefined): void {
  response.say(`We are closed now${opening ? `; we open again ${opening}` : ''}.`);
  const gather = response.gather({
    numDigits: 1,
    action: `${base}${voicePaths.menu}`,
    method: 'POST',
    timeout: 5,
  });
  gather.say(
    'Press 1 and we will call you back when we open, keeping your place. Or stay on the line and leave a message after the tone.',
  );
  response.record({
    action: `${base}${voicePaths.recording}`,
    method: 'POST',
    maxLength: 120,
    playBeep: true,
    transcribe: true,
    transcribeCallback: `${base}${voicePaths.transcription}`,
  });
  response.say('We did not get a message. Goodbye.');
}

/** The incoming call: stored, identified, and answered with the path it takes. */
export async function answerIncomingCall(
  options: VoiceOptions,
  params: Params,
): Promise<VoiceAnswer> {
  const { unit, account, base } = options;
  const callSid = one(params, 'CallSid');
  const actor = actorOf(account);
  const status = one(params, 'CallStatus');
  const call = await openCall(unit, {
    provider: twilioProvider,
    providerCallId: callSid,
    accountId: account.id,
    direction: one(params, 'Direction').startsWith('outbound') ? 'outbound' : 'inbound',
    from: one(params, 'From'),
    to: one(params, 'To'),
    state: isCallState(status) ? status : 'ringing',
    at: unit.now,
  });
  const response = new VoiceResponse();
  const received = await receiveContact(
    unit,
    {
      kind: 'call',
      from: callerOf(params, options.defaultRegion),
      text: `Incoming call from ${one(params, 'From') || 'a withheld number'}`,
      provider: twilioProvider,
      providerId: callSid,
      accountId: account.id,
      to: account.address,
      threadId: callSid,
    },
    {
      defaultRegion: options.defaultRegion,
      actor,
      ownAddress: account.address,
      dialect: options.dialect,
    },
  );
  if (received.automated) {
    // Our own number calling itself: a loop, not a customer.
    response.hangup();
    return response.toString();
  }
  let item = await liveItemOf(unit, received.conversationId);
  // Their case already waits as a message: the call takes its place (see becomeCall).
  if (item?.status === 'waiting' && item.channel !== 'voice') {
    await becomeCall(unit, item.id, actor);
    item = await liveItemOf(unit, received.conversationId);
  }
  await linkCall(unit, call.id, {
    customer_id: received.customerId,
    conversation_id: received.conversationId,
    interaction_id: received.interactionId,
    work_item_id: item?.id ?? null,
  });
  const names = await unit.db
    .selectFrom('customers')
    .select('display_name')
    .where('id', '=', received.customerId)
    .executeTakeFirstOrThrow();
  const company = await unit.db
    .selectFrom('channel_accounts')
    .select('display_name')
    .where('id', '=', account.id)
    .executeTakeFirstOrThrow();
  const known = !received.customerCreated && isName(names.display_name);
  response.say(
    known
      ? `Hello ${names.display_name}, thank you for calling ${company.display_name}.`
      : `Thank you for calling ${company.display_name}.`,
  );

  // A repeated webhook for a call already put through or already answered: say the same again.
  if (item?.status === 'assigned' && call.outcome === 'dialed' && item.advisor_id !== null) {
    const line = await lineOf(unit, item.advisor_id);
    if (line) {
      dialTo(response, base, line, account.address);
      return response.toString();
    }
  }
  const week = hoursOf(account);
  if (week && !isOpenAt(week.zone, week.hours, unit.now)) {
    await linkCall(unit, call.id, { outcome: 'closed' });
    closedMessage(response, base, nextOpening(week.zone, week.hours, unit.now));
    return response.toString();
  }
  if (item?.status === 'waiting') {
    const advisor = await knownAdvisorFree(
      unit,
      account,
      received.conversationId,
      received.customerId,
    );
    if (advisor && (await putThrough(unit, item.id, advisor.id, actor))) {
      await linkCall(unit, call.id, { advisor_id: advisor.id, outcome: 'dialed' });
      response.say(`Putting you through to ${advisor.name}.`);
      dialTo(response, base, advisor.line, account.address);
      return response.toString();
    }
  }
  await linkCall(unit, call.id, { outcome: 'queued' });
  if (item) return holdMessage(response, base, item.id, item.team_id, item.channel);
  response.say('An advisor will call you back. Goodbye.');
  response.hangup();
  return response.toString();
}

async function lineOf(unit: Unit, advisorId: number): Promise<string | undefined> {
  const row = await unit.db
    .selectFrom('advisor_lines')
    .select('address')
    .where('advisor_id', '=', advisorId)
    .executeTakeFirst();
  return row?.address;
}

async function callContext(unit: Unit, params: Params): Promise<CallContext | undefined> {
  const call = await callByProviderId(unit, twilioProvider, one(params, 'CallSid'));
  if (!call) return undefined;
  const item = call.work_item_id
    ? await unit.db
        .selectFrom('work_items')
        .select(['id', 'status', 'kind', 'channel', 'advisor_id', 'team_id'])
        .where('id', '=', call.work_item_id)
        .executeTakeFirst()
    : undefined;
  return { call, item };
}

function goodbye(response: VoiceResponse, text: string): string {
  response.say(text);
  response.hangup();
  return response.toString();
}

/** The hold loop: the place again, or put through once an advisor with a line took the call. */
export async function answerWait(options: VoiceOptions, params: Params): Promise<VoiceAnswer> {
  const { unit, base, account } = options;
  const response = new VoiceResponse();
  const found = await callContext(unit, params);
  if (!found?.item) return goodbye(response, 'We could not find your call. Please call again.');
  const { call, item } = found;
  if (item.status === 'assigned' && item.advisor_id !== null) {
    const line = await lineOf(unit, item.advisor_id);
    if (line) {
      await linkCall(unit, call.id, { advisor_id: item.advisor_id, outcome: 'dialed' });
      response.say('Putting you through now.');
      dialTo(response, base, line, account.address);
      return response.toString();
    }
  }
  if (item.status === 'waiting' || item.status === 'offered' || item.status === 'assigned') {
    if (item.kind === 'callback') return goodbye(response, 'We will call you back. Goodbye.');
    if (item.status === 'waiting')
      return holdMessage(response, base, item.id, item.team_id, item.channel);
    // Offered to an advisor (or theirs, without a line to ring): no place to tell, no callback to offer.
    response.say('An advisor is about to take your call. Please stay on the line.');
    response.pause({ length: 10 });
    response.redirect({ method: 'POST' }, `${base}${voicePaths.wait}`);
    return response.toString();
  }
  return goodbye(response, 'Thank you for calling. Goodbye.');
}

/** The caller pressed a key: 1 is a callback that keeps their place; anything else goes back on hold. */
export async function answerMenu(options: VoiceOptions, params: Params): Promise<VoiceAnswer> {
  const { unit } = options;
  const response = new VoiceResponse();
  const found = await callContext(unit, params);
  if (!found?.item) return goodbye(response, 'We could not find your call. Please call again.');
  const { call, item } = found;
  if (one(params, 'Digits') !== '1' || item.status !== 'waiting')
    return answerWait(options, params);
  const number = call.from_number;
  await requestCallback(unit, item.id, number, actorOf(options.account));
  await linkCall(unit, call.id, { outcome: 'callback' });
  const ending = number.replace(/\D/g, '').slice(-2).split('').join(' ');
  return goodbye(
    response,
    `Thank you. We will call you back on your number ending ${ending}, and you keep your place in the queue. Goodbye.`,
  );
}

/** The put-through advisor did not pick up (busy, no answer): back to the queue, keeping the place. */
export async function answerDialed(options: VoiceOptions, params: Params): Promise<VoiceAnswer> {
  const { unit } = options;
  const response = new VoiceResponse();
  const found = await callContext(unit, params);
  if (!found?.item) return goodbye(response, 'Thank you for calling. Goodbye.');
  const status = one(params, 'DialCallStatus');
  if (status === 'completed' || status === 'answered') {
    response.hangup();
    return response.toString();
  }
  await notPickedUp(unit, found.item.id, actorOf(options.account));
  await linkCall(unit, found.call.id, { outcome: 'queued' });
  response.say('Your advisor cannot take the call right now, so you are in our queue.');
  return answerWaitInto(options, params, response);
}

async function answerWaitInto(
  options: VoiceOptions,
  params: Params,
  response: VoiceResponse,
): Promise<VoiceAnswer> {
  const found = await callContext(options.unit, params);
  if (found?.item?.status === 'waiting')
    return holdMessage(
      response,
      options.base,
      found.item.id,
      found.item.team_id,
      found.item.channel,
    );
  response.hangup();
  return response.toString();
}

/**
 * A voicemail was recorded: it lands on the case's timeline (with the recording), and the call
 * becomes a callback that keeps its place.
 */
export async function answerRecording(options: VoiceOptions, params: Params): Promise<string> {
  const { unit, account } = options;
  const response = new VoiceResponse();
  const found = await callContext(unit, params);
  const url = one(params, 'RecordingUrl');
  const sid = one(params, 'RecordingSid');
  if (!found || !sid || !/^https?:\/\/\S+$/i.test(url))
    return goodbye(response, 'Thank you. Goodbye.');
  const { call, item } = found;
  await storeOnTimeline(options, call, {
    providerId: sid,
    text: `Voicemail (${Number(one(params, 'RecordingDuration')) || 0} s)`,
    attachments: [{ name: 'voicemail.mp3', contentType: 'audio/mpeg', size: 0, url: `${url}.mp3` }],
  });
  await unit.db
    .updateTable('calls')
    .set({ outcome: 'voicemail', updated_at: unit.now })
    .where('id', '=', call.id)
    .execute();
  // Twilio's file needs the account's credentials: a job fetches it and keeps it for the desk.
  await queueRecordingFetch(unit, call.id, { sid, url });
  if (
    item?.status === 'waiting' &&
    item.kind !== 'callback' &&
    (item.channel === 'voice' || item.channel === 'chat')
  )
    await requestCallback(unit, item.id, call.from_number, actorOf(account));
  return goodbye(response, 'Thank you for your message. We will call you back. Goodbye.');
}

/** A voicemail's transcription (or a call recording's): on the timeline beside it. */
export async function storeTranscription(options: VoiceOptions, params: Params): Promise<void> {
  const found = await callContext(options.unit, params);
  const sid = one(params, 'TranscriptionSid');
  if (!found || !sid || one(params, 'TranscriptionStatus') === 'failed') return;
  const text = one(params, 'TranscriptionText').trim();
  if (text === '') return;
  await storeOnTimeline(options, found.call, {
    providerId: sid,
    text: `Transcription of the voicemail: ${text}`,
  });
}

async function storeOnTimeline(
  options: VoiceOptions,
  call: CallRow,
  what: { providerId: string; text: string; attachments?: InboundContact['attachments'] },
): Promise<void> {
  if (call.conversation_id === null || call.customer_id === null) return;
  const identity = await options.unit.db
    .selectFrom('identities')
    .select(['kind', 'value', 'network'])
    .where('customer_id', '=', call.customer_id)
    .orderBy('id')
    .limit(1)
    .executeTakeFirst();
  const from: InboundContact['from'] =
    identity?.kind === 'phone'
      ? { phone: identity.value }
      : { external: { system: 'withheld-caller', id: call.provider_call_id } };
  await receiveContact(
    options.unit,
    {
      kind: 'call',
      from,
      text: what.text,
      attachments: what.attachments,
      provider: twilioProvider,
      providerId: what.providerId,
      conversationId: call.conversation_id,
      accountId: options.account.id,
      to: options.account.address,
      threadId: call.provider_call_id,
    },
    {
      defaultRegion: options.defaultRegion,
      actor: actorOf(options.account),
      ownAddress: options.account.address,
      dialect: options.dialect,
    },
  );
}

/** Twilio's Timestamp (RFC 2822) as epoch ms, when it reads. */
function timeOf(raw: string): number | undefined {
  if (raw === '') return undefined;
  const at = Date.parse(raw);
  return Number.isNaN(at) ? undefined : at;
}

/** A call status callback: the call moves forward; repeats and stale reports change nothing. */
export async function applyCallStatus(options: VoiceOptions, params: Params): Promise<boolean> {
  const { unit, account } = options;
  const status = one(params, 'CallStatus');
  if (!isCallState(status)) return false;
  const sid = one(params, 'CallSid');
  let call = await callByProviderId(unit, twilioProvider, sid);
  // A report before the call's own webhook (or for a call we placed): the call starts here.
  call ??= await openCall(unit, {
    provider: twilioProvider,
    providerCallId: sid,
    accountId: account.id,
    direction: one(params, 'Direction').startsWith('outbound') ? 'outbound' : 'inbound',
    from: one(params, 'From'),
    to: one(params, 'To'),
    state: 'queued',
    at: timeOf(one(params, 'Timestamp')) ?? unit.now,
  });
  const duration = Number.parseInt(one(params, 'CallDuration'), 10);
  // A recorded call's status callback names its recording: fetched and kept like a voicemail.
  const recordingSid = one(params, 'RecordingSid');
  const recordingUrl = one(params, 'RecordingUrl');
  if (/^RE[0-9a-f]{32}$/i.test(recordingSid) && /^https?:\/\/\S+$/i.test(recordingUrl))
    await queueRecordingFetch(unit, call.id, { sid: recordingSid, url: recordingUrl });
  return moveCall(
    unit,
    call,
    {
      state: status as CallState,
      at: timeOf(one(params, 'Timestamp')),
      ...(Number.isFinite(duration) ? { durationSeconds: duration } : {}),
    },
    actorOf(account),
  );
}
