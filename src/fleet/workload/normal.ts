/** The standard normal distribution's CDF, and a seeded pair of standard normal draws. */
import type { Rng } from '../../reliability/prng.js';

/**
 * Phi(x), from erf by Abramowitz and Stegun 7.1.26 (absolute error below 1.5e-7), ample for fitting
 * a distribution's mean and median to three significant figures.
 */
export function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * z);
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-z * z);
  return x >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

export const normalPdf = (x: number): number => Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);

/** Two independent standard normal draws (Box-Muller); 1 - u keeps the log finite. */
export function normalPair(rng: Rng): [number, number] {
  const r = Math.sqrt(-2 * Math.log(1 - rng.next()));
  const a = 2 * Math.PI * rng.next();
  return [r * Math.cos(a), r * Math.sin(a)];
}

/** The root of a function increasing on [lo, hi] (bisection; the ends when it has none there). */
export function bisect(f: (x: number) => number, lo: number, hi: number, iterations = 60): number {
  if (f(lo) >= 0) return lo;
  if (f(hi) <= 0) return hi;
  for (let i = 0; i < iterations; i++) {
    const mid = (lo + hi) / 2;
    if (f(mid) < 0) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}
