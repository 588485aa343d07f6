/**
 * The desk's call routes: `POST /api/calls/:id/wrap-up` (notes, outcome, a hard call) and
 * `GET /api/callbacks` (the callbacks due, oldest first, with their real wait). Scoped like the
 * case: a call or callback of a case the viewer may not see does not exist for them.
 */
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { Context } from '../../platform/context.ts';
import { IdParams, Strict } from '../../platform/http/schemas.ts';
import { staff, viewer } from '../../advisors/authenticate.ts';
import { callOutcomes } from '../../api-types/conversations.ts';
import { callbacksDue, wrapUpCall } from './calls-desk.ts';

const WrapUpBody = Strict({
  outcome: Type.Union(callOutcomes.map((o) => Type.Literal(o))),
  notes: Type.String({ maxLength: 10_000 }),
  /** "This was a hard call": routing gives the advisor recovery time before the next. */
  hard: Type.Boolean(),
});

export function registerCallsDeskRoutes(app: FastifyInstance, ctx: Context): void {
  app.post<{ Params: IdParams; Body: Static<typeof WrapUpBody> }>(
    '/api/calls/:id/wrap-up',
    {
      schema: {
        tags: ['conversations'],
        summary: 'Wrap up a call: notes, an outcome, and whether it was a hard call',
        params: IdParams,
        body: WrapUpBody,
      },
      config: { allow: staff },
    },
    async (request) => {
      const me = viewer(request);
      return ctx.writer.run((unit) => wrapUpCall(unit, request.params.id, me, request.body));
    },
  );

  app.get(
    '/api/callbacks',
    {
      schema: {
        tags: ['routing'],
        summary: 'The callbacks due, oldest first, with how long each customer has really waited',
      },
      config: { allow: staff },
    },
    async (request) => ({
      items: await callbacksDue(ctx.store.read, viewer(request), ctx.clock.now()),
    }),
  );
}
