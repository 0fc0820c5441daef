/**
 * The last step of every reader: submit times become seconds from the trace's first submission
 * (the start of the simulated window), and jobs come in submission order (stable for ties).
 */
import type { FleetJob } from '../job.js';

/** A job as a reader found it: `submitSeconds` on the trace's own clock (epoch or relative). */
export type ReadJob = FleetJob;

export function normalize(jobs: ReadJob[]): FleetJob[] {
  if (jobs.length === 0) return [];
  let first = Infinity;
  for (const j of jobs) first = Math.min(first, j.submitSeconds);
  return jobs
    .map((j, i) => ({ j, i }))
    .sort((a, b) => a.j.submitSeconds - b.j.submitSeconds || a.i - b.i)
    .map(({ j }) => ({ ...j, submitSeconds: j.submitSeconds - first }));
}
