import { describe, expect, it } from 'vitest';
import { resolveSystem } from '../config/catalog.js';
import { loadPresets } from '../node/presets.js';
import { testJobs } from '../../test/support/fleet-jobs.js';
import { fleetModel } from './fleet-model.js';
import { PLACEMENTS } from './placement.js';
import { SCHEDULERS } from './scheduler.js';
import { simulateFleet, type FleetReport } from './simulate-fleet.js';

const catalog = loadPresets();
const system = resolveSystem(catalog, 'nd-h100-v5');

const stateSum = (r: FleetReport): number => {
  const h = r.gpuHours;
  return h.busy + h.lostToFailure + h.lostToPreemption + h.idle + h.failedOrRepair + h.spare;
};

describe('simulateFleet: conservation', () => {
  // Property: over seeds, schedulers, placements, spares and failure rates (up to 50x the
  // preset's, so failures, repairs and requeues all happen), every GPU-hour is in one state.
  const cases: Array<[number, (typeof SCHEDULERS)[number], (typeof PLACEMENTS)[number], number, number]> = [];
  let k = 0;
  for (const s of SCHEDULERS) for (const p of PLACEMENTS) cases.push([++k, s, p, k % 3, [0, 1, 50][k % 3]!]);
  it.each(cases)('seed %i, %s, %s, %i spares, failure scale %i: GPU-hours sum to GPUs x hours; every job accounted', (seed, scheduler, placement, spares, scale) => {
    const fleet = fleetModel(system, { gpus: 1024, hotSpares: spares, failureRateScale: scale });
    const days = 10;
    const jobs = testJobs({ jobs: 800, days: 12, seed, maxGpus: 2048 });
    const maintenance = seed % 4 === 0 ? { everyDays: 2, hours: 6, share: 0.1 } : undefined;
    const r = simulateFleet(fleet, jobs, { days, scheduler, placement, seed, quotasGpus: seed % 2 ? { t0: 256 } : undefined, maintenance });
    if (maintenance) expect(r.maintenance.nodesDrained).toBeGreaterThan(0);
    expect(stateSum(r)).toBeCloseTo(1024 * days * 24, 6);
    for (const v of Object.values(r.gpuHours)) expect(v).toBeGreaterThanOrEqual(-1e-6);
    const j = r.jobs;
    expect(j.finished + j.running + j.queued + j.rejected).toBe(j.submitted);
    expect(j.submitted).toBe(jobs.filter((x) => x.submitSeconds < days * 86_400).length);
    // Jobs of 2,048 GPUs cannot fit 1,024: rejected, with the reason.
    expect(j.rejectedBecause['larger than the fleet']).toBe(jobs.filter((x) => x.submitSeconds < days * 86_400 && x.gpus > 1024 - spares * 8).length);
    expect(r.utilization.useful).toBeLessThanOrEqual(r.utilization.allocated);
    // Revenue bills the busy GPU-hours, each at a class price between spot and on demand.
    expect(r.revenueUsd).toBeLessThanOrEqual(r.gpuHours.busy * fleet.usdPerGpuHour.onDemand * (1 + 1e-9));
    expect(r.revenueUsd).toBeGreaterThanOrEqual(r.gpuHours.busy * fleet.usdPerGpuHour.spot * (1 - 1e-9));
    if (scale === 50) expect(r.failures.total).toBeGreaterThan(10);
    if (scale === 0) expect(r.gpuHours.lostToFailure).toBe(0);
  });

  it('gives the same answer for the same seed, another for another', () => {
    const fleet = fleetModel(system, { gpus: 1024, hotSpares: 2, failureRateScale: 20 });
    const jobs = testJobs({ jobs: 600, days: 10, seed: 3, maxGpus: 512 });
    const run = (seed: number) => simulateFleet(fleet, jobs, { days: 10, scheduler: 'backfill', placement: 'random', seed });
    expect(run(7)).toEqual(run(7));
    expect(run(8).gpuHours).not.toEqual(run(7).gpuHours);
  });
});

describe('simulateFleet: placement', () => {
  it('topology-aware placement crosses the spines less than random on the same jobs, goodput not lower', () => {
    const fleet = fleetModel(system, { gpus: 4096, hotSpares: 0 });
    const jobs = testJobs({ jobs: 1500, days: 20, seed: 11, maxGpus: 1024 });
    // A training job's slowdown as a step model would give it: here 3% per leaf group and 5% per pod
    // beyond the most compact placement (test figures only: the mechanism, not a calibration).
    const withTraining = jobs.map((j) => ({ ...j, training: { scenario: {}, tokens: 1 } }));
    const slowdown = (_: unknown, span: { leaves: number; pods: number }, compact: { leaves: number; pods: number }) =>
      1 + 0.03 * (span.leaves - compact.leaves) + 0.05 * (span.pods - compact.pods);
    const opts = { days: 20, scheduler: 'backfill' as const, seed: 1, slowdown };
    const topo = simulateFleet(fleet, withTraining, { ...opts, placement: 'topology' });
    const rand = simulateFleet(fleet, withTraining, { ...opts, placement: 'random' });
    const share = (r: FleetReport, k: 'multiLeaf' | 'multiPod') => r.spineCrossings[k] / r.spineCrossings.starts;
    expect(share(topo, 'multiLeaf')).toBeLessThan(share(rand, 'multiLeaf') * 0.8);
    expect(share(topo, 'multiPod')).toBeLessThan(share(rand, 'multiPod') * 0.8);
    expect(topo.goodput.all).toBeGreaterThanOrEqual(rand.goodput.all);
  });
});

describe('simulateFleet: the hourly series', () => {
  it("sums, state by state, to the run's GPU-hours, and each hour to the fleet's GPUs", () => {
    const fleet = fleetModel(system, { gpus: 1024, hotSpares: 2, failureRateScale: 50 });
    const days = 5;
    const r = simulateFleet(fleet, testJobs({ jobs: 400, days: 6, seed: 3, maxGpus: 512 }), { days, scheduler: 'backfill', placement: 'topology', seed: 3 });
    const s = r.series;
    expect(s.hour.length).toBe(days * 24);
    for (const k of Object.keys(r.gpuHours) as Array<keyof FleetReport['gpuHours']>) {
      expect(s.gpuHours[k].length).toBe(s.hour.length);
      expect(s.gpuHours[k].reduce((a, b) => a + b, 0)).toBeCloseTo(r.gpuHours[k], 4);
    }
    for (let i = 0; i < s.hour.length; i++) {
      const hour = Object.values(s.gpuHours).reduce((a, v) => a + v[i]!, 0);
      expect(hour).toBeCloseTo(1024, 6);
    }
    expect(r.failures.total).toBeGreaterThan(0);
  });
});
