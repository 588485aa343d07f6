/**
 * A shop's kiosk: the page at `/kiosk/:shop` and its public API. Anyone standing in the shop may
 * use it, so every route is public, rate limited per address and strict about its input; what it
 * answers names no customer (a ticket, its estimate, a booking's service and time).
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Context } from '../../platform/context.ts';
import { Invalid } from '../../platform/errors.ts';
import { Strict } from '../../platform/http/schemas.ts';
import { createOnce } from '../../platform/http/idempotency.ts';
import { sendShopPage } from '../../platform/http/shop-pages.ts';
import type { CheckedInView, KioskInfo } from '../../api-types/tickets.ts';
import { appointmentOfCode, checkInAtKiosk, kioskInfo, takeTicket } from './tickets.ts';

export const ShopParams = Strict({ shop: Type.Integer({ minimum: 1 }) });
export type ShopParams = Static<typeof ShopParams>;

const Phone = Type.String({ minLength: 3, maxLength: 40 });
const Email = Type.String({ minLength: 3, maxLength: 254 });
const TakeTicketBody = Strict({
  serviceId: Type.Integer({ minimum: 1 }),
  phone: Type.Optional(Phone),
  email: Type.Optional(Email),
});
const CheckInBody = Strict({
  code: Type.Optional(Type.String({ minLength: 1, maxLength: 80 })),
  phone: Type.Optional(Phone),
  email: Type.Optional(Email),
});

/** The public rate limit of a kiosk or board route: RAPPORT_PUBLIC_RATE_LIMIT a minute (0: none). */
export function publicRate(ctx: Context, factor = 1) {
  const max = ctx.config.publicRateLimitPerMinute * factor;
  return max > 0 ? { rateLimit: { max, timeWindow: '1 minute' } } : {};
}

/** The kiosk's page and API. */
export function registerKioskRoutes(app: FastifyInstance, ctx: Context): void {
  const deps = { defaultRegion: ctx.config.defaultPhoneRegion, dialect: ctx.store.dialect };

  app.get<{ Params: ShopParams }>(
    '/kiosk/:shop',
    {
      schema: { hide: true, params: ShopParams },
      config: { allow: 'public', ...publicRate(ctx) },
    },
    (request, reply) => sendShopPage(reply, request, 'kiosk'),
  );

  app.get<{ Params: ShopParams }>(
    '/api/kiosk/:shop',
    {
      schema: {
        tags: ['shop floor'],
        summary:
          "A shop's kiosk: open or not, and each walk-in service with its estimated wait (public)",
        params: ShopParams,
      },
      config: { allow: 'public', ...publicRate(ctx, 2) },
    },
    async (request): Promise<KioskInfo> =>
      kioskInfo(ctx.store.read, request.params.shop, ctx.clock.now()),
  );

  app.post<{ Params: ShopParams; Body: Static<typeof TakeTicketBody> }>(
    '/api/kiosk/:shop/tickets',
    {
      schema: {
        tags: ['shop floor'],
        summary:
          'Take a walk-in ticket (public; send an Idempotency-Key: a double tap gives one ticket)',
        params: ShopParams,
        body: TakeTicketBody,
      },
      config: { allow: 'public', ...publicRate(ctx) },
    },
    async (request, reply) =>
      createOnce(ctx.writer, request, reply, `kiosk:${request.params.shop}`, async (unit) => {
        const result = await takeTicket(unit, deps, request.params.shop, request.body);
        return { status: result.kind === 'ticket' ? 201 : 200, body: result };
      }),
  );

  app.post<{ Params: ShopParams; Body: Static<typeof CheckInBody> }>(
    '/api/kiosk/:shop/check-in',
    {
      schema: {
        tags: ['shop floor'],
        summary:
          "An appointment holder checks in: by their booking's code, or by phone or email (today)",
        params: ShopParams,
        body: CheckInBody,
      },
      config: { allow: 'public', ...publicRate(ctx) },
    },
    async (request): Promise<CheckedInView> => {
      const { code, ...contact } = request.body;
      let appointmentId: number | undefined;
      if (code !== undefined) {
        const id = await appointmentOfCode(ctx, code);
        if (id === null) throw new Invalid('code', 'is not the code of a booking');
        appointmentId = id;
      }
      return ctx.writer.run((unit) =>
        checkInAtKiosk(unit, deps, request.params.shop, {
          ...(appointmentId !== undefined ? { appointmentId } : contact),
        }),
      );
    },
  );
}
