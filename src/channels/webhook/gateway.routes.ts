import type { FastifyInstance } from 'fastify';
import type { Context } from '../../platform/context.ts';
import { NotFound } from '../../platform/errors.ts';
import { Type, type Static } from '@sinclair/typebox';
import { Strict } from '../../platform/http/schemas.ts';
import type { ChannelAdapter } from '../adapter.ts';
import type { Outbox } from '../send-queue.ts';
import { applyDeliveryReport } from '../../conversations/delivery.ts';
import { receiveContact } from '../../contacts/contacts.ts';

const AccountParams = Strict({ accountId: Type.Integer({ minimum: 1 }) });

const answer = {
  type: 'object',
  properties: {
    contacts: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          interactionId: { type: 'integer' },
          conversationId: { type: 'integer' },
          duplicate: { type: 'boolean' },
          automated: { type: 'boolean' },
        },
      },
    },
    deliveryReports: {
      type: 'object',
      properties: { applied: { type: 'integer' }, ignored: { type: 'integer' } },
    },
  },
} as const;

/**
 * The channel gateway's inbound route: the company's own systems POST contacts and delivery reports,
 * signed over the raw body with the account's secret. Public (the signature is the credential).
 */
export function registerGatewayRoutes(
  app: FastifyInstance,
  ctx: Context,
  outbox: Outbox,
  adapter: ChannelAdapter,
): void {
  void app.register(async (scope) => {
    // The signature covers the bytes as sent: keep them, parse only after verifying.
    scope.removeContentTypeParser('application/json');
    scope.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) =>
      done(null, body),
    );
    scope.post<{ Params: Static<typeof AccountParams>; Body: Buffer }>(
      '/webhooks/gateway/:accountId',
      {
        schema: {
          tags: ['channels'],
          summary:
            'Channel gateway: contacts and delivery reports from the company’s own systems (signed; see README)',
          params: AccountParams,
          response: { 200: answer },
        },
        config: { allow: 'public' },
      },
      async (request) => {
        const { accountId } = request.params;
        const account = await outbox.accounts.byId(ctx.store.db, accountId);
        if (!account || account.provider !== adapter.provider)
          throw new NotFound('gateway account');
        const inbound = {
          headers: request.headers,
          rawBody: Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0),
          receivedAt: ctx.clock.now(),
        };
        await adapter.verify(inbound, account);
        const parsed = adapter.parse(inbound, account);
        const actor = { type: 'channel' as const, id: account.id };
        return ctx.writer.run(async (unit) => {
          const contacts = [];
          for (const contact of parsed.contacts) {
            const result = await receiveContact(unit, contact, {
              defaultRegion: ctx.config.defaultPhoneRegion,
              actor,
              ownAddress: account.address,
              dialect: ctx.store.dialect,
            });
            contacts.push({
              id: contact.providerId,
              interactionId: result.interactionId,
              conversationId: result.conversationId,
              duplicate: result.duplicate,
              automated: result.automated,
            });
          }
          let applied = 0;
          for (const report of parsed.deliveryReports)
            if (await applyDeliveryReport(unit, report, actor)) applied++;
          return {
            contacts,
            deliveryReports: { applied, ignored: parsed.deliveryReports.length - applied },
          };
        });
      },
    );
  });
}
