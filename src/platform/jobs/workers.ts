import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import type { Logger } from 'pino';
import type { StorageDialect } from '../db/dialects/storage-dialect.ts';
import type { JobsTable } from '../db/schema.ts';
import type { Unit, Writer } from '../db/writer.ts';
import { systemActor } from '../events/event.ts';
import { JobFailure, purgeDoneJobs, type DeadJobHook, type Job, type JobHandler } from './jobs.ts';

type JobRow = Selectable<JobsTable>;

export interface JobWorkerOptions {
  readonly dialect: StorageDialect;
  /**
   * Every change of a job's state is a unit of work: claims and completions share group commits,
   * and "now" is the writer's clock (a manual clock in tests).
   */
  readonly writer: Writer;
  readonly logger: Logger;
  /** The job types this node runs; jobs of other types are left for nodes that know them. */
  readonly handlers: Readonly<Record<string, JobHandler>>;
  /** Per job type: what its owner does, in the same unit, when one of its jobs is given up. */
  readonly onDead?: Readonly<Record<string, DeadJobHook>>;
  /** How many jobs run at once on this node. */
  readonly concurrency?: number;
  /** How long to wait before looking again when nothing was due. */
  readonly pollMs?: number;
  /** How long a claim holds; renewed while the handler runs, so only a dead worker's claim expires. */
  readonly leaseMs?: number;
  /** Exponential backoff with full jitter: the n-th retry waits random(0, min(cap, base·2^(n-1))). */
  readonly backoff?: { readonly baseMs?: number; readonly capMs?: number };
  /** A job still failing this long after it was enqueued is given up, whatever its attempts. */
  readonly maxAgeMs?: number;
  /** How long finished jobs are kept (their keys still deduplicate) before they are deleted. */
  readonly keepDoneMs?: number;
  /** For tests: the jitter's source of randomness. */
  readonly random?: () => number;
}

export interface JobWorkers {
  /** Stops claiming, and waits (up to a lease) for the jobs under way. */
  stop(): Promise<void>;
}

function duration(ms: number): string {
  return ms % 3_600_000 === 0 ? `${ms / 3_600_000} h` : `${Math.round(ms / 60_000)} min`;
}

/** The delay before retry number `attempt` (1-based): full jitter over a capped exponential. */
export function backoffDelay(
  attempt: number,
  baseMs: number,
  capMs: number,
  random: () => number,
): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(random() * ceiling);
}

/**
 * Starts this node's job workers: they claim due jobs with a lease, run their handler, and mark
 * them done, queued again with a backoff, or dead. On PostgreSQL claims lock with
 * `FOR UPDATE SKIP LOCKED`, so several nodes share the queue and a job runs on one at a time; on
 * SQLite each claim is a guarded update. A lease that runs out (the process died mid-job) makes the
 * job claimable again, counting the lost run as an attempt.
 */
export function startJobWorkers(options: JobWorkerOptions): JobWorkers {
  const { writer, logger, handlers } = options;
  const types = Object.keys(handlers);
  const concurrency = options.concurrency ?? 4;
  const pollMs = options.pollMs ?? 250;
  const leaseMs = options.leaseMs ?? 30_000;
  const baseMs = options.backoff?.baseMs ?? 1_000;
  const capMs = options.backoff?.capMs ?? 15 * 60_000;
  const maxAgeMs = options.maxAgeMs ?? 24 * 3_600_000;
  const random = options.random ?? Math.random;
  const workerId = randomUUID();
  const inFlight = new Map<number, Promise<void>>();
  let stopped = false;
  let claiming = false;
  /** A slot freed while a claim was under way: claim again as soon as it returns. */
  let freedWhileClaiming = false;
  let wakeTimer: NodeJS.Timeout | undefined;

  async function claim(unit: Unit, limit: number): Promise<JobRow[]> {
    const now = unit.now;
    const due = unit.db
      .selectFrom('jobs')
      .where('type', 'in', types)
      .where((eb) =>
        eb.or([
          eb.and([eb('state', '=', 'queued'), eb('run_at', '<=', now)]),
          eb.and([eb('state', '=', 'running'), eb('lease_until', '<=', now)]),
        ]),
      )
      .orderBy('run_at')
      .limit(limit);
    const claimed = {
      state: 'running',
      lease_until: now + leaseMs,
      locked_by: workerId,
      updated_at: now,
    } as const;
    if (options.dialect.skipsLockedRows) {
      // Rows another node is claiming are skipped, not waited for: each node takes different jobs.
      return unit.db
        .updateTable('jobs')
        .set((eb) => ({ ...claimed, attempts: eb('attempts', '+', 1) }))
        .where('id', 'in', due.select('id').forUpdate().skipLocked())
        .returningAll()
        .execute();
    }
    const candidates = await due.select(['id', 'attempts']).execute();
    const rows: JobRow[] = [];
    for (const candidate of candidates) {
      // Guarded: only if nobody took it since it was read (another process on the same file).
      const row = await unit.db
        .updateTable('jobs')
        .set({ ...claimed, attempts: candidate.attempts + 1 })
        .where('id', '=', candidate.id)
        .where('attempts', '=', candidate.attempts)
        .where((eb) =>
          eb.or([
            eb('state', '=', 'queued'),
            eb.and([eb('state', '=', 'running'), eb('lease_until', '<=', now)]),
          ]),
        )
        .returningAll()
        .executeTakeFirst();
      if (row) rows.push(row);
    }
    return rows;
  }

  /** The update that ends this worker's run of a job, if the claim is still ours. */
  const mine = (unit: Unit, row: JobRow) =>
    unit.db
      .updateTable('jobs')
      .where('id', '=', row.id)
      .where('state', '=', 'running')
      .where('locked_by', '=', workerId)
      .where('attempts', '=', row.attempts);

  async function giveUp(unit: Unit, row: JobRow, reason: string): Promise<boolean> {
    const result = await mine(unit, row)
      .set({
        state: 'dead',
        last_error: reason,
        lease_until: null,
        locked_by: null,
        updated_at: unit.now,
        finished_at: unit.now,
      })
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) return false;
    const payload = JSON.parse(row.payload) as unknown;
    await unit.record({
      type: 'job.dead',
      actor: systemActor,
      entity: { type: 'job', id: row.id },
      after: { type: row.type, key: row.key, attempts: row.attempts, reason },
    });
    const hook = options.onDead?.[row.type];
    if (hook) {
      await hook(unit, {
        id: row.id,
        type: row.type,
        payload,
        key: row.key,
        attempts: row.attempts,
        reason,
      });
    }
    return true;
  }

  async function settle(row: JobRow, error: unknown): Promise<void> {
    const failure =
      error instanceof JobFailure
        ? error
        : new JobFailure({
            retry: 'later',
            reason: error instanceof Error ? error.message : String(error),
          });
    await writer.run(async (unit) => {
      const outOfAttempts = row.attempts >= row.max_attempts;
      const delay = failure.retryAfterMs ?? backoffDelay(row.attempts, baseMs, capMs, random);
      const tooOld = unit.now + delay - row.created_at > maxAgeMs;
      if (failure.retry === 'never' || outOfAttempts || tooOld) {
        const why =
          failure.retry === 'never'
            ? failure.reason
            : outOfAttempts
              ? `${failure.reason} (gave up after ${row.attempts} attempts)`
              : `${failure.reason} (gave up: a retry would be older than ${duration(maxAgeMs)})`;
        if (!(await giveUp(unit, row, why))) lostLease(row);
        return;
      }
      const result = await mine(unit, row)
        .set({
          state: 'queued',
          run_at: unit.now + delay,
          last_error: failure.reason,
          lease_until: null,
          locked_by: null,
          updated_at: unit.now,
        })
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) lostLease(row);
    });
  }

  function lostLease(row: JobRow): void {
    logger.warn(
      { jobId: row.id, type: row.type, attempt: row.attempts },
      'a job outlived its lease and was claimed again elsewhere',
    );
  }

  async function run(row: JobRow): Promise<void> {
    const handler = handlers[row.type]!;
    if (row.attempts > row.max_attempts) {
      // Only a claim whose worker died (its lease ran out) gets here: no attempt is left to run.
      const reason = `${row.last_error ?? 'the worker stopped mid-job'} (gave up after ${row.max_attempts} attempts; the last one never finished)`;
      await writer.run(async (unit) => {
        if (!(await giveUp(unit, row, reason))) lostLease(row);
      });
      return;
    }
    const job: Job = {
      id: row.id,
      type: row.type,
      payload: JSON.parse(row.payload) as unknown,
      attempt: row.attempts,
      key: row.key,
    };
    try {
      await handler(job);
    } catch (error) {
      await settle(row, error);
      return;
    }
    await writer.run(async (unit) => {
      const result = await mine(unit, row)
        .set({
          state: 'done',
          last_error: null,
          lease_until: null,
          locked_by: null,
          updated_at: unit.now,
          finished_at: unit.now,
        })
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) lostLease(row);
    });
  }

  function start(row: JobRow): void {
    const running = run(row)
      .catch((error: unknown) =>
        // Marking the outcome failed (the database was away): the lease runs out and it runs again.
        logger.error({ err: error, jobId: row.id, type: row.type }, 'a job could not be settled'),
      )
      .finally(() => {
        inFlight.delete(row.id);
        wake(0);
      });
    inFlight.set(row.id, running);
  }

  async function tick(): Promise<void> {
    if (stopped) return;
    if (claiming) {
      freedWhileClaiming = true;
      return;
    }
    const free = concurrency - inFlight.size;
    if (free <= 0) return;
    claiming = true;
    freedWhileClaiming = false;
    let rows: JobRow[] = [];
    try {
      rows = await writer.run((unit) => claim(unit, free));
    } catch (error) {
      logger.error({ err: error }, 'claiming jobs failed');
    } finally {
      claiming = false;
    }
    // Claimed even as we stopped: run them rather than leave them to wait out the lease.
    for (const row of rows) start(row);
    // A full claim means more may be due: look again at once; otherwise after the poll interval.
    wake(rows.length === free || freedWhileClaiming ? 0 : pollMs);
  }

  function wake(ms: number): void {
    if (stopped) return;
    if (wakeTimer) clearTimeout(wakeTimer);
    wakeTimer = setTimeout(() => void tick(), ms);
    wakeTimer.unref();
  }

  // A running handler keeps its claim alive; only a worker that died lets it run out.
  const heartbeat = setInterval(
    () => {
      if (inFlight.size === 0) return;
      const ids = [...inFlight.keys()];
      writer
        .run((unit) =>
          unit.db
            .updateTable('jobs')
            .set({ lease_until: unit.now + leaseMs })
            .where('id', 'in', ids)
            .where('state', '=', 'running')
            .where('locked_by', '=', workerId)
            .execute(),
        )
        .catch((error: unknown) => logger.error({ err: error }, 'renewing job leases failed'));
    },
    Math.max(10, Math.floor(leaseMs / 3)),
  );
  heartbeat.unref();

  const keepDoneMs = options.keepDoneMs ?? 7 * 24 * 3_600_000;
  const purge = setInterval(() => {
    writer
      .run((unit) => purgeDoneJobs(unit, unit.now - keepDoneMs))
      .catch((error: unknown) => logger.error({ err: error }, 'purging finished jobs failed'));
  }, 10 * 60_000);
  purge.unref();

  if (types.length > 0) wake(0);

  return {
    async stop() {
      stopped = true;
      if (wakeTimer) clearTimeout(wakeTimer);
      // Jobs still running after a lease's time are left to their lease: another node takes them.
      const deadline = Date.now() + leaseMs;
      while ((inFlight.size > 0 || claiming) && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 10));
      clearInterval(heartbeat);
      clearInterval(purge);
    },
  };
}
