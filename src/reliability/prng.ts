/**
 * A small seeded generator for the Monte Carlo: xoshiro128** (Blackman and
 * Vigna), its 128-bit state filled from the seed by splitmix32. The same seed
 * gives the same stream on every platform; nothing here reads Math.random.
 */

export interface Rng {
  /** A uniform number in [0, 1). */
  next(): number;
  /** An exponential interval with the given rate (events per unit); Infinity when the rate is 0. */
  exponential(rate: number): number;
  /** A Poisson count with the given mean. */
  poisson(mean: number): number;
}

const TWO_POW_32 = 4294967296;

/** splitmix32: spreads a seed over the state words so nearby seeds give unrelated streams. */
function splitmix32(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (x + 0x9e3779b9) >>> 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

const rotl = (x: number, k: number): number => (x << k) | (x >>> (32 - k));

export function seededRng(seed: number): Rng {
  const init = splitmix32(seed);
  let s0 = init();
  let s1 = init();
  let s2 = init();
  let s3 = init();
  if ((s0 | s1 | s2 | s3) === 0) s0 = 1; // the all-zero state is a fixed point

  const nextUint32 = (): number => {
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl(s3, 11);
    return result;
  };

  const next = (): number => nextUint32() / TWO_POW_32;

  return {
    next,
    exponential(rate: number): number {
      if (rate <= 0) return Infinity;
      // 1 - u lies in (0, 1], so the log is finite.
      return -Math.log(1 - next()) / rate;
    },
    poisson(mean: number): number {
      if (mean <= 0) return 0;
      if (mean > 500) {
        // Normal approximation (Box-Muller) where inversion would walk too far.
        const z = Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
        return Math.max(0, Math.round(mean + Math.sqrt(mean) * z));
      }
      // Inversion by sequential search.
      let k = 0;
      let p = Math.exp(-mean);
      let cdf = p;
      const u = next();
      while (u > cdf && k < 10 * mean + 50) {
        k++;
        p *= mean / k;
        cdf += p;
      }
      return k;
    },
  };
}
