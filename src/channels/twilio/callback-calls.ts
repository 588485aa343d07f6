/**
 * Outbound callback calls: an advisor calls a waiting customer back (a callback work item) through
 * Twilio's REST API, `<baseUrl>/2010-04-01/Accounts/<AccountSid>/Calls.json` (form To, From, Url,
 * StatusCallback, StatusCallbackEvent, MachineDetection), as a job (`twilio.call`), so a failure
 * retries without a second call. When the customer answers, Twilio fetches `…/voice/connect`: a
 * person is put through to the advisor's line; an answering machine (Twilio's answering machine
 * detection) is never bridged to an advisor: it hears a short message and the call ends.
 *
 * A repeat is avoided like an SMS send: recorded in `twilio_sends` before the POST, the sid after;
 * a rerun with the sid answers it; a rerun that finds the POST started without a sid (the answer was
 * lost) gives up rather than ring the customer twice, saying so.
 */
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import VoiceResponse from 'twilio/lib/twiml/VoiceResponse.js';
import type { Database } from '../../platform/db/schema.ts';
import type { Unit, Writer } from '../../platform/db/writer.ts';
import { Conflict, Invalid, NotFound } from '../../platform/errors.ts';
import { enqueueJob, JobFailure, type JobHandler } from '../../platform/jobs/jobs.ts';
import type { Role, Viewer } from '../../advisors/access.ts';
import type { DomainEvent } from '../../platform/events/event.ts';
import type { EventBus } from '../../platform/events/bus.ts';
import { putThrough } from '../../routing/direct-calls.ts';
import { classifyProviderError, ProviderFailure } from '../adapter.ts';
import type { AccountLookup } from '../send-queue.ts';
import { authTokenName, failureOfTwilioAnswer, twilioProvider } from './twilio-adapter.ts';
import { linkCall, openCall } from './calls.ts';
import type { VoiceOptions } from './voice.ts';
import { isWrongNumberCode, settleCallback } from './callback-outcomes.ts';

export const callJobType = 'twilio.call';
export const connectPath = '/webhooks/twilio/voice/connect';

export interface CallJobPayload {
  readonly itemId: number;
  readonly accountId: number;
  readonly advisorId: number;
}

/**
 * The advisor takes a waiting callback (or one routing gave them) and asks for the call: enqueued
 * on the team's enabled Twilio voice account. Refused while a call for it is on its way.
 */
export async function requestCallbackCall(
  unit: Unit,
  itemId: number,
  viewer: Viewer,
): Promise<{ readonly jobId: number; readonly accountId: number }> {
  const item = await unit.db
    .selectFrom('work_items')
    .selectAll()
    .where('id', '=', itemId)
    .executeTakeFirst();
  if (!item || item.kind !== 'callback') throw new NotFound('callback');
  if (viewer.role !== 'admin' && viewer.role !== 'supervisor' && item.team_id !== viewer.teamId)
    throw new NotFound('callback');
  const mine =
    item.advisor_id === viewer.id && (item.status === 'assigned' || item.status === 'offered');
  if (!mine && item.status !== 'waiting') throw new Conflict('another advisor has this callback');
  if (!item.callback_number) throw new Invalid('id', 'the callback has no number');
  const line = await unit.db
    .selectFrom('advisor_lines')
    .select('address')
    .where('advisor_id', '=', viewer.id)
    .executeTakeFirst();
  if (!line) throw new Invalid('line', 'set your line first (PUT /api/advisors/:id/line)');
  // The line the customer called, else the team's first Twilio voice account.
  const called = await unit.db
    .selectFrom('interactions')
    .innerJoin('channel_accounts', 'channel_accounts.id', 'interactions.account_id')
    .select('channel_accounts.id')
    .where('interactions.conversation_id', '=', item.conversation_id)
    .where('interactions.channel', '=', 'voice')
    .where('interactions.direction', '=', 'inbound')
    .where('channel_accounts.provider', '=', twilioProvider)
    .where('channel_accounts.enabled', '=', 1)
    .orderBy('interactions.created_at', 'desc')
    .orderBy('interactions.id', 'desc')
    .limit(1)
    .executeTakeFirst();
  const account =
    called ??
    (await unit.db
      .selectFrom('channel_accounts')
      .select('id')
      .where('provider', '=', twilioProvider)
      .where('channel', '=', 'voice')
      .where('enabled', '=', 1)
      .where((eb) =>
        item.team_id === null ? eb('team_id', 'is', null) : eb('team_id', '=', item.team_id),
      )
      .orderBy('id')
      .executeTakeFirst());
  if (!account) throw new Invalid('id', 'no Twilio voice account serves this team');
  const live = await unit.db
    .selectFrom('jobs')
    .select('id')
    .where('type', '=', callJobType)
    .where('key', 'like', `callback-call:${itemId}:%`)
    .where('state', 'in', ['queued', 'running'])
    .executeTakeFirst();
  if (live) throw new Conflict('a call for this callback is already on its way');
  if (item.status === 'waiting')
    await putThrough(unit, itemId, viewer.id, { type: 'advisor', id: viewer.id });
  const tries = await unit.db
    .selectFrom('jobs')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('type', '=', callJobType)
    .where('key', 'like', `callback-call:${itemId}:%`)
    .executeTakeFirstOrThrow();
  const payload: CallJobPayload = { itemId, accountId: account.id, advisorId: viewer.id };
  const jobId = await enqueueJob(unit, {
    type: callJobType,
    key: `callback-call:${itemId}:${Number(tries.n) + 1}`,
    payload,
    maxAttempts: 4,
  });
  await unit.record({
    type: 'callback.call-requested',
    actor: { type: 'advisor', id: viewer.id },
    entity: { type: 'work_item', id: itemId },
    scope: {
      conversationId: item.conversation_id,
      customerId: item.customer_id,
      teamId: item.team_id,
    },
  });
  return { jobId, accountId: account.id };
}

/** Twilio's error code in a refusal's body (`{"code": 21211, …}`), when it has one. */
function codeOf(text: string): string | undefined {
  try {
    const code = (JSON.parse(text) as { code?: unknown }).code;
    return typeof code === 'number' || typeof code === 'string' ? String(code) : undefined;
  } catch {
    return undefined;
  }
}

function isPayload(value: unknown): value is CallJobPayload {
  const p = value as Partial<CallJobPayload> | null;
  return (
    typeof p?.itemId === 'number' &&
    typeof p.accountId === 'number' &&
    typeof p.advisorId === 'number'
  );
}

/** The job's handler: places the call, records it linked to the callback. */
export function callbackCallJobs(options: {
  readonly db: Kysely<Database>;
  readonly writer: Writer;
  readonly accounts: AccountLookup;
  readonly publicUrl: string | undefined;
  readonly now: () => number;
}): Record<string, JobHandler> {
  const handler: JobHandler = async (job) => {
    if (!isPayload(job.payload))
      throw new JobFailure({ retry: 'never', reason: 'no callback in the job' });
    const { itemId, accountId, advisorId } = job.payload;
    if (!options.publicUrl)
      throw new JobFailure({
        retry: 'never',
        reason: 'RAPPORT_PUBLIC_URL is not set: Twilio would have nowhere to ask what to say',
      });
    const account = await options.accounts.byId(options.db, accountId);
    const item = await options.db
      .selectFrom('work_items')
      .selectAll()
      .where('id', '=', itemId)
      .executeTakeFirst();
    if (!account || !item?.callback_number)
      throw new JobFailure({ retry: 'never', reason: 'the account or the callback is gone' });
    const base = account.settings.baseUrl;
    const sid = account.settings.accountSid;
    const token = account.secrets[authTokenName];
    if (typeof base !== 'string' || typeof sid !== 'string' || !token)
      throw new JobFailure({
        retry: 'never',
        reason: 'the Twilio account lacks baseUrl, accountSid or its auth token',
      });
    const rest = base.replace(/\/+$/, '');
    const key = `${sid}|${rest}|${job.key ?? job.id}`;
    const recorded = await options.db
      .selectFrom('twilio_sends')
      .select('sid')
      .where('key', '=', key)
      .executeTakeFirst();
    if (recorded?.sid) return;
    if (recorded)
      throw new JobFailure({
        retry: 'never',
        reason:
          'the previous try may have rung the customer (its answer was lost): look in Twilio before calling again',
      });
    await options.writer.run((unit) =>
      unit.db
        .insertInto('twilio_sends')
        .values({ key, interaction_id: itemId, sid: null, started_at: options.now() })
        .execute(),
    );
    const form = new URLSearchParams({
      To: item.callback_number,
      From: account.address,
      Url: `${options.publicUrl}${connectPath}?item=${itemId}`,
      Method: 'POST',
      StatusCallback: `${options.publicUrl}/webhooks/twilio/voice/status`,
      StatusCallbackMethod: 'POST',
      MachineDetection: 'Enable',
    });
    for (const event of ['initiated', 'ringing', 'answered', 'completed'])
      form.append('StatusCallbackEvent', event);
    let failure: ProviderFailure | undefined;
    let callSid: string | undefined;
    let wrongNumber = false;
    try {
      const answer = await fetch(
        `${rest}/2010-04-01/Accounts/${encodeURIComponent(sid)}/Calls.json`,
        {
          method: 'POST',
          headers: {
            authorization: `Basic ${Buffer.from(`${sid}:${token}`).toString('base64')}`,
            'content-type': 'application/x-www-form-urlencoded',
          },
          body: form.toString(),
          redirect: 'manual',
          signal: AbortSignal.timeout(15_000),
        },
      );
      const text = await answer.text();
      if (!answer.ok) {
        await options.writer.run((unit) =>
          unit.db.deleteFrom('twilio_sends').where('key', '=', key).execute(),
        );
        failure = failureOfTwilioAnswer(
          answer.status,
          text,
          answer.headers.get('retry-after'),
          options.now(),
        );
        wrongNumber = isWrongNumberCode(codeOf(text));
      } else {
        const body = JSON.parse(text) as { sid?: unknown };
        if (typeof body.sid !== 'string')
          failure = new ProviderFailure('permanent', 'Twilio answered without a call sid');
        else callSid = body.sid;
      }
    } catch (error) {
      failure = classifyProviderError(error);
    }
    // Twilio refused the number itself: the callback ends as failed, saying so (no retry rings it).
    if (failure && wrongNumber)
      await options.writer.run(async (unit) => {
        const current = await unit.db
          .selectFrom('work_items')
          .selectAll()
          .where('id', '=', itemId)
          .executeTakeFirst();
        if (current)
          await settleCallback(
            unit,
            current,
            {
              outcome: 'wrong-number',
              callId: null,
              advisorId,
              detail: `Twilio refused the number: ${failure!.message}`,
            },
            account,
            { type: 'channel', id: account.id },
          );
      });
    if (failure)
      throw new JobFailure({
        retry: failure.retry ? 'later' : 'never',
        ...(failure.retryAfterMs !== undefined ? { retryAfterMs: failure.retryAfterMs } : {}),
        reason: `${failure.kind.replace('_', ' ')}: ${failure.message}`,
      });
    await options.writer.run(async (unit) => {
      await unit.db
        .updateTable('twilio_sends')
        .set({ sid: callSid! })
        .where('key', '=', key)
        .execute();
      const call = await openCall(unit, {
        provider: twilioProvider,
        providerCallId: callSid!,
        accountId: account.id,
        direction: 'outbound',
        from: account.address,
        to: item.callback_number!,
        state: 'queued',
        at: unit.now,
      });
      await linkCall(unit, call.id, {
        customer_id: item.customer_id,
        conversation_id: item.conversation_id,
        work_item_id: item.id,
        advisor_id: advisorId,
        outcome: 'callback-call',
      });
    });
  };
  return { [callJobType]: handler };
}

/**
 * The customer picked up the callback: a person is put through to the advisor; a machine hears a
 * short message and the call ends (an advisor is never bridged to an answering machine).
 */
export async function answerConnect(
  options: VoiceOptions,
  params: Record<string, string | string[]>,
  itemId: number | undefined,
): Promise<string> {
  const { unit, account } = options;
  const one = (name: string) => {
    const v = params[name];
    return (Array.isArray(v) ? v[0] : v) ?? '';
  };
  const response = new VoiceResponse();
  const item =
    itemId === undefined
      ? undefined
      : await unit.db
          .selectFrom('work_items')
          .selectAll()
          .where('id', '=', itemId)
          .executeTakeFirst();
  const company = await unit.db
    .selectFrom('channel_accounts')
    .select('display_name')
    .where('id', '=', account.id)
    .executeTakeFirstOrThrow();
  const answeredBy = one('AnsweredBy');
  if (answeredBy.startsWith('machine') || answeredBy === 'fax') {
    await unit.db
      .updateTable('calls')
      .set({ outcome: 'machine', updated_at: unit.now })
      .where('provider', '=', twilioProvider)
      .where('provider_call_id', '=', one('CallSid'))
      .execute();
    response.say(`Hello, this is ${company.display_name} returning your call. We will try again.`);
    response.hangup();
    return response.toString();
  }
  const line =
    item?.advisor_id == null
      ? undefined
      : await unit.db
          .selectFrom('advisor_lines')
          .innerJoin('advisors', 'advisors.id', 'advisor_lines.advisor_id')
          .select(['advisor_lines.address', 'advisors.name'])
          .where('advisor_lines.advisor_id', '=', item.advisor_id)
          .executeTakeFirst();
  if (!line) {
    response.say(
      `Hello, this is ${company.display_name}. We are sorry: we will call you again shortly.`,
    );
    response.hangup();
    return response.toString();
  }
  response.say(
    `Hello, this is ${company.display_name} returning your call. Putting you through to ${line.name}.`,
  );
  const dial = response.dial({ callerId: account.address, timeout: 20 });
  if (line.address.startsWith('sip:')) dial.sip(line.address);
  else dial.number(line.address);
  return response.toString();
}

/**
 * An advisor who accepts a callback offer gets the call placed at once (the `twilio.call` job) when
 * they have a line; without one, the callback waits for their one-click call. Listens on the bus;
 * answers the unsubscribe. Each server runs one: a claim on the acceptance (`callback_claims`,
 * inserted in the unit that queues the call) lets exactly one of them place it. `settled` (tests) resolves after each accepted callback was handled.
 */
export function startCallbackAutoCalls(ctx: {
  readonly bus: EventBus;
  readonly writer: Writer;
  readonly store: { readonly db: Kysely<Database> };
  readonly logger: Logger;
}): { stop: () => void; idle: () => Promise<void> } {
  let pending: Promise<void> = Promise.resolve();
  const handle = async (event: DomainEvent) => {
    const advisorId = event.actor.id;
    if (event.actor.type !== 'advisor' || advisorId === null) return;
    await ctx.writer.run(async (unit) => {
      const item = await unit.db
        .selectFrom('work_items')
        .select(['kind', 'status', 'advisor_id', 'accepted_at'])
        .where('id', '=', event.entity.id)
        .executeTakeFirst();
      if (item?.kind !== 'callback' || item.status !== 'assigned') return;
      if (item.advisor_id !== advisorId || item.accepted_at === null) return;
      const advisor = await unit.db
        .selectFrom('advisors')
        .leftJoin('advisor_lines', 'advisor_lines.advisor_id', 'advisors.id')
        .select([
          'advisors.id',
          'advisors.role',
          'advisors.team_id',
          'advisors.shop_id',
          'advisors.name',
          'advisor_lines.address',
        ])
        .where('advisors.id', '=', advisorId)
        .executeTakeFirst();
      if (!advisor?.address) return; // No line: the advisor calls with one click.
      const onItsWay = await unit.db
        .selectFrom('jobs')
        .select('id')
        .where('type', '=', callJobType)
        .where('key', 'like', `callback-call:${event.entity.id}:%`)
        .where('state', 'in', ['queued', 'running'])
        .executeTakeFirst();
      if (onItsWay) return;
      // Every node hears the acceptance: the one whose claim on it lands places the call. The
      // claim's key is the acceptance itself, so a late or repeated hearing of it (another node,
      // a redelivery, after the call was placed and ended) finds the claim and rings nobody.
      const claimed = await unit.db
        .insertInto('callback_claims')
        .values({
          work_item_id: event.entity.id,
          accepted_at: Number(item.accepted_at),
          created_at: unit.now,
        })
        .onConflict((oc) => oc.columns(['work_item_id', 'accepted_at']).doNothing())
        .returning('work_item_id')
        .executeTakeFirst();
      if (!claimed) return;
      await requestCallbackCall(unit, event.entity.id, {
        id: advisor.id,
        role: advisor.role as Role,
        teamId: advisor.team_id,
        shopId: advisor.shop_id,
        name: advisor.name,
      });
    });
  };
  const unsubscribe = ctx.bus.subscribe((event) => {
    if (event.type !== 'work-item.accepted' || event.entity.type !== 'work_item') return;
    pending = pending
      .then(() => handle(event))
      .catch((error: unknown) =>
        ctx.logger.warn({ err: error, itemId: event.entity.id }, 'callback call not placed'),
      );
  });
  return { stop: unsubscribe, idle: () => pending };
}
