import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { dominates, paretoFront, type TimeCost } from './pareto.js';

const pt = (t: number, c: number): TimeCost => ({ timeToTrainSeconds: t, costUsd: c });

describe('paretoFront', () => {
  it('keeps the fastest, the cheapest and the trade-offs between them', () => {
    const points = [pt(10, 100), pt(20, 50), pt(30, 60), pt(40, 20), pt(10, 120)];
    expect(paretoFront(points)).toEqual([true, true, false, true, false]);
  });

  it('keeps identical points together', () => {
    expect(paretoFront([pt(1, 1), pt(1, 1), pt(2, 2)])).toEqual([true, true, false]);
  });

  it('front points dominate each other never, and every other point is dominated by a front point', () => {
    const point = fc.record({ timeToTrainSeconds: fc.integer({ min: 1, max: 20 }), costUsd: fc.integer({ min: 1, max: 20 }) });
    fc.assert(
      fc.property(fc.array(point, { minLength: 1, maxLength: 30 }), (points) => {
        const front = paretoFront(points);
        const onFront = points.filter((_, i) => front[i]);
        for (const a of onFront) for (const b of onFront) expect(dominates(a, b)).toBe(false);
        points.forEach((p, i) => {
          if (!front[i]) expect(onFront.some((q) => dominates(q, p))).toBe(true);
        });
        const fastest = Math.min(...points.map((p) => p.timeToTrainSeconds));
        const cheapest = Math.min(...points.map((p) => p.costUsd));
        expect(onFront.some((p) => p.timeToTrainSeconds === fastest)).toBe(true);
        expect(onFront.some((p) => p.costUsd === cheapest)).toBe(true);
      }),
    );
  });
});
