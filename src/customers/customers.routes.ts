import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Context } from '../platform/context.ts';
import { IdParams, Limit, Strict, StringEnum } from '../platform/http/schemas.ts';
import { createOnce } from '../platform/http/idempotency.ts';
import { Invalid } from '../platform/errors.ts';
import { admins, leads, staff, viewer } from '../advisors/authenticate.ts';
import {
  addIdentity,
  removeIdentity,
  consentChannels,
  createCustomer,
  eraseCustomer,
  exportCustomer,
  getCustomer,
  listCustomers,
  requireVisibleCustomer,
  searchCustomers,
  setConsent,
  updateCustomer,
} from './customers.ts';
import { ContactPointsSchema, identitiesOf } from './identities.ts';
import { getMerge, mergeCustomers, mergesInto, previewMerge, undoMerge } from './merges.ts';
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
const OwnerBody = Strict({ ownerId: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()]) });
const ConsentBody = Strict(
  Object.fromEntries(
    consentChannels.map((c) => [c, Type.Optional(Type.Union([Type.Boolean(), Type.Null()]))]),
  ),
);
const MergeBody = Strict({
  sourceCustomerId: Type.Integer({ minimum: 1 }),
  /** Whose name, and whose owner, the kept record takes: either customer's id (default: the older). */
  keepNameOf: Type.Optional(Type.Integer({ minimum: 1 })),
  keepOwnerOf: Type.Optional(Type.Integer({ minimum: 1 })),
});
const MergePreviewQuery = Strict({ sourceCustomerId: Type.Integer({ minimum: 1 }) });
const IdentityQuery = Strict({
  kind: StringEnum(['email', 'phone', 'social', 'external'] as const),
  network: Type.Optional(Type.String({ maxLength: 60 })),
  value: Type.String({ minLength: 1, maxLength: 254 }),
});
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

  app.put<{ Params: IdParams; Body: Static<typeof OwnerBody> }>(
    '/api/customers/:id/owner',
    {
      schema: {
        tags: ['customers'],
        summary: 'Set the customer’s owner (an active person, or null for nobody)',
        params: IdParams,
        body: OwnerBody,
      },
      config: { allow: staff },
    },
    async (request) => {
      const me = viewer(request);
      return ctx.writer.run(async (unit) => {
        await requireVisibleCustomer(unit.db, request.params.id, me);
        await updateCustomer(
          unit,
          request.params.id,
          { ownerId: request.body.ownerId },
          actorOf(me.id),
        );
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
      const identities = identitiesOf(request.body, ctx.config.defaultPhoneRegion, '');
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
    async (request, reply) => {
      const me = viewer(request);
      const { sourceCustomerId, keepNameOf, keepOwnerOf } = request.body;
      return createOnce(ctx.writer, request, reply, `advisor:${me.id}`, async (unit) => {
        // Merging moves the source's cases and future contacts to the target: it needs sight of both.
        await requireVisibleCustomer(unit.db, request.params.id, me);
        await requireVisibleCustomer(unit.db, sourceCustomerId, me);
        await mergeCustomers(unit, request.params.id, sourceCustomerId, actorOf(me.id), {
          keepNameOf,
          keepOwnerOf,
        });
        return { status: 200, body: await getCustomer(unit.db, request.params.id) };
      });
    },
  );

  app.get<{ Params: IdParams; Querystring: Static<typeof MergePreviewQuery> }>(
    '/api/customers/:id/merge-preview',
    {
      schema: {
        tags: ['customers'],
        summary: 'What merging another customer into this one would move and keep',
        params: IdParams,
        querystring: MergePreviewQuery,
      },
      config: { allow: staff },
    },
    async (request) => {
      const me = viewer(request);
      await requireVisibleCustomer(db, request.params.id, me);
      await requireVisibleCustomer(db, request.query.sourceCustomerId, me);
      return previewMerge(
        db,
        request.params.id,
        request.query.sourceCustomerId,
        ctx.config.mergeUndoMs,
      );
    },
  );

  app.get<{ Params: IdParams }>(
    '/api/customers/:id/merges',
    {
      schema: {
        tags: ['customers'],
        summary: 'The merges into this customer, with until when each can be undone',
        params: IdParams,
      },
      config: { allow: staff },
    },
    async (request) => {
      await requireVisibleCustomer(db, request.params.id, viewer(request));
      return {
        items: await mergesInto(db, request.params.id, ctx.clock.now(), ctx.config.mergeUndoMs),
      };
    },
  );

  app.post<{ Params: IdParams }>(
    '/api/customer-merges/:id/undo',
    {
      schema: {
        tags: ['customers'],
        summary: 'Undo a merge (supervisors, within the undo window)',
        params: IdParams,
      },
      config: { allow: leads },
    },
    async (request, reply) => {
      const me = viewer(request);
      return createOnce(ctx.writer, request, reply, `advisor:${me.id}`, async (unit) => {
        const merge = await getMerge(unit.db, request.params.id, unit.now, ctx.config.mergeUndoMs);
        await requireVisibleCustomer(unit.db, merge.targetId, me);
        return {
          status: 200,
          body: await undoMerge(unit, request.params.id, actorOf(me.id), ctx.config.mergeUndoMs),
        };
      });
    },
  );

  app.delete<{ Params: IdParams; Querystring: Static<typeof IdentityQuery> }>(
    '/api/customers/:id/identities',
    {
      schema: {
        tags: ['customers'],
        summary: 'Remove one identity (kind, network, value as the customer shows them)',
        params: IdParams,
        querystring: IdentityQuery,
      },
      config: { allow: staff },
    },
    async (request) => {
      const me = viewer(request);
      const { kind, network, value } = request.query;
      return ctx.writer.run(async (unit) => {
        await requireVisibleCustomer(unit.db, request.params.id, me);
        await removeIdentity(
          unit,
          request.params.id,
          { kind, network: network ?? '', value },
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
