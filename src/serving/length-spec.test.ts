import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ClusterTwinError } from '../errors.js';
import { seededRng } from '../reliability/prng.js';
import { lengthRange, lengthSampler, meanLength, type LengthDistribution } from './arrivals.js';
import { describeLength, MAX_CHOICE_LENGTHS, parseLengthSpec } from './length-spec.js';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 40);

/** The mean and the extremes of n draws. */
function draws(d: LengthDistribution, n: number, seed = 7): { mean: number; min: number; max: number } {
  const next = lengthSampler(d, seededRng(seed));
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const x = next();
    sum += x;
    min = Math.min(min, x);
    max = Math.max(max, x);
  }
  return { mean: sum / n, min, max };
}

/** The mean of a distribution's draws worked out apart: a rounded, clamped normal's by integrating its density. */
function expectedMean(d: LengthDistribution): number {
  if (d.kind !== 'normal') return meanLength(d);
  const step = d.sdTokens / 1000;
  let sum = 0;
  for (let x = d.meanTokens - 10 * d.sdTokens; x <= d.meanTokens + 10 * d.sdTokens; x += step) {
    const density = Math.exp(-0.5 * ((x - d.meanTokens) / d.sdTokens) ** 2) / (d.sdTokens * Math.sqrt(2 * Math.PI));
    sum += Math.min(d.maxTokens, Math.max(d.minTokens, Math.round(x))) * density * step;
  }
  return sum;
}

describe('the --isl/--osl length syntax', () => {
  it('reads a number, a uniform range, a normal and a list', () => {
    expect(parseLengthSpec('1024', '--isl')).toEqual({ kind: 'fixed', tokens: 1024 });
    expect(parseLengthSpec('2k', '--isl')).toEqual({ kind: 'fixed', tokens: 2000 });
    expect(parseLengthSpec('uniform:512-2048', '--isl')).toEqual({ kind: 'uniform', minTokens: 512, maxTokens: 2048 });
    expect(parseLengthSpec(' Uniform: 1 - 8 ', '--isl')).toEqual({ kind: 'uniform', minTokens: 1, maxTokens: 8 });
    // A normal is clamped to 1..mean+4 sd unless given its own range.
    expect(parseLengthSpec('normal:1024,256', '--isl')).toEqual({ kind: 'normal', meanTokens: 1024, sdTokens: 256, minTokens: 1, maxTokens: 2048 });
    expect(parseLengthSpec('normal:1024,256,64-4096', '--isl')).toEqual({ kind: 'normal', meanTokens: 1024, sdTokens: 256, minTokens: 64, maxTokens: 4096 });
    expect(parseLengthSpec('choice:128,512,2048', '--osl')).toEqual({ kind: 'choice', tokens: [128, 512, 2048] });
  });

  it.each([
    ['0', 'whole number'],
    ['1.5', 'whole number'],
    ['abc', 'not a number'],
    ['uniform:9-3', 'MIN is above MAX'],
    ['uniform:3', 'MIN-MAX'],
    ['normal:1024', 'MEAN,SD'],
    ['normal:1024,-1', 'SD'],
    ['normal:0,5', 'MEAN'],
    ['choice:', 'not a number'],
    ['pareto:1,2', 'unknown distribution "pareto"'],
    ['uniform:1-200000000', 'whole number from 1 to 134,217,728'],
    [`choice:${Array(MAX_CHOICE_LENGTHS + 1).fill(5).join(',')}`, `at most ${MAX_CHOICE_LENGTHS}`],
  ])('refuses %j naming the flag and the syntax (%s)', (text, why) => {
    let err: unknown;
    try {
      parseLengthSpec(text, '--isl');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ClusterTwinError);
    const e = err as ClusterTwinError;
    expect(e.path).toBe('--isl');
    expect(e.detail).toContain('uniform:MIN-MAX');
    expect(e.detail).toContain(why);
    expect(e.detail).not.toContain('\n');
  });

  it('describes each kind in words', () => {
    expect(describeLength(parseLengthSpec('2048', 'x'))).toBe('2,048');
    expect(describeLength(parseLengthSpec('uniform:512-2048', 'x'))).toBe('uniform 512-2,048');
    expect(describeLength(parseLengthSpec('normal:1024,256', 'x'))).toBe('normal 1,024 ± 256 (1-2,048)');
    expect(describeLength(parseLengthSpec('choice:128,4096,512', 'x'))).toBe('one of 3 (128-4,096)');
  });
});

describe('length distributions', () => {
  it('draw near their mean, within their range (fixed seed)', () => {
    for (const text of ['uniform:512-2048', 'normal:1024,256', 'normal:300,200,50-900', 'choice:128,512,2048', '77']) {
      const d = parseLengthSpec(text, 'x');
      const { minTokens, maxTokens } = lengthRange(d);
      const s = draws(d, 100_000);
      expect(s.min, text).toBeGreaterThanOrEqual(minTokens);
      expect(s.max, text).toBeLessThanOrEqual(maxTokens);
      expect(Math.abs(s.mean / expectedMean(d) - 1), text).toBeLessThan(0.01);
    }
  });

  it('a normal reaches the ends of its clamp and no further', () => {
    const d = parseLengthSpec('normal:100,1000,10-150', 'x');
    const s = draws(d, 10_000);
    expect(s.min).toBe(10);
    expect(s.max).toBe(150);
  });

  it('every draw is a whole number inside lengthRange (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e6 }), fc.double({ min: 0, max: 1e5, noNaN: true }), fc.integer({ min: 0, max: 1e6 }), (mean, sd, seed) => {
        const d = parseLengthSpec(`normal:${mean},${sd}`, 'x');
        const { minTokens, maxTokens } = lengthRange(d);
        const next = lengthSampler(d, seededRng(seed));
        for (let i = 0; i < 200; i++) {
          const x = next();
          if (!Number.isInteger(x) || x < minTokens || x > maxTokens || x < 1) return false;
        }
        return true;
      }),
      { numRuns: RUNS },
    );
  });
});
