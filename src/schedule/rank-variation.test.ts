import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { scenario } from '../../test/support/catalog.js';
import { scenarioCosts } from '../engine.js';
import type { Scenario } from '../config/resolve.js';
import { estimateStepSeconds } from './closed-form.js';
import { expectedMaxStandardNormal, rankWaitFraction } from './rank-variation.js';
import { stageComputeSeconds } from './step-costs.js';
import { simulateStep } from './step-simulation.js';

describe('expectedMaxStandardNormal', () => {
  it('is 0 for one rank and matches the closed forms for two and three', () => {
    expect(expectedMaxStandardNormal(1)).toBe(0);
    expect(expectedMaxStandardNormal(2)).toBeCloseTo(1 / Math.sqrt(Math.PI), 6);
    expect(expectedMaxStandardNormal(3)).toBeCloseTo(3 / (2 * Math.sqrt(Math.PI)), 6);
  });

  it("matches Harter's (1961) tables of expected normal order statistics", () => {
    expect(expectedMaxStandardNormal(10)).toBeCloseTo(1.538753, 5);
    expect(expectedMaxStandardNormal(100)).toBeCloseTo(2.507594, 5);
    expect(expectedMaxStandardNormal(1000)).toBeCloseTo(3.241436, 5);
  });

  it('grows with the ranks and stays under sqrt(2 ln n)', () => {
    let last = 0;
    for (const n of [2, 4, 8, 64, 512, 4096, 16384, 131072]) {
      const m = expectedMaxStandardNormal(n);
      expect(m).toBeGreaterThan(last);
      expect(m).toBeLessThan(Math.sqrt(2 * Math.log(n)));
      last = m;
    }
  });
});

describe('rankWaitFraction', () => {
  it('is 0 when off, without a figure or for one GPU, and proportional to the spread otherwise', () => {
    expect(rankWaitFraction('off', 0.02, 1024)).toBe(0);
    expect(rankWaitFraction('expected-max', undefined, 1024)).toBe(0);
    expect(rankWaitFraction('expected-max', 0.02, 1)).toBe(0);
    expect(rankWaitFraction('expected-max', 0.04, 1024)).toBeCloseTo(2 * rankWaitFraction('expected-max', 0.02, 1024), 12);
  });
});

const withCv = (s: Scenario, cv: number | undefined): Scenario => {
  const c = structuredClone(s);
  c.system.gpu.kernelTimeCv = cv;
  return c;
};
const withMode = (s: Scenario, mode: 'off' | 'expected-max'): Scenario => ({ ...s, exec: { ...s.exec, rankVariation: mode } });
const eventStep = (s: Scenario): number => simulateStep(s.exec, scenarioCosts(s), { keepTimeline: false }).stepTimeSeconds;
const closedStep = (s: Scenario): number => estimateStepSeconds(s.exec, scenarioCosts(s));

describe('waiting for the slowest rank in the step', () => {
  const on = (input: Parameters<typeof scenario>[0]): Scenario => scenario({ ...input, rankVariation: 'expected-max' });
  const base = on({ system: 'dgx-h100', model: 'llama3-8b', gpus: 64, tp: 2, pp: 2, gbs: 256, mbs: 1 });

  it('is on by default (since 2026-12-03: docs/sources/variability.md, section 4d)', () => {
    expect(scenario({ system: 'dgx-h100', model: 'llama3-8b', gpus: 64 }).exec.rankVariation).toBe('expected-max');
  });

  it('off is the step without the mechanism: no wait, no events, the same step in both engines', () => {
    const off = withMode(base, 'off');
    const none = withCv(base, undefined);
    const sim = simulateStep(off.exec, scenarioCosts(off));
    expect(sim.breakdown.rankWaitSeconds).toBe(0);
    expect(sim.timeline.some((e) => e.kind === 'rank-wait')).toBe(false);
    expect(sim.stepTimeSeconds).toBe(eventStep(none));
    expect(closedStep(off)).toBe(closedStep(none));
  });

  it('on, adds the spread x E[max over the GPUs] of the compute of a single-stage step', () => {
    const s = on({ system: 'dgx-h100', model: 'llama3-8b', gpus: 128, tp: 2, pp: 1, gbs: 256, mbs: 2 });
    const costs = scenarioCosts(s);
    const expected = (s.system.gpu.kernelTimeCv ?? 0) * expectedMaxStandardNormal(128) * stageComputeSeconds(costs.stages[0], s.exec.microbatches);
    expect(expected).toBeGreaterThan(0);
    const sim = simulateStep(s.exec, costs);
    const off = eventStep(withMode(s, 'off'));
    expect(sim.breakdown.rankWaitSeconds).toBeCloseTo(expected, 12);
    expect(sim.stepTimeSeconds - off).toBeCloseTo(expected, 9);
    expect(closedStep(s) - closedStep(withMode(s, 'off'))).toBeCloseTo(expected, 9);
  });

  // Weak scaling: the same split, micro-batch and micro-batches per replica on more replicas. ZeRO 0,
  // so the optimizer's work per GPU does not shrink as DP grows (the per-GPU workload is the same).
  const arb = fc.record({
    model: fc.constantFrom('llama3-8b', 'mpt-7b'),
    tp: fc.constantFrom(1, 2, 8),
    pp: fc.constantFrom(1, 2, 4),
    m: fc.integer({ min: 1, max: 8 }),
    dp: fc.constantFrom(1, 2, 4, 16, 64),
    more: fc.constantFrom(2, 4, 16),
  });
  const weak = (x: { model: string; tp: number; pp: number; m: number }, dp: number): Scenario =>
    on({ system: 'dgx-h100', model: x.model, tp: x.tp, pp: x.pp, dp, gpus: x.tp * x.pp * dp, gbs: x.m * dp, mbs: 1, zero: 0 });

  it('is never faster on more GPUs at a fixed per-GPU workload (event step and closed form)', () => {
    fc.assert(
      fc.property(arb, (x) => {
        const small = weak(x, x.dp);
        const big = weak(x, x.dp * x.more);
        return eventStep(big) >= eventStep(small) * (1 - 1e-9) && closedStep(big) >= closedStep(small) * (1 - 1e-9);
      }),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 40) },
    );
  });

  it('waits longer on more GPUs at a fixed per-GPU workload', () => {
    fc.assert(
      fc.property(arb, (x) => {
        const wait = (s: Scenario): number => simulateStep(s.exec, scenarioCosts(s), { keepTimeline: false }).breakdown.rankWaitSeconds;
        return wait(weak(x, x.dp * x.more)) > wait(weak(x, x.dp));
      }),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 30) },
    );
  });

  it('is never faster with more GPU-to-GPU spread', () => {
    fc.assert(
      fc.property(arb, fc.double({ min: 0, max: 0.05, noNaN: true }), fc.double({ min: 1, max: 4, noNaN: true }), (x, cv, k) => {
        const s = weak(x, x.dp);
        const less = withCv(s, cv);
        const more = withCv(s, cv * k);
        return eventStep(more) >= eventStep(less) * (1 - 1e-12) && closedStep(more) >= closedStep(less) * (1 - 1e-12);
      }),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 40) },
    );
  });
});
