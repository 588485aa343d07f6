import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Context } from '../platform/context.ts';
import { IdParams, Limit, Strict } from '../platform/http/schemas.ts';
import { createOnce } from '../platform/http/idempotency.ts';
import { Invalid } from '../platform/errors.ts';
import { admins, staff, viewer } from '../advisors/authenticate.ts';
import {
  addIdentity,
  consentChannels,
  createCustomer,
  eraseCustomer,
  exportCustomer,
  getCustomer,
  listCustomers,
  mergeCustomers,
  requireVisibleCustomer,
  searchCustomers,
  setConsent,
  updateCustomer,
} from './customers.ts';
import { ContactPointsSchema, identitiesOf } from './identities.ts';
import { decodeCursor, encodeCursor } from '../platform/http/cursor.ts';

const NewCustomerBody = Strict({
  displayName: Type.String({ minLength: 1, maxLength: 200 }),
  language: Type.Optional(Type.String({ minLength: 2, maxLength: 10 })),
  contact: ContactPointsSchema,
});
const CustomerChanges = Strict({
  displayName: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  language: Type.Optional(Type.Union([Type.String({ minLength: 2, maxLength: 10 }), Type.Null()])),
});
const ConsentBody = Strict(
  Object.fromEntries(consentChannels.map((c) => [c, Type.Optional(Type.Boolean())])),
);
const MergeBody = Strict({ sourceCustomerId: Type.Integer({ minimum: 1 }) });
const ListQuery = Strict({
  q: Type.Optional(Type.String({ maxLength: 200 })),
  limit: Limit(50, 200),
  cursor: Type.Optional(Type.String({ maxLength: 100 })),
});
/**
 * Customers: find, create, change, identities, consent, merge, export and erase. Every route sees
 * only the customers in the caller's scope (`customerScope`); any other answers 404 like a missing one.
 */
export function registerCustomerRoutes(app: FastifyInstance, ctx: Context): void {
  const { db, dialect } = ctx.store;
  const actorOf = (id: number) => ({ type: 'advisor' as const, id });

  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '/api/customers',
    {
      schema: {
        tags: ['customers'],
        summary: 'Search (q) or list customers',
        querystring: ListQuery,
      },
      config: { allow: staff },
    },
    async (request) => {
      const me = viewer(request);
      const { q, limit, cursor } = request.query;
      if (q)
        return {
          items: await searchCustomers(db, dialect, q, limit, me, ctx.config.defaultPhoneRegion),
          nextCursor: null,
        };
      const before = cursor ? decodeCursor(cursor) : undefined;
      const items = await listCustomers(db, me, {
        limit,
        before: before ? { updatedAt: before.at, id: before.id } : undefined,
      });
      const last = items[items.length - 1];
      return {
        items,
        nextCursor:
          items.length === limit && last
            ? encodeCursor({ at: Date.parse(last.updatedAt), id: last.id })
            : null,
      };
    },
  );

  app.post<{ Body: Static<typeof NewCustomerBody> }>(
    '/api/customers',
    {
      schema: { tags: ['customers'], summary: 'Create a customer', body: NewCustomerBody },
      config: { allow: staff },
    },
    async (request, reply) => {
      const me = viewer(request);
      const identities = identitiesOf(
        request.body.contact,
        ctx.config.defaultPhoneRegion,
        'contact',
      );
      if (identities.length === 0)
        throw new Invalid('contact', 'needs at least one of email, phone, social or external');
      return createOnce(ctx.writer, request, reply, `advisor:${me.id}`, async (unit) => {
        const id = await createCustomer(
          unit,
          { displayName: request.body.displayName, language: request.body.language, identities },
          actorOf(me.id),
        );
        return { status: 201, body: await getCustomer(unit.db, id) };
      });
    },
  );

  app.get<{ Params: IdParams }>(
    '/api/customers/:id',
    { schema: { tags: ['customers'], params: IdParams }, config: { allow: staff } },
    async (request) => {
      await requireVisibleCustomer(db, request.params.id, viewer(request));
      return getCustomer(db, request.params.id);
    },
  );

  app.patch<{ Params: IdParams; Body: Static<typeof CustomerChanges> }>(
    '/api/customers/:id',
    {
      schema: { tags: ['customers'], params: IdParams, body: CustomerChanges },
      config: { allow: staff },
    },
    async (request) => {
      const me = viewer(request);
      return ctx.writer.run(async (unit) => {
        await requireVisibleCustomer(unit.db, request.params.id, me);
        await updateCustomer(unit, request.params.id, request.body, actorOf(me.id));
        return getCustomer(unit.db, request.params.id);
      });
    },
  );

  app.post<{ Params: IdParams; Body: Static<typeof ContactPointsSchema> }>(
    '/api/customers/:id/identities',
    {
      schema: {
        tags: ['customers'],
        summary: 'Link one more identity',
        params: IdParams,
        body: ContactPointsSchema,
      },
      config: { allow: staff },
    },
    async (request, reply) => {
      const me = viewer(request);
      const identities = identitiesOf(request.body, ctx.config.defaultPhoneRegion, 'body');
      if (identities.length !== 1)
        throw new Invalid('body', 'give exactly one of email, phone, social or external');
      return createOnce(ctx.writer, request, reply, `advisor:${me.id}`, async (unit) => {
        await requireVisibleCustomer(unit.db, request.params.id, me);
        await addIdentity(unit, request.params.id, identities[0]!, actorOf(me.id));
        return { status: 201, body: await getCustomer(unit.db, request.params.id) };
      });
    },
  );

  app.put<{ Params: IdParams; Body: Static<typeof ConsentBody> }>(
    '/api/customers/:id/consent',
    {
      schema: {
        tags: ['customers'],
        summary: 'Set consent per channel',
        params: IdParams,
        body: ConsentBody,
      },
      config: { allow: staff },
    },
    async (request) => {
      const me = viewer(request);
      const consent = await ctx.writer.run(async (unit) => {
        await requireVisibleCustomer(unit.db, request.params.id, me);
        return setConsent(unit, request.params.id, request.body, actorOf(me.id));
      });
      return { consent };
    },
  );

  app.post<{ Params: IdParams; Body: Static<typeof MergeBody> }>(
    '/api/customers/:id/merge',
    {
      schema: {
        tags: ['customers'],
        summary: 'Merge another customer into this one',
        params: IdParams,
        body: MergeBody,
      },
      config: { allow: staff },
    },
    async (request) => {
      const me = viewer(request);
      return ctx.writer.run(async (unit) => {
        // Merging moves the source's cases and future contacts to the target: it needs sight of both.
        await requireVisibleCustomer(unit.db, request.params.id, me);
        await requireVisibleCustomer(unit.db, request.body.sourceCustomerId, me);
        await mergeCustomers(
          unit,
          request.params.id,
          request.body.sourceCustomerId,
          actorOf(me.id),
        );
        return getCustomer(unit.db, request.params.id);
      });
    },
  );

  app.get<{ Params: IdParams }>(
    '/api/customers/:id/export',
    {
      schema: {
        tags: ['customers'],
        summary: 'Everything held about a customer, as JSON',
        params: IdParams,
      },
      config: { allow: admins },
    },
    async (request, reply) => {
      await requireVisibleCustomer(db, request.params.id, viewer(request));
      const data = await exportCustomer(db, request.params.id, ctx.clock.now());
      return reply
        .header('content-disposition', `attachment; filename="customer-${request.params.id}.json"`)
        .send(data);
    },
  );

  app.post<{ Params: IdParams }>(
    '/api/customers/:id/erase',
    {
      schema: { tags: ['customers'], summary: 'Anonymise a customer', params: IdParams },
      config: { allow: admins },
    },
    async (request, reply) => {
      const me = viewer(request);
      await ctx.writer.run(async (unit) => {
        await requireVisibleCustomer(unit.db, request.params.id, me);
        await eraseCustomer(unit, request.params.id, actorOf(me.id), ctx.store.dialect);
      });
      return reply.status(204).send();
    },
  );
}
