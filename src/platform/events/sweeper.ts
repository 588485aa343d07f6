import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database, EventRow } from '../db/schema.ts';
import type { StorageDialect } from '../db/dialects/storage-dialect.ts';
import type { Clock } from '../clock.ts';
import type { DomainEvent } from './event.ts';
import type { EventBus } from './bus.ts';

/** How long a publish may take before the caller stops waiting (a stuck NATS flush, say). */
export const defaultPublishTimeoutMs = 2_000;

/** Publishes on the bus, or rejects once `timeoutMs` has passed without an answer. */
export async function publishWithin(
  bus: EventBus,
  events: readonly DomainEvent[],
  timeoutMs: number,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`the bus did not take the events within ${timeoutMs} ms`)),
      timeoutMs,
    );
    // Not unref'd: a unit waiting on this timeout is work in progress that must be answered.
  });
  try {
    await Promise.race([bus.publish(events), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Turns a stored event row back into the event that was recorded. */
export function eventOfRow(row: EventRow): DomainEvent {
  return {
    id: row.id,
    type: row.type,
    actor: { type: row.actor_type as DomainEvent['actor']['type'], id: row.actor_id },
    entity: { type: row.entity_type, id: row.entity_id },
    scope: {
      customerId: row.customer_id,
      conversationId: row.conversation_id,
      teamId: row.team_id,
      shopId: row.shop_id,
      ownerId: row.owner_id,
    },
    before: row.before === null ? null : (JSON.parse(row.before) as unknown),
    after: row.after === null ? null : (JSON.parse(row.after) as unknown),
    at: row.created_at,
  };
}

export interface SweepOptions {
  readonly db: Kysely<Database>;
  readonly dialect: StorageDialect;
  readonly bus: EventBus;
  readonly clock: Clock;
  /** Only events committed at least this long ago: younger ones are still the writer's to mark. */
  readonly olderThanMs: number;
  readonly publishTimeoutMs?: number;
  readonly batch?: number;
}

/**
 * Publishes committed events that are still unmarked, oldest first, and marks them; returns how
 * many. On PostgreSQL the rows are locked (skipping rows another node is sweeping) while they are
 * published, so nodes do not all republish the same events. A publish that fails leaves them
 * unmarked for the next sweep: at-least-once.
 */
export async function sweepUnpublished(options: SweepOptions): Promise<number> {
  const { db, dialect, bus, clock } = options;
  const batch = options.batch ?? 500;
  const timeoutMs = options.publishTimeoutMs ?? defaultPublishTimeoutMs;
  const sweepOnce = async (handle: Kysely<Database>, lock: boolean): Promise<number> => {
    let query = handle
      .selectFrom('events')
      .selectAll()
      .where('published_at', 'is', null)
      .where('created_at', '<=', clock.now() - options.olderThanMs)
      .orderBy('id')
      .limit(batch);
    if (lock) query = query.forUpdate().skipLocked();
    const rows = await query.execute();
    if (rows.length === 0) return 0;
    await publishWithin(bus, rows.map(eventOfRow), timeoutMs);
    await handle
      .updateTable('events')
      .set({ published_at: clock.now() })
      .where(
        'id',
        'in',
        rows.map((r) => r.id),
      )
      .execute();
    return rows.length;
  };
  let total = 0;
  for (;;) {
    const swept = await (dialect.skipsLockedRows
      ? db.transaction().execute((trx) => sweepOnce(trx, true))
      : sweepOnce(db, false));
    total += swept;
    if (swept < batch) return total;
  }
}

/**
 * Sweeps every `intervalMs` for events left unpublished more than `olderThanMs` (a bus that failed
 * after a commit, a node that died between commit and publish): at-least-once while running, not
 * only across a restart. Returns a stop function that waits for a sweep under way.
 */
export function startEventSweeper(
  options: Omit<SweepOptions, 'olderThanMs'> & {
    readonly logger: Logger;
    readonly intervalMs?: number;
    readonly olderThanMs?: number;
  },
): { stop(): Promise<void> } {
  let running: Promise<void> | null = null;
  let stopped = false;
  const sweep = (): void => {
    if (stopped || running) return;
    running = sweepUnpublished({ ...options, olderThanMs: options.olderThanMs ?? 5_000 })
      .then(
        (count) => {
          if (count > 0) options.logger.warn({ count }, 'republished events left unpublished');
        },
        (error: unknown) => options.logger.error({ err: error }, 'the event sweep failed'),
      )
      .finally(() => {
        running = null;
      });
  };
  const timer = setInterval(sweep, options.intervalMs ?? 5_000);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      if (running) await running;
    },
  };
}
