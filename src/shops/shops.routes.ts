import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Context } from '../platform/context.ts';
import { NotFound } from '../platform/errors.ts';
import { IdParams, Strict } from '../platform/http/schemas.ts';
import { createOnce } from '../platform/http/idempotency.ts';
import { admins, staff, viewer } from '../advisors/authenticate.ts';
import type { Viewer } from '../advisors/access.ts';
import type { Role } from '../api-types/people.ts';
import { createShop, getShop, listShops, setShopHours, updateShop } from './shops.ts';
import { timeZoneNames, type Weekday } from './shop-hours.ts';
import { addShopException, removeShopException } from './shop-exceptions.ts';
import { addDesk, updateDesk } from './shop-desks.ts';
import { createService, listServices, setOfferedServices, updateService } from './shop-services.ts';
import { addShift, listShifts, removeShift, updateShift } from './shop-shifts.ts';

const Time = Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$' });
const IsoDate = Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' });
const WeekdaySchema = Type.Integer({ minimum: 1, maximum: 7 });
const DaySchema = Strict({ weekday: WeekdaySchema, opens: Time, closes: Time });
// Seven days of a few openings each is plenty; more is a mistake.
const Hours = Type.Array(DaySchema, { maxItems: 35 });
const Text = (max: number) => Type.String({ minLength: 1, maxLength: max });
const TimeZone = Type.String({ minLength: 1, maxLength: 64 });
const NullableId = Type.Union([Type.Integer({ minimum: 1 }), Type.Null()]);
const Latitude = Type.Union([Type.Number({ minimum: -90, maximum: 90 }), Type.Null()]);
const Longitude = Type.Union([Type.Number({ minimum: -180, maximum: 180 }), Type.Null()]);
const Postcode = Type.String({ maxLength: 20 });
const NewShopBody = Strict({
  name: Text(120),
  city: Text(120),
  address: Text(300),
  postcode: Type.Optional(Postcode),
  latitude: Type.Optional(Latitude),
  longitude: Type.Optional(Longitude),
  timeZone: TimeZone,
  teamId: Type.Optional(NullableId),
  hours: Type.Optional(Hours),
});
const ShopChangesBody = Strict({
  name: Type.Optional(Text(120)),
  city: Type.Optional(Text(120)),
  address: Type.Optional(Text(300)),
  postcode: Type.Optional(Postcode),
  latitude: Type.Optional(Latitude),
  longitude: Type.Optional(Longitude),
  timeZone: Type.Optional(TimeZone),
  teamId: Type.Optional(NullableId),
});
const HoursBody = Strict({ hours: Hours });
const OfferedBody = Strict({
  serviceIds: Type.Array(Type.Integer({ minimum: 1 }), { maxItems: 100 }),
});
const ExceptionBody = Strict({
  date: IsoDate,
  opens: Type.Optional(Type.Union([Time, Type.Null()])),
  closes: Type.Optional(Type.Union([Time, Type.Null()])),
  reason: Text(200),
});
const DeskBody = Strict({ name: Text(60) });
const DeskChangesBody = Strict({
  name: Type.Optional(Text(60)),
  active: Type.Optional(Type.Boolean()),
});
const Slug = Type.String({ minLength: 1, maxLength: 60 });
const ServiceFields = {
  name: Text(120),
  ticketPrefix: Type.String({ minLength: 1, maxLength: 1 }),
  durationMinutes: Type.Integer({ minimum: 1, maximum: 1440 }),
  bufferMinutes: Type.Integer({ minimum: 0, maximum: 1440 }),
  skills: Type.Array(Slug, { maxItems: 20 }),
  bookable: Type.Boolean(),
  walkIn: Type.Boolean(),
  active: Type.Boolean(),
};
const NewServiceBody = Strict({
  code: Slug,
  name: ServiceFields.name,
  ticketPrefix: ServiceFields.ticketPrefix,
  durationMinutes: ServiceFields.durationMinutes,
  bufferMinutes: ServiceFields.bufferMinutes,
  skills: Type.Optional(ServiceFields.skills),
  bookable: Type.Optional(ServiceFields.bookable),
  walkIn: Type.Optional(ServiceFields.walkIn),
  active: Type.Optional(ServiceFields.active),
});
const ServiceChangesBody = Strict({
  code: Type.Optional(Slug),
  name: Type.Optional(ServiceFields.name),
  ticketPrefix: Type.Optional(ServiceFields.ticketPrefix),
  durationMinutes: Type.Optional(ServiceFields.durationMinutes),
  bufferMinutes: Type.Optional(ServiceFields.bufferMinutes),
  skills: Type.Optional(ServiceFields.skills),
  bookable: Type.Optional(ServiceFields.bookable),
  walkIn: Type.Optional(ServiceFields.walkIn),
  active: Type.Optional(ServiceFields.active),
});
const ShiftBody = Strict({
  advisorId: Type.Integer({ minimum: 1 }),
  weekday: Type.Optional(Type.Union([WeekdaySchema, Type.Null()])),
  date: Type.Optional(Type.Union([IsoDate, Type.Null()])),
  starts: Time,
  ends: Time,
  deskId: Type.Optional(NullableId),
});
const ShiftChangesBody = Strict({
  advisorId: Type.Optional(Type.Integer({ minimum: 1 })),
  weekday: Type.Optional(Type.Union([WeekdaySchema, Type.Null()])),
  date: Type.Optional(Type.Union([IsoDate, Type.Null()])),
  starts: Type.Optional(Time),
  ends: Type.Optional(Time),
  deskId: Type.Optional(NullableId),
});
const ServicesQuery = Strict({ shopId: Type.Optional(Type.Integer({ minimum: 1 })) });

type Day = Static<typeof DaySchema>;
const asWeek = (days: readonly Day[]) =>
  days.map((d) => ({ weekday: d.weekday as Weekday, opens: d.opens, closes: d.closes }));

/** Who sees a shop's rota: leads every shop's, a shop advisor their own shop's. */
const rotaReaders: readonly Role[] = ['shop_advisor', 'supervisor', 'admin'];

/**
 * Shops and their floor: everyone on staff reads shops, hours, exceptions, desks and the service
 * catalogue; shifts are for the shop's own advisors and leads; administrators change all of it.
 */
export function registerShopRoutes(app: FastifyInstance, ctx: Context): void {
  const actorOf = (id: number) => ({ type: 'advisor' as const, id });
  const tags = ['shops'];

  /** A shop advisor sees the rota of their own shop, or of a shop they have a shift at. */
  async function checkRotaReader(me: Viewer, shopId: number): Promise<void> {
    if (me.role !== 'shop_advisor' || me.shopId === shopId) return;
    const shift = await ctx.store.read
      .selectFrom('shop_shifts')
      .select('id')
      .where('shop_id', '=', shopId)
      .where('advisor_id', '=', me.id)
      .executeTakeFirst();
    if (!shift) throw new NotFound('shop');
  }

  app.get(
    '/api/time-zones',
    {
      schema: {
        tags,
        summary: 'The IANA time-zone names a shop may be in (for a select, never free text)',
      },
      config: { allow: staff },
    },
    async () => ({ items: timeZoneNames() }),
  );

  app.get(
    '/api/shops',
    {
      schema: {
        tags,
        summary:
          "Shops with where they are, their time zone, weekly hours, exceptions, desks, services and whether each is open now (in the shop's time)",
      },
      config: { allow: staff },
    },
    async () => ({ items: await listShops(ctx.store.read, ctx.clock.now()) }),
  );

  app.get<{ Params: IdParams }>(
    '/api/shops/:id',
    {
      schema: { tags, summary: 'One shop, as in the list', params: IdParams },
      config: { allow: staff },
    },
    async (request) => getShop(ctx.store.read, request.params.id, ctx.clock.now()),
  );

  app.post<{ Body: Static<typeof NewShopBody> }>(
    '/api/shops',
    {
      schema: { tags, summary: 'Open a shop', body: NewShopBody },
      config: { allow: admins },
    },
    async (request, reply) => {
      const me = viewer(request);
      const { hours, ...rest } = request.body;
      return createOnce(ctx.writer, request, reply, `advisor:${me.id}`, async (unit) => ({
        status: 201,
        body: await createShop(
          unit,
          { ...rest, ...(hours ? { hours: asWeek(hours) } : {}) },
          actorOf(me.id),
        ),
      }));
    },
  );

  app.patch<{ Params: IdParams; Body: Static<typeof ShopChangesBody> }>(
    '/api/shops/:id',
    {
      schema: {
        tags,
        summary: 'Rename, move (address, postcode, place) or re-zone a shop',
        params: IdParams,
        body: ShopChangesBody,
      },
      config: { allow: admins },
    },
    async (request) => {
      const me = viewer(request);
      return ctx.writer.run((unit) =>
        updateShop(unit, request.params.id, request.body, actorOf(me.id)),
      );
    },
  );

  app.put<{ Params: IdParams; Body: Static<typeof HoursBody> }>(
    '/api/shops/:id/hours',
    {
      schema: {
        tags,
        summary:
          "Replace a shop's weekly hours (local times; several openings a day that never overlap; a weekday left out is closed)",
        params: IdParams,
        body: HoursBody,
      },
      config: { allow: admins },
    },
    async (request) => {
      const me = viewer(request);
      return ctx.writer.run((unit) =>
        setShopHours(unit, request.params.id, asWeek(request.body.hours), actorOf(me.id)),
      );
    },
  );

  app.put<{ Params: IdParams; Body: Static<typeof OfferedBody> }>(
    '/api/shops/:id/services',
    {
      schema: {
        tags,
        summary: 'Replace which services of the catalogue a shop offers',
        params: IdParams,
        body: OfferedBody,
      },
      config: { allow: admins },
    },
    async (request) => {
      const me = viewer(request);
      return ctx.writer.run(async (unit) => {
        await setOfferedServices(unit, request.params.id, request.body.serviceIds, actorOf(me.id));
        return getShop(unit.db, request.params.id, unit.now);
      });
    },
  );

  app.post<{ Params: IdParams; Body: Static<typeof ExceptionBody> }>(
    '/api/shops/:id/exceptions',
    {
      schema: {
        tags,
        summary:
          'Add a dated exception (shop-local date): no times closes the day; times replace its hours',
        params: IdParams,
        body: ExceptionBody,
      },
      config: { allow: admins },
    },
    async (request, reply) => {
      const me = viewer(request);
      const added = await ctx.writer.run((unit) =>
        addShopException(unit, request.params.id, request.body, actorOf(me.id)),
      );
      return reply.code(201).send(added);
    },
  );

  app.delete<{ Params: IdParams }>(
    '/api/shop-exceptions/:id',
    {
      schema: {
        tags,
        summary: 'Remove a dated exception (the day follows the weekly hours again)',
        params: IdParams,
      },
      config: { allow: admins },
    },
    async (request, reply) => {
      const me = viewer(request);
      await ctx.writer.run((unit) => removeShopException(unit, request.params.id, actorOf(me.id)));
      return reply.code(204).send();
    },
  );

  app.post<{ Params: IdParams; Body: Static<typeof DeskBody> }>(
    '/api/shops/:id/desks',
    {
      schema: {
        tags,
        summary: 'Add a desk (counter) to a shop; names are unique in the shop',
        params: IdParams,
        body: DeskBody,
      },
      config: { allow: admins },
    },
    async (request, reply) => {
      const me = viewer(request);
      const desk = await ctx.writer.run((unit) =>
        addDesk(unit, request.params.id, request.body.name, actorOf(me.id)),
      );
      return reply.code(201).send(desk);
    },
  );

  app.patch<{ Params: IdParams; Body: Static<typeof DeskChangesBody> }>(
    '/api/shop-desks/:id',
    {
      schema: {
        tags,
        summary: 'Rename a desk, or take it out of service and back',
        params: IdParams,
        body: DeskChangesBody,
      },
      config: { allow: admins },
    },
    async (request) => {
      const me = viewer(request);
      return ctx.writer.run((unit) =>
        updateDesk(unit, request.params.id, request.body, actorOf(me.id)),
      );
    },
  );

  app.get<{ Querystring: Static<typeof ServicesQuery> }>(
    '/api/shop-services',
    {
      schema: {
        tags,
        summary: "The service catalogue (or one shop's offer): durations, buffers, skills, letters",
        querystring: ServicesQuery,
      },
      config: { allow: staff },
    },
    async (request) => ({ items: await listServices(ctx.store.read, request.query.shopId) }),
  );

  app.post<{ Body: Static<typeof NewServiceBody> }>(
    '/api/shop-services',
    {
      schema: { tags, summary: 'Add a service to the catalogue', body: NewServiceBody },
      config: { allow: admins },
    },
    async (request, reply) => {
      const me = viewer(request);
      return createOnce(ctx.writer, request, reply, `advisor:${me.id}`, async (unit) => ({
        status: 201,
        body: await createService(unit, request.body, actorOf(me.id)),
      }));
    },
  );

  app.patch<{ Params: IdParams; Body: Static<typeof ServiceChangesBody> }>(
    '/api/shop-services/:id',
    {
      schema: {
        tags,
        summary: 'Change a service (switching it off frees its ticket letter)',
        params: IdParams,
        body: ServiceChangesBody,
      },
      config: { allow: admins },
    },
    async (request) => {
      const me = viewer(request);
      return ctx.writer.run((unit) =>
        updateService(unit, request.params.id, request.body, actorOf(me.id)),
      );
    },
  );

  app.get<{ Params: IdParams }>(
    '/api/shops/:id/shifts',
    {
      schema: {
        tags,
        summary: "A shop's rota: who works when (weekly and dated shifts, shop-local times)",
        params: IdParams,
      },
      config: { allow: rotaReaders },
    },
    async (request) => {
      const me = viewer(request);
      await checkRotaReader(me, request.params.id);
      await getShop(ctx.store.read, request.params.id, ctx.clock.now());
      return { items: await listShifts(ctx.store.read, { shopId: request.params.id }) };
    },
  );

  app.post<{ Params: IdParams; Body: Static<typeof ShiftBody> }>(
    '/api/shops/:id/shifts',
    {
      schema: {
        tags,
        summary: 'Put an advisor on a shift at a shop (every week on a weekday, or on one date)',
        params: IdParams,
        body: ShiftBody,
      },
      config: { allow: admins },
    },
    async (request, reply) => {
      const me = viewer(request);
      const b = request.body;
      const shift = await ctx.writer.run((unit) =>
        addShift(
          unit,
          request.params.id,
          {
            advisorId: b.advisorId,
            weekday: (b.weekday ?? null) as Weekday | null,
            date: b.date ?? null,
            starts: b.starts,
            ends: b.ends,
            deskId: b.deskId ?? null,
          },
          actorOf(me.id),
        ),
      );
      return reply.code(201).send(shift);
    },
  );

  app.patch<{ Params: IdParams; Body: Static<typeof ShiftChangesBody> }>(
    '/api/shop-shifts/:id',
    {
      schema: {
        tags,
        summary: 'Move a shift (times, day, desk) or give it to another advisor',
        params: IdParams,
        body: ShiftChangesBody,
      },
      config: { allow: admins },
    },
    async (request) => {
      const me = viewer(request);
      const { weekday, ...rest } = request.body;
      return ctx.writer.run((unit) =>
        updateShift(
          unit,
          request.params.id,
          { ...rest, ...(weekday !== undefined ? { weekday: weekday as Weekday | null } : {}) },
          actorOf(me.id),
        ),
      );
    },
  );

  app.delete<{ Params: IdParams }>(
    '/api/shop-shifts/:id',
    {
      schema: { tags, summary: 'Take a shift off the rota', params: IdParams },
      config: { allow: admins },
    },
    async (request, reply) => {
      const me = viewer(request);
      await ctx.writer.run((unit) => removeShift(unit, request.params.id, actorOf(me.id)));
      return reply.code(204).send();
    },
  );
}
