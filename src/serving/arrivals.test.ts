import { describe, expect, it } from 'vitest';
import { gammaArrivals, poissonArrivals, traceArrivals } from './arrivals.js';

function gapStats(at: Float64Array): { mean: number; cv: number } {
  const n = at.length - 1;
  let s = 0;
  for (let i = 1; i <= n; i++) s += at[i] - at[i - 1];
  const mean = s / n;
  let v = 0;
  for (let i = 1; i <= n; i++) v += (at[i] - at[i - 1] - mean) ** 2;
  return { mean, cv: Math.sqrt(v / (n - 1)) / mean };
}

const fixed = (tokens: number) => ({ kind: 'fixed', tokens }) as const;

describe('arrival streams', () => {
  it('Poisson gaps have mean 1/rate and a coefficient of variation of 1', () => {
    const t = poissonArrivals({ ratePerSecond: 50, requests: 100_000, prompt: fixed(10), output: fixed(5), seed: 3 });
    const g = gapStats(t.arrivalSeconds);
    expect(t.arrivalSeconds.length).toBe(100_000);
    expect(g.mean).toBeCloseTo(1 / 50, 3);
    expect(Math.abs(g.cv - 1)).toBeLessThan(0.02);
  });

  it('gamma gaps keep the rate and take the asked burstiness, below and above 1', () => {
    for (const cv of [0.5, 3]) {
      const t = gammaArrivals({ ratePerSecond: 20, cv, requests: 200_000, prompt: fixed(10), output: fixed(5), seed: 5 });
      const g = gapStats(t.arrivalSeconds);
      expect(Math.abs(g.mean * 20 - 1)).toBeLessThan(0.03);
      expect(Math.abs(g.cv / cv - 1)).toBeLessThan(0.05);
    }
  });

  it('stops at the duration and is the same stream for the same seed, another for another', () => {
    const a = poissonArrivals({ ratePerSecond: 10, durationSeconds: 100, prompt: { kind: 'uniform', minTokens: 5, maxTokens: 9 }, output: { kind: 'choice', tokens: [1, 7] }, seed: 1 });
    const b = poissonArrivals({ ratePerSecond: 10, durationSeconds: 100, prompt: { kind: 'uniform', minTokens: 5, maxTokens: 9 }, output: { kind: 'choice', tokens: [1, 7] }, seed: 1 });
    const c = poissonArrivals({ ratePerSecond: 10, durationSeconds: 100, prompt: { kind: 'uniform', minTokens: 5, maxTokens: 9 }, output: { kind: 'choice', tokens: [1, 7] }, seed: 2 });
    expect(a).toEqual(b);
    expect(a.arrivalSeconds).not.toEqual(c.arrivalSeconds);
    expect(a.arrivalSeconds[a.arrivalSeconds.length - 1]).toBeLessThan(100);
    expect(Math.abs(a.arrivalSeconds.length - 1000)).toBeLessThan(120);
    expect(new Set(a.promptTokens)).toEqual(new Set([5, 6, 7, 8, 9]));
    expect(new Set(a.outputTokens)).toEqual(new Set([1, 7]));
  });

  it('a trace is sorted by arrival, ties in trace order, and bad rows are named', () => {
    const t = traceArrivals([
      { arrivalSeconds: 2, promptTokens: 1, outputTokens: 1 },
      { arrivalSeconds: 1, promptTokens: 2, outputTokens: 2 },
      { arrivalSeconds: 1, promptTokens: 3, outputTokens: 3 },
    ]);
    expect([...t.arrivalSeconds]).toEqual([1, 1, 2]);
    expect([...t.promptTokens]).toEqual([2, 3, 1]);
    expect(() => traceArrivals([{ arrivalSeconds: 0, promptTokens: 0, outputTokens: 1 }])).toThrow(/trace\[0\]\.promptTokens/);
    expect(() => poissonArrivals({ ratePerSecond: 0, requests: 3, prompt: fixed(1), output: fixed(1), seed: 1 })).toThrow(/ratePerSecond/);
    expect(() => poissonArrivals({ ratePerSecond: 1, prompt: fixed(1), output: fixed(1), seed: 1 })).toThrow(/durationSeconds or requests/);
    expect(() => poissonArrivals({ ratePerSecond: 1, requests: 2, prompt: { kind: 'uniform', minTokens: 4, maxTokens: 2 }, output: fixed(1), seed: 1 })).toThrow(/prompt/);
  });
});
