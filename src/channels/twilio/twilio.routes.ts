/**
 * Twilio's webhooks: SMS in and their status callbacks, and the voice call's webhooks (the call, its
 * menu, hold loop, put-through result, voicemail, transcription and status callbacks). Public: the
 * X-Twilio-Signature is the credential, checked over the public URL before anything is read or
 * stored. Form bodies are read raw in this scope only (the root app reads JSON alone), so the
 * signature covers the bytes as sent; Twilio's form parameters are checked by hand in the adapter
 * (Twilio adds parameters over time: a closed schema would refuse its next release's requests).
 */
import { refuseBadText } from '../../platform/http/text-guard.ts';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import MessagingResponse from 'twilio/lib/twiml/MessagingResponse.js';
import { Type, type Static } from '@sinclair/typebox';
import type { Context } from '../../platform/context.ts';
import { NotFound } from '../../platform/errors.ts';
import { Strict } from '../../platform/http/schemas.ts';
import type { ChannelAdapter } from '../adapter.ts';
import type { Outbox } from '../send-queue.ts';
import { applyDeliveryReport } from '../../conversations/delivery.ts';
import { receiveContact } from '../../contacts/contacts.ts';
import { formParams, publicBaseOf, publicUrlOf } from './twilio-signature.ts';
import { param, twilioProvider, type TwilioRequest } from './twilio-adapter.ts';
import { regionOf, twilioAccountFor } from './twilio-accounts.ts';
import { keywordReply, smsKeywordOf } from './sms-keywords.ts';
import { setSmsConsentByPhone } from './sms-consent.ts';
import {
  answerDialed,
  answerIncomingCall,
  answerMenu,
  answerRecording,
  answerWait,
  storeTranscription,
  voicePaths,
  type VoiceAnswer,
  type VoiceOptions,
} from './voice.ts';
import { callByProviderId } from './calls.ts';
import { answerConnect, connectPath } from './callback-calls.ts';
import { applyCallStatusAndOutcome } from './callback-outcomes.ts';

/**
 * Twilio signs JSON webhooks through a `bodySHA256` query parameter; a callback call's connect URL
 * names its callback (`item`); nothing else may be in the query.
 */
const TwilioQuery = Strict({
  bodySHA256: Type.Optional(Type.String({ pattern: '^[0-9a-f]{64}$' })),
  item: Type.Optional(Type.Integer({ minimum: 1 })),
});
type TwilioQuery = Static<typeof TwilioQuery>;

const twiml = 'text/xml; charset=utf-8';

export function registerTwilioRoutes(
  app: FastifyInstance,
  ctx: Context,
  outbox: Outbox,
  adapter: ChannelAdapter,
): void {
  void app.register(async (scope) => {
    // Raw bytes in, for the signature; parsed after verifying.
    scope.removeContentTypeParser('application/json');
    for (const type of ['application/x-www-form-urlencoded', 'application/json'])
      scope.addContentTypeParser(type, { parseAs: 'buffer' }, (_request, body, done) =>
        done(null, body),
      );
    // Twilio calls from a handful of addresses: a busy line needs more than a browser's limit.
    const limit = ctx.config.publicRateLimitPerMinute;
    const config = {
      allow: 'public' as const,
      ...(limit > 0 ? { rateLimit: { max: limit * 50, timeWindow: '1 minute' } } : {}),
    };

    /** The request as the adapter checks it, with the account its number names. */
    const verified = async (
      request: FastifyRequest<{ Body: Buffer; Querystring: TwilioQuery }>,
      channel: 'sms' | 'voice',
      number: (params: Record<string, string | string[]>) => string | Promise<string>,
    ) => {
      const rawBody = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const params = formParams(rawBody);
      const account = await twilioAccountFor(
        ctx.store.db,
        outbox.accounts,
        channel,
        await number(params),
        param(params, 'AccountSid') || undefined,
      );
      if (!account) throw new NotFound(`Twilio ${channel} number`, 'number-unknown');
      const inbound: TwilioRequest = {
        headers: request.headers,
        rawBody,
        receivedAt: ctx.clock.now(),
        url: publicUrlOf(ctx.config.publicUrl, request),
      };
      await adapter.verify(inbound, account);
      // Signed is not sane: a NUL or a lone surrogate in a field is refused before anything is stored.
      refuseBadText('body', params);
      return { account, params, inbound };
    };
    const schema = (summary: string) => ({
      tags: ['channels'],
      summary,
      querystring: TwilioQuery,
    });
    const sendTwiml = (reply: FastifyReply, body: string) => reply.type(twiml).send(body);

    scope.post<{ Body: Buffer; Querystring: TwilioQuery }>(
      '/webhooks/twilio/sms',
      { schema: schema('Twilio: an inbound text (signed by Twilio)'), config },
      async (request, reply) => {
        const { account, inbound } = await verified(request, 'sms', (p) => param(p, 'To'));
        const parsed = adapter.parse(inbound, account);
        const region = regionOf(account, ctx.config.defaultPhoneRegion);
        const actor = { type: 'channel' as const, id: account.id };
        const answer = await ctx.writer.run(async (unit) => {
          const contact = parsed.contacts[0];
          if (!contact) return undefined;
          const result = await receiveContact(unit, contact, {
            defaultRegion: region,
            actor,
            ownAddress: account.address,
            dialect: ctx.store.dialect,
          });
          const keyword = smsKeywordOf(contact.text ?? '');
          if (keyword && !result.duplicate && contact.from.phone) {
            if (keyword === 'opt-out')
              await setSmsConsentByPhone(unit, contact.from.phone, false, region, actor);
            if (keyword === 'opt-in')
              await setSmsConsentByPhone(unit, contact.from.phone, true, region, actor);
          }
          return { result, keyword };
        });
        const response = new MessagingResponse();
        if (answer) {
          reply.header('rapport-interaction-id', String(answer.result.interactionId));
          reply.header('rapport-duplicate', String(answer.result.duplicate));
          reply.header('rapport-automated', String(answer.result.automated));
          // Twilio's own opt-out handling (the default) answers the keywords itself; we must not twice.
          if (answer.keyword && account.settings.optOutReplies === 'rapport') {
            const name = await ctx.store.db
              .selectFrom('channel_accounts')
              .select('display_name')
              .where('id', '=', account.id)
              .executeTakeFirstOrThrow();
            const help = account.settings.helpText;
            response.message(
              keywordReply(
                answer.keyword,
                name.display_name,
                typeof help === 'string' ? help : undefined,
              ),
            );
          }
        }
        return sendTwiml(reply, response.toString());
      },
    );

    scope.post<{ Body: Buffer; Querystring: TwilioQuery }>(
      '/webhooks/twilio/sms/status',
      { schema: schema('Twilio: what became of a text we sent (signed by Twilio)'), config },
      async (request, reply) => {
        // Status callbacks of our messages come From our number.
        const { account, inbound } = await verified(request, 'sms', (p) => param(p, 'From'));
        const parsed = adapter.parse(inbound, account);
        const actor = { type: 'channel' as const, id: account.id };
        const applied = await ctx.writer.run(async (unit) => {
          let n = 0;
          for (const report of parsed.deliveryReports)
            if (await applyDeliveryReport(unit, report, actor)) n++;
          return n;
        });
        reply.header('rapport-applied', String(applied));
        return reply.code(204).send();
      },
    );

    /** A call's account: the one its first webhook came in on, else the number called. */
    const voiceNumber = async (params: Record<string, string | string[]>) => {
      const call = await callByProviderId(
        { db: ctx.store.db },
        twilioProvider,
        param(params, 'CallSid'),
      );
      if (call) return call.direction === 'outbound' ? call.from_number : call.to_number;
      return param(params, 'Direction').startsWith('outbound')
        ? param(params, 'From')
        : param(params, 'To');
    };
    const voiceRoute = (
      path: string,
      summary: string,
      answer: (
        options: VoiceOptions,
        params: Record<string, string | string[]>,
      ) => Promise<VoiceAnswer | void | boolean>,
    ) =>
      scope.post<{ Body: Buffer; Querystring: TwilioQuery }>(
        path,
        { schema: schema(summary), config },
        async (request, reply) => {
          const { account, params } = await verified(request, 'voice', voiceNumber);
          const base = publicBaseOf(ctx.config.publicUrl, request);
          const region = regionOf(account, ctx.config.defaultPhoneRegion);
          const answered = await ctx.writer.run((unit) =>
            answer(
              { unit, account, base, defaultRegion: region, dialect: ctx.store.dialect },
              params,
            ),
          );
          // A hold message is finished after the commit, on the read connection (see VoiceAnswer).
          const body =
            typeof answered === 'function'
              ? await answered(ctx.store.db, ctx.clock.now())
              : answered;
          if (typeof body === 'string') return sendTwiml(reply, body);
          return reply.code(204).send();
        },
      );
    voiceRoute(
      voicePaths.incoming,
      'Twilio: an incoming call, answered with TwiML (signed by Twilio)',
      answerIncomingCall,
    );
    voiceRoute(voicePaths.wait, 'Twilio: the hold loop of a waiting caller (TwiML)', answerWait);
    voiceRoute(voicePaths.menu, 'Twilio: the key a waiting caller pressed (TwiML)', answerMenu);
    voiceRoute(
      voicePaths.dialed,
      'Twilio: how the call put through to an advisor ended (TwiML)',
      answerDialed,
    );
    voiceRoute(voicePaths.recording, 'Twilio: a voicemail recorded (TwiML)', answerRecording);
    voiceRoute(voicePaths.transcription, 'Twilio: a voicemail’s transcription', storeTranscription);
    scope.post<{ Body: Buffer; Querystring: TwilioQuery }>(
      connectPath,
      {
        schema: schema('Twilio: the customer picked up a callback call (TwiML; ?item=<callback>)'),
        config,
      },
      async (request, reply) => {
        const { account, params } = await verified(request, 'voice', voiceNumber);
        const base = publicBaseOf(ctx.config.publicUrl, request);
        const region = regionOf(account, ctx.config.defaultPhoneRegion);
        const body = await ctx.writer.run((unit) =>
          answerConnect(
            { unit, account, base, defaultRegion: region, dialect: ctx.store.dialect },
            params,
            request.query.item,
          ),
        );
        return sendTwiml(reply, body);
      },
    );
    voiceRoute(
      voicePaths.status,
      'Twilio: a call’s status callback (ringing … completed)',
      applyCallStatusAndOutcome,
    );
  });
}
