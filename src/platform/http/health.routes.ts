import { sql } from 'kysely';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Context } from '../context.ts';
import { sendProblem } from './problem.ts';

/**
 * Liveness (the process answers) and readiness (the database answers). Which database runs is for
 * operators only: `showsDetails` says whether the caller is one (platform cannot know who signs in).
 */
export function registerHealthRoutes(
  app: FastifyInstance,
  ctx: Context,
  showsDetails: (request: FastifyRequest) => Promise<boolean> = async () => false,
): void {
  app.get('/healthz', { schema: { tags: ['health'] }, config: { allow: 'public' } }, async () => ({
    status: 'ok',
  }));
  app.get(
    '/readyz',
    { schema: { tags: ['health'] }, config: { allow: 'public' } },
    async (request, reply) => {
      try {
        await sql`select 1`.execute(ctx.store.db);
        return (await showsDetails(request))
          ? { status: 'ready', database: ctx.store.dialect.name }
          : { status: 'ready' };
      } catch (error) {
        ctx.logger.warn({ err: error }, 'database not reachable');
        return sendProblem(reply, request, 'not-ready', 'the database does not answer');
      }
    },
  );
}
