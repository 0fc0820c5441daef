import { describe, expect, it } from 'vitest';
import { resolveSystem } from '../config/catalog.js';
import { loadPresets } from '../node/presets.js';
import { testJobs } from '../../test/support/fleet-jobs.js';
import { fleetModel } from './fleet-model.js';
import { PLACEMENTS } from './placement.js';
import { SCHEDULERS } from './scheduler.js';
import { simulateFleet, type FleetReport } from './simulate-fleet.js';
import { stepModelSlowdown } from './placement-slowdown.js';
import type { SystemSpec } from '../config/system-schema.js';

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
  // Training jobs of two shapes, their durations as the trace gives them; where they land sets their
  // speed through the step model: an MoE whose expert all-to-all spans nodes (EP 16), and a dense
  // model with tensor, pipeline and data parallelism.
  const trainingJobs = (seed: number) =>
    testJobs({ jobs: 1500, days: 20, seed, maxGpus: 1024 }).map((j, i) => ({
      ...j,
      training: {
        scenario: i % 2 === 0 || j.gpus < 32 ? { model: 'qwen3-30b-a3b', tp: 1, pp: 1, ep: Math.min(16, j.gpus) } : { model: 'llama3-70b', tp: 8, pp: 4 },
        tokens: 1,
      },
    }));
  const tapered: SystemSpec = { ...system, name: 'nd-h100-v5 at 2:1', fabric: { ...system.fabric, oversubscription: [2, 2] } };
  const run = (sys: SystemSpec, placement: 'topology' | 'random') => {
    const fleet = fleetModel(sys, { gpus: 4096, hotSpares: 0 });
    return simulateFleet(fleet, trainingJobs(11), { days: 20, scheduler: 'backfill', seed: 1, placement, slowdown: stepModelSlowdown(sys, catalog) });
  };
  const share = (r: FleetReport, k: 'multiLeaf' | 'multiPod') => r.spineCrossings[k] / r.spineCrossings.starts;
  const figures = (r: FleetReport) => ({
    multiLeaf: +share(r, 'multiLeaf').toFixed(3),
    multiPod: +share(r, 'multiPod').toFixed(3),
    goodput: +r.goodput.all.toFixed(4),
    slowdownMean: +r.placementSlowdown.mean.toFixed(4),
    byClass: Object.fromEntries(Object.entries(r.placementSlowdown.bySizeClass).map(([k, v]) => [k, +v.mean.toFixed(4)])),
    gpuHoursLost: Math.round(r.placementSlowdown.gpuHoursLost),
  });

  it('on a 2:1 fabric, topology-aware placement crosses the spines less than random and has higher goodput, the slowdown from the step model', () => {
    const topo = run(tapered, 'topology');
    const rand = run(tapered, 'random');
    console.log('2:1 fabric, topology', JSON.stringify(figures(topo)), '\n2:1 fabric, random', JSON.stringify(figures(rand)));
    expect(share(topo, 'multiLeaf')).toBeLessThan(share(rand, 'multiLeaf') * 0.8);
    expect(share(topo, 'multiPod')).toBeLessThan(share(rand, 'multiPod') * 0.8);
    expect(rand.placementSlowdown.fromStepModel).toBe(true);
    expect(rand.placementSlowdown.trainingStarts).toBeGreaterThan(0);
    expect(topo.placementSlowdown.mean).toBeLessThan(rand.placementSlowdown.mean);
    expect(topo.placementSlowdown.gpuHoursLost).toBeLessThan(rand.placementSlowdown.gpuHoursLost);
    // Measurably: at least half a point of goodput.
    expect(topo.goodput.all).toBeGreaterThan(rand.goodput.all + 0.005);
    // Every job ran at least as fast as at its most compact placement, none faster.
    for (const r of [topo, rand]) for (const c of Object.values(r.placementSlowdown.bySizeClass)) expect(c.mean).toBeGreaterThanOrEqual(1);
  });

  it('on a 1:1 fabric with adaptive routing the slowdown is small (only the hops above the leaf), smaller than on a 2:1 one', () => {
    const rand = run(system, 'random');
    const topo = run(system, 'topology');
    console.log('1:1 fabric, topology', JSON.stringify(figures(topo)), '\n1:1 fabric, random', JSON.stringify(figures(rand)));
    expect(rand.placementSlowdown.mean).toBeGreaterThanOrEqual(1);
    expect(rand.placementSlowdown.max).toBeLessThan(1.01);
    expect(rand.placementSlowdown.mean).toBeLessThan(run(tapered, 'random').placementSlowdown.mean);
    // What placement costs is then a sliver of the held GPU-hours; goodput between the policies
    // differs by how failures and preemptions fall, not by the fabric.
    const held = rand.gpuHours.busy + rand.gpuHours.lostToFailure + rand.gpuHours.lostToPreemption;
    expect(rand.placementSlowdown.gpuHoursLost).toBeLessThan(0.001 * held);
  });

  it('a job given only a duration runs as long wherever it lands', () => {
    const fleet = fleetModel(tapered, { gpus: 4096, hotSpares: 0 });
    const jobs = testJobs({ jobs: 400, days: 10, seed: 4, maxGpus: 512 });
    const opts = { days: 10, scheduler: 'backfill' as const, seed: 1, placement: 'random' as const };
    const withHook = simulateFleet(fleet, jobs, { ...opts, slowdown: stepModelSlowdown(tapered, catalog) });
    const without = simulateFleet(fleet, jobs, opts);
    expect(withHook.goodput).toEqual(without.goodput);
    expect(withHook.placementSlowdown.trainingStarts).toBe(0);
    expect(withHook.placementSlowdown.gpuHoursLost).toBe(0);
    expect(withHook.placementSlowdown.durationOnlyJobs).toBe(withHook.jobs.submitted);
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
