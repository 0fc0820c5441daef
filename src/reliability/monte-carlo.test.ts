import { describe, expect, it } from 'vitest';
import { scenario } from '../../test/support/catalog.js';
import { expectedRun, optimalIntervalSeconds, type Horizon } from './expected-run.js';
import { reliabilityJob, type ReliabilityOptions } from './job.js';
import { monteCarlo, summarize } from './monte-carlo.js';

const DAY = 86_400;
const llama = scenario({ system: 'dgx-h100', model: 'llama3-405b', gpus: 16384, tp: 8, pp: 16, seq: 8192, gbs: 2048 });
const window: Horizon = { kind: 'window', seconds: 54 * DAY };

describe('Monte Carlo', () => {
  it('gives the same answer for the same seed, another for another seed', () => {
    const job = reliabilityJob(llama);
    const a = monteCarlo(job, 1800, window, { trials: 50, seed: 7 });
    const b = monteCarlo(job, 1800, window, { trials: 50, seed: 7 });
    const c = monteCarlo(job, 1800, window, { trials: 50, seed: 8 });
    expect(b).toEqual(a);
    expect(c.goodput.mean).not.toBe(a.goodput.mean);
    expect(c.interruptions).not.toEqual(a.interruptions);
  });

  it('narrows the spread between seeds as trials grow', () => {
    const job = reliabilityJob(llama);
    const spread = (trials: number): number =>
      summarize(Array.from({ length: 12 }, (_, seed) => monteCarlo(job, 1800, window, { trials, seed }).goodput.mean)).stdev;
    const few = spread(8);
    const many = spread(320);
    expect(few).toBeGreaterThan(0);
    // Standard error falls as 1/sqrt(trials): 40x the trials, about a sixth of the spread.
    expect(many).toBeLessThan(few / 3);
  });

  it.each<[string, ReliabilityOptions, Horizon]>([
    ['synchronous, automatic spares, a window', {}, window],
    ['asynchronous', { asyncCheckpoint: true }, window],
    ['fast storage', { writeGBps: 2000, readGBps: 2000 }, window],
    ['too few spares', { hotSpares: 20 }, window],
    ['a training budget', {}, { kind: 'work', seconds: 40 * DAY }],
  ])('agrees with the expected-value model: %s', (_, opts, horizon) => {
    const job = reliabilityJob(llama, opts);
    const interval = optimalIntervalSeconds(job, horizon);
    const e = expectedRun(job, interval, horizon);
    const m = monteCarlo(job, interval, horizon, { trials: 600, seed: 3 });
    expect(Math.abs(m.goodput.mean - e.goodput)).toBeLessThan(0.01);
    expect(m.interruptions.mean / e.interruptions).toBeGreaterThan(0.97);
    expect(m.interruptions.mean / e.interruptions).toBeLessThan(1.03);
    if (horizon.kind === 'work') expect(m.wallSeconds.mean / e.wallSeconds).toBeCloseTo(1, 1);
  });

  it('calls a run that would never end unfinished', () => {
    const job = reliabilityJob(llama, { hotSpares: 0 });
    const m = monteCarlo(job, 1800, { kind: 'work', seconds: 2 * DAY }, { trials: 3, seed: 1 });
    expect(m.wallSeconds.mean).toBe(Infinity);
    expect(m.goodput.mean).toBe(0);
  });

  it('reports progress up to the number of trials', () => {
    const seen: number[] = [];
    monteCarlo(reliabilityJob(llama), 1800, window, { trials: 30, seed: 1, onProgress: (done) => seen.push(done) });
    expect(seen.at(-1)).toBe(30);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
  });
});
