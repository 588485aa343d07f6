/**
 * Honest waiting: while nobody has taken a chat, the visitor sees its place among the waiting chats
 * and routing's estimate for that place (`routing/queue-figures.ts` `waitingPlaces`, the same
 * estimate the queues show), and is offered email or a callback when the wait is long. Pushed as
 * `waiting` frames on hello and whenever the queue changes.
 */
import type { Kysely } from 'kysely';
import type { Context } from '../../platform/context.ts';
import type { Database } from '../../platform/db/schema.ts';
import type { DomainEvent } from '../../platform/events/event.ts';
import type { Unit } from '../../platform/db/writer.ts';
import type { Actor } from '../../platform/events/event.ts';
import { Conflict } from '../../platform/errors.ts';
import { requestCallback } from '../../routing/callbacks.ts';
import { waitingPlaces } from '../../routing/queue-figures.ts';
import { loadPolicies } from '../../routing/service-levels.ts';
import type { ChatWaiting, ServerFrame } from '../../api-types/chat.ts';

/** The part of the chat hub waiting frames need: push a frame to a case's visitor sockets. */
export interface WaitingHub {
  push(conversationId: number, frame: ServerFrame): void;
  /** Visitors with a tab open on this node: with none, there is nobody to tell. */
  onlineVisitors?(): readonly number[];
}

/** The account's `longWaitMs`, or the fallback (routing's chat promise) when unset or unreadable. */
export function longWaitMsOf(
  settings: Readonly<Record<string, unknown>>,
  fallbackMs: number,
): number {
  const raw = Number(settings.longWaitMs);
  return Number.isFinite(raw) && raw > 0 ? raw : fallbackMs;
}

/** What the widget shows for a place in the queue: a wait beyond `longWaitMs` (or unknown) offers a way out. */
export function waitingOf(
  place: { readonly position: number; readonly estimatedWaitMs: number | null },
  longWaitMs: number,
): ChatWaiting {
  const long = place.estimatedWaitMs === null || place.estimatedWaitMs > longWaitMs;
  return {
    position: place.position,
    estimatedWaitMs: place.estimatedWaitMs,
    offerCallback: long,
    offerEmail: long,
  };
}

/**
 * Each untaken chat's `longWaitMs`, from the chat account its visitor wrote on: one read over the
 * live chat items (never a list of every case's id), each account's settings parsed once.
 */
async function longWaits(db: Kysely<Database>): Promise<{
  readonly fallback: number;
  readonly byCase: ReadonlyMap<number, number>;
}> {
  const fallback = (await loadPolicies(db)).chat.thresholdMs;
  const rows = await db
    .selectFrom('work_items')
    .innerJoin('interactions', 'interactions.conversation_id', 'work_items.conversation_id')
    .innerJoin('channel_accounts', 'channel_accounts.id', 'interactions.account_id')
    .select(['work_items.conversation_id', 'channel_accounts.id', 'channel_accounts.settings'])
    .where('work_items.channel', '=', 'chat')
    .where('work_items.status', 'in', ['waiting', 'offered'])
    .where('interactions.channel', '=', 'chat')
    .where('interactions.direction', '=', 'inbound')
    .orderBy('interactions.id')
    .execute();
  const ofAccount = new Map<number, number>();
  const byCase = new Map<number, number>();
  for (const row of rows) {
    const accountId = Number(row.id);
    let limit = ofAccount.get(accountId);
    if (limit === undefined) {
      limit = longWaitMsOf(JSON.parse(row.settings) as Record<string, unknown>, fallback);
      ofAccount.set(accountId, limit);
    }
    byCase.set(Number(row.conversation_id), limit);
  }
  return { fallback, byCase };
}

/**
 * What every chat nobody has taken yet shows, by case: waiting ones their place and estimate; one
 * offered to an advisor right now is next, with no wait.
 */
export async function chatWaitingAll(
  db: Kysely<Database>,
  now: number,
): Promise<Map<number, ChatWaiting>> {
  const places = await waitingPlaces(db, now, 'chat');
  const offered = await db
    .selectFrom('work_items')
    .select('conversation_id')
    .where('status', '=', 'offered')
    .where('channel', '=', 'chat')
    .execute();
  const all = [
    ...places.values(),
    ...offered.map((o) => ({
      conversationId: Number(o.conversation_id),
      position: 1,
      estimatedWaitMs: 0,
    })),
  ];
  const limits = await longWaits(db);
  return new Map(
    all.map(
      (p) =>
        [
          p.conversationId,
          waitingOf(p, limits.byCase.get(p.conversationId) ?? limits.fallback),
        ] as const,
    ),
  );
}

/** The hub's `waitingFor` provider: what one case shows on hello, or null when it is taken (or not queued). */
export function waitingFor(
  ctx: Pick<Context, 'store' | 'clock'>,
): (conversationId: number) => Promise<ChatWaiting | null> {
  // Hellos arriving together (a server restart reconnects every tab at once) share one read of
  // the queue instead of each reading all of it.
  let reading: Promise<Map<number, ChatWaiting>> | undefined;
  const read = () => {
    reading ??= chatWaitingAll(ctx.store.read, ctx.clock.now()).finally(() => {
      reading = undefined;
    });
    return reading;
  };
  return async (conversationId) => (await read()).get(conversationId) ?? null;
}

/** Events after which places or estimates may have moved. */
function movesTheQueue(event: DomainEvent): boolean {
  return (
    event.type.startsWith('work-item.') ||
    event.type === 'chat.requeued' ||
    event.type === 'presence.changed' ||
    event.type === 'capacity.changed'
  );
}

/**
 * Pushes `waiting` frames to the visitors of every untaken chat whenever the queue changes (work
 * items queued, offered, taken, done; advisors coming and going), only where what they see changed.
 * Events arriving while a push runs, or within `minIntervalMs` of the last, are folded into one
 * more run. Every node does this for its own
 * sockets (the events reach every node). Returns a stop function.
 */
export function startWaitingUpdates(
  ctx: Pick<Context, 'store' | 'clock' | 'bus' | 'logger'>,
  hub: WaitingHub,
  options: {
    /**
     * Runs start at least this far apart (ms): under a flood of queue events (thousands of chats
     * arriving) the queue is read about once a second, each run fresh, never once per event.
     */
    readonly minIntervalMs?: number;
  } = {},
): () => void {
  const minIntervalMs = options.minIntervalMs ?? 1000;
  const shown = new Map<number, string>();
  let running = false;
  let again = false;
  let stopped = false;
  let lastRun = -Infinity;
  let timer: NodeJS.Timeout | undefined;
  const run = async (): Promise<void> => {
    if (running) {
      again = true;
      return;
    }
    const wait = lastRun + minIntervalMs - performance.now();
    if (wait > 0) {
      if (!timer) {
        timer = setTimeout(() => {
          timer = undefined;
          void run();
        }, wait);
        timer.unref();
      }
      return;
    }
    running = true;
    lastRun = performance.now();
    again = false;
    try {
      if (hub.onlineVisitors && hub.onlineVisitors().length === 0) {
        shown.clear();
        return;
      }
      const all = await chatWaitingAll(ctx.store.read, ctx.clock.now());
      for (const id of shown.keys()) if (!all.has(id)) shown.delete(id);
      let pushed = 0;
      for (const [conversationId, waiting] of all) {
        const text = JSON.stringify(waiting);
        if (shown.get(conversationId) === text) continue;
        shown.set(conversationId, text);
        if (stopped) break;
        hub.push(conversationId, { type: 'waiting', ...waiting });
        // A queue of thousands moves everyone's place: let replies and messages through between
        // batches of frames rather than after all of them.
        if (++pushed % 200 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
    } catch (error) {
      // A run caught by the server's shutdown has nobody left to tell.
      if (!stopped) ctx.logger.error({ err: error }, 'pushing waiting frames failed');
    } finally {
      running = false;
      // Events that came during the run are folded into one more, at the next allowed time.
      if (again && !stopped) void run();
    }
  };
  const unsubscribe = ctx.bus.subscribe((event) => {
    if (!stopped && movesTheQueue(event)) void run();
  });
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    unsubscribe();
  };
}

/**
 * A waiting visitor takes a callback instead: the chat's work item becomes a callback to `phone`
 * (normalised by the caller) with the same arrival time and deadline, so it keeps its place.
 * Refused (`chat-not-waiting`) once an advisor has been offered or has taken the chat.
 */
export async function takeCallback(
  unit: Unit,
  conversationId: number | null,
  phone: string,
  actor: Actor,
): Promise<number> {
  const item =
    conversationId === null
      ? undefined
      : await unit.db
          .selectFrom('work_items')
          .select(['id', 'status', 'channel'])
          .where('conversation_id', '=', conversationId)
          .where('status', 'in', ['waiting', 'offered', 'assigned'])
          .executeTakeFirst();
  if (!item || item.status !== 'waiting' || item.channel !== 'chat')
    throw new Conflict(
      'nobody is waiting to be called back: the chat is not in the queue',
      'chat-not-waiting',
    );
  await requestCallback(unit, item.id, phone, actor);
  return item.id;
}
