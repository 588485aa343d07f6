import { sql, type Kysely, type Transaction } from 'kysely';
import { pino, type Logger } from 'pino';
import type { Database } from './schema.ts';
import type { StorageDialect } from './dialects/storage-dialect.ts';
import type { Clock } from '../clock.ts';
import type { DomainEvent, NewEvent } from '../events/event.ts';
import type { EventBus } from '../events/bus.ts';
import { defaultPublishTimeoutMs, publishWithin, sweepUnpublished } from '../events/sweeper.ts';
import { RetryableConflict } from '../errors.ts';

/** What a unit of work sees: the open transaction, the time it started, and the audit recorder. */
export interface Unit {
  readonly db: Transaction<Database>;
  readonly now: number;
  /** Stores an audit event in this transaction; it is published only after commit. */
  record(event: NewEvent): Promise<DomainEvent>;
}

export type Work<T> = (unit: Unit) => Promise<T>;

interface Job {
  work: Work<unknown>;
  /** How many times a transient database failure (deadlock, serialization) sent it to a later batch. */
  deferred: number;
  at: number | undefined;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/** The write path of Rapport: every change runs here, in a transaction, with its audit events. */
export interface Writer {
  /** Runs a unit of work; `at` backdates its clock (demo history, imports). */
  run<T>(work: Work<T>, options?: { readonly at?: number }): Promise<T>;
  /** Resolves once everything queued so far is committed and published. */
  drain(): Promise<void>;
  /** How many transactions and units of work have committed so far. */
  stats(): { readonly transactions: number; readonly units: number };
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown; defer: boolean };

const maxBatch = 512;
const maxDeferrals = 5;

/** PostgreSQL's deadlock and serialization failures: the same work succeeds when run again. */
function isTransient(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '40P01' || code === '40001';
}
const maxAttempts = 3;

export interface WriterOptions {
  /** Where a failed publish or an unexpected failure of the write loop is reported. */
  readonly logger?: Logger;
  /** How long to wait for the bus after a commit before answering the units anyway. */
  readonly publishTimeoutMs?: number;
}

/**
 * Groups concurrent units of work into one transaction (group commit): one fsync serves many
 * requests. Each unit runs inside its own savepoint, so one failure rolls back only that unit.
 * Events are published after the commit (outbox); their `published_at` mark rides on the next batch.
 * Publishing is best-effort: the units are answered whatever the bus does, and events a failed
 * publish left unmarked are published later by the event sweeper.
 */
export function createWriter(
  db: Kysely<Database>,
  bus: EventBus,
  clock: Clock,
  options: WriterOptions = {},
): Writer {
  const logger = options.logger ?? pino({ level: 'warn' });
  const publishTimeoutMs = options.publishTimeoutMs ?? defaultPublishTimeoutMs;
  let queue: Job[] = [];
  let running = false;
  let toMark: number[] = [];
  let idleWaiters: Array<() => void> = [];
  let transactions = 0;
  let units = 0;

  async function runBatch(batch: Job[]): Promise<void> {
    const published: DomainEvent[] = [];
    const outcomes: Outcome[] = [];
    const marking = toMark;
    toMark = [];
    try {
      await db.transaction().execute(async (trx) => {
        if (marking.length > 0) {
          await trx
            .updateTable('events')
            .set({ published_at: clock.now() })
            .where('id', 'in', marking)
            .execute();
        }
        for (const job of batch) {
          outcomes.push(await runInSavepoint(trx, job, published));
        }
      });
      transactions++;
      units += batch.length;
    } catch (error) {
      toMark = marking.concat(toMark);
      const again = batch.filter((job) => isTransient(error) && job.deferred++ < maxDeferrals);
      for (const job of batch) if (!again.includes(job)) job.reject(error);
      queue = again.concat(queue);
      return;
    }
    if (published.length > 0) {
      try {
        await publishWithin(bus, published, publishTimeoutMs);
        for (const event of published) toMark.push(event.id);
      } catch (error) {
        // The change is committed; the answer must not wait on the bus. The events stay unmarked
        // and the sweeper publishes them once the bus takes them again.
        logger.error(
          { err: error, events: published.length },
          'publishing committed events failed; the sweeper will retry',
        );
      }
    }
    const deferred: Job[] = [];
    batch.forEach((job, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) job.resolve(outcome.value);
      else if (outcome.defer) deferred.push(job);
      else job.reject(outcome.error);
    });
    // Units that lost a deadlock to another node run again in the next batch, once our locks are gone.
    queue = deferred.concat(queue);
  }

  async function runInSavepoint(
    trx: Transaction<Database>,
    job: Job,
    published: DomainEvent[],
  ): Promise<Outcome> {
    for (let attempt = 1; ; attempt++) {
      const events: DomainEvent[] = [];
      const now = Math.round(job.at ?? clock.now());
      const unit: Unit = {
        db: trx,
        now,
        async record(event) {
          const stored = await insertEvent(trx, event, now);
          events.push(stored);
          return stored;
        },
      };
      await sql`savepoint unit_of_work`.execute(trx);
      try {
        const value = await job.work(unit);
        await sql`release savepoint unit_of_work`.execute(trx);
        published.push(...events);
        return { ok: true, value };
      } catch (error) {
        await sql`rollback to savepoint unit_of_work`.execute(trx);
        await sql`release savepoint unit_of_work`.execute(trx);
        if (error instanceof RetryableConflict && attempt < maxAttempts) continue;
        if (isTransient(error) && job.deferred++ < maxDeferrals)
          return { ok: false, error, defer: true };
        return { ok: false, error, defer: false };
      }
    }
  }

  async function pump(): Promise<void> {
    running = true;
    try {
      while (queue.length > 0 || toMark.length > 0) {
        const batch = queue.slice(0, maxBatch);
        queue = queue.slice(batch.length);
        try {
          await runBatch(batch);
        } catch (error) {
          // Not expected (runBatch answers its own failures), but a unit must never be left waiting.
          logger.error({ err: error }, 'the write loop failed');
          for (const job of batch) job.reject(error);
        }
        // Let requests that arrived meanwhile join the next batch.
        if (queue.length === 0 && toMark.length > 0) await new Promise((r) => setImmediate(r));
      }
    } finally {
      running = false;
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const wake of waiters) wake();
    }
  }

  function start(): void {
    if (running) return;
    running = true;
    setImmediate(() => void pump());
  }

  return {
    run<T>(work: Work<T>, options: { readonly at?: number } = {}): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        queue.push({
          work: work as Work<unknown>,
          deferred: 0,
          at: options.at,
          resolve: resolve as (v: unknown) => void,
          reject,
        });
        start();
      });
    },
    stats: () => ({ transactions, units }),
    drain() {
      if (!running && queue.length === 0 && toMark.length === 0) return Promise.resolve();
      return new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        start();
      });
    },
  };
}

async function insertEvent(
  trx: Transaction<Database>,
  event: NewEvent,
  now: number,
): Promise<DomainEvent> {
  const scope = event.scope ?? {};
  const row = await trx
    .insertInto('events')
    .values({
      type: event.type,
      actor_type: event.actor.type,
      actor_id: event.actor.id,
      entity_type: event.entity.type,
      entity_id: event.entity.id,
      customer_id: scope.customerId ?? null,
      conversation_id: scope.conversationId ?? null,
      team_id: scope.teamId ?? null,
      shop_id: scope.shopId ?? null,
      owner_id: scope.ownerId ?? null,
      before: event.before === undefined ? null : JSON.stringify(event.before),
      after: event.after === undefined ? null : JSON.stringify(event.after),
      created_at: now,
      published_at: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return {
    id: row.id,
    type: event.type,
    actor: event.actor,
    entity: event.entity,
    scope,
    before: event.before ?? null,
    after: event.after ?? null,
    at: now,
  };
}

/**
 * Publishes events a crash left unpublished (committed, not yet marked); run once at start, before
 * the periodic sweeper takes over.
 */
export async function publishLeftovers(
  db: Kysely<Database>,
  bus: EventBus,
  clock: Clock,
  dialect: StorageDialect,
): Promise<number> {
  return sweepUnpublished({ db, dialect, bus, clock, olderThanMs: 0 });
}
