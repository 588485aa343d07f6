import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Context } from '../../platform/context.ts';
import { IdParams, Strict, StringEnum } from '../../platform/http/schemas.ts';
import { createOnce } from '../../platform/http/idempotency.ts';
import { sendShopPage } from '../../platform/http/shop-pages.ts';
import { Forbidden, NotFound } from '../../platform/errors.ts';
import type { Role } from '../../advisors/access.ts';
import { fromOwnOrigin, viewer } from '../../advisors/authenticate.ts';
import type { Outbox } from '../send-queue.ts';
import { readLink, signLink } from './links.ts';
import {
  addRepairPhoto,
  changeRepair,
  decideEstimate,
  draftRepair,
  listRepairs,
  moveRepair,
  proposeEstimate,
  repairPhoto,
  repairStatusView,
  repairStatuses,
  toRepair,
  visibleRepair,
} from './repairs.ts';

/** Who works with repairs at the desk: a shop's advisors (their shop), supervisors and admins. */
const shopStaff: readonly Role[] = ['shop_advisor', 'supervisor', 'admin'];

const Text = (max: number) => Type.String({ minLength: 1, maxLength: max });
const Status = StringEnum(repairStatuses);
const Channel = StringEnum(['sms', 'email'] as const);
const CustomerById = Strict({ id: Type.Integer({ minimum: 1 }) });
const CustomerByContact = Strict({
  name: Type.Optional(Type.String({ maxLength: 200 })),
  phone: Type.Optional(Type.String({ maxLength: 40 })),
  email: Type.Optional(Type.String({ maxLength: 320 })),
});
const IntakeBody = Strict({
  shopId: Type.Optional(Type.Integer({ minimum: 1 })),
  customer: Type.Union([CustomerById, CustomerByContact]),
  device: Text(200),
  serialNumber: Type.String({ maxLength: 100 }),
  fault: Text(2000),
  condition: Type.String({ maxLength: 1000 }),
  accessories: Type.Array(Text(100), { maxItems: 20 }),
  dueAt: Type.Optional(Type.String({ format: 'date-time' })),
  notifyChannel: Type.Optional(Channel),
  ticketId: Type.Optional(Type.Integer({ minimum: 1 })),
});
const ListQuery = Strict({
  shopId: Type.Optional(Type.Integer({ minimum: 1 })),
  status: Type.Optional(Status),
});
const ChangesBody = Strict({
  device: Type.Optional(Text(200)),
  serialNumber: Type.Optional(Type.String({ maxLength: 100 })),
  fault: Type.Optional(Text(2000)),
  condition: Type.Optional(Type.String({ maxLength: 1000 })),
  accessories: Type.Optional(Type.Array(Text(100), { maxItems: 20 })),
  dueAt: Type.Optional(Type.Union([Type.String({ format: 'date-time' }), Type.Null()])),
  notifyChannel: Type.Optional(Type.Union([Channel, Type.Null()])),
});
const StepBody = Strict({ status: Status, note: Type.Optional(Type.String({ maxLength: 1000 })) });
const EstimateBody = Strict({
  amountCents: Type.Integer({ minimum: 0, maximum: 100_000_000 }),
  currency: Type.String({ pattern: '^[A-Za-z]{3}$' }),
  note: Type.Optional(Type.String({ maxLength: 1000 })),
});
const PhotoParams = Strict({
  id: Type.Integer({ minimum: 1 }),
  photo: Type.Integer({ minimum: 1 }),
});
const PhotoHeaders = Type.Object({
  'x-file-name': Type.Optional(Type.String({ maxLength: 400 })),
});
// Loose on purpose: a mistyped or forged link gets the page's own "not valid" answer, not a 400.
const TokenParams = Strict({ token: Type.String({ minLength: 1, maxLength: 100 }) });
const DecisionBody = Strict({ decision: StringEnum(['accept', 'decline'] as const) });

/**
 * Repairs: the desk's intake, photos, status moves and estimates for a shop's staff, and the
 * customer's status page behind a signed link (no login) with the estimate's Accept / Decline.
 */
export function registerRepairRoutes(
  app: FastifyInstance,
  ctx: Context,
  deps: { readonly outbox: Outbox },
): void {
  const actorOf = (id: number) => ({ type: 'advisor' as const, id });
  const region = ctx.config.defaultPhoneRegion;
  const baseOf = (request: FastifyRequest) =>
    ctx.config.publicUrl ?? `${request.protocol}://${request.host}`;
  /**
   * The status page's address for a repair. The link key is made (once, in a unit of its own) before
   * any unit that signs a link starts: signing inside a unit must not wait on another.
   */
  const statusUrlOf = async (request: FastifyRequest) => {
    await signLink(ctx, { kind: 'repair', id: 1 });
    const base = baseOf(request);
    return async (id: number) => `${base}/repairs/${await signLink(ctx, { kind: 'repair', id })}`;
  };
  const publicLimit =
    ctx.config.publicRateLimitPerMinute > 0
      ? { rateLimit: { max: ctx.config.publicRateLimitPerMinute, timeWindow: '1 minute' } }
      : {};
  const repairOfToken = async (token: string) => {
    const claims = await readLink(ctx, token);
    if (!claims || claims.kind !== 'repair') throw new NotFound('repair', 'repair-link-invalid');
    return claims.id;
  };

  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '/api/repairs',
    {
      schema: {
        tags: ['repairs'],
        summary:
          "A shop's repairs (a shop advisor's own shop unless one is named), those in the shop first by due time",
        querystring: ListQuery,
      },
      config: { allow: shopStaff },
    },
    async (request) =>
      listRepairs(ctx.store.read, viewer(request), {
        shopId: request.query.shopId,
        status: request.query.status,
      }),
  );

  app.post<{ Body: Static<typeof IntakeBody> }>(
    '/api/repairs',
    {
      schema: {
        tags: ['repairs'],
        summary:
          'Start a repair at the desk (a draft: nobody is told until the intake is confirmed)',
        body: IntakeBody,
      },
      config: { allow: shopStaff },
    },
    async (request, reply) => {
      const me = viewer(request);
      const urlOf = await statusUrlOf(request);
      const { dueAt, ...intake } = request.body;
      return createOnce(ctx.writer, request, reply, `advisor:${me.id}`, async (unit) => {
        const row = await draftRepair(
          unit,
          { ...intake, ...(dueAt ? { dueAt: Date.parse(dueAt) } : {}) },
          me,
          { defaultRegion: region, actor: actorOf(me.id) },
        );
        return { status: 201, body: await toRepair(unit.db, row, await urlOf(row.id)) };
      });
    },
  );

  app.get<{ Params: IdParams }>(
    '/api/repairs/:id',
    {
      schema: {
        tags: ['repairs'],
        summary: 'One repair with its photos, steps, estimate and the next statuses it may take',
        params: IdParams,
      },
      config: { allow: shopStaff },
    },
    async (request) => {
      const row = await visibleRepair(ctx.store.read, request.params.id, viewer(request));
      return toRepair(ctx.store.read, row, await (await statusUrlOf(request))(row.id));
    },
  );

  app.patch<{ Params: IdParams; Body: Static<typeof ChangesBody> }>(
    '/api/repairs/:id',
    {
      schema: {
        tags: ['repairs'],
        summary:
          "Correct a repair: the intake's details while a draft, the due time (its bench time follows) and the channel to tell them on",
        params: IdParams,
        body: ChangesBody,
      },
      config: { allow: shopStaff },
    },
    async (request) => {
      const me = viewer(request);
      const statusUrl = await (await statusUrlOf(request))(request.params.id);
      const { dueAt, ...rest } = request.body;
      return ctx.writer.run(async (unit) => {
        const row = await changeRepair(
          unit,
          request.params.id,
          {
            ...rest,
            ...(dueAt !== undefined ? { dueAt: dueAt === null ? null : Date.parse(dueAt) } : {}),
          },
          me,
          actorOf(me.id),
        );
        return toRepair(unit.db, row, statusUrl);
      });
    },
  );

  void app.register(async (scope) => {
    // A photo arrives as its own bytes; what it is is told from them, not from the header.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) =>
      done(null, body),
    );
    scope.post<{ Params: IdParams; Headers: Static<typeof PhotoHeaders>; Body: Buffer }>(
      '/api/repairs/:id/photos',
      {
        bodyLimit: ctx.config.maxAttachmentBytes,
        schema: {
          tags: ['repairs'],
          summary:
            'Add a photo of the device (raw image body, X-File-Name): PNG, JPEG, GIF or WebP, size-limited',
          params: IdParams,
          headers: PhotoHeaders,
        },
        config: { allow: shopStaff },
      },
      async (request, reply) => {
        const me = viewer(request);
        const bytes = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        const photo = await ctx.writer.run((unit) =>
          addRepairPhoto(
            unit,
            request.params.id,
            { bytes, name: request.headers['x-file-name'] },
            me,
            { maxBytes: ctx.config.maxAttachmentBytes, actor: actorOf(me.id) },
          ),
        );
        return reply
          .code(201)
          .send({ ...photo, url: `/api/repairs/${request.params.id}/photos/${photo.id}` });
      },
    );
  });

  app.get<{ Params: Static<typeof PhotoParams> }>(
    '/api/repairs/:id/photos/:photo',
    {
      schema: { tags: ['repairs'], summary: "A photo of a repair's device", params: PhotoParams },
      config: { allow: shopStaff },
    },
    async (request, reply) => {
      const photo = await repairPhoto(
        ctx.store.read,
        request.params.id,
        request.params.photo,
        viewer(request),
      );
      return reply
        .header('content-type', photo.contentType)
        .header('content-disposition', `inline; filename="photo-${request.params.photo}"`)
        .header('x-content-type-options', 'nosniff')
        .header('content-security-policy', "default-src 'none'; sandbox")
        .header('cache-control', 'private, max-age=3600')
        .send(photo.bytes);
    },
  );

  app.post<{ Params: IdParams; Body: Static<typeof StepBody> }>(
    '/api/repairs/:id/steps',
    {
      schema: {
        tags: ['repairs'],
        summary:
          'Move a repair to its next status (allowed moves only); the customer is told as the status flow says',
        params: IdParams,
        body: StepBody,
      },
      config: { allow: shopStaff },
    },
    async (request) => {
      const me = viewer(request);
      const urlOf = await statusUrlOf(request);
      const statusUrl = await urlOf(request.params.id);
      return ctx.writer.run(async (unit) => {
        const row = await moveRepair(unit, request.params.id, request.body.status, me, {
          outbox: deps.outbox,
          statusUrl,
          dialect: ctx.store.dialect,
          actor: actorOf(me.id),
          note: request.body.note,
        });
        return toRepair(unit.db, row, statusUrl);
      });
    },
  );

  app.put<{ Params: IdParams; Body: Static<typeof EstimateBody> }>(
    '/api/repairs/:id/estimate',
    {
      schema: {
        tags: ['repairs'],
        summary:
          'Propose the price (minor units) for the customer to accept or decline from their status page',
        params: IdParams,
        body: EstimateBody,
      },
      config: { allow: shopStaff },
    },
    async (request) => {
      const me = viewer(request);
      const statusUrl = await (await statusUrlOf(request))(request.params.id);
      return ctx.writer.run(async (unit) => {
        const row = await proposeEstimate(
          unit,
          request.params.id,
          {
            amountCents: request.body.amountCents,
            currency: request.body.currency,
            note: request.body.note ?? '',
          },
          me,
          { outbox: deps.outbox, statusUrl, actor: actorOf(me.id) },
        );
        return toRepair(unit.db, row, statusUrl);
      });
    },
  );

  app.get<{ Params: Static<typeof TokenParams> }>(
    '/repairs/:token',
    {
      schema: { hide: true, params: TokenParams },
      config: { allow: 'public', ...publicLimit },
    },
    async (request, reply) => {
      // The page explains a bad link itself; the status says it too, for anything that reads it.
      const claims = await readLink(ctx, request.params.token);
      if (!claims || claims.kind !== 'repair') reply.code(404);
      return sendShopPage(reply, request, 'repair');
    },
  );

  app.get<{ Params: Static<typeof TokenParams> }>(
    '/api/repair-status/:token',
    {
      schema: {
        tags: ['repairs'],
        summary:
          "The customer's view of their repair behind its signed link: status, steps in shop time, estimate",
        params: TokenParams,
      },
      config: { allow: 'public', ...publicLimit },
    },
    async (request, reply) => {
      const id = await repairOfToken(request.params.token);
      reply.header('cache-control', 'no-store');
      return repairStatusView(ctx.store.read, id);
    },
  );

  app.post<{ Params: Static<typeof TokenParams>; Body: Static<typeof DecisionBody> }>(
    '/api/repair-status/:token/estimate',
    {
      schema: {
        tags: ['repairs'],
        summary:
          'The customer accepts or declines the estimate (once; the same answer again changes nothing)',
        params: TokenParams,
        body: DecisionBody,
      },
      config: { allow: 'public', ...publicLimit },
    },
    async (request, reply) => {
      // The link is the credential: a page of another site must not answer for the customer.
      if (!fromOwnOrigin(ctx, request))
        throw new Forbidden('this answer comes from a page of another site', 'cross-site-request');
      const id = await repairOfToken(request.params.token);
      await ctx.writer.run((unit) => decideEstimate(unit, id, request.body.decision));
      reply.header('cache-control', 'no-store');
      return repairStatusView(ctx.store.read, id);
    },
  );
}
