import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Context } from '../../platform/context.ts';
import { Invalid } from '../../platform/errors.ts';
import { IdParams, Strict } from '../../platform/http/schemas.ts';
import { createOnce } from '../../platform/http/idempotency.ts';
import { sendShopPage } from '../../platform/http/shop-pages.ts';
import { datesBetween, localDateOf } from '../../shops/calendar.ts';
import { loadShopCalendar, openSlots, planDays } from '../../shops/slots.ts';
import { DateTime } from 'luxon';
import type { Outbox } from '../send-queue.ts';
import { listBookableShops } from './booking-shops.ts';
import {
  appointmentOfLink,
  bookableServiceOf,
  bookAppointment,
  cancelAppointment,
  linkedId,
  readyLinks,
  rescheduleAppointment,
} from './appointments.ts';
import type { SlotList } from '../../api-types/appointments.ts';

const Instant = Type.String({
  minLength: 20,
  maxLength: 30,
  pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,3})?)?(Z|[+-]\\d{2}:\\d{2})$',
  description: 'ISO 8601 with a zone, e.g. 2026-12-07T09:00:00Z',
});
const LocalDate = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', maxLength: 10 });
const ShopsQuery = Strict({
  postcode: Type.Optional(
    Type.String({ minLength: 1, maxLength: 16, pattern: '^[0-9A-Za-z -]+$' }),
  ),
  latitude: Type.Optional(Type.Number({ minimum: -90, maximum: 90 })),
  longitude: Type.Optional(Type.Number({ minimum: -180, maximum: 180 })),
});
const SlotsQuery = Strict({
  serviceId: Type.Integer({ minimum: 1 }),
  from: Type.Optional(LocalDate),
  to: Type.Optional(LocalDate),
});
const BookingBody = Strict({
  shopId: Type.Integer({ minimum: 1 }),
  serviceId: Type.Integer({ minimum: 1 }),
  startsAt: Instant,
  name: Type.String({ minLength: 1, maxLength: 120 }),
  email: Type.Optional(Type.String({ minLength: 3, maxLength: 254 })),
  phone: Type.Optional(Type.String({ minLength: 3, maxLength: 40 })),
  notes: Type.Optional(Type.String({ maxLength: 500 })),
});
const TokenParams = Strict({
  token: Type.String({ maxLength: 60, pattern: '^a[1-9][0-9]{0,15}\\.[A-Za-z0-9_-]{32}$' }),
});
const RescheduleBody = Strict({
  startsAt: Instant,
  version: Type.Optional(Type.Integer({ minimum: 1 })),
});
const CancelBody = Strict({ version: Type.Optional(Type.Integer({ minimum: 1 })) });

type TokenParams = Static<typeof TokenParams>;

const instant = (iso: string, field: string) => {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) throw new Invalid(field, 'is not a date and time');
  return ms;
};

/** How many days of slots one request may ask for. */
const maxSlotDays = 31;

/**
 * The public booking surface: the `/book` page and the appointment page behind a signed link, and
 * their API under /api/book/ (no login; strict schemas; rate-limited per client address).
 */
export function registerBookingRoutes(app: FastifyInstance, ctx: Context, outbox: Outbox): void {
  const limit = ctx.config.publicRateLimitPerMinute;
  const limited = (factor: number) => ({
    allow: 'public' as const,
    ...(limit > 0 ? { rateLimit: { max: limit * factor, timeWindow: '1 minute' } } : {}),
  });
  const deps = { ctx, outbox };

  app.get('/book', { schema: { hide: true }, config: limited(1) }, (request, reply) =>
    sendShopPage(reply, request, 'book'),
  );
  app.get<{ Params: TokenParams }>(
    '/appointment/:token',
    { schema: { hide: true, params: TokenParams }, config: limited(1) },
    (request, reply) => sendShopPage(reply, request, 'appointment'),
  );

  app.get<{ Querystring: Static<typeof ShopsQuery> }>(
    '/api/book/shops',
    {
      schema: {
        tags: ['booking'],
        summary:
          'Shops one can book at, nearest first from a postcode or a location (latitude and longitude), with their bookable services',
        querystring: ShopsQuery,
      },
      config: limited(2),
    },
    async (request) => {
      const { postcode, latitude, longitude } = request.query;
      if ((latitude === undefined) !== (longitude === undefined))
        throw new Invalid(
          latitude === undefined ? 'latitude' : 'longitude',
          'is needed with the other coordinate',
        );
      const from =
        latitude !== undefined && longitude !== undefined
          ? { latitude, longitude }
          : postcode
            ? { postcode }
            : null;
      return { items: await listBookableShops(ctx.store.read, from) };
    },
  );

  app.get<{ Params: IdParams; Querystring: Static<typeof SlotsQuery> }>(
    '/api/book/shops/:id/slots',
    {
      schema: {
        tags: ['booking'],
        summary:
          "Free slots of a service at a shop, from one shop-local date to another (two weeks from today by default, 31 days at most), in the shop's time zone",
        params: IdParams,
        querystring: SlotsQuery,
      },
      config: limited(4),
    },
    async (request): Promise<SlotList> => {
      const shopId = request.params.id;
      const service = await bookableServiceOf(ctx.store.read, shopId, request.query.serviceId);
      const now = ctx.clock.now();
      const calendarZone = service.timeZone;
      const today = localDateOf(now, calendarZone);
      const from = request.query.from ?? today;
      const to =
        request.query.to ??
        DateTime.fromISO(from, { zone: calendarZone }).plus({ days: 13 }).toISODate()!;
      if (to < from) throw new Invalid('to', 'must not be before from');
      const dates = datesBetween(from, to);
      if (dates.length > maxSlotDays)
        throw new Invalid('to', `may be at most ${maxSlotDays} days after from`);
      const start = DateTime.fromISO(from, { zone: calendarZone }).toMillis();
      const end = DateTime.fromISO(to, { zone: calendarZone }).plus({ days: 1 }).toMillis();
      const calendar = await loadShopCalendar(ctx.store.read, shopId, start, end);
      const slots = openSlots(calendar, planDays(calendar, dates), service, { now });
      return {
        shopId,
        serviceId: service.id,
        timeZone: calendarZone,
        items: slots.map((s) => {
          const local = DateTime.fromMillis(s.startsAt, { zone: calendarZone });
          return {
            startsAt: new Date(s.startsAt).toISOString(),
            endsAt: new Date(s.endsAt).toISOString(),
            date: local.toISODate()!,
            time: local.toFormat('HH:mm'),
          };
        }),
      };
    },
  );

  app.post<{ Body: Static<typeof BookingBody> }>(
    '/api/book/appointments',
    {
      schema: {
        tags: ['booking'],
        summary:
          'Book a slot: the customer found or created by email or phone, a case opened on the shop channel, the confirmation sent by email (with an .ics) and SMS. Honours Idempotency-Key.',
        body: BookingBody,
      },
      config: limited(1),
    },
    async (request, reply) => {
      await readyLinks(ctx);
      const body = request.body;
      // Keys are scoped by client address: a key guessed elsewhere replays nobody else's booking.
      // The writer runs a unit up to three times: the first two may retry a race lost to another node.
      let attempt = 0;
      return createOnce(
        ctx.writer,
        request,
        reply,
        `public:booking:${request.ip}`,
        async (unit) => ({
          status: 201,
          body: await bookAppointment(
            deps,
            unit,
            {
              shopId: body.shopId,
              serviceId: body.serviceId,
              startsAt: instant(body.startsAt, 'startsAt'),
              name: body.name,
              email: body.email,
              phone: body.phone,
              notes: body.notes,
            },
            { mayRetry: ++attempt < 3 },
          ),
        }),
      );
    },
  );

  app.get<{ Params: TokenParams }>(
    '/api/book/appointments/:token',
    {
      schema: {
        tags: ['booking'],
        summary:
          "An appointment behind its signed link, in its current state (a cancelled one points to the customer's live booking)",
        params: TokenParams,
      },
      config: limited(2),
    },
    async (request) => appointmentOfLink(ctx, request.params.token),
  );

  app.post<{ Params: TokenParams; Body: Static<typeof RescheduleBody> }>(
    '/api/book/appointments/:token/reschedule',
    {
      schema: {
        tags: ['booking'],
        summary:
          'Move an appointment to another free slot (its version grows; the old reminder goes stale)',
        params: TokenParams,
        body: RescheduleBody,
      },
      config: limited(1),
    },
    async (request) => {
      await readyLinks(ctx);
      const id = await linkedId(ctx, request.params.token);
      const startsAt = instant(request.body.startsAt, 'startsAt');
      let attempt = 0;
      return ctx.writer.run((unit) =>
        rescheduleAppointment(
          deps,
          unit,
          id,
          { startsAt, version: request.body.version },
          { mayRetry: ++attempt < 3 },
        ),
      );
    },
  );

  app.post<{ Params: TokenParams; Body: Static<typeof CancelBody> }>(
    '/api/book/appointments/:token/cancel',
    {
      schema: {
        tags: ['booking'],
        summary: 'Cancel an appointment (its desk and advisor are free again)',
        params: TokenParams,
        body: CancelBody,
      },
      config: limited(1),
    },
    async (request) => {
      await readyLinks(ctx);
      const id = await linkedId(ctx, request.params.token);
      return ctx.writer.run((unit) =>
        cancelAppointment(deps, unit, id, { version: request.body.version }),
      );
    },
  );
}
