/**
 * The sweeper of calls whose hangup never came (a lost status callback, a PBX that crashed): every
 * minute in `serve`, a call still ringing after 10 minutes ends as `no-answer`, one in progress after
 * 4 hours as `completed`, each marked `ended_by: sweeper`, and its routed work ends with it.
 */
import type { Context } from '../../platform/context.ts';
import { sweepCalls } from './calls.ts';

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
      .run((unit) => sweepCalls(unit, { ringingMs, openMs }))
      .then((closed) => {
        if (closed > 0) ctx.logger.info({ closed }, 'calls without a hangup closed');
      })
      .catch((error: unknown) => ctx.logger.warn({ err: error }, 'call sweep failed'));
  }, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
