/**
 * Callbacks from the desk: `POST /api/callbacks/:id/call` queues the outbound call;
 * `POST /api/conversations/:id/callbacks` places a callback on a case for later ("call this customer
 * back at 15:00"); `POST /api/callbacks/:id/wrong-number` ends one whose number is wrong.
 */
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { Context } from '../../platform/context.ts';
import { IdParams, Strict } from '../../platform/http/schemas.ts';
import { staff, viewer } from '../../advisors/authenticate.ts';
import { visibleConversation } from '../../conversations/conversations.ts';
import { scheduleCallback } from '../../routing/callbacks.ts';
import { requestCallbackCall } from './callback-calls.ts';
import { markWrongNumber } from './callback-outcomes.ts';

const ScheduleBody = Strict({
  /** When to call (ISO 8601 with its offset); absent: as soon as an advisor is free. */
  at: Type.Optional(Type.String({ format: 'date-time', maxLength: 40 })),
  /** The number to call; absent: the customer's phone number. */
  phone: Type.Optional(Type.String({ minLength: 3, maxLength: 40 })),
});

const WrongNumberBody = Strict({
  note: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
});

export function registerCallbackCallRoutes(app: FastifyInstance, ctx: Context): void {
  app.post<{ Params: IdParams }>(
    '/api/callbacks/:id/call',
    {
      schema: {
        tags: ['routing'],
        summary:
          'Call a waiting customer back (a callback work item): Twilio rings them, then puts them through to your line',
        params: IdParams,
      },
      config: { allow: staff },
    },
    async (request, reply) => {
      const me = viewer(request);
      const queued = await ctx.writer.run((unit) =>
        requestCallbackCall(unit, request.params.id, me),
      );
      return reply.code(202).send(queued);
    },
  );

  app.post<{ Params: IdParams; Body: Static<typeof ScheduleBody> }>(
    '/api/conversations/:id/callbacks',
    {
      schema: {
        tags: ['routing'],
        summary:
          'Place a callback on a case: a callback work item, not offered before `at`, to the customer’s phone or `phone`',
        params: IdParams,
        body: ScheduleBody,
      },
      config: { allow: staff },
    },
    async (request, reply) => {
      const me = viewer(request);
      const { at, phone } = request.body;
      const placed = await ctx.writer.run(async (unit) => {
        await visibleConversation(unit.db, request.params.id, me);
        return scheduleCallback(
          unit,
          request.params.id,
          { at: at === undefined ? undefined : Date.parse(at), phone },
          { type: 'advisor', id: me.id },
          { defaultRegion: ctx.config.defaultPhoneRegion },
        );
      });
      return reply.code(201).send({
        itemId: placed.itemId,
        phone: placed.phone,
        dueAt: new Date(placed.dueAt).toISOString(),
      });
    },
  );

  app.post<{ Params: IdParams; Body: Static<typeof WrongNumberBody> }>(
    '/api/callbacks/:id/wrong-number',
    {
      schema: {
        tags: ['routing'],
        summary: 'The callback’s number is wrong: the callback ends as failed, saying so',
        params: IdParams,
        body: WrongNumberBody,
      },
      config: { allow: staff },
    },
    async (request) => {
      const me = viewer(request);
      const settled = await ctx.writer.run((unit) =>
        markWrongNumber(unit, request.params.id, me, request.body.note),
      );
      return { itemId: request.params.id, outcome: settled.outcome, attempt: settled.attempt };
    },
  );
}
