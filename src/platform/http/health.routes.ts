import { sql } from 'kysely';
import type { FastifyInstance } from 'fastify';
import type { Context } from '../context.ts';

/** Liveness (the process answers) and readiness (the database answers). */
export function registerHealthRoutes(app: FastifyInstance, ctx: Context): void {
  app.get('/healthz', { schema: { tags: ['health'] }, config: { allow: 'public' } }, async () => ({
    status: 'ok',
  }));
  app.get(
    '/readyz',
    { schema: { tags: ['health'] }, config: { allow: 'public' } },
    async (_request, reply) => {
      try {
        await sql`select 1`.execute(ctx.store.db);
        return { status: 'ready', database: ctx.store.dialect };
      } catch (error) {
        ctx.logger.warn({ err: error }, 'database not reachable');
        return reply.status(503).type('application/problem+json').send({
          type: 'https://rapport.dev/problems/not-ready',
          title: 'Not ready',
          status: 503,
          detail: 'the database does not answer',
        });
      }
    },
  );
}
