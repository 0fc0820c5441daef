/**
 * The statistics a cluster summary reports, computed over a list of jobs: what the generators are
 * checked against (and what a fleet report can quote for a trace).
 */
import { JOB_STATES, type FleetJob, type JobState } from '../job.js';

export interface WorkloadStats {
  jobs: number;
  meanGpus: number;
  medianGpus: number;
  meanRuntimeSeconds: number;
  medianRuntimeSeconds: number;
  /** Mean GPUs x runtime per job, GPU-seconds. */
  meanGpuSeconds: number;
  /** Shares of the jobs with a state, and of their GPU time. */
  jobShare: Record<JobState, number>;
  gpuTimeShare: Record<JobState, number>;
}

function median(sorted: number[]): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  return n % 2 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

export function workloadStats(jobs: readonly FleetJob[]): WorkloadStats {
  const gpus = jobs.map((j) => j.gpus).sort((a, b) => a - b);
  const runtimes = jobs.map((j) => j.durationSeconds).sort((a, b) => a - b);
  const count = {} as Record<JobState, number>;
  const time = {} as Record<JobState, number>;
  for (const s of JOB_STATES) count[s] = time[s] = 0;
  let gpuSeconds = 0;
  let stated = 0;
  let statedTime = 0;
  for (const j of jobs) {
    const gs = j.gpus * j.durationSeconds;
    gpuSeconds += gs;
    if (j.traceState) {
      count[j.traceState]++;
      time[j.traceState] += gs;
      stated++;
      statedTime += gs;
    }
  }
  const jobShare = {} as Record<JobState, number>;
  const gpuTimeShare = {} as Record<JobState, number>;
  for (const s of JOB_STATES) {
    jobShare[s] = stated ? count[s] / stated : NaN;
    gpuTimeShare[s] = statedTime ? time[s] / statedTime : NaN;
  }
  const n = jobs.length;
  return {
    jobs: n,
    meanGpus: gpus.reduce((a, b) => a + b, 0) / n,
    medianGpus: median(gpus),
    meanRuntimeSeconds: runtimes.reduce((a, b) => a + b, 0) / n,
    medianRuntimeSeconds: median(runtimes),
    meanGpuSeconds: gpuSeconds / n,
    jobShare,
    gpuTimeShare,
  };
}
