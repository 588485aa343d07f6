import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Context } from '../platform/context.ts';
import { NotFound } from '../platform/errors.ts';
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
    async (request) => {
      const { shopId } = request.query;
      const figures = await computeShopFigures(
        ctx.store.read,
        ctx.clock.now(),
        shopId === undefined ? undefined : [shopId],
      );
      if (shopId !== undefined && figures.shops.length === 0) throw new NotFound('shop');
      return figures;
    },
  );
}
