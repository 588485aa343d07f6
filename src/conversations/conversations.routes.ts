import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Context } from '../platform/context.ts';
import { IdParams, Limit, Strict, StringEnum } from '../platform/http/schemas.ts';
import { createOnce } from '../platform/http/idempotency.ts';
import { staff, viewer } from '../advisors/authenticate.ts';
import { searchCustomers } from '../customers/customers.ts';
import { ContactPointsSchema } from '../customers/customers.routes.ts';
import {
  channels,
  conversationSorts,
  getConversation,
  listConversations,
  openConversation,
  priorities,
  setTags,
  statuses,
  updateConversation,
} from './conversations.ts';
import { completeWork, queueWork, withdrawWork } from '../routing/work-queue.ts';

import { Invalid } from '../platform/errors.ts';
import type { Unit } from '../platform/db/writer.ts';
import { isServedChannel } from '../insights/service-levels.ts';
import { loadChannelSettings, signReply } from '../desk/channel-settings.ts';
import {
  addAdvisorInteraction,
  kindOfChannel,
  channelOfKind,
  ingestInbound,
  interactionKinds,
  listInteractions,
  searchInteractions,
  toInteraction,
} from './interactions.ts';

const literals = StringEnum;
const StatusSchema = literals(statuses);
const PrioritySchema = literals(priorities);
const ChannelSchema = literals(channels);
const NullableId = Type.Union([Type.Integer({ minimum: 1 }), Type.Null()]);
const AttachmentSchema = Strict({
  name: Type.String({ minLength: 1, maxLength: 255 }),
  contentType: Type.String({ minLength: 3, maxLength: 120 }),
  size: Type.Integer({ minimum: 0 }),
  url: Type.Optional(Type.String({ maxLength: 2000 })),
});

const ListQuery = Strict({
  status: Type.Optional(StatusSchema),
  channel: Type.Optional(ChannelSchema),
  teamId: Type.Optional(Type.Integer({ minimum: 1 })),
  ownerId: Type.Optional(Type.Integer({ minimum: 1 })),
  customerId: Type.Optional(Type.Integer({ minimum: 1 })),
  tag: Type.Optional(Type.String({ minLength: 1, maxLength: 60 })),
  sort: Type.Optional(literals(conversationSorts)),
  limit: Limit(50, 200),
  offset: Type.Integer({ minimum: 0, maximum: 100000, default: 0 }),
});
const NewConversationBody = Strict({
  customerId: Type.Integer({ minimum: 1 }),
  subject: Type.String({ minLength: 1, maxLength: 200 }),
  channel: ChannelSchema,
  teamId: Type.Optional(NullableId),
  shopId: Type.Optional(NullableId),
  ownerId: Type.Optional(NullableId),
  priority: Type.Optional(PrioritySchema),
});
const ChangesBody = Strict({
  status: Type.Optional(StatusSchema),
  ownerId: Type.Optional(NullableId),
  teamId: Type.Optional(NullableId),
  priority: Type.Optional(PrioritySchema),
  subject: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  snoozedUntil: Type.Optional(Type.Union([Type.String({ format: 'date-time' }), Type.Null()])),
});
const TagsBody = Strict({
  tags: Type.Array(Type.String({ minLength: 1, maxLength: 60 }), { maxItems: 30 }),
});
const AdvisorMessageBody = Strict({
  kind: literals(interactionKinds),
  text: Type.String({ minLength: 1, maxLength: 100_000 }),
  html: Type.Optional(Type.String({ maxLength: 500_000 })),
  attachments: Type.Optional(Type.Array(AttachmentSchema, { maxItems: 20 })),
});
const InboundBody = Strict({
  kind: literals(interactionKinds.filter((k) => k !== 'note')),
  from: Strict({
    ...ContactPointsSchema.properties,
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  }),
  text: Type.Optional(Type.String({ maxLength: 100_000 })),
  html: Type.Optional(Type.String({ maxLength: 500_000 })),
  subject: Type.Optional(Type.String({ maxLength: 200 })),
  attachments: Type.Optional(Type.Array(AttachmentSchema, { maxItems: 20 })),
  provider: Type.Optional(Type.String({ minLength: 1, maxLength: 40 })),
  providerId: Type.Optional(Type.String({ minLength: 1, maxLength: 300 })),
  conversationId: Type.Optional(Type.Integer({ minimum: 1 })),
  shopId: Type.Optional(Type.Integer({ minimum: 1 })),
  teamId: Type.Optional(Type.Integer({ minimum: 1 })),
  occurredAt: Type.Optional(Type.String({ format: 'date-time' })),
});
const SearchQuery = Strict({
  q: Type.String({ minLength: 1, maxLength: 200 }),
  limit: Limit(20, 100),
});

const ingestResponse = {
  type: 'object',
  properties: {
    interactionId: { type: 'integer' },
    conversationId: { type: 'integer' },
    customerId: { type: 'integer' },
    duplicate: { type: 'boolean' },
    customerCreated: { type: 'boolean' },
    conversationOpened: { type: 'boolean' },
  },
} as const;

/**
 * A reply as its channel's settings shape it: refused on a channel switched off, signed with the
 * advisor's name where the channel signs replies. Notes pass unchanged.
 */
async function asChannelSays(
  unit: Unit,
  message: Static<typeof AdvisorMessageBody>,
  advisorName: string,
): Promise<Static<typeof AdvisorMessageBody>> {
  const channel = channelOfKind[message.kind];
  if (message.kind === 'note' || !isServedChannel(channel)) return message;
  const setting = (await loadChannelSettings(unit.db))[channel];
  if (!setting.enabled)
    throw new Invalid('kind', `replies on ${setting.displayName} are switched off`);
  return { ...message, ...signReply(message, advisorName, setting) };
}

/** Cases, their interactions, inbound contacts from any channel, and search. */
export function registerConversationRoutes(app: FastifyInstance, ctx: Context): void {
  const { db, dialect } = ctx.store;
  const actorOf = (id: number) => ({ type: 'advisor' as const, id });

  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '/api/conversations',
    {
      schema: {
        tags: ['conversations'],
        summary: 'Cases the caller may see, filtered and sorted',
        querystring: ListQuery,
      },
      config: { allow: staff },
    },
    async (request) => ({
      items: await listConversations(
        db,
        viewer(request),
        { ...request.query, sort: request.query.sort ?? 'last_interaction_desc' },
        ctx.clock.now(),
      ),
    }),
  );

  app.post<{ Body: Static<typeof NewConversationBody> }>(
    '/api/conversations',
    {
      schema: {
        tags: ['conversations'],
        summary: 'Open a case for a customer',
        body: NewConversationBody,
      },
      config: { allow: staff },
    },
    async (request, reply) => {
      const me = viewer(request);
      return createOnce(ctx.writer, request, reply, `advisor:${me.id}`, async (unit) => {
        const row = await openConversation(unit, request.body, actorOf(me.id));
        return { status: 201, body: await getConversation(unit.db, row.id, null, unit.now) };
      });
    },
  );

  app.get<{ Params: IdParams }>(
    '/api/conversations/:id',
    { schema: { tags: ['conversations'], params: IdParams }, config: { allow: staff } },
    async (request) => getConversation(db, request.params.id, viewer(request), ctx.clock.now()),
  );

  app.patch<{ Params: IdParams; Body: Static<typeof ChangesBody> }>(
    '/api/conversations/:id',
    {
      schema: {
        tags: ['conversations'],
        summary:
          'Change status, owner, team, priority or subject; snooze until a future time (null wakes the case)',
        params: IdParams,
        body: ChangesBody,
      },
      config: { allow: staff },
    },
    async (request) => {
      const me = viewer(request);
      const { snoozedUntil, ...rest } = request.body;
      const changes = {
        ...rest,
        ...(snoozedUntil !== undefined
          ? { snoozedUntil: snoozedUntil === null ? null : Date.parse(snoozedUntil) }
          : {}),
      };
      return ctx.writer.run(async (unit) => {
        await updateConversation(unit, request.params.id, changes, me, actorOf(me.id));
        if (request.body.status === 'resolved' || request.body.status === 'closed')
          await completeWork(unit, request.params.id, actorOf(me.id));
        const after = await getConversation(unit.db, request.params.id, null, unit.now);
        // A snoozed case leaves the routing queue; woken early, it comes back if it still waits on us.
        if (typeof changes.snoozedUntil === 'number')
          await withdrawWork(unit, request.params.id, actorOf(me.id));
        if (
          changes.snoozedUntil === null &&
          (after.status === 'open' || after.status === 'pending_us')
        ) {
          await queueWork(unit, request.params.id, kindOfChannel[after.originChannel]);
        }
        return after;
      });
    },
  );

  app.put<{ Params: IdParams; Body: Static<typeof TagsBody> }>(
    '/api/conversations/:id/tags',
    {
      schema: { tags: ['conversations'], params: IdParams, body: TagsBody },
      config: { allow: staff },
    },
    async (request) => {
      const me = viewer(request);
      return {
        tags: await ctx.writer.run((unit) =>
          setTags(unit, request.params.id, request.body.tags, me, actorOf(me.id)),
        ),
      };
    },
  );

  app.get<{ Params: IdParams }>(
    '/api/conversations/:id/interactions',
    { schema: { tags: ['conversations'], params: IdParams }, config: { allow: staff } },
    async (request) => ({ items: await listInteractions(db, request.params.id, viewer(request)) }),
  );

  app.post<{ Params: IdParams; Body: Static<typeof AdvisorMessageBody> }>(
    '/api/conversations/:id/interactions',
    {
      schema: {
        tags: ['conversations'],
        summary: 'Reply on a channel (signed by you) or add an internal note',
        params: IdParams,
        body: AdvisorMessageBody,
      },
      config: { allow: staff },
    },
    async (request, reply) => {
      const me = viewer(request);
      return createOnce(ctx.writer, request, reply, `advisor:${me.id}`, async (unit) => {
        const message = await asChannelSays(unit, request.body, me.name);
        const row = await addAdvisorInteraction(
          unit,
          request.params.id,
          message,
          me,
          actorOf(me.id),
        );
        // An answer to the customer finishes the routed work on this case; a note does not.
        if (request.body.kind !== 'note')
          await completeWork(unit, request.params.id, actorOf(me.id));
        return { status: 201, body: toInteraction(row) };
      });
    },
  );

  app.post<{ Body: Static<typeof InboundBody> }>(
    '/api/interactions/inbound',
    {
      schema: {
        tags: ['interactions'],
        summary: 'Take in a contact from any channel: match the customer, append or open the case',
        body: InboundBody,
        response: { 200: ingestResponse, 201: ingestResponse },
      },
      config: { allow: ['integration', 'admin'] },
    },
    async (request, reply) => {
      const me = viewer(request);
      const { occurredAt, ...rest } = request.body;
      return createOnce(ctx.writer, request, reply, `advisor:${me.id}`, async (unit) => {
        const result = await ingestInbound(
          unit,
          { ...rest, ...(occurredAt ? { occurredAt: Date.parse(occurredAt) } : {}) },
          {
            defaultRegion: ctx.config.defaultPhoneRegion,
            actor: { type: 'channel', id: me.id },
          },
        );
        if (!result.duplicate) await queueWork(unit, result.conversationId, rest.kind);
        return { status: result.duplicate ? 200 : 201, body: result };
      });
    },
  );

  app.get<{ Querystring: Static<typeof SearchQuery> }>(
    '/api/search',
    {
      schema: {
        tags: ['search'],
        summary: 'Full-text search over customers and the interactions you may see',
        querystring: SearchQuery,
      },
      config: { allow: staff },
    },
    async (request) => {
      const { q, limit } = request.query;
      const [customers, interactions] = await Promise.all([
        searchCustomers(db, dialect, q, limit),
        searchInteractions(db, dialect, q, viewer(request), limit),
      ]);
      return { customers, interactions };
    },
  );
}
