import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Context } from '../platform/context.ts';
import { IdParams, Strict } from '../platform/http/schemas.ts';
import { admins, leads, viewer } from '../advisors/authenticate.ts';
import type { Weekday } from '../api-types/shops.ts';
import { getTeamCalendar, setTeamCalendar } from './team-calendars.ts';

const Time = Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$' });
const WeekdaySchema = Type.Integer({ minimum: 1, maximum: 7 });
const CalendarBody = Strict({
  timeZone: Type.String({ minLength: 1, maxLength: 64 }),
  hours: Type.Array(Strict({ weekday: WeekdaySchema, opens: Time, closes: Time }), {
    maxItems: 35,
  }),
  holidays: Type.Array(
    Strict({
      date: Type.String({ format: 'date' }),
      name: Type.String({ minLength: 1, maxLength: 80 }),
    }),
    { maxItems: 400 },
  ),
});

/** A team's calendar: the hours and holidays its written-channel service-level clocks count in. */
export function registerTeamCalendarRoutes(app: FastifyInstance, ctx: Context): void {
  app.get<{ Params: IdParams }>(
    '/api/teams/:id/calendar',
    {
      schema: {
        tags: ['routing'],
        summary:
          "A team's weekly hours and holidays (written channels' clocks count only these; in the centre's zone until set)",
        params: IdParams,
      },
      config: { allow: leads },
    },
    async (request) => getTeamCalendar(ctx.store.read, request.params.id, ctx.config.timeZone),
  );

  app.put<{ Params: IdParams; Body: Static<typeof CalendarBody> }>(
    '/api/teams/:id/calendar',
    {
      schema: {
        tags: ['routing'],
        summary:
          "Replace a team's calendar: its zone, weekly hours (none: 24 × 7) and holidays; new written work counts business time in it",
        params: IdParams,
        body: CalendarBody,
      },
      config: { allow: admins },
    },
    async (request) => {
      const me = viewer(request);
      return ctx.writer.run((unit) =>
        setTeamCalendar(
          unit,
          request.params.id,
          {
            ...request.body,
            hours: request.body.hours.map((h) => ({ ...h, weekday: h.weekday as Weekday })),
          },
          { type: 'advisor', id: me.id },
          ctx.config.timeZone,
        ),
      );
    },
  );
}
