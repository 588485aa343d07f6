import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Context } from '../platform/context.ts';
import { Strict, StringEnum } from '../platform/http/schemas.ts';
import { createOnce } from '../platform/http/idempotency.ts';
import { Invalid } from '../platform/errors.ts';
import { staff, viewer } from '../advisors/authenticate.ts';
import { channels } from '../channels/channel.ts';
import type { Outbox } from '../channels/send-queue.ts';
import { getConversation, priorities } from '../conversations/conversations.ts';
import { toInteraction } from '../conversations/interactions.ts';
import { startCase } from './start-case.ts';

const NewCaseBody = Strict({
  customerId: Type.Integer({ minimum: 1 }),
  subject: Type.String({ minLength: 1, maxLength: 200 }),
  channel: StringEnum(channels),
  priority: Type.Optional(StringEnum(priorities)),
  teamId: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()])),
  message: Type.Optional(
    Strict({
      text: Type.String({ minLength: 1, maxLength: 100_000 }),
      html: Type.Optional(Type.String({ maxLength: 500_000 })),
      accountId: Type.Optional(Type.Integer({ minimum: 1 })),
      to: Type.Optional(Type.String({ format: 'email', maxLength: 320 })),
      cc: Type.Optional(
        Type.Array(Type.String({ format: 'email', maxLength: 320 }), {
          maxItems: 50,
          uniqueItems: true,
        }),
      ),
    }),
  ),
});

/** Starting a case from the desk: for a customer, owned by you, with a first message on any channel. */
export function registerStartCaseRoutes(app: FastifyInstance, ctx: Context, outbox?: Outbox): void {
  app.post<{ Body: Static<typeof NewCaseBody> }>(
    '/api/cases',
    {
      schema: {
        tags: ['conversations'],
        summary:
          'Start a case for a customer, owned by you, optionally with a first message sent on its channel',
        body: NewCaseBody,
      },
      config: { allow: staff },
    },
    async (request, reply) => {
      const me = viewer(request);
      if (!request.body.subject.trim()) throw new Invalid('subject', 'must not be blank');
      if (request.body.message && !request.body.message.text.trim())
        throw new Invalid('message.text', 'must not be blank');
      return createOnce(ctx.writer, request, reply, `advisor:${me.id}`, async (unit) => {
        const started = await startCase(
          unit,
          request.body,
          me,
          { type: 'advisor', id: me.id },
          { outbox },
        );
        return {
          status: 201,
          body: {
            conversation: await getConversation(unit.db, started.conversationId, null, unit.now),
            interaction: started.interaction ? toInteraction(started.interaction) : null,
          },
        };
      });
    },
  );
}
