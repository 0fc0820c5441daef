/**
 * A small seeded job stream for the fleet's tests (not shipped: the CLI's generators live in
 * src/fleet/workload/). Sizes are powers of two from 8 GPUs, durations log-uniform between a
 * few minutes and a couple of days, arrivals Poisson; nothing here claims to match a real trace.
 */
import type { FleetJob } from '../../src/fleet/job.js';
import { JOB_PRIORITIES } from '../../src/fleet/job.js';
import { seededRng } from '../../src/reliability/prng.js';

export interface TestJobOptions {
  jobs: number;
  days: number;
  seed: number;
  maxGpus: number;
  tenants?: number;
  /** Longest duration, seconds (default two days). */
  maxDurationSeconds?: number;
}

export function testJobs(o: TestJobOptions): FleetJob[] {
  const rng = seededRng(o.seed);
  const out: FleetJob[] = [];
  const spanSeconds = o.days * 86_400;
  const sizes: number[] = [];
  for (let s = 8; s <= o.maxGpus; s *= 2) sizes.push(s);
  let t = 0;
  for (let i = 0; i < o.jobs; i++) {
    t += rng.exponential(o.jobs / spanSeconds);
    // Smaller jobs are commoner: weight 1/sqrt(size index + 1).
    const k = Math.min(sizes.length - 1, Math.floor(sizes.length * rng.next() ** 2.5));
    out.push({
      id: `j${i}`,
      submitSeconds: t,
      gpus: sizes[k]!,
      durationSeconds: Math.exp(Math.log(300) + rng.next() * (Math.log(o.maxDurationSeconds ?? 2 * 86_400) - Math.log(300))),
      priority: JOB_PRIORITIES[Math.floor(rng.next() * 3)]!,
      tenant: `t${Math.floor(rng.next() * (o.tenants ?? 4))}`,
    });
  }
  return out;
}
