/**
 * Erlang C: the M/M/c queue behind staffing. Time units are the caller's, as long as they agree
 * (arrival rate per second with handle time and threshold in seconds, say). Computed through the
 * Erlang B recursion, which stays finite for hundreds or thousands of agents.
 */

/** Erlang B blocking probability for `agents` servers offered `trafficErlangs`. */
export function erlangB(agents: number, trafficErlangs: number): number {
  let blocking = 1;
  for (let k = 1; k <= agents; k++) {
    blocking = (trafficErlangs * blocking) / (k + trafficErlangs * blocking);
  }
  return blocking;
}

/** Probability that a contact has to wait (Erlang C); 1 when the traffic reaches the agents. */
export function probabilityOfWaiting(agents: number, trafficErlangs: number): number {
  if (trafficErlangs <= 0) return 0;
  if (agents <= trafficErlangs) return 1;
  const blocking = erlangB(agents, trafficErlangs);
  return (agents * blocking) / (agents - trafficErlangs * (1 - blocking));
}

/** Average speed of answer, in the handle time's unit; Infinity when the queue is unstable. */
export function averageSpeedOfAnswer(
  agents: number,
  trafficErlangs: number,
  averageHandleTime: number,
): number {
  if (agents <= trafficErlangs) return Infinity;
  return (
    (probabilityOfWaiting(agents, trafficErlangs) * averageHandleTime) / (agents - trafficErlangs)
  );
}

/** Share of contacts answered within `threshold` (same unit as the handle time). */
export function serviceLevel(
  agents: number,
  trafficErlangs: number,
  averageHandleTime: number,
  threshold: number,
): number {
  if (agents <= trafficErlangs) return 0;
  const waiting = probabilityOfWaiting(agents, trafficErlangs);
  return 1 - waiting * Math.exp((-(agents - trafficErlangs) * threshold) / averageHandleTime);
}

/**
 * The fewest agents that answer `targetServiceLevel` of contacts within `threshold`, for contacts
 * arriving at `arrivalRate` per unit of time with `averageHandleTime` in that unit.
 */
export function agentsNeeded(
  arrivalRate: number,
  averageHandleTime: number,
  targetServiceLevel: number,
  threshold: number,
): number {
  const traffic = arrivalRate * averageHandleTime;
  if (traffic <= 0) return 0;
  let agents = Math.max(1, Math.floor(traffic) + 1);
  // Erlang B for c + 1 follows from c in one step, so walk upwards without recomputing.
  let blocking = erlangB(agents, traffic);
  for (;;) {
    const waiting = (agents * blocking) / (agents - traffic * (1 - blocking));
    const level = 1 - waiting * Math.exp((-(agents - traffic) * threshold) / averageHandleTime);
    if (level >= targetServiceLevel) return agents;
    agents += 1;
    blocking = (traffic * blocking) / (agents + traffic * blocking);
  }
}
