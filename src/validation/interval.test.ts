import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { catalog } from '../../test/support/catalog.js';
import { loadValidationData } from '../node/validation-data.js';
import { runValidation } from './run-validation.js';
import { logoCoverage } from './bias.js';
import {
  conformalBounds,
  groupConformalBounds,
  intervalTable,
  minGroups,
  poolFor,
  predictionIntervals,
  rangeText,
  residualsOf,
  scaleClassOf,
  timeLogRatio,
  intervalText,
  type Residual,
} from './interval.js';
import { intervalModule } from './interval-module.js';
import { INTERVALS } from './interval-table.js';
import type { ValidationRow } from './report.js';
import { formatDuration } from '../units.js';

const values = fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 0, maxLength: 60 });

/** A seeded uniform generator (mulberry32), so the simulated suites below are the same every run. */
function uniform(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const normal = (u: () => number): number => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());

const res = (group: string, logRatio: number, over: Partial<Residual> = {}): Residual => ({ gpu: 'g1', precision: '16-bit', kernels: 'fused', scale: 'unit', logRatio, group, ...over });

describe('stated intervals', () => {
  it('are what the validation suite gives today (run `npm run accuracy` when figures move)', () => {
    // Serving rows carry no training interval: the training and collective groups are enough.
    const rep = runValidation({ ...loadValidationData(), serving: undefined }, catalog);
    const checkedIn = readFileSync(new URL('./interval-table.ts', import.meta.url), 'utf8');
    expect(checkedIn).toBe(intervalModule(intervalTable(residualsOf(rep))));
  });

  it('take the conformal ranks floor((n+1)a/2) and ceil((n+1)(1-a/2)), and none below 9 runs at 80%', () => {
    expect(minGroups(0.8)).toBe(9);
    expect(minGroups(0.9)).toBe(19);
    const nine = [9, 1, 8, 2, 7, 3, 6, 4, 5];
    expect(conformalBounds(nine, 0.8)).toEqual({ low: 1, high: 9 });
    expect(conformalBounds(nine.slice(1), 0.8)).toBeUndefined();
    // n = 19: ranks 2 and 18.
    expect(conformalBounds(Array.from({ length: 19 }, (_, i) => i + 1), 0.8)).toEqual({ low: 2, high: 18 });
    fc.assert(
      fc.property(values, fc.constantFrom(0.5, 0.8, 0.9), (xs, cov) => {
        const b = conformalBounds(xs, cov);
        if (xs.length < minGroups(cov)) return b === undefined;
        if (!b) return false;
        // In sample, at most floor((n+1)a/2) - 1 values lie below and as many above: at least the nominal share inside.
        const below = xs.filter((x) => x < b.low).length;
        const above = xs.filter((x) => x > b.high).length;
        return b.low <= b.high && xs.includes(b.low) && xs.includes(b.high) && (xs.length - below - above) / xs.length >= cov - 1e-9;
      }),
    );
  });

  it('are never narrower at a higher coverage', () => {
    fc.assert(
      fc.property(values, (xs) => {
        const a = conformalBounds(xs, 0.5);
        const b = conformalBounds(xs, 0.8);
        return !b || (a !== undefined && b.low <= a.low && b.high >= a.high);
      }),
    );
  });

  it('count groups, not runs: with one run a group they are the plain bounds, and a group repeated counts once', () => {
    fc.assert(
      fc.property(values, (xs) => {
        const plain = conformalBounds(xs, 0.8);
        const grouped = groupConformalBounds(xs.map((x) => [x]), 0.8);
        if (!plain) return grouped === undefined;
        return grouped !== undefined && grouped.low === plain.low && grouped.high === plain.high;
      }),
    );
    fc.assert(
      fc.property(fc.array(fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 1, maxLength: 5 }), { minLength: 9, maxLength: 30 }), fc.integer({ min: 2, max: 6 }), (groups, times) => {
        // One group reported `times` over (the same runs again) weighs no more than once.
        const repeated = groups.map((g, i) => (i === 0 ? Array.from({ length: times }, () => g).flat() : g));
        expect(groupConformalBounds(repeated, 0.8)).toEqual(groupConformalBounds(groups, 0.8));
      }),
    );
    // Nine groups of one run each but one group of 20: still nine independent draws, not 28.
    expect(groupConformalBounds([[0], [0], [0], [0], [0], [0], [0], [0]].concat([Array(20).fill(1)]), 0.8)).toEqual({ low: 0, high: 1 });
    expect(groupConformalBounds([[0], [0], [0], [0], [0], [0], [0], Array(20).fill(1)], 0.8)).toBeUndefined();
  });

  it('hold about their nominal share of a new group out of sample when groups are exchangeable', () => {
    // 60 groups of 3 runs: a group effect and a run's own noise. Each group left out in turn.
    const u = uniform(16);
    const rows: Residual[] = [];
    for (let g = 0; g < 60; g++) {
      const effect = 0.1 * normal(u);
      for (let j = 0; j < 3; j++) rows.push(res(`g${g}`, effect + 0.02 * normal(u)));
    }
    const c = logoCoverage(rows);
    expect(c.rows).toBe(180);
    expect(c.logo).toBeGreaterThan(0.72);
    expect(c.logo).toBeLessThan(0.92);
    // The bounds span the groups' effects (sd 0.1), not just a run's own noise (sd 0.02).
    const all = poolFor(intervalTable(rows), { gpu: 'g1', precision: '16-bit', kernels: 'fused', scale: 'unit' });
    expect(all.highLogRatio - all.lowLogRatio).toBeGreaterThan(0.2);
  });

  it('fall back from the nearest kind to coarser pools, and to every run, said so, where none is close', () => {
    const rows: Residual[] = [];
    // Nine groups on g1 at unit scale in fp8 (residual 0.1), nine more in 16-bit at any scale (-0.1).
    for (let g = 0; g < 9; g++) rows.push(res(`a${g}`, 0.1, { precision: 'fp8' }), res(`b${g}`, -0.1, { scale: 'multi-unit' }));
    // And nine groups on g2 (0.3).
    for (let g = 0; g < 9; g++) rows.push(res(`c${g}`, 0.3, { gpu: 'g2' }));
    const table = intervalTable(rows);
    const fp8 = poolFor(table, { gpu: 'g1', precision: 'fp8', kernels: 'fused', scale: 'unit' });
    expect(fp8).toMatchObject({ gpu: 'g1', precision: 'fp8', kernels: 'fused', scale: 'unit', runs: 9, lowLogRatio: 0.1, highLogRatio: 0.1 });
    // fp8 at another scale: the fp8 pool of any scale.
    const anyScale = poolFor(table, { gpu: 'g1', precision: 'fp8', kernels: 'fused', scale: 'node' });
    expect(anyScale).toMatchObject({ precision: 'fp8', runs: 9 });
    expect(anyScale.scale).toBeUndefined();
    // Eager kernels on g1: none in the suite, so g1's runs of any kernels (16-bit has only the multi-unit nine).
    const anyKernels = poolFor(table, { gpu: 'g1', precision: '16-bit', kernels: 'eager', scale: 'unit' });
    expect(anyKernels).toMatchObject({ gpu: 'g1', precision: '16-bit', runs: 9, lowLogRatio: -0.1 });
    expect(anyKernels.kernels).toBeUndefined();
    // An unknown GPU: every run of the suite, and not close.
    const key = { gpu: 'g9', precision: 'bf16', kernels: 'fused' as const, gpus: 64 };
    const far = predictionIntervals(table, key, { stepTimeSeconds: 2, timeToTrainSeconds: 2000 });
    expect(far.stepTimeInterval).toMatchObject({ runs: 27, groups: 27, close: false, coverage: 0.8 });
    expect(far.stepTimeInterval.basis).toMatch(/^fewer than 9 groups of bounded runs on g9 in the suite, so every GPU, precision and scale: wide$/);
    expect(far.stepTimeInterval.low).toBeCloseTo(2 * Math.exp(-0.1), 9);
    expect(far.stepTimeInterval.high).toBeCloseTo(2 * Math.exp(0.3), 9);
    // The time to train takes the step time's ratios.
    expect(far.timeToTrainInterval.low / 2000).toBeCloseTo(far.stepTimeInterval.low / 2, 12);
    expect(far.timeToTrainInterval.high / 2000).toBeCloseTo(far.stepTimeInterval.high / 2, 12);
    const near = predictionIntervals(table, { gpu: 'g1', precision: 'fp8', kernels: 'fused', gpus: 128 }, { stepTimeSeconds: 1.3, timeToTrainSeconds: 1 });
    expect(intervalText(near.stepTimeInterval, formatDuration)).toBe('1.44-1.44 s (from 9 published runs in 9 groups like this: g1, fp8, fused kernels, 9-256 GPUs)');
  });

  it('find a pool for every key from the checked-in table, and name it', () => {
    fc.assert(
      fc.property(fc.constantFrom('a100-sxm-80g', 'h100-sxm-80g', 'gb200-186g', 'h200-sxm-141g', 'v100-sxm2-32g'), fc.constantFrom('bf16', 'fp16', 'fp8'), fc.constantFrom('fused' as const, 'eager' as const), fc.integer({ min: 1, max: 100_000 }), (gpu, precision, kernels, gpus) => {
        const i = predictionIntervals(INTERVALS, { gpu, precision, kernels, gpus }, { stepTimeSeconds: 1, timeToTrainSeconds: 1 }).stepTimeInterval;
        return i.low > 0 && i.low <= i.high && i.runs > 0 && i.groups >= minGroups(0.8) && i.basis.length > 0 && (i.close ? i.basis.startsWith(gpu) : i.basis.includes(gpu));
      }),
    );
  });

  it('measure residuals in time: a step time measured 25% longer and a throughput measured 20% lower are the same', () => {
    const row = (metric: string, error: number): ValidationRow => ({ id: 'x', config: '', metric, unit: '', measured: 1, predicted: 1 + error, error, bounded: true, source: '' });
    expect(timeLogRatio(row('stepTimeSeconds', 1 / 1.25 - 1))).toBeCloseTo(Math.log(1.25), 12);
    expect(timeLogRatio(row('tokensPerSecondPerGpu', 0.25))).toBeCloseTo(Math.log(1.25), 12);
    expect(scaleClassOf(8)).toBe('node');
    expect(scaleClassOf(9)).toBe('unit');
    expect(scaleClassOf(256)).toBe('unit');
    expect(scaleClassOf(257)).toBe('multi-unit');
  });

  it('print both ends in one unit where they share it', () => {
    const i = { low: 1.234, high: 1.411, coverage: 0.8, runs: 3, groups: 1, basis: '', close: true };
    expect(rangeText(i, formatDuration)).toBe('1.23-1.41 s');
    expect(rangeText({ ...i, low: 130, high: 200 }, formatDuration)).toBe('2.2-3.3 min');
    expect(rangeText({ ...i, low: 130, high: 9000 }, formatDuration)).toBe('2.2 min-2.5 h');
  });
});
