import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { IANAZone } from 'luxon';
import type { Context } from '../platform/context.ts';
import { Strict } from '../platform/http/schemas.ts';
import { Invalid } from '../platform/errors.ts';
import { admins, leads, staff, viewer } from '../advisors/authenticate.ts';
import { channels } from '../channels/channel.ts';
import { loadPolicies, setPolicy } from '../routing/service-levels.ts';
import { computeWall } from './wall.ts';

const WallQuery = Strict({ timeZone: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })) });
const ChannelParams = Strict({ channel: Type.Union(channels.map((c) => Type.Literal(c))) });
const PolicyBody = Strict({
  thresholdSeconds: Type.Integer({ minimum: 1, maximum: 7 * 24 * 3600 }),
  targetPercent: Type.Number({ exclusiveMinimum: 0, maximum: 100 }),
});

/** The supervisor's wall and the service-level policies it measures against. */
export function registerInsightsRoutes(app: FastifyInstance, ctx: Context): void {
  app.get<{ Querystring: Static<typeof WallQuery> }>(
    '/api/insights/wall',
    {
      schema: {
        tags: ['insights'],
        summary:
          'Per channel: waiting now, longest wait, service level and speed of answer today, and the parity index',
        querystring: WallQuery,
      },
      config: { allow: leads },
    },
    async (request) => {
      // The centre's day, the same for every supervisor; a query names another zone's day.
      const timeZone = request.query.timeZone ?? ctx.config.timeZone;
      if (!IANAZone.isValidZone(timeZone))
        throw new Invalid('timeZone', 'is not an IANA time zone');
      return computeWall(ctx.store.read, ctx.clock.now(), timeZone);
    },
  );

  app.get(
    '/api/insights/service-levels',
    {
      schema: { tags: ['insights'], summary: "Each channel's service-level promise" },
      config: { allow: staff },
    },
    async () => ({ items: Object.values(await loadPolicies(ctx.store.read)) }),
  );

  app.put<{ Params: Static<typeof ChannelParams>; Body: Static<typeof PolicyBody> }>(
    '/api/insights/service-levels/:channel',
    {
      schema: {
        tags: ['insights'],
        summary: "Change a channel's service-level promise",
        params: ChannelParams,
        body: PolicyBody,
      },
      config: { allow: admins },
    },
    async (request) => {
      const me = viewer(request);
      return ctx.writer.run((unit) =>
        setPolicy(
          unit,
          request.params.channel,
          {
            thresholdMs: request.body.thresholdSeconds * 1000,
            targetFraction: request.body.targetPercent / 100,
          },
          { type: 'advisor', id: me.id },
        ),
      );
    },
  );
}
