import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Context } from '../platform/context.ts';
import { IdParams, Strict } from '../platform/http/schemas.ts';
import { createOnce } from '../platform/http/idempotency.ts';
import { admins, staff, viewer } from '../advisors/authenticate.ts';
import { createShop, listShops, setShopHours, updateShop } from './shops.ts';
import type { Weekday } from './shop-hours.ts';

const Time = Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$' });
const DaySchema = Strict({
  weekday: Type.Integer({ minimum: 1, maximum: 7 }),
  opens: Time,
  closes: Time,
});
const Hours = Type.Array(DaySchema, { maxItems: 7 });
const Text = (max: number) => Type.String({ minLength: 1, maxLength: max });
const TimeZone = Type.String({ minLength: 1, maxLength: 64 });
const NullableId = Type.Union([Type.Integer({ minimum: 1 }), Type.Null()]);
const NewShopBody = Strict({
  name: Text(120),
  city: Text(120),
  address: Text(300),
  timeZone: TimeZone,
  teamId: Type.Optional(NullableId),
  hours: Type.Optional(Hours),
});
const ShopChangesBody = Strict({
  name: Type.Optional(Text(120)),
  city: Type.Optional(Text(120)),
  address: Type.Optional(Text(300)),
  timeZone: Type.Optional(TimeZone),
  teamId: Type.Optional(NullableId),
});
const HoursBody = Strict({ hours: Hours });

type Day = Static<typeof DaySchema>;
const asWeek = (days: readonly Day[]) =>
  days.map((d) => ({ weekday: d.weekday as Weekday, opens: d.opens, closes: d.closes }));

/** Shops: everyone reads them with their hours and "open now"; administrators change them. */
export function registerShopRoutes(app: FastifyInstance, ctx: Context): void {
  const actorOf = (id: number) => ({ type: 'advisor' as const, id });

  app.get(
    '/api/shops',
    {
      schema: {
        tags: ['shops'],
        summary:
          "Shops with their time zone, weekly hours and whether each is open now (in the shop's time)",
      },
      config: { allow: staff },
    },
    async () => ({ items: await listShops(ctx.store.read, ctx.clock.now()) }),
  );

  app.post<{ Body: Static<typeof NewShopBody> }>(
    '/api/shops',
    {
      schema: { tags: ['shops'], summary: 'Open a shop', body: NewShopBody },
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
        tags: ['shops'],
        summary: 'Rename, move or re-zone a shop',
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
        tags: ['shops'],
        summary: "Replace a shop's weekly hours (local times; a weekday left out is closed)",
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
}
