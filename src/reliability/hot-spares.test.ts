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
