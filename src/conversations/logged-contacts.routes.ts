import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Context } from '../platform/context.ts';
import { IdParams, Strict, StringEnum } from '../platform/http/schemas.ts';
import { createOnce } from '../platform/http/idempotency.ts';
import { staff, viewer } from '../advisors/authenticate.ts';
import { wrapUpOutcomes } from '../api-types/conversations.ts';
import { toInteractions } from './interactions.ts';
import { logCall, logVisit, maxLoggedCallSeconds } from './logged-contacts.ts';

const CallBody = Strict({
  direction: StringEnum(['inbound', 'outbound'] as const),
  durationSeconds: Type.Integer({ minimum: 0, maximum: maxLoggedCallSeconds }),
  outcome: StringEnum(wrapUpOutcomes),
  notes: Type.String({ maxLength: 10_000 }),
});
const VisitBody = Strict({
  shopId: Type.Integer({ minimum: 1 }),
  notes: Type.String({ maxLength: 10_000 }),
});

/** Logging a call or a shop visit that happened outside Rapport's own lines, on a case. */
export function registerLoggedContactRoutes(app: FastifyInstance, ctx: Context): void {
  const actorOf = (id: number) => ({ type: 'advisor' as const, id });

  app.post<{ Params: IdParams; Body: Static<typeof CallBody> }>(
    '/api/conversations/:id/logged-calls',
    {
      schema: {
        tags: ['conversations'],
        summary: 'Log a call you had with the customer (direction, duration, outcome, notes)',
        params: IdParams,
        body: CallBody,
      },
      config: { allow: staff },
    },
    async (request, reply) => {
      const me = viewer(request);
      return createOnce(ctx.writer, request, reply, `advisor:${me.id}`, async (unit) => {
        const row = await logCall(unit, request.params.id, request.body, me, actorOf(me.id));
        return { status: 201, body: (await toInteractions(unit.db, [row]))[0] };
      });
    },
  );

  app.post<{ Params: IdParams; Body: Static<typeof VisitBody> }>(
    '/api/conversations/:id/logged-visits',
    {
      schema: {
        tags: ['conversations'],
        summary: 'Log a visit the customer made to a shop (which shop, notes)',
        params: IdParams,
        body: VisitBody,
      },
      config: { allow: staff },
    },
    async (request, reply) => {
      const me = viewer(request);
      return createOnce(ctx.writer, request, reply, `advisor:${me.id}`, async (unit) => {
        const row = await logVisit(unit, request.params.id, request.body, me, actorOf(me.id));
        return { status: 201, body: (await toInteractions(unit.db, [row]))[0] };
      });
    },
  );
}
