import type { Context } from '../platform/context.ts';
import type { DomainEvent } from '../platform/events/event.ts';

/** Events after which a signed-in caller may no longer be who they were: their socket rechecks. */
export const accountEventTypes = [
  'advisor.signed-out',
  'advisor.updated',
  'advisor.password-reset',
  'token.revoked',
] as const;

/** What a listener hears about an account change: the event's type and the record it names. */
export interface AccountEvent {
  readonly id: number;
  readonly type: string;
  readonly entity: { readonly type: string; readonly id: number | null };
}
type Listener = (event: AccountEvent) => void;

interface Watch {
  readonly listeners: Set<Listener>;
  /** Event ids already delivered, so the bus and the table do not deliver one event twice. */
  readonly seen: Set<number>;
  last: number | null;
  timer: NodeJS.Timeout | null;
  polling: boolean;
}
const watches = new WeakMap<Context, Watch>();
const pollMs = 250;
// Transactions commit out of id order on PostgreSQL: look a little behind the highest id seen.
const lookBehind = 500;
const types: readonly string[] = accountEventTypes;

function deliver(watch: Watch, event: AccountEvent): void {
  if (watch.seen.has(event.id)) return;
  watch.seen.add(event.id);
  for (const listener of watch.listeners) listener(event);
}

async function poll(ctx: Context, watch: Watch): Promise<void> {
  if (watch.polling) return;
  watch.polling = true;
  try {
    const db = ctx.store.read;
    if (watch.last === null) {
      const top = await db
        .selectFrom('events')
        .select((eb) => eb.fn.max('id').as('id'))
        .executeTakeFirst();
      watch.last = Number(top?.id ?? 0);
      return;
    }
    const rows = await db
      .selectFrom('events')
      .select(['id', 'type', 'entity_type', 'entity_id'])
      .where('id', '>', watch.last - lookBehind)
      .where('type', 'in', types)
      .orderBy('id')
      .limit(1000)
      .execute();
    for (const row of rows) {
      watch.last = Math.max(watch.last, row.id);
      deliver(watch, {
        id: row.id,
        type: row.type,
        entity: { type: row.entity_type, id: row.entity_id },
      });
    }
    for (const id of watch.seen) if (id <= watch.last - lookBehind) watch.seen.delete(id);
  } catch (error) {
    ctx.logger.warn({ err: error }, 'reading account events failed; trying again');
  } finally {
    watch.polling = false;
  }
}

function watchOf(ctx: Context): Watch {
  let watch = watches.get(ctx);
  if (!watch) {
    const created: Watch = {
      listeners: new Set(),
      seen: new Set(),
      last: null,
      timer: null,
      polling: false,
    };
    ctx.bus.subscribe((event: DomainEvent) => {
      if (types.includes(event.type) && created.listeners.size > 0) deliver(created, event);
    });
    watch = created;
    watches.set(ctx, watch);
  }
  return watch;
}

/**
 * Calls `listener` for every sign-out, account change, password reset and token revocation, at
 * once. Events come from the bus; without a shared bus (no NATS), a one-off command in another
 * process (`rapport user reset-password`) publishes to no one, so the events table is read too,
 * every quarter second while anyone listens. Returns the function that stops listening.
 */
export function watchAccounts(ctx: Context, listener: Listener): () => void {
  const watch = watchOf(ctx);
  watch.listeners.add(listener);
  if (!ctx.config.natsUrl && watch.timer === null) {
    void poll(ctx, watch);
    watch.timer = setInterval(() => void poll(ctx, watch), pollMs);
    watch.timer.unref();
  }
  return () => {
    watch.listeners.delete(listener);
    if (watch.listeners.size === 0 && watch.timer !== null) {
      clearInterval(watch.timer);
      watch.timer = null;
      watch.last = null;
      watch.seen.clear();
    }
  };
}
