import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Context } from '../platform/context.ts';
import { IdParams, Strict } from '../platform/http/schemas.ts';
import { leads, staff, viewer } from '../advisors/authenticate.ts';
import { canSeeConversation } from '../advisors/access.ts';
import { NotFound } from '../platform/errors.ts';
import { normalisePhone } from '../channels/addresses.ts';
import { CHANNELS, DEFAULT_ROUTING_OPTIONS, type ChannelCounts } from './types.ts';
import { requestCallback } from './callbacks.ts';
import { acceptOffer, declineOffer } from './offers.ts';
import { defaultCapacity, presences, setCapacity, setPresence } from './presence.ts';
import { queueFigures } from './queue-figures.ts';
import { explainWaits } from './wait-reasons.ts';
import { heldWork } from './work-items.ts';

const PresenceBody = Strict({ presence: Type.Union(presences.map((p) => Type.Literal(p))) });
const CapacityBody = Strict(
  Object.fromEntries(
    CHANNELS.map((c) => [c, Type.Optional(Type.Integer({ minimum: 0, maximum: 20 }))]),
  ),
);
const CallbackBody = Strict({ phone: Type.String({ minLength: 3, maxLength: 40 }) });

/** Presence, capacity, queues with estimates, offers (accept, decline) and callbacks. */
export function registerRoutingRoutes(app: FastifyInstance, ctx: Context): void {
  const { read } = ctx.store;

  app.get(
    '/api/routing/me',
    {
      schema: { tags: ['routing'], summary: 'My presence, capacity, offers and work in hand' },
      config: { allow: staff },
    },
    async (request) => {
      const me = viewer(request);
      const state = await read
        .selectFrom('advisor_states')
        .selectAll()
        .where('advisor_id', '=', me.id)
        .executeTakeFirst();
      const items = await heldWork(read, me.id);
      return {
        presence: state?.presence ?? 'offline',
        capacity: state ? (JSON.parse(state.capacity) as ChannelCounts) : defaultCapacity(me.role),
        items: items.map((i) => ({
          id: i.id,
          kind: i.kind,
          channel: i.channel,
          status: i.status,
          conversationId: i.conversation_id,
          customerId: i.customer_id,
          customerName: i.display_name,
          subject: i.subject,
          priority: i.priority,
          callbackNumber: i.callback_number,
          createdAt: new Date(i.created_at).toISOString(),
          deadlineAt: new Date(i.deadline_at).toISOString(),
          offerExpiresAt:
            i.offer_expires_at === null ? null : new Date(i.offer_expires_at).toISOString(),
        })),
      };
    },
  );

  app.put<{ Body: Static<typeof PresenceBody> }>(
    '/api/routing/presence',
    {
      schema: { tags: ['routing'], summary: 'Set my presence', body: PresenceBody },
      config: { allow: staff },
    },
    async (request) => {
      const me = viewer(request);
      await ctx.writer.run((unit) =>
        setPresence(unit, me.id, request.body.presence, { type: 'advisor', id: me.id }),
      );
      return { presence: request.body.presence };
    },
  );

  app.put<{ Params: IdParams; Body: Static<typeof CapacityBody> }>(
    '/api/routing/advisors/:id/capacity',
    {
      schema: {
        tags: ['routing'],
        summary: "Set an advisor's capacity per channel",
        params: IdParams,
        body: CapacityBody,
      },
      config: { allow: leads },
    },
    async (request) => {
      const me = viewer(request);
      return {
        capacity: await ctx.writer.run((unit) =>
          setCapacity(unit, request.params.id, request.body, { type: 'advisor', id: me.id }),
        ),
      };
    },
  );

  app.get(
    '/api/routing/queues',
    {
      schema: {
        tags: ['routing'],
        summary:
          'Per channel: waiting, longest wait, estimated wait, callback advice, why the first in line waits',
      },
      config: { allow: [...staff, 'integration'] },
    },
    async (request) => {
      const me = viewer(request);
      const teamId = me.role === 'advisor' || me.role === 'shop_advisor' ? me.teamId : null;
      const now = ctx.clock.now();
      const [channels, explained] = await Promise.all([
        queueFigures(read, now, { teamId, serviceLevels: DEFAULT_ROUTING_OPTIONS.serviceLevels }),
        explainWaits(read, now, { teamId }),
      ]);
      // Each channel says why its first in line still waits.
      return {
        channels: channels.map((c) => ({
          ...c,
          why: explained.items.find((e) => e.row.channel === c.channel)?.why ?? null,
        })),
      };
    },
  );

  app.post<{ Params: IdParams }>(
    '/api/routing/work-items/:id/accept',
    {
      schema: { tags: ['routing'], summary: 'Accept an offered item', params: IdParams },
      config: { allow: staff },
    },
    async (request) => {
      const me = viewer(request);
      await ctx.writer.run((unit) => acceptOffer(unit, request.params.id, me.id));
      return { status: 'assigned' };
    },
  );

  app.post<{ Params: IdParams }>(
    '/api/routing/work-items/:id/decline',
    {
      schema: {
        tags: ['routing'],
        summary: 'Decline an offered item; it returns to its place',
        params: IdParams,
      },
      config: { allow: staff },
    },
    async (request) => {
      const me = viewer(request);
      await ctx.writer.run((unit) =>
        declineOffer(unit, request.params.id, me.id, ctx.config.declineCoolOffMs),
      );
      return { status: 'waiting' };
    },
  );

  app.post<{ Params: IdParams; Body: Static<typeof CallbackBody> }>(
    '/api/routing/work-items/:id/callback',
    {
      schema: {
        tags: ['routing'],
        summary: 'Turn a waiting call or chat into a callback that keeps its place',
        params: IdParams,
        body: CallbackBody,
      },
      config: { allow: [...staff, 'integration'], scope: 'inbound:write' },
    },
    async (request) => {
      const me = viewer(request);
      const phone = normalisePhone(request.body.phone, ctx.config.defaultPhoneRegion);
      await ctx.writer.run(async (unit) => {
        // Staff may turn only items of cases they can see; another team's answers like a missing one.
        if (me.role !== 'integration') {
          const item = await unit.db
            .selectFrom('work_items')
            .innerJoin('conversations', 'conversations.id', 'work_items.conversation_id')
            .select(['conversations.team_id', 'conversations.shop_id', 'conversations.owner_id'])
            .where('work_items.id', '=', request.params.id)
            .executeTakeFirst();
          if (!item || !canSeeConversation(me, item)) throw new NotFound('work item');
        }
        await requestCallback(unit, request.params.id, phone, { type: 'advisor', id: me.id });
      });
      return { status: 'waiting', kind: 'callback', phone };
    },
  );
}
