import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Context } from '../platform/context.ts';
import { IdParams, Limit, Strict, StringEnum } from '../platform/http/schemas.ts';
import { createOnce } from '../platform/http/idempotency.ts';
import { decodeCursor } from '../platform/http/cursor.ts';
import { staff, viewer } from '../advisors/authenticate.ts';
import { requireVisibleCustomer, searchCustomers } from '../customers/customers.ts';
import { Invalid, NotFound } from '../platform/errors.ts';
import {
  conversationSorts,
  getConversation,
  interactionChannels,
  listConversations,
  openConversation,
  priorities,
  setTags,
  statuses,
} from './conversations.ts';
import { customerTimeline, listInteractions } from './interactions.ts';
import { searchCases } from './search.ts';
import type { SearchPage } from '../api-types/conversations.ts';

const literals = StringEnum;
const StatusSchema = literals(statuses);
const PrioritySchema = literals(priorities);
const ChannelSchema = literals(interactionChannels);
const NullableId = Type.Union([Type.Integer({ minimum: 1 }), Type.Null()]);

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
const TagsBody = Strict({
  tags: Type.Array(Type.String({ minLength: 1, maxLength: 60 }), { maxItems: 30 }),
});
const TimelineQuery = Strict({
  limit: Limit(50, 200),
  cursor: Type.Optional(Type.String({ maxLength: 100 })),
});
const SearchQuery = Strict({
  q: Type.String({ minLength: 1, maxLength: 200 }),
  limit: Limit(30, 100),
  channel: Type.Optional(ChannelSchema),
  status: Type.Optional(StatusSchema),
  /** The matching message was written at or after this moment… */
  from: Type.Optional(Type.String({ format: 'date-time' })),
  /** …and before this one. */
  to: Type.Optional(Type.String({ format: 'date-time' })),
  cursor: Type.Optional(Type.String({ maxLength: 100 })),
});

/** Cases, their interactions, the customer timeline, and search. */
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
        // A case of one's own on another team's customer would open that customer to the caller.
        await requireVisibleCustomer(unit.db, request.body.customerId, me).catch(
          (error: unknown) => {
            throw error instanceof NotFound ? new Invalid('customerId', 'no such customer') : error;
          },
        );
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

  app.get<{ Params: IdParams; Querystring: Static<typeof TimelineQuery> }>(
    '/api/customers/:id/timeline',
    {
      schema: {
        tags: ['customers'],
        summary: "The customer's interactions across cases and channels, newest first",
        params: IdParams,
        querystring: TimelineQuery,
      },
      config: { allow: staff },
    },
    async (request) => {
      await requireVisibleCustomer(db, request.params.id, viewer(request));
      return customerTimeline(db, request.params.id, viewer(request), {
        limit: request.query.limit,
        cursor: request.query.cursor ? decodeCursor(request.query.cursor) : undefined,
      });
    },
  );

  app.get<{ Querystring: Static<typeof SearchQuery> }>(
    '/api/search',
    {
      schema: {
        tags: ['search'],
        summary:
          'Search customers (names, identities, phone numbers as written) and the cases you may see, a page at a time',
        querystring: SearchQuery,
      },
      config: { allow: staff },
    },
    async (request): Promise<SearchPage> => {
      const { q, limit, channel, status, cursor } = request.query;
      const from = request.query.from === undefined ? undefined : Date.parse(request.query.from);
      const to = request.query.to === undefined ? undefined : Date.parse(request.query.to);
      if (from !== undefined && to !== undefined && to <= from)
        throw new Invalid('to', 'must be after the start of the date range');
      const [customers, found] = await Promise.all([
        // Customers on the first page only: the next pages are more cases.
        cursor
          ? []
          : searchCustomers(db, dialect, q, limit, viewer(request), ctx.config.defaultPhoneRegion),
        searchCases(db, dialect, { q, limit, channel, status, from, to, cursor }, viewer(request)),
      ]);
      return {
        customers,
        cases: found.cases,
        interactions: found.cases.map((c) => c.match),
        nextCursor: found.nextCursor,
      };
    },
  );
}
