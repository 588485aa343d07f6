import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Context } from '../platform/context.ts';
import { Strict } from '../platform/http/schemas.ts';
import { leads } from '../advisors/authenticate.ts';
import { computeShopFigures } from './shop-figures.ts';

const FiguresQuery = Strict({ shopId: Type.Optional(Type.Integer({ minimum: 1 })) });

/** The wall's shop figures: waits, service times, served and no-shows per shop, service and hour. */
export function registerShopFiguresRoutes(app: FastifyInstance, ctx: Context): void {
  app.get<{ Querystring: Static<typeof FiguresQuery> }>(
    '/api/insights/shop-figures',
    {
      schema: {
        tags: ['insights'],
        summary:
          "Each shop's today (shop-local): waiting now, average and p90 wait, average service time, served and no-shows, per service and hour",
        querystring: FiguresQuery,
      },
      config: { allow: leads },
    },
    async (request) =>
      computeShopFigures(
        ctx.store.read,
        ctx.clock.now(),
        request.query.shopId === undefined ? undefined : [request.query.shopId],
      ),
  );
}
