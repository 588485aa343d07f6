import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Context } from '../platform/context.ts';
import { IdParams, Limit, Strict, StringEnum } from '../platform/http/schemas.ts';
import { createOnce } from '../platform/http/idempotency.ts';
import { decodeCursor, encodeCursor } from '../platform/http/cursor.ts';
import { Invalid } from '../platform/errors.ts';
import { staff, viewer } from '../advisors/authenticate.ts';
import { interactionChannels, priorities, statuses } from './conversations.ts';
import {
  builtInFilters,
  builtInViews,
  createSavedView,
  deleteSavedView,
  listView,
  summariseViews,
  usableSavedView,
} from './views.ts';
import { markRead, markUnread, unreadAmong } from './case-reads.ts';
import type { ViewFilters } from '../api-types/views.ts';

const FiltersSchema = Strict({
  status: Type.Optional(StringEnum([...statuses, 'active', 'done'] as const)),
  channel: Type.Optional(StringEnum(interactionChannels)),
  teamId: Type.Optional(Type.Integer({ minimum: 1 })),
  ownerId: Type.Optional(
    Type.Union([Type.Integer({ minimum: 1 }), StringEnum(['me', 'none'] as const)]),
  ),
  tag: Type.Optional(Type.String({ minLength: 1, maxLength: 60 })),
  priority: Type.Optional(StringEnum(priorities)),
});
const NewViewBody = Strict({
  name: Type.String({ minLength: 1, maxLength: 60 }),
  filters: FiltersSchema,
  sharedTeamId: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()])),
});
const CasesQuery = Strict({
  view: Type.Optional(StringEnum(builtInViews)),
  savedViewId: Type.Optional(Type.Integer({ minimum: 1 })),
  limit: Limit(50, 200),
  cursor: Type.Optional(Type.String({ maxLength: 100 })),
});
const ReadStateBody = Strict({ unread: Type.Boolean() });
const ReadStatesQuery = Strict({
  ids: Type.String({ pattern: '^[0-9]+(,[0-9]+){0,199}$', maxLength: 2400 }),
});

/** The desk's views: every view with its counts, a view's cases page by page, saved views, read state. */
export function registerViewRoutes(app: FastifyInstance, ctx: Context): void {
  const db = ctx.store.read;

  app.get(
    '/api/views',
    {
      schema: {
        tags: ['views'],
        summary: 'Every view of your desk, with its count of cases and of unread ones',
      },
      config: { allow: staff },
    },
    async (request) => ({ items: await summariseViews(db, viewer(request)) }),
  );

  app.get<{ Querystring: Static<typeof CasesQuery> }>(
    '/api/views/cases',
    {
      schema: {
        tags: ['views'],
        summary: "A view's cases, newest activity first, a page at a time (keyset cursor)",
        querystring: CasesQuery,
      },
      config: { allow: staff },
    },
    async (request) => {
      const me = viewer(request);
      const { view, savedViewId, limit, cursor } = request.query;
      if ((view === undefined) === (savedViewId === undefined))
        throw new Invalid('view', 'name one view: a built-in view or savedViewId');
      let filters: ViewFilters | null;
      if (view !== undefined) {
        filters = builtInFilters(view, me);
        if (!filters) throw new Invalid('view', 'you belong to no team');
      } else filters = (await usableSavedView(db, me, savedViewId!)).filters;
      const page = await listView(db, me, filters, {
        limit,
        after: cursor ? decodeCursor(cursor) : undefined,
      });
      return { items: page.items, nextCursor: page.last ? encodeCursor(page.last) : null };
    },
  );

  app.post<{ Body: Static<typeof NewViewBody> }>(
    '/api/views',
    {
      schema: {
        tags: ['views'],
        summary: 'Save a view with its filters, for you or shared with a team',
        body: NewViewBody,
      },
      config: { allow: staff },
    },
    async (request, reply) => {
      const me = viewer(request);
      return createOnce(ctx.writer, request, reply, `advisor:${me.id}`, async (unit) => ({
        status: 201,
        body: await createSavedView(unit, request.body, me),
      }));
    },
  );

  app.delete<{ Params: IdParams }>(
    '/api/views/:id',
    {
      schema: { tags: ['views'], summary: 'Delete one of your saved views', params: IdParams },
      config: { allow: staff },
    },
    async (request, reply) => {
      const me = viewer(request);
      await ctx.writer.run((unit) => deleteSavedView(unit, request.params.id, me));
      return reply.code(204).send();
    },
  );

  app.put<{ Params: IdParams; Body: Static<typeof ReadStateBody> }>(
    '/api/conversations/:id/read-state',
    {
      schema: {
        tags: ['views'],
        summary: 'Mark a case read (you opened it) or unread for you',
        params: IdParams,
        body: ReadStateBody,
      },
      config: { allow: staff },
    },
    async (request, reply) => {
      const me = viewer(request);
      await ctx.writer.run((unit) =>
        request.body.unread
          ? markUnread(unit, request.params.id, me)
          : markRead(unit, request.params.id, me),
      );
      return reply.code(204).send();
    },
  );

  app.get<{ Querystring: Static<typeof ReadStatesQuery> }>(
    '/api/read-states',
    {
      schema: {
        tags: ['views'],
        summary: 'Of these cases (ids, comma-separated), the ones you have not read',
        querystring: ReadStatesQuery,
      },
      config: { allow: staff },
    },
    async (request) => ({
      unread: await unreadAmong(db, viewer(request), request.query.ids.split(',').map(Number)),
    }),
  );
}
