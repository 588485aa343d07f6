import { sql } from 'kysely';
import type { FastifyInstance } from 'fastify';
import type { Context } from '../context.ts';
import { sendProblem } from './problem.ts';

/** Liveness (the process answers) and readiness (the database answers). */
export function registerHealthRoutes(app: FastifyInstance, ctx: Context): void {
  app.get('/healthz', { schema: { tags: ['health'] }, config: { allow: 'public' } }, async () => ({
    status: 'ok',
  }));
  app.get(
    '/readyz',
    { schema: { tags: ['health'] }, config: { allow: 'public' } },
    async (request, reply) => {
      try {
        await sql`select 1`.execute(ctx.store.db);
        return { status: 'ready', database: ctx.store.dialect.name };
      } catch (error) {
        ctx.logger.warn({ err: error }, 'database not reachable');
        return sendProblem(reply, request, 'not-ready', 'the database does not answer');
      }
    },
  );
}
