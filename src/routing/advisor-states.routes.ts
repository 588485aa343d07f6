import type { FastifyInstance } from 'fastify';
import type { Context } from '../platform/context.ts';
import { IdParams, Strict } from '../platform/http/schemas.ts';
import { leads } from '../advisors/authenticate.ts';
import { advisorStateDetail, listAdvisorStates } from './advisor-states.ts';

const NoQuery = Strict({});

/** Advisors' states for the supervisor's wall: presence, load, occupancy over the last hour. */
export function registerAdvisorStateRoutes(app: FastifyInstance, ctx: Context): void {
  app.get(
    '/api/routing/advisors',
    {
      schema: {
        tags: ['routing'],
        summary:
          'Every active advisor: presence, capacity, load per channel, occupancy over the last hour and whether it is above the cap',
        querystring: NoQuery,
      },
      config: { allow: leads },
    },
    async () => listAdvisorStates(ctx.store.read, ctx.clock.now()),
  );

  app.get<{ Params: IdParams }>(
    '/api/routing/advisors/:id',
    {
      schema: {
        tags: ['routing'],
        summary: "One advisor's state and the items they hold now",
        params: IdParams,
        querystring: NoQuery,
      },
      config: { allow: leads },
    },
    async (request) => advisorStateDetail(ctx.store.read, request.params.id, ctx.clock.now()),
  );
}
