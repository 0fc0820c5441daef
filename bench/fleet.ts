/**
 * Fleet benchmarks (issue #17): 90 days of a 10,752-GPU fleet with 100,000 jobs (target <= 10 s
 * on one core) and a year of a 100,000-GPU fleet (target <= 60 s). Jobs come from the tests'
 * seeded stream (test/support/fleet-jobs.ts), sized to keep each fleet busy; one timed run each,
 * as these runs are long. Prints, never asserts.
 */
import { resolveSystem } from '../src/config/catalog.js';
import { fleetModel } from '../src/fleet/fleet-model.js';
import { simulateFleet } from '../src/fleet/simulate-fleet.js';
import { loadPresets } from '../src/node/presets.js';
import { testJobs } from '../test/support/fleet-jobs.js';

const system = resolveSystem(loadPresets(), 'nd-h100-v5');

function run(label: string, gpus: number, days: number, jobs: number, maxGpus: number, maxDurationSeconds: number, targetSeconds: number): void {
  const stream = testJobs({ jobs, days, seed: 1, maxGpus, tenants: 16, maxDurationSeconds });
  const fleet = fleetModel(system, { gpus, hotSpares: Math.round(gpus / 8 / 100) });
  const t0 = performance.now();
  const r = simulateFleet(fleet, stream, { days, scheduler: 'backfill', placement: 'topology', seed: 1 });
  const s = (performance.now() - t0) / 1000;
  console.log(
    `  ${label}: ${s.toFixed(2)} s (target <= ${targetSeconds} s); ${r.jobs.submitted.toLocaleString('en-US')} jobs, ${r.jobs.finished.toLocaleString('en-US')} finished, ${r.jobs.queued.toLocaleString('en-US')} queued at the end, ${r.failures.total} node failures, utilisation ${(r.utilization.allocated * 100).toFixed(1)}% allocated`,
  );
}

console.log('\nfleet (one run each)');
run('90 days, 10,752 GPUs, 100,000 jobs', 10_752, 90, 100_000, 2048, 2 * 3600, 10);
run('365 days, 100,000 GPUs, 1,000,000 jobs', 100_000, 365, 1_000_000, 16_384, 2 * 3600, 60);
