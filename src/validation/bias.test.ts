import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { biasFigures, biasStats, logoCoverage, median } from './bias.js';
import { group, report, speedError, type ValidationRow } from './report.js';
import { intervalTable, poolFor, residualsOf } from './interval.js';

/** A training row whose speed error is `speed` (above zero: the twin fast), as a step-time or a throughput row. */
function row(speed: number, over: Partial<ValidationRow> = {}): ValidationRow {
  const metric = over.metric ?? 'tokensPerSecondPerGpu';
  // A step-time row's error is the inverse: predicted time / measured - 1 = 1 / (1 + speed) - 1.
  const error = metric === 'stepTimeSeconds' ? 1 / (1 + speed) - 1 : speed;
  return { id: 'r', config: '', metric, unit: '', measured: 1, predicted: 1 + error, error, bounded: true, source: '', gpu: 'g1', precision: 'bf16', kernels: 'fused', gpus: 64, ...over };
}

describe('bias figures', () => {
  it('count the share predicted fast and the median signed error as speed, step-time rows inverted', () => {
    // A step measured 25% longer than predicted: the twin is 25% fast as speed (1.25 / 1 - 1).
    const rows = [row(0.25, { metric: 'stepTimeSeconds' }), row(-0.1), row(0.05), row(0.02, { metric: 'stepTimeSeconds' })];
    expect(speedError(rows[0])).toBeCloseTo(0.25, 12);
    const s = biasStats(rows);
    expect(s.rows).toBe(4);
    expect(s.shareFast).toBe(0.75);
    expect(s.medianSignedError).toBeCloseTo((0.02 + 0.05) / 2, 12);
    expect(median([3, 1, 2])).toBe(2);
    expect(biasStats([])).toEqual({ rows: 0, shareFast: 0, medianSignedError: 0 });
  });

  it('take bounded training time rows only: not memory rows, reported rows, collectives or serving', () => {
    const rep = report([
      group('t', '', [row(0.1), row(0.2, { gpu: 'g2' }), row(0.3, { metric: 'allocatedMemoryGiB' }), row(0.4, { bounded: false })]),
      group('collectives', '', [{ id: 'c', config: '', metric: 'busbw', unit: 'GB/s', measured: 1, predicted: 2, error: 1, bounded: true, source: '' }]),
      group('serving', '', [{ ...row(0.5), precision: undefined, bounded: false }]),
    ]);
    const b = biasFigures(rep);
    expect(b.overall.rows).toBe(2);
    expect(b.byGpu).toEqual([
      { gpu: 'g1', rows: 1, shareFast: 1, medianSignedError: 0.1 },
      { gpu: 'g2', rows: 1, shareFast: 1, medianSignedError: 0.2 },
    ]);
  });

  it('hold, per GPU and overall: share fast in [0, 1], and flipping every sign mirrors both figures', () => {
    const speeds = fc.array(fc.double({ min: -0.5, max: 0.5, noNaN: true }).filter((x) => x !== 0), { minLength: 1, maxLength: 40 });
    fc.assert(
      fc.property(speeds, fc.array(fc.constantFrom('g1', 'g2', 'g3'), { minLength: 40, maxLength: 40 }), (xs, gpus) => {
        const rows = xs.map((x, i) => row(x, { gpu: gpus[i] }));
        const flipped = xs.map((x, i) => row(-x, { gpu: gpus[i] }));
        const a = biasFigures(report([group('t', '', rows)]));
        const b = biasFigures(report([group('t', '', flipped)]));
        expect(a.overall.rows).toBe(xs.length);
        expect(a.byGpu.reduce((n, g) => n + g.rows, 0)).toBe(xs.length);
        expect(a.overall.shareFast).toBeGreaterThanOrEqual(0);
        expect(a.overall.shareFast).toBeLessThanOrEqual(1);
        expect(a.overall.shareFast + b.overall.shareFast).toBeCloseTo(1, 12);
        expect(a.overall.medianSignedError).toBeCloseTo(-b.overall.medianSignedError, 12);
        for (const g of a.byGpu) {
          const mine = xs.filter((_, i) => gpus[i] === g.gpu);
          expect(g.shareFast).toBeCloseTo(mine.filter((x) => x > 0).length / mine.length, 12);
        }
      }),
    );
  });

  it('measure the intervals leaving each group out: a group unlike the others falls outside', () => {
    // Ten groups near zero (+-2%), one group 30% fast: left out, the others' interval does not hold it.
    const groups = Array.from({ length: 10 }, (_, g) => group(`near${g}`, '', [row(0.02 * Math.sin(g)), row(0.02 * Math.cos(g))]));
    const far = group('far', '', [row(0.3), row(0.35), row(0.32)]);
    const b = biasFigures(report([...groups, far]));
    const c = b.intervalCoverage;
    expect(c.nominal).toBe(0.8);
    expect(c.rows).toBe(23);
    expect(c.byGroup.find((g) => g.group === 'far')).toEqual({ group: 'far', rows: 3, inside: 0 });
    expect(c.byGroup.reduce((n, g) => n + g.inside, 0)).toBe(c.inside);
    expect(c.byGpu.reduce((n, g) => n + g.inside, 0)).toBe(c.inside);
    expect(c.logo).toBeCloseTo(c.inside / c.rows, 12);
    // Each near group, left out, meets an interval from the nine others and the far one: recount it by hand.
    const residuals = residualsOf(report([...groups, far]));
    let inside = 0;
    for (const g of new Set(residuals.map((r) => r.group))) {
      const table = intervalTable(residuals.filter((r) => r.group !== g));
      for (const r of residuals.filter((x) => x.group === g)) {
        const p = poolFor(table, r);
        if (r.logRatio >= p.lowLogRatio && r.logRatio <= p.highLogRatio) inside++;
      }
    }
    expect(c.inside).toBe(inside);
    expect(logoCoverage([]).rows).toBe(0);
  });
});
