/** Seeded randomness for the simulator: a small PRNG and the duration distributions scenarios use. */

/** A source of uniform numbers in [0, 1). */
export type Random = () => number;

/** mulberry32: a tiny, fast 32-bit PRNG; the same seed always gives the same sequence. */
export function createRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * An independent stream for one purpose (arrivals, handle times...), so policies compare on equal draws.
 * The antithetic stream yields 1 - u for each u of the plain one (a classic variance-reduction pairing).
 */
export function createStream(seed: number, stream: number, antithetic = false): Random {
  let h = (seed ^ Math.imul(stream + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  const random = createRandom((h ^ (h >>> 16)) >>> 0);
  if (!antithetic) return random;
  // 1 - u lies in (0, 1]; nudge the single value 1 back into [0, 1).
  return () => Math.min(1 - random(), 0.9999999999999999);
}

/** How long something lasts: exponential, lognormal (mean and coefficient of variation) or fixed. */
export type DurationDistribution =
  | { distribution: 'exponential'; meanSeconds: number }
  | { distribution: 'lognormal'; meanSeconds: number; cv: number }
  | { distribution: 'fixed'; meanSeconds: number };

/** An exponential draw with the given mean. */
export function sampleExponential(random: Random, mean: number): number {
  return -mean * Math.log(1 - random());
}

/** A standard normal draw (Box-Muller). */
export function sampleNormal(random: Random): number {
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** A duration in milliseconds drawn from the distribution. */
export function sampleDurationMs(random: Random, distribution: DurationDistribution): number {
  const meanMs = distribution.meanSeconds * 1000;
  switch (distribution.distribution) {
    case 'exponential':
      return sampleExponential(random, meanMs);
    case 'lognormal': {
      const sigma2 = Math.log(1 + distribution.cv * distribution.cv);
      const mu = Math.log(meanMs) - sigma2 / 2;
      return Math.exp(mu + Math.sqrt(sigma2) * sampleNormal(random));
    }
    case 'fixed':
      return meanMs;
  }
}
