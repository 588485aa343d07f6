import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Context } from '../context.ts';
import { Unauthenticated } from '../errors.ts';
import { IdParams, Limit, Strict, StringEnum } from '../http/schemas.ts';
import {
  countJobs,
  jobStates,
  type JobState,
  listJobs,
  retryJob,
  type RetryJobHook,
} from './jobs.ts';

const JobsQuery = Strict({
  state: StringEnum<JobState>(jobStates, { default: 'dead' }),
  beforeId: Type.Optional(Type.Integer({ minimum: 1 })),
  limit: Limit(50, 500),
});

/**
 * Admin visibility of the job queue: what is dead (and why), what is waiting; retry a dead job.
 * `onRetry` holds each job type owner's hook (a reply's send puts the reply back in the queue).
 */
export function registerJobRoutes(
  app: FastifyInstance,
  ctx: Context,
  onRetry: Readonly<Record<string, RetryJobHook>> = {},
): void {
  app.get<{ Querystring: Static<typeof JobsQuery> }>(
    '/api/admin/jobs',
    {
      schema: {
        tags: ['admin'],
        summary:
          'Jobs in one state (dead by default), newest first, and how many are in each state',
        querystring: JobsQuery,
      },
      config: { allow: ['admin'] },
    },
    async (request) => ({
      items: await listJobs(ctx.store.read, request.query),
      counts: await countJobs(ctx.store.read),
    }),
  );

  app.post<{ Params: IdParams }>(
    '/api/admin/jobs/:id/retry',
    {
      schema: {
        tags: ['admin'],
        summary: 'Give a dead job a fresh set of attempts, due now',
        params: IdParams,
      },
      config: { allow: ['admin'] },
    },
    async (request) => {
      const me = request.viewer;
      if (!me) throw new Unauthenticated();
      return ctx.writer.run((unit) =>
        retryJob(unit, request.params.id, { type: 'advisor', id: me.id }, onRetry),
      );
    },
  );
}
