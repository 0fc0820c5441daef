import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { scenario } from '../../test/support/catalog.js';
import { expectedLostSeconds, expectedPhaseSeconds, expectedRun, optimalIntervalSeconds, type Horizon } from './expected-run.js';
import { reliabilityJob, type ReliabilityJob } from './job.js';
import { dalyIntervalSeconds } from './young-daly.js';

const DAY = 86_400;
const llama = scenario({ system: 'dgx-h100', model: 'llama3-405b', gpus: 16384, tp: 8, pp: 16, seq: 8192, gbs: 2048 });
const window: Horizon = { kind: 'window', seconds: 54 * DAY };

/** A Llama 3 70B job on `gpus` H100 (TP 8, PP 4, 4 sequences per replica). */
const seventy = (gpus: number) => scenario({ system: 'dgx-h100', model: 'llama3-70b', gpus, tp: 8, pp: 4, seq: 8192, gbs: gpus / 8 });

const goodputAtOptimum = (job: ReliabilityJob, h: Horizon): number => expectedRun(job, optimalIntervalSeconds(job, h), h).goodput;

describe('expected-value model', () => {
  it('E[X mod c] is c/2 for rare failures and the mean for frequent ones', () => {
    expect(expectedPhaseSeconds(1e-9, 100)).toBeCloseTo(50, 4);
    expect(expectedPhaseSeconds(1, 1e6)).toBeCloseTo(1, 6);
    expect(expectedLostSeconds(0, 100, 10)).toBe(0);
    // An asynchronous checkpoint is durable only after its write: more work at risk.
    expect(expectedLostSeconds(1e-4, 600, 90)).toBeGreaterThan(expectedLostSeconds(1e-4, 600, 0) + 80);
  });

  it('without interruptions, loses only the checkpoint stalls and stragglers', () => {
    const job = reliabilityJob(llama);
    const quiet = { ...job, interruptions: job.interruptions.map((i) => ({ ...i, perSecond: 0 })) };
    const r = expectedRun(quiet, 3600, window);
    const stall = job.checkpoint.stallSeconds;
    expect(r.goodput).toBeCloseTo(3600 / (3600 + stall) / job.stragglerStretch, 9);
    expect(r.interruptions).toBe(0);
  });

  it('accounts for every second of wall-clock time', () => {
    for (const h of [window, { kind: 'work', seconds: 90 * DAY } as const]) {
      for (const asyncCheckpoint of [false, true]) {
        const job = reliabilityJob(llama, { asyncCheckpoint, hotSpares: 24 });
        const r = expectedRun(job, 1800, h);
        const parts = Object.values(r.time).reduce((a, x) => a + x, 0);
        expect(parts).toBeCloseTo(r.wallSeconds, 3);
        expect(r.goodput).toBeCloseTo(r.usefulSeconds / r.wallSeconds, 12);
      }
    }
  });

  it('gives the same goodput over a window as over a training budget', () => {
    const job = reliabilityJob(llama);
    const a = expectedRun(job, 1200, window).goodput;
    const b = expectedRun(job, 1200, { kind: 'work', seconds: 80 * DAY }).goodput;
    expect(a).toBeCloseTo(b, 9);
  });

  it("finds the optimum Daly's formula predicts, when restarts do not matter (an independent derivation)", () => {
    const job = reliabilityJob(llama, { hotSpares: 1000 });
    const unplanned = { ...job, stragglerStretch: 1, interruptions: job.interruptions.filter((i) => !i.planned) };
    for (const gbps of [20, 64, 500]) {
      const j = { ...unplanned, checkpoint: { ...unplanned.checkpoint, stallSeconds: job.checkpoint.bytes / (gbps * 1e9) } };
      const mtbf = 1 / j.interruptions.reduce((a, i) => a + i.perSecond, 0);
      const daly = dalyIntervalSeconds(j.checkpoint.stallSeconds, mtbf);
      expect(Math.abs(optimalIntervalSeconds(j, window) / daly - 1)).toBeLessThan(0.05);
    }
  });

  it('is at its best at the optimum', () => {
    const job = reliabilityJob(llama);
    const opt = optimalIntervalSeconds(job, window);
    const best = expectedRun(job, opt, window).goodput;
    for (const k of [0.5, 0.8, 1.25, 2]) expect(expectedRun(job, opt * k, window).goodput).toBeLessThan(best);
  });

  it('says a job that waits for spare nodes all the time never finishes', () => {
    const job = reliabilityJob(llama, { hotSpares: 0 });
    const r = expectedRun(job, 1800, { kind: 'work', seconds: 60 * DAY });
    expect(r.goodput).toBeLessThan(1e-3);
  });

  it('loses goodput as the GPU count grows at fixed per-component rates (property)', () => {
    // Spares fixed (plenty, or none short of plenty): automatic spares come in whole nodes, so
    // their shortfall (at most 1% of the time) would not move smoothly with the GPU count.
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 256 }), fc.integer({ min: 1, max: 256 }), fc.constantFrom(1000, 40), (a, b, hotSpares) => {
        fc.pre(a !== b);
        const [lo, hi] = a < b ? [a, b] : [b, a];
        const g = (k: number) => goodputAtOptimum(reliabilityJob(seventy(64 * k), { hotSpares }), window);
        return g(hi) < g(lo);
      }),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 30) },
    );
  });

  it('gains goodput with faster checkpoint storage (property)', () => {
    fc.assert(
      fc.property(fc.double({ min: 5, max: 5000, noNaN: true }), fc.double({ min: 1.05, max: 20, noNaN: true }), fc.boolean(), (gbps, k, asyncCheckpoint) => {
        const slow = reliabilityJob(llama, { writeGBps: gbps, readGBps: gbps, asyncCheckpoint });
        const fast = reliabilityJob(llama, { writeGBps: gbps * k, readGBps: gbps * k, asyncCheckpoint });
        return goodputAtOptimum(fast, window) > goodputAtOptimum(slow, window);
      }),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 40) },
    );
  });
});
