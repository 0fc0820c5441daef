import { describe, expect, it } from 'vitest';
import { powerTrace } from './power-trace.js';
import type { PowerSwing } from './power-swing.js';

/** A made-up two-level step: 0.6 s at 10 MW, 0.4 s at 4 MW. */
const swing = {
  amplitudeMW: 6,
  periodSeconds: 1,
  frequencyHz: 1,
  rampMWPerSecond: 120,
  peakMW: 10,
  troughMW: 4,
  meanMW: 7.6,
  computeShare: 0.6,
  profile: [
    { startSeconds: 0, endSeconds: 0.6, itMW: 10 },
    { startSeconds: 0.6, endSeconds: 1, itMW: 4 },
  ],
  spectrum: { bandLowHz: 0.1, bandHighHz: 20, bandEnergyShare: 1, dominantHz: 1 },
  checkpoint: { pauseSeconds: 5, dropMW: 3.6 },
  failure: { gpus: 100, dropMW: 2, rampMWPerSecond: 40 },
  slewSeconds: 0.05,
} satisfies PowerSwing;

describe('powerTrace', () => {
  it('repeats the step, pauses for the checkpoint, then drops at the failure over one slew', () => {
    const t = powerTrace(swing, { stepsBefore: 3, stepsAfter: 2, afterFailureSeconds: 1 });
    expect(t.checkpoint.startSeconds).toBe(3);
    expect(t.checkpoint.endSeconds).toBe(8);
    expect(t.checkpoint.itMW).toBeCloseTo(4, 12);
    expect(t.failure.atSeconds).toBe(10);
    expect(t.failure.itMWAfter).toBeCloseTo(5.6, 12);
    expect(t.endSeconds).toBe(11);
    const ys = t.points.map((p) => p.itMW);
    expect(Math.max(...ys)).toBe(10);
    expect(Math.min(...ys)).toBeCloseTo(4, 12);
    for (let i = 1; i < t.points.length; i++) expect(t.points[i]!.seconds).toBeGreaterThanOrEqual(t.points[i - 1]!.seconds);
    // The failure's ramp: mean to what is left, one slew apart.
    const at = t.points.findIndex((p) => p.seconds === 10);
    expect(t.points[at + 1]!.seconds - t.points[at]!.seconds).toBeCloseTo(0.05, 12);
    expect((t.points[at]!.itMW - t.points[at + 1]!.itMW) / 0.05).toBeCloseTo(swing.failure.rampMWPerSecond, 9);
  });
});
