/**
 * What became of each callback call (`callback_attempts`, 0200-callback-attempts), read from Twilio's
 * status callbacks and `AnsweredBy`: answered by a person → the callback is done; busy or declined
 * (`busy`, `canceled`) → it waits again, not before a pause; not answered (or an answering machine,
 * which is never put through to an advisor) → it waits again with a growing pause; every retry falls
 * within the line's hours (`hours`, `timeZone`, as callers hear them); a wrong number (Twilio's
 * invalid-number errors, or the advisor's word) ends it as failed. After `callbackAttempts` tries
 * (a setting of the voice account, 3 by default) it gives up and the case says so.
 */
import { DateTime } from 'luxon';
import type { CallRow, WorkItemRow } from '../../platform/db/schema.ts';
import type { Unit } from '../../platform/db/writer.ts';
import type { Actor } from '../../platform/events/event.ts';
import { Conflict, NotFound } from '../../platform/errors.ts';
import { canSeeConversation, type Viewer } from '../../advisors/access.ts';
import { completeWork, live, scopeOf, withdrawWork } from '../../routing/work-items.ts';
import { isOpenAt, minutesOf } from '../../shops/shop-hours.ts';
import type { AdapterAccount } from '../adapter.ts';
import { callByProviderId, terminalCallStates, type CallState } from './calls.ts';
import { twilioProvider } from './twilio-adapter.ts';
import { callOutcomeLabels, type CallbackAttemptOutcome } from '../../api-types/conversations.ts';
import { applyCallStatus, hoursOf, type VoiceOptions } from './voice.ts';

/** The one list of outcomes is api-types' (`callOutcomes`): a callback call's are these. */
export type CallbackOutcome = CallbackAttemptOutcome;

/** A busy or declined line is not rung again before this. */
export const busyPauseMs = 15 * 60_000;
/** The pause after an unanswered try, by how many tries were made (the last one repeats). */
export const noAnswerBackoffMs: readonly number[] = [10 * 60_000, 30 * 60_000, 60 * 60_000];
export const defaultCallbackAttempts = 3;

/**
 * Twilio's errors for a number that cannot be called: 21211 invalid To, 21214 To cannot be reached,
 * 21217 not a valid number, 21401 invalid number, 13223 invalid format, 13224 not supported/invalid.
 */
const wrongNumberCodes = new Set(['21211', '21214', '21217', '21401', '13223', '13224']);

export function isWrongNumberCode(code: string | number | undefined): boolean {
  return code !== undefined && wrongNumberCodes.has(String(code));
}

/** The outcome of a callback call that ended in `status`. */
export function outcomeOf(
  status: string,
  call: Pick<CallRow, 'outcome'>,
  answeredBy: string,
  errorCode: string,
): CallbackOutcome {
  const machine =
    call.outcome === 'machine' || answeredBy.startsWith('machine') || answeredBy === 'fax';
  if (status === 'completed') return machine ? 'machine' : 'answered';
  if (status === 'busy' || status === 'canceled') return 'busy';
  if (status === 'failed' && isWrongNumberCode(errorCode)) return 'wrong-number';
  // Not answered, or failed for another reason (the carrier, the network): tried again later.
  return 'no-answer';
}

/** `at`, or the line's next opening after it when the line is closed then (no hours: `at`). */
export function withinHours(account: AdapterAccount, at: number): number {
  const week = hoursOf(account);
  if (!week || isOpenAt(week.zone, week.hours, at)) return at;
  const local = DateTime.fromMillis(at, { zone: week.zone });
  for (let days = 0; days < 8; days++) {
    const date = local.plus({ days }).startOf('day');
    const day = week.hours.find((h) => h.weekday === date.weekday);
    if (!day) continue;
    const opens = date.plus({ minutes: minutesOf(day.opens)! }).toMillis();
    if (opens > at) return opens;
  }
  return at;
}

function attemptsAllowed(account: AdapterAccount | undefined): number {
  const raw = Number(account?.settings.callbackAttempts);
  return Number.isInteger(raw) && raw > 0 ? raw : defaultCallbackAttempts;
}

export interface Settled {
  readonly outcome: CallbackOutcome;
  readonly attempt: number;
  /** When it may be offered again; undefined when it ended (answered, failed, given up). */
  readonly retryAt?: number;
  readonly ended?: 'done' | 'failed' | 'gave-up';
}

/**
 * Records one attempt of a callback and moves the callback on. Once per call (a repeated terminal
 * status callback finds its attempt and changes nothing): answers undefined then.
 */
export async function settleCallback(
  unit: Unit,
  item: WorkItemRow,
  attempt: {
    readonly outcome: CallbackOutcome;
    readonly callId: number | null;
    readonly advisorId: number | null;
    readonly detail: string | null;
  },
  account: AdapterAccount | undefined,
  actor: Actor,
): Promise<Settled | undefined> {
  const inserted = await unit.db
    .insertInto('callback_attempts')
    .values({
      work_item_id: item.id,
      call_id: attempt.callId,
      advisor_id: attempt.advisorId,
      outcome: attempt.outcome,
      detail: attempt.detail,
      retry_at: null,
      created_at: unit.now,
    })
    .onConflict((oc) => oc.column('call_id').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!inserted) return undefined;
  const tries = Number(
    (
      await unit.db
        .selectFrom('callback_attempts')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('work_item_id', '=', item.id)
        .executeTakeFirstOrThrow()
    ).n,
  );
  const scope = { ...scopeOf(item), ownerId: item.advisor_id ?? attempt.advisorId };
  const entity = { type: 'work_item', id: item.id };
  const stillLive = (live as string[]).includes(item.status);
  let settled: Settled;
  if (attempt.outcome === 'answered')
    settled = { outcome: 'answered', attempt: tries, ended: 'done' };
  else if (attempt.outcome === 'wrong-number')
    settled = { outcome: 'wrong-number', attempt: tries, ended: 'failed' };
  else if (tries >= attemptsAllowed(account))
    settled = { outcome: attempt.outcome, attempt: tries, ended: 'gave-up' };
  else {
    const pause =
      attempt.outcome === 'busy'
        ? busyPauseMs
        : noAnswerBackoffMs[Math.min(tries, noAnswerBackoffMs.length) - 1]!;
    settled = {
      outcome: attempt.outcome,
      attempt: tries,
      retryAt: account ? withinHours(account, unit.now + pause) : unit.now + pause,
    };
  }
  if (settled.retryAt !== undefined)
    await unit.db
      .updateTable('callback_attempts')
      .set({ retry_at: settled.retryAt })
      .where('id', '=', inserted.id)
      .execute();
  const line = await addAttemptLine(unit, item, tries, settled, attempt.detail, account);
  await unit.record({
    type: 'callback.attempted',
    actor,
    entity,
    scope,
    after: {
      interactionId: line,
      attempt: tries,
      outcome: settled.outcome,
      detail: attempt.detail,
      retryAt: settled.retryAt === undefined ? null : new Date(settled.retryAt).toISOString(),
    },
  });
  if (!stillLive) return settled;
  if (settled.ended === 'done') await completeWork(unit, item.conversation_id, actor);
  else if (settled.ended === 'failed') {
    await withdrawWork(unit, item.conversation_id, actor);
    await unit.record({
      type: 'callback.failed',
      actor,
      entity,
      scope,
      after: { reason: 'wrong-number', detail: attempt.detail, number: item.callback_number },
    });
  } else if (settled.ended === 'gave-up') {
    await withdrawWork(unit, item.conversation_id, actor);
    await unit.record({
      type: 'callback.gave-up',
      actor,
      entity,
      scope,
      after: { attempts: tries, lastOutcome: settled.outcome, number: item.callback_number },
    });
  } else {
    // Waits again in its place (same arrival, same deadline), not offered before retryAt.
    await unit.db
      .updateTable('work_items')
      .set({
        status: 'waiting',
        advisor_id: null,
        offered_at: null,
        offer_expires_at: null,
        accepted_at: null,
        due_at: settled.retryAt!,
        updated_at: unit.now,
      })
      .where('id', '=', item.id)
      .where('status', 'in', live)
      .execute();
  }
  return settled;
}

/** "Wed 3 Dec 14:40 CET" in the line's time zone (UTC without one). */
function whenSaid(at: number, account: AdapterAccount | undefined): string {
  const zone = typeof account?.settings.timeZone === 'string' ? account.settings.timeZone : 'UTC';
  return DateTime.fromMillis(at, { zone }).toFormat('ccc d LLL HH:mm ZZZZ');
}

/** What one try came to, in a few words, as the case's timeline says it. */
export function attemptLine(
  settled: Settled,
  detail: string | null,
  account: AdapterAccount | undefined,
): string {
  const what = `Callback try ${settled.attempt}: ${callOutcomeLabels[settled.outcome].toLowerCase()}`;
  const why = detail && detail !== settled.outcome ? ` (${detail})` : '';
  const next =
    settled.retryAt !== undefined
      ? `; tried again from ${whenSaid(settled.retryAt, account)}`
      : settled.ended === 'done'
        ? '; the customer was reached'
        : settled.ended === 'failed'
          ? '; the callback ends: the number is wrong'
          : settled.ended === 'gave-up'
            ? `; the callback ends after ${settled.attempt} tries`
            : '';
  return `${what}${why}${next}.`;
}

/**
 * The try as a short line on the case's timeline: an internal, automated note (never routed, never
 * sent), so the desk and the incoming-call card show what became of each call back. Answers its id.
 */
async function addAttemptLine(
  unit: Unit,
  item: WorkItemRow,
  tries: number,
  settled: Settled,
  detail: string | null,
  account: AdapterAccount | undefined,
): Promise<number> {
  const row = await unit.db
    .insertInto('interactions')
    .values({
      conversation_id: item.conversation_id,
      customer_id: item.customer_id,
      channel: 'internal',
      kind: 'note',
      direction: 'internal',
      author_type: 'system',
      author_id: null,
      text: attemptLine({ ...settled, attempt: tries }, detail, account),
      html: null,
      attachments: '[]',
      provider: null,
      provider_id: null,
      is_private: 1,
      delivery_state: 'none',
      automated: 1,
      created_at: unit.now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

/**
 * A callback call's terminal status callback: its attempt is recorded and the callback moves on
 * (called by the voice status route once the call moved to a terminal state).
 */
export async function settleCallbackCall(
  unit: Unit,
  call: CallRow,
  params: { readonly status: string; readonly answeredBy: string; readonly errorCode: string },
  account: AdapterAccount,
  actor: Actor,
): Promise<Settled | undefined> {
  if (call.direction !== 'outbound' || call.work_item_id === null) return undefined;
  if (call.outcome !== 'callback-call' && call.outcome !== 'machine') return undefined;
  const item = await unit.db
    .selectFrom('work_items')
    .selectAll()
    .where('id', '=', call.work_item_id)
    .executeTakeFirst();
  if (!item || item.kind !== 'callback') return undefined;
  const outcome = outcomeOf(params.status, call, params.answeredBy, params.errorCode);
  const detail =
    outcome === 'machine'
      ? `answered by ${params.answeredBy || 'a machine'}`
      : params.errorCode
        ? `${params.status}, Twilio error ${params.errorCode}`
        : params.status;
  return settleCallback(
    unit,
    item,
    { outcome, callId: call.id, advisorId: call.advisor_id, detail },
    account,
    actor,
  );
}

/** The advisor says the number is wrong: the callback ends as failed, saying so. */
export async function markWrongNumber(
  unit: Unit,
  itemId: number,
  viewer: Viewer,
  detail: string | undefined,
): Promise<Settled> {
  const item = await unit.db
    .selectFrom('work_items')
    .selectAll()
    .where('id', '=', itemId)
    .executeTakeFirst();
  if (!item || item.kind !== 'callback') throw new NotFound('callback');
  const conversation = await unit.db
    .selectFrom('conversations')
    .select(['team_id', 'shop_id', 'owner_id'])
    .where('id', '=', item.conversation_id)
    .executeTakeFirstOrThrow();
  if (!canSeeConversation(viewer, conversation)) throw new NotFound('callback');
  if (!(live as string[]).includes(item.status)) throw new Conflict('the callback has ended');
  return (await settleCallback(
    unit,
    item,
    {
      outcome: 'wrong-number',
      callId: null,
      advisorId: viewer.id,
      detail: detail ?? `marked by ${viewer.name}`,
    },
    undefined,
    { type: 'advisor', id: viewer.id },
  ))!;
}

/**
 * `…/voice/status`: the call moves forward (`applyCallStatus`); when a callback call reaches its
 * terminal state, its attempt is recorded and the callback moves on.
 */
export async function applyCallStatusAndOutcome(
  options: VoiceOptions,
  params: Record<string, string | string[]>,
): Promise<boolean> {
  const moved = await applyCallStatus(options, params);
  const one = (name: string) => {
    const v = params[name];
    return (Array.isArray(v) ? v[0] : v) ?? '';
  };
  const status = one('CallStatus');
  if (!moved || !terminalCallStates.includes(status as CallState)) return moved;
  const call = await callByProviderId(options.unit, twilioProvider, one('CallSid'));
  if (call)
    await settleCallbackCall(
      options.unit,
      call,
      { status, answeredBy: one('AnsweredBy'), errorCode: one('ErrorCode') },
      options.account,
      { type: 'channel', id: options.account.id },
    );
  return moved;
}

/**
 * Callback calls that ended without their outcome recorded (the sweeper closed one whose status
 * callback never came, or the terminal report was lost): each gets its attempt now, read from the
 * state the call reached. Run by the call sweeper after it closes calls; answers how many.
 */
export async function settleEndedCallbackCalls(unit: Unit): Promise<number> {
  const ended = await unit.db
    .selectFrom('calls')
    .innerJoin('work_items', 'work_items.id', 'calls.work_item_id')
    .leftJoin('callback_attempts', 'callback_attempts.call_id', 'calls.id')
    .selectAll('calls')
    .where('calls.direction', '=', 'outbound')
    .where('calls.outcome', 'in', ['callback-call', 'machine'])
    .where('calls.ended_at', 'is not', null)
    .where('work_items.kind', '=', 'callback')
    .where('work_items.status', 'in', live)
    .where('callback_attempts.id', 'is', null)
    .limit(500)
    .execute();
  let settled = 0;
  for (const call of ended) {
    const row =
      call.account_id === null
        ? undefined
        : await unit.db
            .selectFrom('channel_accounts')
            .select(['id', 'channel', 'provider', 'address', 'settings'])
            .where('id', '=', call.account_id)
            .executeTakeFirst();
    const account: AdapterAccount | undefined = row && {
      id: row.id,
      channel: row.channel as AdapterAccount['channel'],
      provider: row.provider,
      address: row.address,
      settings: JSON.parse(row.settings) as AdapterAccount['settings'],
      secrets: {},
    };
    const actor: Actor = { type: 'system', id: null };
    const item = await unit.db
      .selectFrom('work_items')
      .selectAll()
      .where('id', '=', call.work_item_id!)
      .executeTakeFirstOrThrow();
    const done = await settleCallback(
      unit,
      item,
      {
        outcome: outcomeOf(call.state, call, '', ''),
        callId: call.id,
        advisorId: call.advisor_id,
        detail: `${call.state}${call.ended_by === 'sweeper' ? ', closed by the sweeper' : ''}`,
      },
      account,
      actor,
    );
    if (done) settled++;
  }
  return settled;
}
