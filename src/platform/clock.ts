/** Where time comes from; tests pass a fixed or stepping clock. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock that only moves when told to, for tests and simulations. */
export function manualClock(
  start = Date.UTC(2026, 10, 25, 9, 0, 0),
): Clock & { advance(ms: number): void } {
  let current = start;
  return {
    now: () => current,
    advance(ms: number) {
      current += ms;
    },
  };
}
