import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Context } from '../platform/context.ts';
import { Limit, Strict } from '../platform/http/schemas.ts';
import { staff, viewer } from '../advisors/authenticate.ts';
import { interactionChannels, statuses } from '../conversations/conversations.ts';
import { listWork, workViews } from './waiting-cases.ts';

const literals = <T extends string>(values: readonly T[]) =>
  Type.Union(values.map((v) => Type.Literal(v)));
const WorkQuery = Strict({
  view: literals(workViews),
  channel: Type.Optional(literals(interactionChannels)),
  status: Type.Optional(literals(statuses)),
  tag: Type.Optional(Type.String({ minLength: 1, maxLength: 60 })),
  teamId: Type.Optional(Type.Integer({ minimum: 1 })),
  limit: Limit(100, 500),
});

/** The advisor's work list: their cases, or every case waiting for an answer, earliest deadline first. */
export function registerWaitingCaseRoutes(app: FastifyInstance, ctx: Context): void {
  app.get<{ Querystring: Static<typeof WorkQuery> }>(
    '/api/desk/work',
    {
      schema: {
        tags: ['desk'],
        summary:
          'My cases, or every case waiting for an answer in my scope, earliest deadline first',
        querystring: WorkQuery,
      },
      config: { allow: staff },
    },
    async (request) => ({
      ...(await listWork(ctx.store.read, viewer(request), request.query, ctx.clock.now())),
      at: new Date(ctx.clock.now()).toISOString(),
    }),
  );
}
