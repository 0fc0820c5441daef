import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { autoSpareNodes, expectedSpareWaitSeconds, poissonTail, spareShortfallShare } from './hot-spares.js';

describe('hot spares', () => {
  it('computes the Poisson tail', () => {
    expect(poissonTail(2, 0)).toBeCloseTo(1 - Math.exp(-2), 12);
    expect(poissonTail(2, 1)).toBeCloseTo(1 - 3 * Math.exp(-2), 12);
    expect(poissonTail(0, 3)).toBe(0);
    expect(poissonTail(5, -1)).toBe(1);
  });

  it('sizes automatic spares to the accepted shortfall, and no fewer', () => {
    const repair = 72 * 3600;
    const rate = 0.25 / 3600;
    const s = autoSpareNodes(repair, rate, 0.01);
    expect(spareShortfallShare(s, repair, rate)).toBeLessThanOrEqual(0.01);
    expect(spareShortfallShare(s - 1, repair, rate)).toBeGreaterThan(0.01);
    expect(autoSpareNodes(repair, 0, 0.01)).toBe(0);
  });

  it('sizes spares for thousands of nodes in repair, where exp(-mean) underflows (it once never returned)', () => {
    for (const mean of [745, 800, 5_000, 1e5, 1e6, 1e7, 1e12]) {
      const s = autoSpareNodes(mean, 1, 0.01);
      // The 99th percentile of a Poisson(mean) is about mean + 2.33 sqrt(mean).
      expect(s).toBeGreaterThan(mean + 2 * Math.sqrt(mean));
      expect(s).toBeLessThan(mean + 2.7 * Math.sqrt(mean) + 2);
      expect(poissonTail(mean, s)).toBeLessThanOrEqual(0.01);
      expect(poissonTail(mean, s - 1)).toBeGreaterThan(0.01);
    }
  });

  it('agrees across the switch from the exact walk to the normal approximation (past a mean of 1e6)', () => {
    const exact = autoSpareNodes(1e6, 1, 0.01);
    const approximate = autoSpareNodes(1e6 + 1, 1, 0.01);
    expect(Math.abs(approximate - exact - 1)).toBeLessThanOrEqual(2);
    expect(Math.abs(poissonTail(1e6 + 1, exact) - poissonTail(1e6, exact))).toBeLessThan(1e-3);
  });

  it('answers at once for a spare count far past the mean', () => {
    expect(poissonTail(10, 1e15)).toBe(0);
    expect(poissonTail(1e6, Number.MAX_SAFE_INTEGER)).toBe(0);
    expect(poissonTail(1e6, 0)).toBe(1);
  });

  it('without spares, a job whose nodes fail often is always waiting', () => {
    expect(spareShortfallShare(0, 72 * 3600, 1 / 3600)).toBeCloseTo(1, 9);
    expect(expectedSpareWaitSeconds(0, 3600, 0)).toBe(0);
  });

  it('waits less with more spares (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 200 }), fc.double({ min: 1e-7, max: 1e-3, noNaN: true }), (spares, rate) => {
        const repair = 48 * 3600;
        return expectedSpareWaitSeconds(spares + 1, repair, rate) <= expectedSpareWaitSeconds(spares, repair, rate);
      }),
    );
  });
});
