import type { Context } from '../platform/context.ts';
import type { RoutingOptions } from './types.ts';
import { dispatchWork } from './dispatch-round.ts';

const triggers = new Set([
  'work-item.queued',
  'work-item.declined',
  'work-item.done',
  'work-item.callback-requested',
  'presence.changed',
  'capacity.changed',
]);

/** How soon a node tries again when another node held the dispatch lock. */
const busyRetryMs = 25;

/**
 * Runs routing rounds: right after anything that can free an advisor or add work, and every
 * `intervalMs` for offer timeouts and ending affinity holds. Rounds never overlap within a node; when
 * another node is dispatching, the round is tried again shortly, so work it did not see is not left
 * for the next tick. Returns a stop function.
 */
export function startDispatcher(
  ctx: Context,
  options: {
    readonly intervalMs?: number;
    readonly routing?: Partial<RoutingOptions> & { readonly missedOfferPauseMs?: number };
  } = {},
): () => Promise<void> {
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;

  const round = (): void => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = ctx.writer
      .run((unit) => dispatchWork(unit, ctx.store.dialect, options.routing))
      .then(
        (result) => {
          if (result.busy && !stopped) setTimeout(round, busyRetryMs).unref();
        },
        (error: unknown) => ctx.logger.error({ err: error }, 'routing round failed'),
      )
      .finally(() => {
        running = null;
        if (again) {
          again = false;
          setImmediate(round);
        }
      });
  };

  const unsubscribe = ctx.bus.subscribe((event) => {
    if (triggers.has(event.type)) setImmediate(round);
  });
  const timer = setInterval(round, options.intervalMs ?? 1000);
  timer.unref();
  round();
  return async () => {
    stopped = true;
    unsubscribe();
    clearInterval(timer);
    if (running) await running;
  };
}
