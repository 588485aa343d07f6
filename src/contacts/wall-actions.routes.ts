/**
 * What a supervisor does from the wall: give a case to another advisor or team, and set an
 * advisor's presence. Capacity is set through `PUT /api/routing/advisors/:id/capacity`. Each action
 * is recorded with the supervisor as its actor (conversation.updated, presence.changed).
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Context } from '../platform/context.ts';
import { IdParams, Strict } from '../platform/http/schemas.ts';
import { Invalid, NotFound } from '../platform/errors.ts';
import { leads, viewer } from '../advisors/authenticate.ts';
import { presences, setPresence } from '../routing/presence.ts';
import { moveQueuedWork } from '../routing/case-moves.ts';
import { changeCase } from './contacts.ts';

const ReassignBody = Strict({
  ownerId: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()])),
  teamId: Type.Optional(Type.Integer({ minimum: 1 })),
});
const PresenceBody = Strict({ presence: Type.Union(presences.map((p) => Type.Literal(p))) });

/** The wall's actions, for supervisors and admins only. */
export function registerWallActionRoutes(app: FastifyInstance, ctx: Context): void {
  app.post<{ Params: IdParams; Body: Static<typeof ReassignBody> }>(
    '/api/wall/cases/:id/reassign',
    {
      schema: {
        tags: ['insights'],
        summary: 'Give a case to another advisor or team, from the wall',
        params: IdParams,
        body: ReassignBody,
      },
      config: { allow: leads },
    },
    async (request) => {
      const me = viewer(request);
      const { ownerId, teamId } = request.body;
      if (ownerId === undefined && teamId === undefined)
        throw new Invalid('ownerId', 'choose an advisor or a team');
      const actor = { type: 'advisor' as const, id: me.id };
      const conversation = await ctx.writer.run(async (unit) => {
        const changed = await changeCase(
          unit,
          request.params.id,
          {
            ...(ownerId !== undefined ? { ownerId } : {}),
            ...(teamId !== undefined ? { teamId } : {}),
          },
          me,
          actor,
        );
        // The case's queued work follows it: to the advisor chosen, or into the team's queue.
        const moved = await moveQueuedWork(unit, request.params.id, { ownerId, teamId }, actor);
        return { ...changed, staysWith: moved.staysWith };
      });
      const staysWith =
        conversation.staysWith === null
          ? null
          : ((await ctx.store.read
              .selectFrom('advisors')
              .select(['id', 'name'])
              .where('id', '=', conversation.staysWith)
              .executeTakeFirst()) ?? null);
      // A live call or chat stays with whoever is in it until it ends: the wall says so.
      return {
        id: conversation.id,
        ownerId: conversation.ownerId,
        teamId: conversation.teamId,
        staysWith,
      };
    },
  );

  app.put<{ Params: IdParams; Body: Static<typeof PresenceBody> }>(
    '/api/wall/advisors/:id/presence',
    {
      schema: {
        tags: ['insights'],
        summary: "Set an advisor's presence, from the wall",
        params: IdParams,
        body: PresenceBody,
      },
      config: { allow: leads },
    },
    async (request) => {
      const me = viewer(request);
      const person = await ctx.store.read
        .selectFrom('advisors')
        .select(['id', 'role'])
        .where('id', '=', request.params.id)
        .executeTakeFirst();
      if (!person || person.role === 'integration') throw new NotFound('advisor');
      await ctx.writer.run((unit) =>
        setPresence(unit, request.params.id, request.body.presence, { type: 'advisor', id: me.id }),
      );
      return { advisorId: request.params.id, presence: request.body.presence };
    },
  );
}
