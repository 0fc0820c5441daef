import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { seededRng } from './prng.js';

describe('seeded generator', () => {
  it('gives the same stream for the same seed and another for another seed', () => {
    const a = seededRng(42);
    const b = seededRng(42);
    const c = seededRng(43);
    const xs = Array.from({ length: 100 }, () => a.next());
    expect(Array.from({ length: 100 }, () => b.next())).toEqual(xs);
    expect(Array.from({ length: 100 }, () => c.next())).not.toEqual(xs);
  });

  it('stays in [0, 1) for any seed', () => {
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        const r = seededRng(seed);
        for (let i = 0; i < 50; i++) {
          const u = r.next();
          if (!(u >= 0 && u < 1)) return false;
        }
        return true;
      }),
    );
  });

  it('is uniform: mean 1/2, variance 1/12', () => {
    const r = seededRng(7);
    const n = 200_000;
    let sum = 0;
    let sumSq = 0;
    for (let i = 0; i < n; i++) {
      const u = r.next();
      sum += u;
      sumSq += u * u;
    }
    const mean = sum / n;
    expect(mean).toBeCloseTo(0.5, 2);
    expect(sumSq / n - mean * mean).toBeCloseTo(1 / 12, 3);
  });

  it('draws exponential intervals with mean 1/rate, and Poisson counts with their mean', () => {
    const r = seededRng(11);
    const n = 100_000;
    let sum = 0;
    for (let i = 0; i < n; i++) sum += r.exponential(0.25);
    expect(sum / n).toBeGreaterThan(3.9);
    expect(sum / n).toBeLessThan(4.1);
    expect(r.exponential(0)).toBe(Infinity);
    for (const mean of [0.5, 20, 800]) {
      let s = 0;
      for (let i = 0; i < 20_000; i++) s += r.poisson(mean);
      expect(s / 20_000).toBeGreaterThan(mean * 0.97);
      expect(s / 20_000).toBeLessThan(mean * 1.03);
    }
    expect(r.poisson(0)).toBe(0);
  });
});
