/**
 * Fleet benchmarks (issue #17): 90 days of a 10,752-GPU fleet with 100,000 jobs (target <= 10 s
 * on one core) and a year of a 100,000-GPU fleet (target <= 60 s). Jobs come from the tests'
 * seeded stream (test/support/fleet-jobs.ts), sized to keep each fleet busy; one timed run each,
 * as these runs are long. The first again with every job a training job, placed at random (the most
 * distinct spans), so that each start asks the step model for its placement: the cache by job
 * shape, leaf groups and pods keeps that within about 2x. FLEET_BENCH_SMALL=1 skips the year.
 * Prints, never asserts.
 */
import { resolveSystem } from '../src/config/catalog.js';
import { fleetModel } from '../src/fleet/fleet-model.js';
import { simulateFleet } from '../src/fleet/simulate-fleet.js';
import { stepModelSlowdown } from '../src/fleet/placement-slowdown.js';
import type { FleetJob } from '../src/fleet/job.js';
import { loadPresets } from '../src/node/presets.js';
import { testJobs } from '../test/support/fleet-jobs.js';

const catalog = loadPresets();
const system = resolveSystem(catalog, 'nd-h100-v5');

/** Training shapes for the placement-priced run: an MoE with expert all-to-all across nodes, and a dense 3-D split. */
const asTraining = (jobs: FleetJob[]): FleetJob[] =>
  jobs.map((j, i) => ({
    ...j,
    training: { scenario: i % 2 === 0 || j.gpus < 32 ? { model: 'qwen3-30b-a3b', tp: 1, pp: 1, ep: Math.min(16, j.gpus) } : { model: 'llama3-70b', tp: 8, pp: 4 }, tokens: 1 },
  }));

function run(label: string, gpus: number, days: number, jobs: number, maxGpus: number, maxDurationSeconds: number, targetSeconds: number, training = false): void {
  let stream = testJobs({ jobs, days, seed: 1, maxGpus, tenants: 16, maxDurationSeconds });
  if (training) stream = asTraining(stream);
  const fleet = fleetModel(system, { gpus, hotSpares: Math.round(gpus / 8 / 100) });
  const slowdown = training ? stepModelSlowdown(system, catalog) : undefined;
  const t0 = performance.now();
  const r = simulateFleet(fleet, stream, { days, scheduler: 'backfill', placement: training ? 'random' : 'topology', seed: 1, slowdown });
  const s = (performance.now() - t0) / 1000;
  const priced = slowdown ? `; ${slowdown.evaluations()} step-model evaluations for ${r.placementSlowdown.trainingStarts.toLocaleString('en-US')} training starts, mean slowdown ${r.placementSlowdown.mean.toFixed(4)}` : '';
  console.log(
    `  ${label}: ${s.toFixed(2)} s (target <= ${targetSeconds} s); ${r.jobs.submitted.toLocaleString('en-US')} jobs, ${r.jobs.finished.toLocaleString('en-US')} finished, ${r.jobs.queued.toLocaleString('en-US')} queued at the end, ${r.failures.total} node failures, utilisation ${(r.utilization.allocated * 100).toFixed(1)}% allocated${priced}`,
  );
}

console.log('\nfleet (one run each)');
run('90 days, 10,752 GPUs, 100,000 jobs', 10_752, 90, 100_000, 2048, 2 * 3600, 10);
run('the same, every job a training job placed at random', 10_752, 90, 100_000, 2048, 2 * 3600, 20, true);
if (!process.env.FLEET_BENCH_SMALL) run('365 days, 100,000 GPUs, 1,000,000 jobs', 100_000, 365, 1_000_000, 16_384, 2 * 3600, 60);
