/** An advisor calls a customer back: `POST /api/callbacks/:id/call` queues the outbound call. */
import type { FastifyInstance } from 'fastify';
import type { Context } from '../../platform/context.ts';
import { IdParams } from '../../platform/http/schemas.ts';
import { staff, viewer } from '../../advisors/authenticate.ts';
import { requestCallbackCall } from './callback-calls.ts';

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
}
