import type { FastifyInstance } from 'fastify';
import type { Context } from '../../platform/context.ts';
import { createOnce } from '../../platform/http/idempotency.ts';
import { viewer } from '../../advisors/authenticate.ts';
import { receiveContact } from '../../contacts/contacts.ts';
import { apiAdapter, InboundBody } from './api-adapter.ts';

const ingestResponse = {
  type: 'object',
  properties: {
    interactionId: { type: 'integer' },
    conversationId: { type: 'integer' },
    customerId: { type: 'integer' },
    duplicate: { type: 'boolean' },
    customerCreated: { type: 'boolean' },
    conversationOpened: { type: 'boolean' },
    automated: { type: 'boolean' },
  },
} as const;

/** The JSON inbound route of any channel, through its adapter, into `receiveContact`. */
export function registerApiInboundRoutes(app: FastifyInstance, ctx: Context): void {
  app.post<{ Body: InboundBody }>(
    '/api/interactions/inbound',
    {
      schema: {
        tags: ['interactions'],
        summary: 'Take in a contact from any channel: match the customer, append or open the case',
        body: InboundBody,
        response: { 200: ingestResponse, 201: ingestResponse },
      },
      config: { allow: ['integration', 'admin'], scope: 'inbound:write' },
    },
    async (request, reply) => {
      const me = viewer(request);
      const inbound = {
        headers: request.headers,
        rawBody: Buffer.alloc(0),
        body: request.body,
        receivedAt: ctx.clock.now(),
        caller: { id: me.id, role: me.role },
      };
      apiAdapter.verify(inbound, null);
      const [contact] = apiAdapter.parse(inbound, null).contacts;
      return createOnce(ctx.writer, request, reply, `advisor:${me.id}`, async (unit) => {
        const result = await receiveContact(unit, contact!, {
          defaultRegion: ctx.config.defaultPhoneRegion,
          actor: { type: 'channel', id: me.id },
          dialect: ctx.store.dialect,
        });
        return { status: result.duplicate ? 200 : 201, body: result };
      });
    },
  );
}
