import type { Kysely } from 'kysely';
import type { Database, JobsTable } from '../db/schema.ts';
import type { Unit } from '../db/writer.ts';
import type { Actor } from '../events/event.ts';
import { Conflict, NotFound } from '../errors.ts';
import type { Selectable } from 'kysely';
import type { JobState, JobView } from '../../api-types/jobs.ts';

export const jobStates = [
  'queued',
  'running',
  'done',
  'dead',
] as const satisfies readonly JobState[];
export type { JobState, JobView };

/** How many times a job is started before it is given up (dead). */
export const defaultMaxAttempts = 8;

/** What a handler is given: the job as enqueued, and which attempt this is (1 for the first). */
export interface Job {
  readonly id: number;
  readonly type: string;
  readonly payload: unknown;
  readonly attempt: number;
  readonly key: string | null;
}

/** Does the work of one job type; resolves when done, throws to fail (see `JobFailure`). */
export type JobHandler = (job: Job) => Promise<void>;

/** What the owner of a job type hears when a job of that type is given up. */
export interface DeadJob {
  readonly id: number;
  readonly type: string;
  readonly payload: unknown;
  readonly key: string | null;
  readonly attempts: number;
  /** The last error, as a person can read it (the provider's reason for a send). */
  readonly reason: string;
}

/**
 * Runs in the same unit of work that marks the job dead, so the owner's own record (a reply's
 * delivery state, a webhook's delivery log) turns failed exactly when the job does.
 */
export type DeadJobHook = (unit: Unit, job: DeadJob) => Promise<void>;

/**
 * How a handler says a job failed. `retry: 'later'` is temporary (a timeout, a 5xx, a 429 with its
 * Retry-After as `retryAfterMs`); `'never'` is permanent and gives the job up at once. Any other
 * thrown error counts as temporary.
 */
export class JobFailure extends Error {
  readonly retry: 'later' | 'never';
  readonly retryAfterMs: number | undefined;
  readonly reason: string;
  constructor(failure: {
    readonly retry: 'later' | 'never';
    readonly retryAfterMs?: number;
    readonly reason: string;
  }) {
    super(failure.reason);
    this.name = 'JobFailure';
    this.retry = failure.retry;
    this.retryAfterMs = failure.retryAfterMs;
    this.reason = failure.reason;
  }
}

export interface NewJob {
  readonly type: string;
  readonly payload: unknown;
  /** Idempotency: a second job with the same key is not created; the first one's id is returned. */
  readonly key?: string;
  /** Not before this time (epoch ms); now by default. */
  readonly runAt?: number;
  readonly maxAttempts?: number;
}

/**
 * Queues a job in the unit's transaction: it exists only if the unit commits (a reply and its send
 * are stored together or not at all). Returns the job's id.
 */
export async function enqueueJob(unit: Unit, job: NewJob): Promise<number> {
  const inserted = await unit.db
    .insertInto('jobs')
    .values({
      type: job.type,
      payload: JSON.stringify(job.payload ?? null),
      key: job.key ?? null,
      state: 'queued',
      attempts: 0,
      max_attempts: job.maxAttempts ?? defaultMaxAttempts,
      run_at: Math.round(job.runAt ?? unit.now),
      lease_until: null,
      locked_by: null,
      last_error: null,
      created_at: unit.now,
      updated_at: unit.now,
      finished_at: null,
    })
    .onConflict((oc) => oc.column('key').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (inserted) return inserted.id;
  const existing = await unit.db
    .selectFrom('jobs')
    .select('id')
    .where('key', '=', job.key ?? null)
    .executeTakeFirstOrThrow();
  return existing.id;
}

function viewOf(row: Selectable<JobsTable>): JobView {
  return {
    id: row.id,
    type: row.type,
    key: row.key,
    state: row.state as JobState,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    runAt: new Date(row.run_at).toISOString(),
    lastError: row.last_error,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
    finishedAt: row.finished_at === null ? null : new Date(row.finished_at).toISOString(),
  };
}

/** Lists jobs in one state, newest first (dead ones for an admin to look at, or the queue). */
export async function listJobs(
  db: Kysely<Database>,
  query: { readonly state: JobState; readonly limit: number; readonly beforeId?: number },
): Promise<JobView[]> {
  let select = db.selectFrom('jobs').selectAll().where('state', '=', query.state);
  if (query.beforeId !== undefined) select = select.where('id', '<', query.beforeId);
  const rows = await select.orderBy('id', 'desc').limit(query.limit).execute();
  return rows.map(viewOf);
}

/** How many jobs are in each state, every state named (0 when none), for the admin's filter. */
export async function countJobs(db: Kysely<Database>): Promise<Record<JobState, number>> {
  const rows = await db
    .selectFrom('jobs')
    .select((eb) => ['state', eb.fn.countAll<number | string | bigint>().as('n')])
    .groupBy('state')
    .execute();
  const counts: Record<JobState, number> = { queued: 0, running: 0, done: 0, dead: 0 };
  // PostgreSQL answers count(*) as a bigint string; SQLite as a number.
  for (const row of rows)
    if ((jobStates as readonly string[]).includes(row.state))
      counts[row.state as JobState] = Number(row.n);
  return counts;
}

/**
 * What the owner of a job type does, in the same unit, when an admin retries a dead job of that
 * type: a reply's send puts the reply back in the queue, so the job has something to send. A throw
 * refuses the retry and changes nothing.
 */
export type RetryJobHook = (unit: Unit, job: DeadJob, actor: Actor) => Promise<void>;

/**
 * Gives a dead job a fresh set of attempts, due now, and records who did it. Only a dead job can
 * be retried: a queued or running one is already on its way. The job type's owner hears of it first.
 */
export async function retryJob(
  unit: Unit,
  id: number,
  actor: Actor,
  hooks: Readonly<Record<string, RetryJobHook>> = {},
): Promise<JobView> {
  const row = await unit.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new NotFound('job');
  if (row.state !== 'dead')
    throw new Conflict(`job ${id} is ${row.state}; only a dead job can be retried`);
  await hooks[row.type]?.(
    unit,
    {
      id: row.id,
      type: row.type,
      payload: JSON.parse(row.payload) as unknown,
      key: row.key,
      attempts: row.attempts,
      reason: row.last_error ?? '',
    },
    actor,
  );
  const updated = await unit.db
    .updateTable('jobs')
    .set({
      state: 'queued',
      attempts: 0,
      run_at: unit.now,
      lease_until: null,
      locked_by: null,
      finished_at: null,
      updated_at: unit.now,
    })
    .where('id', '=', id)
    .where('state', '=', 'dead')
    .returningAll()
    .executeTakeFirstOrThrow();
  await unit.record({
    type: 'job.retried',
    actor,
    entity: { type: 'job', id },
    before: { state: 'dead', attempts: row.attempts, lastError: row.last_error },
    after: { state: 'queued', type: row.type },
  });
  return viewOf(updated);
}

/**
 * Deletes jobs that finished well (done) before `before`, at most `limit` at a time; returns how
 * many. Dead jobs stay until an admin looks at them. A key is free again once its job is purged.
 */
export async function purgeDoneJobs(unit: Unit, before: number, limit = 1_000): Promise<number> {
  const ids = await unit.db
    .selectFrom('jobs')
    .select('id')
    .where('state', '=', 'done')
    .where('finished_at', '<', before)
    .orderBy('id')
    .limit(limit)
    .execute();
  if (ids.length === 0) return 0;
  await unit.db
    .deleteFrom('jobs')
    .where(
      'id',
      'in',
      ids.map((r) => r.id),
    )
    .execute();
  return ids.length;
}
