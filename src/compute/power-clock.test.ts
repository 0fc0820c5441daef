import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { clockFactorAt, relativeClockAt, sustainedClock, withClockFactor } from './power-clock.js';
import { SustainedClockSchema, type SustainedClock } from '../config/system-schema.js';
import { catalog, scenario } from '../../test/support/catalog.js';
import { resolveGpu } from '../config/catalog.js';
import { evaluateScenario, estimateStep } from '../engine.js';
import type { ScenarioInput } from '../config/scenario-input.js';
import type { Scenario } from '../config/resolve.js';

const h100 = resolveGpu(catalog, 'h100-sxm-80g');
const curve = h100.sustainedClock as SustainedClock;

/** Monotone curves: increasing duties, relative clocks that never rise. */
const curves = fc
  .array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0.05, max: 1, noNaN: true })), { minLength: 1, maxLength: 8 })
  .map((raw) => {
    const duties = [...new Set(raw.map(([d]) => d))].sort((a, b) => a - b);
    const clocks = raw.map(([, c]) => c).sort((a, b) => b - a).slice(0, duties.length);
    return SustainedClockSchema.parse({ source: 'test', referenceGemmDuty: duties[0], points: duties.map((gemmDuty, i) => ({ gemmDuty, relativeClock: clocks[i] })) });
  });

describe('sustained clock curve', () => {
  it('holds the H100 duty sweep as measured (calibration/results/h100-sxm-80g-2026-11-28-duty.json)', () => {
    const sweep = JSON.parse(readFileSync('calibration/results/h100-sxm-80g-2026-11-28-duty.json', 'utf8'))['dutySweep.bf16'].points as Array<{ gemmShare: number; gemmTflops: number }>;
    const byDuty = [...sweep].sort((a, b) => a.gemmShare - b.gemmShare);
    expect(curve.points.map((p) => p.gemmDuty)).toEqual(byDuty.map((p) => Number(p.gemmShare.toFixed(3))));
    // The flat level is the mean of the points up to the knee; each lies within 1% of it.
    const flat = byDuty.slice(0, -1).map((p) => p.gemmTflops);
    const level = flat.reduce((a, b) => a + b, 0) / flat.length;
    for (const t of flat) expect(Math.abs(t / level - 1)).toBeLessThan(0.01);
    expect(curve.points.at(-1)?.relativeClock).toBeCloseTo(byDuty[byDuty.length - 1].gemmTflops / level, 3);
  });

  it('interpolates between points and holds flat beyond the ends', () => {
    const c = SustainedClockSchema.parse({ source: 't', referenceGemmDuty: 0.5, points: [{ gemmDuty: 0.5, relativeClock: 1 }, { gemmDuty: 1, relativeClock: 0.8 }] });
    expect(relativeClockAt(c, 0.1)).toBe(1);
    expect(relativeClockAt(c, 0.75)).toBeCloseTo(0.9, 12);
    expect(relativeClockAt(c, 1)).toBeCloseTo(0.8, 12);
    expect(clockFactorAt(c, 0.75)).toBeCloseTo(0.9, 12);
  });

  it('refuses a curve that rises with duty or whose duties are out of order', () => {
    const rising = { source: 't', referenceGemmDuty: 0.5, points: [{ gemmDuty: 0.5, relativeClock: 0.9 }, { gemmDuty: 0.9, relativeClock: 1 }] };
    expect(SustainedClockSchema.safeParse(rising).success).toBe(false);
    const unordered = { source: 't', referenceGemmDuty: 0.5, points: [{ gemmDuty: 0.9, relativeClock: 1 }, { gemmDuty: 0.5, relativeClock: 0.9 }] };
    expect(SustainedClockSchema.safeParse(unordered).success).toBe(false);
  });

  it('light steps keep the preset rate; GEMMs back to back slow by the measured 0.914', () => {
    expect(sustainedClock(curve, { tensorSeconds: 0.5, busySeconds: 1 }).factor).toBe(1);
    expect(sustainedClock(curve, { tensorSeconds: 1, busySeconds: 1 }).factor).toBeCloseTo(0.914, 3);
    expect(sustainedClock(undefined, { tensorSeconds: 1, busySeconds: 1 }).factor).toBe(1);
  });

  it('property: a denser GEMM mix is never faster (per unit of tensor work, nor in its step time)', () => {
    fc.assert(
      fc.property(curves, fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 1e-3, max: 10, noNaN: true }), (c, a, b, busy) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        const light = sustainedClock(c, { tensorSeconds: lo * busy, busySeconds: busy });
        const dense = sustainedClock(c, { tensorSeconds: hi * busy, busySeconds: busy });
        expect(dense.factor).toBeLessThanOrEqual(light.factor + 1e-12);
        // The same busy time with more of it in tensor work never ends sooner.
        const time = (share: number, f: number) => busy * (1 - share) + (busy * share) / f;
        expect(time(hi, dense.factor)).toBeGreaterThanOrEqual(time(lo, light.factor) - 1e-9 * busy);
      }),
    );
  });

  it('scales the tensor-core fractions only', () => {
    const slow = withClockFactor(h100, 0.9);
    expect(slow.efficiency.gemmPeakFraction).toBeCloseTo(h100.efficiency.gemmPeakFraction * 0.9, 12);
    expect(slow.efficiency.flashAttentionBackwardFraction).toBeCloseTo(h100.efficiency.flashAttentionBackwardFraction * 0.9, 12);
    expect(slow.efficiency.hbmBandwidthFraction).toBe(h100.efficiency.hbmBandwidthFraction);
    expect(withClockFactor(h100, 1)).toBe(h100);
  });
});

describe('powerClock in the engine', () => {
  // Dense: the 8B bf16 step of DGX Cloud's recipe shape (TP 1, GEMMs ~91% of its busy time). Light: the same model over TP 8 (its TP collectives are most of its busy time).
  const dense: ScenarioInput = { system: 'dgx-h100', gpus: 8, model: 'llama3-8b', tp: 1, pp: 1, seq: 8192, mbs: 1, gbs: 128, recompute: 'none' };
  const light: ScenarioInput = { system: 'dgx-h100', gpus: 8, model: 'llama3-8b', tp: 8, pp: 1, seq: 2048, mbs: 1, gbs: 64 };
  const withoutCurve = (s: Scenario): Scenario => ({ ...s, system: { ...s.system, gpu: { ...s.system.gpu, sustainedClock: undefined } } });

  it('off reproduces today exactly (the step without any curve), event step and closed form', () => {
    for (const input of [dense, light, { ...dense, pp: 2, tp: 2 }]) {
      const off = scenario({ ...input, powerClock: 'off' });
      const today = withoutCurve(scenario(input));
      expect(evaluateScenario(off).stepTimeSeconds).toBe(evaluateScenario(today).stepTimeSeconds);
      expect(estimateStep(off).stepTimeSeconds).toBe(estimateStep(today).stepTimeSeconds);
      expect(evaluateScenario(off).breakdown).toEqual(evaluateScenario(today).breakdown);
    }
  });

  it('a GPU without a measured curve is unchanged by step-mix', () => {
    const a100 = { system: 'ndm-a100-v4', gpus: 8, model: 'llama3-8b', tp: 1, pp: 1, seq: 4096, mbs: 1, gbs: 64, recompute: 'full' } as const;
    expect(evaluateScenario(scenario(a100)).stepTimeSeconds).toBe(evaluateScenario(scenario({ ...a100, powerClock: 'off' })).stepTimeSeconds);
  });

  it('a GEMM-dense step slows and is never faster than with the clock off; a light one does not change', () => {
    const d = evaluateScenario(scenario(dense)).stepTimeSeconds;
    const dOff = evaluateScenario(scenario({ ...dense, powerClock: 'off' })).stepTimeSeconds;
    expect(d).toBeGreaterThan(dOff * 1.001);
    expect(d).toBeLessThan(dOff / 0.914 + 1e-12);
    const l = evaluateScenario(scenario(light)).stepTimeSeconds;
    expect(l).toBe(evaluateScenario(scenario({ ...light, powerClock: 'off' })).stepTimeSeconds);
  });
});
