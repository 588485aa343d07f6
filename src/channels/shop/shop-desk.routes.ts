/**
 * The shop desk's routes (shop advisors of the shop, supervisors, admins): the floor of a shop for
 * one desk, opening a desk in a browser tab (with take-over), call next, recall, no-show, transfer,
 * serve, finish, an appointment's check-in at the desk, and the served customer's story with their
 * open cases, settled from the counter. Every desk action names the tab's `sessionKey`.
 */
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { Context } from '../../platform/context.ts';
import { IdParams, Strict, StringEnum } from '../../platform/http/schemas.ts';
import { viewer } from '../../advisors/authenticate.ts';
import type { Role } from '../../api-types/people.ts';
import type { Outbox } from '../send-queue.ts';
import {
  callNext,
  checkInAtDesk,
  counterCustomer,
  finishTicket,
  leaveDesk,
  markAppointmentNoShow,
  markNoShow,
  openDesk,
  recall,
  serveTicket,
  settleAtCounter,
  shopFloor,
  transferTicket,
} from './shop-desk.ts';

/** Who works a shop desk: shop advisors (their own shop), supervisors and admins (any). */
const shopDeskRoles: readonly Role[] = ['shop_advisor', 'supervisor', 'admin'];

const SessionKey = Type.String({ minLength: 16, maxLength: 100, pattern: '^[A-Za-z0-9_-]+$' });
const SessionBody = Strict({ sessionKey: SessionKey });
const OpenBody = Strict({ sessionKey: SessionKey, takeOver: Type.Boolean({ default: false }) });
const FloorQuery = Strict({
  deskId: Type.Optional(Type.Integer({ minimum: 1 })),
  sessionKey: Type.Optional(SessionKey),
});
const TransferBody = Strict({
  sessionKey: SessionKey,
  serviceId: Type.Optional(Type.Integer({ minimum: 1 })),
  deskId: Type.Optional(Type.Integer({ minimum: 1 })),
});
const ServeBody = Strict({
  sessionKey: SessionKey,
  /** The customer the advisor found (search), when the ticket names nobody or someone else. */
  customerId: Type.Optional(Type.Integer({ minimum: 1 })),
  /** Or how to reach them, to find or create their record. */
  customer: Type.Optional(
    Strict({
      name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
      email: Type.Optional(Type.String({ minLength: 3, maxLength: 254 })),
      phone: Type.Optional(Type.String({ minLength: 3, maxLength: 40 })),
    }),
  ),
});
const replyKinds = ['email', 'sms', 'chat_message', 'social_dm', 'note'] as const;
const SettleBody = Strict({
  conversationId: Type.Integer({ minimum: 1 }),
  reply: Type.Optional(
    Strict({
      kind: StringEnum(replyKinds),
      text: Type.String({ minLength: 1, maxLength: 20_000 }),
    }),
  ),
  resolve: Type.Boolean({ default: false }),
});

export function registerShopDeskRoutes(
  app: FastifyInstance,
  ctx: Context,
  outbox: Outbox | undefined,
): void {
  const config = { allow: shopDeskRoles };
  const tags = ['shops'];

  app.get<{ Params: IdParams; Querystring: Static<typeof FloorQuery> }>(
    '/api/shop-desk/shops/:id',
    {
      schema: {
        tags,
        summary:
          "A shop's floor today: appointments, walk-ins waiting, who is at each desk, and the chosen desk's call order",
        params: IdParams,
        querystring: FloorQuery,
      },
      config,
    },
    async (request) =>
      shopFloor(
        ctx.store.read,
        request.params.id,
        viewer(request),
        { deskId: request.query.deskId, sessionKey: request.query.sessionKey },
        ctx.clock.now(),
      ),
  );

  app.post<{ Params: IdParams; Body: Static<typeof OpenBody> }>(
    '/api/shop-desk/desks/:id/session',
    {
      schema: {
        tags,
        summary:
          'Open a desk in this browser tab; held by another tab, it is refused (409 desk-in-use) unless taking it over',
        params: IdParams,
        body: OpenBody,
      },
      config,
    },
    async (request) =>
      ctx.writer.run((unit) =>
        openDesk(unit, request.params.id, viewer(request), {
          sessionKey: request.body.sessionKey,
          takeOver: request.body.takeOver ?? false,
        }),
      ),
  );

  app.post<{ Params: IdParams; Body: Static<typeof SessionBody> }>(
    '/api/shop-desk/desks/:id/leave',
    {
      schema: {
        tags,
        summary: 'This browser tab leaves the desk: anyone may open it at once',
        params: IdParams,
        body: SessionBody,
      },
      config,
    },
    async (request) =>
      ctx.writer.run((unit) =>
        leaveDesk(unit, request.params.id, viewer(request), request.body.sessionKey),
      ),
  );

  app.post<{ Params: IdParams; Body: Static<typeof SessionBody> }>(
    '/api/shop-desk/desks/:id/next',
    {
      schema: {
        tags,
        summary:
          'Call the next visitor to this desk: due appointments, then walk-ins by wait (aged ones first)',
        params: IdParams,
        body: SessionBody,
      },
      config,
    },
    async (request) => ({
      called: await ctx.writer.run((unit) =>
        callNext(unit, request.params.id, viewer(request), request.body.sessionKey),
      ),
    }),
  );

  const ticketAction = (path: string, summary: string, act: typeof recall) =>
    app.post<{ Params: IdParams; Body: Static<typeof SessionBody> }>(
      path,
      { schema: { tags, summary, params: IdParams, body: SessionBody }, config },
      async (request) =>
        ctx.writer.run((unit) =>
          act(unit, request.params.id, viewer(request), request.body.sessionKey),
        ),
    );
  ticketAction(
    '/api/shop-desk/tickets/:id/recall',
    'Call the visitor again (the board announces it again); their wait still ends at the first call',
    recall,
  );
  ticketAction(
    '/api/shop-desk/tickets/:id/no-show',
    'The visitor called did not come: the ticket, or its appointment, is a no-show',
    markNoShow,
  );
  ticketAction(
    '/api/shop-desk/tickets/:id/finish',
    'The visit is over: served, and the desk’s held time ends now',
    finishTicket,
  );

  app.post<{ Params: IdParams; Body: Static<typeof TransferBody> }>(
    '/api/shop-desk/tickets/:id/transfer',
    {
      schema: {
        tags,
        summary: 'Send a visitor to another service or desk; they keep their place (their wait)',
        params: IdParams,
        body: TransferBody,
      },
      config,
    },
    async (request) =>
      ctx.writer.run((unit) =>
        transferTicket(unit, request.params.id, viewer(request), request.body),
      ),
  );

  app.post<{ Params: IdParams; Body: Static<typeof ServeBody> }>(
    '/api/shop-desk/tickets/:id/serve',
    {
      schema: {
        tags,
        summary:
          'Serve the visitor called: their case opened or continued on the shop channel, the visit on their timeline',
        params: IdParams,
        body: ServeBody,
      },
      config,
    },
    async (request) =>
      ctx.writer.run((unit) =>
        serveTicket(unit, request.params.id, viewer(request), request.body, {
          defaultRegion: ctx.config.defaultPhoneRegion,
          dialect: ctx.store.dialect,
        }),
      ),
  );

  app.post<{ Params: IdParams }>(
    '/api/shop-desk/appointments/:id/check-in',
    {
      schema: {
        tags,
        summary: 'An appointment holder checks in at the desk: call next may call them once due',
        params: IdParams,
      },
      config,
    },
    async (request) =>
      ctx.writer.run((unit) => checkInAtDesk(unit, request.params.id, viewer(request))),
  );

  app.post<{ Params: IdParams }>(
    '/api/shop-desk/appointments/:id/no-show',
    {
      schema: {
        tags,
        summary: 'The appointment’s customer never came (its time has begun, nobody called it)',
        params: IdParams,
      },
      config,
    },
    async (request) =>
      ctx.writer.run((unit) => markAppointmentNoShow(unit, request.params.id, viewer(request))),
  );

  app.get<{ Params: IdParams }>(
    '/api/shop-desk/tickets/:id/customer',
    {
      schema: {
        tags,
        summary:
          'The customer being served: their whole timeline and their open cases, from any channel',
        params: IdParams,
      },
      config,
    },
    async (request) =>
      counterCustomer(ctx.store.read, request.params.id, viewer(request), ctx.clock.now()),
  );

  app.post<{ Params: IdParams; Body: Static<typeof SettleBody> }>(
    '/api/shop-desk/tickets/:id/settle',
    {
      schema: {
        tags,
        summary:
          'Settle one of the served customer’s cases from the counter: reply (or note) and/or resolve',
        params: IdParams,
        body: SettleBody,
      },
      config,
    },
    async (request) =>
      ctx.writer.run((unit) =>
        settleAtCounter(
          unit,
          request.params.id,
          viewer(request),
          {
            conversationId: request.body.conversationId,
            reply: request.body.reply,
            resolve: request.body.resolve ?? false,
          },
          outbox,
        ),
      ),
  );
}
