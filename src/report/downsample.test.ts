import { describe, expect, it } from 'vitest';
import { bucketHours, bucketed, m4 } from './downsample.js';

describe('downsampling for charts', () => {
  it('buckets hourly samples into whole-hour buckets, at most the points asked', () => {
    expect(bucketHours(90 * 24, 400)).toBe(6);
    expect(bucketHours(48, 400)).toBe(1);
    expect(Math.ceil(365 * 24 / bucketHours(365 * 24, 400))).toBeLessThanOrEqual(400);
    const v = [1, 2, 3, 4, 5];
    expect(bucketed(v, 2, 'sum')).toEqual([3, 7, 5]);
    expect(bucketed(v, 2, 'mean')).toEqual([1.5, 3.5, 5]);
    expect(bucketed(v, 2, 'max')).toEqual([2, 4, 5]);
    // Sums are conserved.
    expect(bucketed(v, 3, 'sum').reduce((a, b) => a + b, 0)).toBe(15);
  });

  it('keeps every peak and trough of a fast square wave (M4)', () => {
    const pts = Array.from({ length: 10_000 }, (_, i) => ({ seconds: i * 0.01, itMW: i % 2 ? 10 : 2 + (i === 5000 ? -1 : 0) }));
    const thin = m4(pts, 200);
    expect(thin.length).toBeLessThanOrEqual(800);
    expect(Math.max(...thin.map((p) => p.itMW))).toBe(10);
    expect(Math.min(...thin.map((p) => p.itMW))).toBe(1);
    for (let i = 1; i < thin.length; i++) expect(thin[i]!.seconds).toBeGreaterThan(thin[i - 1]!.seconds);
    expect(thin[0]).toEqual(pts[0]);
    expect(thin[thin.length - 1]).toEqual(pts[pts.length - 1]);
  });
});
