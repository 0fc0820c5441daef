import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { dalyIntervalSeconds, youngIntervalSeconds } from './young-daly.js';

describe('Young and Daly', () => {
  it("gives Young's sqrt(2 x cost x MTBF)", () => {
    expect(youngIntervalSeconds(60, 3 * 3600)).toBeCloseTo(Math.sqrt(2 * 60 * 10800), 9);
  });

  it("approaches Young's interval when checkpoints are cheap, and the MTBF when they cost half of it (property)", () => {
    fc.assert(
      fc.property(fc.double({ min: 1, max: 1e5, noNaN: true }), (mtbf) => {
        const d = mtbf * 1e-6;
        const young = youngIntervalSeconds(d, mtbf);
        return Math.abs(dalyIntervalSeconds(d, mtbf) - young) / young < 0.01 && dalyIntervalSeconds(2 * mtbf, mtbf) === mtbf;
      }),
    );
    expect(dalyIntervalSeconds(10, Infinity)).toBe(Infinity);
  });
});
