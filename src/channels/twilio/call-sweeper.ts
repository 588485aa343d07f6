/**
 * The sweeper of calls whose hangup never came (a lost status callback, a PBX that crashed): every
 * minute in `serve`, a call still ringing after 10 minutes ends as `no-answer`, one in progress after
 * 4 hours as `completed`, each marked `ended_by: sweeper`, and its routed work ends with it (a
 * callback call's attempt is recorded: the callback is tried again or gives up).
 */
import type { Context } from '../../platform/context.ts';
import { sweepCalls } from './calls.ts';
import { settleEndedCallbackCalls } from './callback-outcomes.ts';

export const callSweepDefaults = {
  intervalMs: 60_000,
  ringingMs: 10 * 60_000,
  openMs: 4 * 60 * 60_000,
} as const;

export function startCallSweeper(
  ctx: Context,
  options: Partial<typeof callSweepDefaults> = {},
): { stop(): void } {
  const { intervalMs, ringingMs, openMs } = { ...callSweepDefaults, ...options };
  const timer = setInterval(() => {
    ctx.writer
      .run(async (unit) => {
        const closed = await sweepCalls(unit, { ringingMs, openMs });
        // A callback call closed here (or whose last report was lost) still gets its outcome.
        await settleEndedCallbackCalls(unit);
        return closed;
      })
      .then((closed) => {
        if (closed > 0) ctx.logger.info({ closed }, 'calls without a hangup closed');
      })
      .catch((error: unknown) => ctx.logger.warn({ err: error }, 'call sweep failed'));
  }, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
