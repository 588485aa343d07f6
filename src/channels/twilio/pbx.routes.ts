/**
 * Plain call events for phone systems other than Twilio (a PBX, a softphone): POST /webhooks/calls
 * with `{ events: [{ callId, event: started | answered | ended, direction, from, to, advisorEmail?,
 * at?, durationSeconds?, outcome? }] }`, signed like the channel gateway (the `rapport-signature`
 * header, HMAC-SHA256 of `<t>.<body>` under the signing secret of a `voice` account whose provider
 * is `webhook`; the account is the one whose secret verifies). The events map to the same calls as
 * Twilio's: an inbound call is a contact on the caller's case and a call waiting in routing; answered
 * by an advisor it is theirs; ended, its state sticks.
 */
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { Context } from '../../platform/context.ts';
import { NotFound, Unauthenticated } from '../../platform/errors.ts';
import { Strict, StringEnum } from '../../platform/http/schemas.ts';
import {
  refuseBadText,
  strictUtf8Text,
  textError,
  notUtf8,
} from '../../platform/http/text-guard.ts';
import { signatureHeaderName, verifySignature } from '../../platform/net/signature.ts';
import { Invalid } from '../../platform/errors.ts';
import type { AdapterAccount } from '../adapter.ts';
import type { Outbox } from '../send-queue.ts';
import { bodyChecker } from '../body-check.ts';
import { receiveContact } from '../../contacts/contacts.ts';
import { resolveCustomer } from '../../customers/customers.ts';
import { putThrough } from '../../routing/direct-calls.ts';
import { live } from '../../routing/work-items.ts';
import { normalisePhone } from '../addresses.ts';
import { linkCall, moveCall, openCall, callByProviderId } from './calls.ts';
import { regionOf } from './twilio-accounts.ts';

export const pbxProvider = 'pbx';
const toleranceSeconds = 300;

export const PbxEvents = Strict({
  events: Type.Array(
    Strict({
      /** The phone system's own id for the call: every event of one call carries it. */
      callId: Type.String({ minLength: 1, maxLength: 200 }),
      event: StringEnum(['started', 'answered', 'ended'] as const),
      direction: StringEnum(['inbound', 'outbound'] as const),
      from: Type.String({ minLength: 1, maxLength: 40 }),
      to: Type.String({ minLength: 1, maxLength: 40 }),
      /** Who answered (or placed) it: an advisor's sign-in email. */
      advisorEmail: Type.Optional(Type.String({ minLength: 3, maxLength: 254 })),
      at: Type.Optional(Type.String({ format: 'date-time' })),
      durationSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 86_400 })),
      /** How an ended call ended; `completed` when it was answered, `no-answer` when not. */
      outcome: Type.Optional(
        StringEnum(['completed', 'busy', 'no-answer', 'failed', 'canceled'] as const),
      ),
    }),
    { minItems: 1, maxItems: 100 },
  ),
});
type PbxEvents = Static<typeof PbxEvents>;
const checkEvents = bodyChecker(PbxEvents);

const answer = {
  type: 'object',
  properties: {
    calls: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          callId: { type: 'string' },
          id: { type: 'integer' },
          state: { type: 'string' },
          moved: { type: 'boolean' },
        },
      },
    },
  },
} as const;

/** The voice gateway account whose signing secret verifies this request. */
async function signedBy(
  ctx: Context,
  outbox: Outbox,
  header: string | undefined,
  rawBody: Buffer,
): Promise<AdapterAccount> {
  const rows = await ctx.store.db
    .selectFrom('channel_accounts')
    .select('id')
    .where('channel', '=', 'voice')
    .where('provider', '=', 'webhook')
    .where('enabled', '=', 1)
    .orderBy('id')
    .execute();
  let why: string | undefined;
  for (const row of rows) {
    const account = await outbox.accounts.byId(ctx.store.db, row.id);
    const secret = account?.secrets.signingSecret;
    if (!account || !secret) continue;
    if (!header)
      throw new Unauthenticated(
        `the ${signatureHeaderName} header is missing`,
        'signature-invalid',
      );
    const failed = verifySignature(
      secret,
      header,
      rawBody,
      ctx.clock.now() / 1000,
      toleranceSeconds,
    );
    if (failed === null) return account;
    why = failed;
  }
  if (why === undefined) throw new NotFound('voice gateway account with a signing secret');
  throw new Unauthenticated(`refused: ${why}`, 'signature-invalid');
}

export function registerPbxRoutes(app: FastifyInstance, ctx: Context, outbox: Outbox): void {
  void app.register(async (scope) => {
    scope.removeContentTypeParser('application/json');
    scope.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) =>
      done(null, body),
    );
    scope.post<{ Body: Buffer }>(
      '/webhooks/calls',
      {
        schema: {
          tags: ['channels'],
          summary:
            'Call events from a phone system: started, answered, ended (signed like the gateway)',
          response: { 200: answer },
        },
        config: { allow: 'public' },
      },
      async (request) => {
        const rawBody = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        const header = request.headers[signatureHeaderName];
        const account = await signedBy(
          ctx,
          outbox,
          Array.isArray(header) ? header[0] : header,
          rawBody,
        );
        const text = strictUtf8Text(rawBody);
        if (text === undefined) throw textError('body', '', notUtf8);
        let raw: unknown;
        try {
          raw = JSON.parse(text);
        } catch {
          throw new Invalid('body', 'is not JSON');
        }
        refuseBadText('body', raw);
        const body = checkEvents(raw);
        const region = regionOf(account, ctx.config.defaultPhoneRegion);
        const actor = { type: 'channel' as const, id: account.id };
        return ctx.writer.run(async (unit) => {
          const calls = [];
          for (const event of body.events) {
            const at = event.at ? Date.parse(event.at) : unit.now;
            const customerNumber = event.direction === 'inbound' ? event.from : event.to;
            const advisor = event.advisorEmail
              ? await unit.db
                  .selectFrom('advisors')
                  .select('id')
                  .where('email', '=', event.advisorEmail.trim().toLowerCase())
                  .executeTakeFirst()
              : undefined;
            if (event.advisorEmail && !advisor)
              throw new Invalid('events.advisorEmail', 'names no advisor');
            let call =
              (await callByProviderId(unit, pbxProvider, event.callId)) ??
              (await openCall(unit, {
                provider: pbxProvider,
                providerCallId: event.callId,
                accountId: account.id,
                direction: event.direction,
                from: event.from,
                to: event.to,
                state: 'ringing',
                at,
              }));
            if (call.customer_id === null) {
              if (event.direction === 'inbound') {
                const received = await receiveContact(
                  unit,
                  {
                    kind: 'call',
                    from: { phone: normalisePhone(event.from, region, 'events.from') },
                    text: `Incoming call from ${event.from}`,
                    provider: pbxProvider,
                    providerId: event.callId,
                    accountId: account.id,
                    to: account.address,
                    threadId: event.callId,
                    occurredAt: at,
                  },
                  {
                    defaultRegion: region,
                    actor,
                    ownAddress: account.address,
                    dialect: ctx.store.dialect,
                  },
                );
                const item = await unit.db
                  .selectFrom('work_items')
                  .select('id')
                  .where('conversation_id', '=', received.conversationId)
                  .where('status', 'in', live)
                  .executeTakeFirst();
                await linkCall(unit, call.id, {
                  customer_id: received.customerId,
                  conversation_id: received.conversationId,
                  interaction_id: received.interactionId,
                  work_item_id: item?.id ?? null,
                });
              } else {
                const resolved = await resolveCustomer(
                  unit,
                  { phone: normalisePhone(customerNumber, region, 'events.to') },
                  { defaultRegion: region, actor },
                );
                await linkCall(unit, call.id, { customer_id: resolved.customerId });
              }
              call = (await callByProviderId(unit, pbxProvider, event.callId))!;
            }
            let moved = false;
            if (event.event === 'answered') {
              moved = await moveCall(
                unit,
                call,
                { state: 'in-progress', at, ...(advisor ? { advisorId: advisor.id } : {}) },
                actor,
              );
              if (moved && advisor && call.work_item_id !== null)
                await putThrough(unit, call.work_item_id, advisor.id, actor);
            } else if (event.event === 'ended') {
              moved = await moveCall(
                unit,
                call,
                {
                  state:
                    event.outcome ??
                    (call.answered_at !== null || (event.durationSeconds ?? 0) > 0
                      ? 'completed'
                      : 'no-answer'),
                  at,
                  durationSeconds: event.durationSeconds,
                },
                actor,
              );
            }
            const now = (await callByProviderId(unit, pbxProvider, event.callId))!;
            calls.push({ callId: event.callId, id: now.id, state: now.state, moved });
          }
          return { calls };
        });
      },
    );
  });
}
