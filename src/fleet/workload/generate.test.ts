import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ClusterTwinError } from '../../errors.js';
import { JOB_STATES } from '../job.js';
import { expectedGpuTimeShares, meanGpuSeconds } from './fit.js';
import { DEFAULT_OFFERED_LOAD, fittedWorkload, generateWorkload, WORKLOAD_KINDS, type WorkloadKind } from './generate.js';
import { workloadStats } from './workload-stats.js';

/** A window long enough for about `jobs` jobs on a fleet of `gpus` (no clamp below 2048 GPUs). */
function daysFor(kind: WorkloadKind, jobs: number, gpus: number): number {
  return (jobs * meanGpuSeconds(fittedWorkload(kind), gpus)) / (DEFAULT_OFFERED_LOAD * gpus * 86400);
}

const within = (got: number, want: number, tolerance: number): void => {
  expect(Math.abs(got / want - 1), `got ${got}, summary ${want}`).toBeLessThanOrEqual(tolerance);
};

describe('generateWorkload', () => {
  it('gives the same jobs for the same seed, and other jobs for another', () => {
    const a = generateWorkload('acme-seren', { gpus: 1024, days: 0.5, seed: 7 });
    const b = generateWorkload('acme-seren', { gpus: 1024, days: 0.5, seed: 7 });
    const c = generateWorkload('acme-seren', { gpus: 1024, days: 0.5, seed: 8 });
    expect(a.length).toBeGreaterThan(100);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });

  // The check: size, runtime and state distributions within 10% of the summary they were drawn from.
  for (const kind of WORKLOAD_KINDS) {
    it(`${kind}: 50,000 jobs match the summary's GPUs, runtime and job states within 10%`, () => {
      const gpus = 4096;
      const jobs = generateWorkload(kind, { gpus, days: daysFor(kind, 50_000, gpus), seed: 1 });
      const s = workloadStats(jobs);
      const want = fittedWorkload(kind).summary;
      within(s.jobs, 50_000, 0.05);
      within(s.meanGpus, want.meanGpus, 0.1);
      within(s.medianGpus, want.medianGpus, 0.1);
      within(s.meanRuntimeSeconds, want.meanRuntimeSeconds, 0.1);
      within(s.medianRuntimeSeconds, want.medianRuntimeSeconds, 0.1);
      for (const st of JOB_STATES) within(s.jobShare[st], want.jobShare[st], 0.1);
    });

    it(`${kind}: the model's expected GPU-time shares and GPU time per job are the summary's`, () => {
      const f = fittedWorkload(kind);
      const shares = expectedGpuTimeShares(f);
      const total = JOB_STATES.reduce((a, st) => a + f.summary.gpuTimeShare[st], 0);
      for (const st of JOB_STATES) within(shares[st], f.summary.gpuTimeShare[st] / total, 0.01);
      within(meanGpuSeconds(f), f.summary.totalGpuSeconds / f.summary.gpuJobs, 0.01);
    });
  }

  // GPU time is carried by a few long, wide jobs, so its shares need a large sample to settle.
  for (const kind of ['acme-seren', 'acme-kalos'] as const) {
    it(`${kind}: 1,000,000 jobs match the summary's GPU-time shares, GPU time per job and the offered load within 10%`, () => {
      const gpus = 4096;
      const days = daysFor(kind, 1_000_000, gpus);
      const jobs = generateWorkload(kind, { gpus, days, seed: 1 });
      const s = workloadStats(jobs);
      const want = fittedWorkload(kind).summary;
      for (const st of JOB_STATES) within(s.gpuTimeShare[st], want.gpuTimeShare[st], 0.1);
      within(s.meanGpuSeconds, want.totalGpuSeconds / want.gpuJobs, 0.1);
      within((s.meanGpuSeconds * s.jobs) / (gpus * days * 86400), DEFAULT_OFFERED_LOAD, 0.1);
    }, 60_000);
  }

  it('every job has GPUs in [1, maxJobGpus], a runtime >= 1 s, a state, and submit times sorted inside the window', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...WORKLOAD_KINDS),
        fc.integer({ min: 1, max: 2048 }),
        fc.double({ min: 0.001, max: 0.25, noNaN: true }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.option(fc.integer({ min: 1, max: 2048 }), { nil: undefined }),
        (kind, gpus, days, seed, maxJobGpus) => {
          const jobs = generateWorkload(kind, { gpus, days, seed, maxJobGpus });
          const cap = Math.min(gpus, maxJobGpus ?? gpus);
          let last = 0;
          for (const j of jobs) {
            expect(j.gpus).toBeGreaterThanOrEqual(1);
            expect(j.gpus).toBeLessThanOrEqual(cap);
            expect(Number.isInteger(j.gpus)).toBe(true);
            expect(j.durationSeconds).toBeGreaterThanOrEqual(1);
            expect(j.durationSeconds).toBeLessThanOrEqual(fittedWorkload(kind).summary.maxRuntimeSeconds);
            expect(JOB_STATES).toContain(j.traceState);
            expect(j.submitSeconds).toBeGreaterThanOrEqual(last);
            expect(j.submitSeconds).toBeLessThan(days * 86400);
            last = j.submitSeconds;
          }
          expect(new Set(jobs.map((j) => j.id)).size).toBe(jobs.length);
        },
      ),
      { numRuns: 30 },
    );
  });

  it('clamps sizes to maxJobGpus and keeps the offered load by sending more jobs', () => {
    const free = generateWorkload('acme-kalos', { gpus: 2048, days: 2, seed: 3 });
    const clamped = generateWorkload('acme-kalos', { gpus: 2048, days: 2, seed: 3, maxJobGpus: 64 });
    expect(Math.max(...free.map((j) => j.gpus))).toBeGreaterThan(64);
    expect(Math.max(...clamped.map((j) => j.gpus))).toBeLessThanOrEqual(64);
    expect(clamped.length).toBeGreaterThan(free.length);
  });

  it('refuses an unknown kind and bad options, naming the field', () => {
    const err = (f: () => unknown): ClusterTwinError => {
      try {
        f();
      } catch (e) {
        return e as ClusterTwinError;
      }
      throw new Error('did not throw');
    };
    expect(err(() => generateWorkload('alibaba' as WorkloadKind, { gpus: 8, days: 1, seed: 1 })).message).toMatch(/^generator: must be one of acme-seren, acme-kalos, philly, helios/);
    expect(err(() => generateWorkload('philly', { gpus: 0, days: 1, seed: 1 })).path).toBe('gpus');
    expect(err(() => generateWorkload('philly', { gpus: 8, days: 0, seed: 1 })).path).toBe('days');
    expect(err(() => generateWorkload('philly', { gpus: 8, days: 1, seed: 1.5 })).path).toBe('seed');
    expect(err(() => generateWorkload('philly', { gpus: 8, days: 1, seed: 1, maxJobGpus: 0 })).path).toBe('maxJobGpus');
  });
});
