/**
 * The `twilio` adapter: Programmable Messaging (SMS) both ways and Programmable Voice in. One
 * provider carries two channels (an account says which: `sms` or `voice`), so it is one adapter with
 * `channel: 'any'`, as the Outbox maps a provider to one adapter.
 *
 * Inbound, every request is checked against X-Twilio-Signature over the public URL Twilio requested
 * (`twilio-signature.ts`). Outbound, a reply is one POST to the account's REST base URL:
 * `<baseUrl>/2010-04-01/Accounts/<AccountSid>/Messages.json` (form To, From, Body, StatusCallback),
 * basic auth AccountSid:AuthToken.
 *
 * Twilio's Messages API has no idempotency header, so a repeat is avoided here: the send job's lease
 * keeps two workers off one send; each send is recorded in `twilio_sends` under the job's key before
 * the POST and its sid after, so a later run of the same job answers the recorded sid; a run that
 * finds the POST started but no sid (the answer was lost to a crash or a timeout) first asks Twilio
 * for a message with the same To, From and Body created since, and adopts its sid when there is one.
 * What is left is a crash inside Twilio's own answer (between its commit and our reading it): then
 * the lookup finds it. An answer Twilio refused (any HTTP error) clears the record: a retry is a new try.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';
import type { Writer } from '../../platform/db/writer.ts';
import { Forbidden, Invalid, Unauthenticated } from '../../platform/errors.ts';
import {
  classifyProviderError,
  parseRetryAfter,
  ProviderFailure,
  kindOfHttpStatus,
  type AdapterAccount,
  type ChannelAdapter,
  type DeliveryReport,
  type InboundContact,
  type InboundRequest,
  type OutboundMessage,
  type SendReceipt,
} from '../adapter.ts';
import type { Attachment } from '../../api-types/conversations.ts';
import {
  formParams,
  twilioSignatureHeader,
  validFormSignature,
  validJsonSignature,
} from './twilio-signature.ts';
import { smsKeywordOf } from './sms-keywords.ts';

export const twilioProvider = 'twilio';
/** The account secret Twilio signs with and that authenticates our REST calls. */
export const authTokenName = 'authToken';
/** Twilio's error code for a message to someone who texted STOP. */
export const unsubscribedRecipientCode = 21610;
/** Where SMS status callbacks come back, under the public URL. */
export const smsStatusPath = '/webhooks/twilio/sms/status';

/** A Twilio webhook as the route hands it over: the URL Twilio requested is what it signed. */
export interface TwilioRequest extends InboundRequest {
  readonly url: string;
}

export interface TwilioAdapterOptions {
  readonly db: Kysely<Database>;
  readonly writer: Writer;
  readonly now: () => number;
  /** RAPPORT_PUBLIC_URL: where status callbacks point. Without it, sends carry no StatusCallback. */
  readonly publicUrl: string | undefined;
  /** Called when Twilio says the recipient texted STOP (error 21610): their SMS consent goes off. */
  readonly onUnsubscribed?: (phone: string) => Promise<void>;
}

function headerOf(request: InboundRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : (value as string | undefined);
}

/** Refuses a request without Twilio's signature over `url` with the account's auth token. */
export function verifyTwilio(request: InboundRequest, account: AdapterAccount | null): void {
  if (!account) throw new Unauthenticated('no Twilio account for this number', 'signature-invalid');
  const token = account.secrets[authTokenName];
  if (!token)
    throw new Forbidden(
      `the Twilio account ${account.id} (${account.address}) has no auth token: it cannot check who calls`,
    );
  const url = (request as Partial<TwilioRequest>).url;
  if (!url) throw new Unauthenticated('the request URL is unknown', 'signature-invalid');
  const signature = headerOf(request, twilioSignatureHeader);
  if (!signature)
    throw new Unauthenticated('the X-Twilio-Signature header is missing', 'signature-invalid');
  const json = new URL(url).searchParams.has('bodySHA256');
  const valid = json
    ? validJsonSignature(token, signature, url, request.rawBody)
    : validFormSignature(token, signature, url, formParams(request.rawBody));
  if (!valid)
    throw new Unauthenticated(
      'the X-Twilio-Signature does not match this request (check RAPPORT_PUBLIC_URL and the auth token)',
      'signature-invalid',
    );
  const accountSid = account.settings.accountSid;
  const sent = json ? undefined : formParams(request.rawBody).AccountSid;
  if (typeof accountSid === 'string' && typeof sent === 'string' && sent !== accountSid)
    throw new Forbidden('the request is for another Twilio account');
}

/** A form parameter as one string ('' when absent). */
export function param(params: Record<string, string | string[]>, name: string): string {
  const value = params[name];
  return (Array.isArray(value) ? value[0] : value) ?? '';
}

/** Twilio's message statuses that end in a delivery report; the others (queued, sent…) say nothing new. */
const reportOfStatus: Readonly<Record<string, DeliveryReport['state']>> = {
  delivered: 'delivered',
  read: 'read',
  undelivered: 'failed',
  failed: 'failed',
};

/** An inbound text's media as attachments (Twilio hosts them; the URL needs the account's auth). */
function mediaOf(params: Record<string, string | string[]>): Attachment[] {
  const count = Math.min(10, Number.parseInt(param(params, 'NumMedia'), 10) || 0);
  const media: Attachment[] = [];
  for (let n = 0; n < count; n++) {
    const url = param(params, `MediaUrl${n}`);
    if (!/^https?:\/\/\S+$/i.test(url)) continue;
    const contentType = param(params, `MediaContentType${n}`) || 'application/octet-stream';
    media.push({ name: `media-${n + 1}`, contentType, size: 0, url });
  }
  return media;
}

/**
 * Reads a verified SMS webhook: an inbound text (MessageSid, From, To, Body, NumMedia + MediaUrl0…)
 * or a status callback (MessageSid + MessageStatus, ErrorCode) for a message we sent.
 */
export function parseSms(
  request: InboundRequest,
  account: AdapterAccount | null,
): {
  contacts: InboundContact[];
  deliveryReports: DeliveryReport[];
} {
  const params = formParams(request.rawBody);
  const sid = param(params, 'MessageSid') || param(params, 'SmsSid');
  if (!sid) throw new Invalid('MessageSid', 'is required');
  const status = param(params, 'MessageStatus') || param(params, 'SmsStatus');
  const body = params.Body;
  if (body === undefined) {
    const state = reportOfStatus[status];
    if (!state) return { contacts: [], deliveryReports: [] };
    const code = param(params, 'ErrorCode');
    return {
      contacts: [],
      deliveryReports: [
        {
          provider: twilioProvider,
          providerId: sid,
          state,
          ...(state === 'failed'
            ? { reason: `${status}${code ? ` (Twilio error ${code})` : ''}` }
            : {}),
        },
      ],
    };
  }
  const from = param(params, 'From');
  if (!from) throw new Invalid('From', 'is required');
  const text = param(params, 'Body');
  const attachments = mediaOf(params);
  const contact: InboundContact = {
    kind: 'sms',
    from: { phone: from },
    text: text === '' && attachments.length > 0 ? '(picture message)' : text,
    attachments,
    provider: twilioProvider,
    providerId: sid,
    ...(account ? { accountId: account.id, to: account.address } : {}),
    // STOP, START, HELP: carrier keywords are answered, recorded on the customer, never routed.
    ...(smsKeywordOf(text) ? { automated: true } : {}),
  };
  return { contacts: [contact], deliveryReports: [] };
}

/** The REST API's error body: `{ code, message, more_info, status }`. */
interface TwilioError {
  readonly code?: number;
  readonly message?: string;
}

/** A failed REST answer, classified: 21610 (the recipient texted STOP) is permanent whatever its status. */
export function failureOfTwilioAnswer(
  status: number,
  body: string,
  retryAfter: string | null,
  now: number,
): ProviderFailure {
  let error: TwilioError = {};
  try {
    error = JSON.parse(body) as TwilioError;
  } catch {
    error = {};
  }
  const detail = `${status}: ${error.code ? `Twilio error ${error.code}: ` : ''}${error.message ?? body.slice(0, 200)}`;
  if (error.code === unsubscribedRecipientCode)
    return new ProviderFailure('permanent', `${detail} (the customer texted STOP)`.slice(0, 500));
  return new ProviderFailure(
    kindOfHttpStatus(status),
    detail.slice(0, 500),
    parseRetryAfter(retryAfter, now),
  );
}

function restOf(account: AdapterAccount): { base: string; sid: string; token: string } {
  const base = account.settings.baseUrl;
  const sid = account.settings.accountSid;
  const token = account.secrets[authTokenName];
  if (typeof base !== 'string' || base === '')
    throw new ProviderFailure('permanent', 'the Twilio account has no baseUrl setting');
  if (typeof sid !== 'string' || sid === '')
    throw new ProviderFailure('permission', 'the Twilio account has no accountSid setting');
  if (!token)
    throw new ProviderFailure(
      'permission',
      'the Twilio account has no auth token (for the demo: set RAPPORT_DEMO_TWILIO_AUTH_TOKEN)',
    );
  return { base: base.replace(/\/+$/, ''), sid, token };
}

/** Twilio's REST base URL, account sid and token as the basic-auth header. */
function authOf(sid: string, token: string): string {
  return `Basic ${Buffer.from(`${sid}:${token}`).toString('base64')}`;
}

/** The Twilio adapter. */
export function createTwilioAdapter(options: TwilioAdapterOptions): ChannelAdapter {
  const { db, writer, now } = options;

  /** A message Twilio took since `since` with this To, From and Body: the lost answer of an earlier try. */
  async function findSent(
    rest: { base: string; sid: string; token: string },
    message: OutboundMessage,
    from: string,
    since: number,
  ): Promise<string | undefined> {
    const day = new Date(since).toISOString().slice(0, 10);
    const query = new URLSearchParams({ To: message.to ?? '', From: from, 'DateSent>': day });
    query.set('PageSize', '50');
    const answer = await fetch(
      `${rest.base}/2010-04-01/Accounts/${encodeURIComponent(rest.sid)}/Messages.json?${query.toString()}`,
      {
        headers: { authorization: authOf(rest.sid, rest.token) },
        redirect: 'manual',
        signal: AbortSignal.timeout(10_000),
      },
    );
    if (!answer.ok) {
      const text = await answer.text();
      throw failureOfTwilioAnswer(answer.status, text, answer.headers.get('retry-after'), now());
    }
    const page = (await answer.json()) as {
      messages?: { sid?: string; body?: string; date_created?: string }[];
    };
    return page.messages?.find(
      (m) =>
        m.body === message.text &&
        (m.date_created === undefined || Date.parse(m.date_created) >= since - 60_000),
    )?.sid;
  }

  return {
    provider: twilioProvider,
    channel: 'any',
    verify: verifyTwilio,
    parse: parseSms,

    async send(message, account) {
      if (account.channel !== 'sms')
        throw new ProviderFailure(
          'permanent',
          'a voice account does not send messages: calls are placed, not sent',
        );
      if (!message.to) throw new ProviderFailure('permanent', 'the customer has no phone number');
      const rest = restOf(account);
      const key = `${rest.sid}|${rest.base}|${message.idempotencyKey}`;
      const recorded = await db
        .selectFrom('twilio_sends')
        .select(['sid', 'started_at'])
        .where('key', '=', key)
        .executeTakeFirst();
      if (recorded?.sid) return { providerId: recorded.sid };
      if (recorded) {
        const found = await findSent(rest, message, account.address, Number(recorded.started_at));
        if (found) {
          await writer.run((unit) =>
            unit.db
              .updateTable('twilio_sends')
              .set({ sid: found })
              .where('key', '=', key)
              .execute(),
          );
          return { providerId: found };
        }
      } else {
        await writer.run((unit) =>
          unit.db
            .insertInto('twilio_sends')
            .values({ key, interaction_id: message.interactionId, sid: null, started_at: now() })
            .onConflict((oc) => oc.column('key').doNothing())
            .execute(),
        );
      }
      const form = new URLSearchParams({
        To: message.to,
        From: account.address,
        Body: message.text,
      });
      for (const attachment of message.attachments)
        if (attachment.url) form.append('MediaUrl', attachment.url);
      if (options.publicUrl) form.set('StatusCallback', `${options.publicUrl}${smsStatusPath}`);
      const answer = await fetch(
        `${rest.base}/2010-04-01/Accounts/${encodeURIComponent(rest.sid)}/Messages.json`,
        {
          method: 'POST',
          headers: {
            authorization: authOf(rest.sid, rest.token),
            'content-type': 'application/x-www-form-urlencoded',
          },
          body: form.toString(),
          redirect: 'manual',
          signal: AbortSignal.timeout(15_000),
        },
      );
      const text = await answer.text();
      if (!answer.ok) {
        // Twilio answered and refused: nothing was sent, so the next try starts clean.
        await writer.run((unit) =>
          unit.db.deleteFrom('twilio_sends').where('key', '=', key).execute(),
        );
        const failure = failureOfTwilioAnswer(
          answer.status,
          text,
          answer.headers.get('retry-after'),
          now(),
        );
        if (failure.message.includes(`Twilio error ${unsubscribedRecipientCode}`))
          await options.onUnsubscribed?.(message.to);
        throw failure;
      }
      let sid: unknown;
      try {
        ({ sid } = JSON.parse(text) as { sid?: unknown });
      } catch {
        sid = undefined;
      }
      if (typeof sid !== 'string' || sid === '')
        throw new ProviderFailure('permanent', `Twilio answered ${answer.status} without a sid`);
      await writer.run((unit) =>
        unit.db.updateTable('twilio_sends').set({ sid }).where('key', '=', key).execute(),
      );
      const receipt: SendReceipt = { providerId: sid };
      return receipt;
    },

    classify: classifyProviderError,
  };
}
