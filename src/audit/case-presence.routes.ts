import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Context } from '../platform/context.ts';
import { IdParams, Strict } from '../platform/http/schemas.ts';
import { staff, viewer } from '../advisors/authenticate.ts';
import { visibleConversation } from '../conversations/conversations.ts';
import { leaveCase, markPresent, presentOn, publishPresence } from './case-presence.ts';

const PresenceBody = Strict({
  /** Typing a reply right now (false: only viewing). */
  typing: Type.Boolean(),
});

/**
 * Collision awareness: who else is viewing or typing on a case. The desk says it is on a case (and
 * typing) every few seconds; each change reaches every node's live sockets as `case.presence`.
 */
export function registerCasePresenceRoutes(app: FastifyInstance, ctx: Context): void {
  app.get<{ Params: IdParams }>(
    '/api/conversations/:id/presence',
    {
      schema: {
        tags: ['conversations'],
        summary: 'Who is viewing or typing on this case now',
        params: IdParams,
      },
      config: { allow: staff },
    },
    async (request) => {
      const me = viewer(request);
      await visibleConversation(ctx.store.read, request.params.id, me);
      return { items: await presentOn(ctx.store.read, request.params.id, ctx.clock.now()) };
    },
  );

  app.put<{ Params: IdParams; Body: Static<typeof PresenceBody> }>(
    '/api/conversations/:id/presence',
    {
      schema: {
        tags: ['conversations'],
        summary:
          'I am on this case (and typing, or not): others see it for 30 s unless I say it again',
        params: IdParams,
        body: PresenceBody,
      },
      config: { allow: staff },
    },
    async (request) => {
      const me = viewer(request);
      const { conversation, entry, items } = await ctx.writer.run(async (unit) => {
        const conversation = await visibleConversation(unit.db, request.params.id, me);
        const entry = await markPresent(unit, conversation.id, me, request.body.typing);
        return { conversation, entry, items: await presentOn(unit.db, conversation.id, unit.now) };
      });
      publishPresence(ctx, conversation, {
        ...entry,
        conversationId: conversation.id,
        present: true,
      });
      return { items };
    },
  );

  app.delete<{ Params: IdParams }>(
    '/api/conversations/:id/presence',
    {
      schema: {
        tags: ['conversations'],
        summary: 'I left this case',
        params: IdParams,
      },
      config: { allow: staff },
    },
    async (request, reply) => {
      const me = viewer(request);
      const { conversation, left } = await ctx.writer.run(async (unit) => {
        const conversation = await visibleConversation(unit.db, request.params.id, me);
        return { conversation, left: await leaveCase(unit, conversation.id, me.id) };
      });
      if (left)
        publishPresence(ctx, conversation, {
          advisorId: me.id,
          name: me.name,
          typing: false,
          expiresInMs: 0,
          typingForMs: 0,
          conversationId: conversation.id,
          present: false,
        });
      return reply.code(204).send();
    },
  );
}
