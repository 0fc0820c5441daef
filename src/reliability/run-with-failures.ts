/**
 * What `simulate` adds to a run: its time to train with failures counted,
 * by the expected-value model at the optimal checkpoint interval, with the
 * system's failure model, synchronous checkpoints and automatic hot spares.
 */
import type { Scenario } from '../config/resolve.js';
import { expectedRun, optimalIntervalSeconds } from './expected-run.js';
import { reliabilityJob } from './job.js';

export interface RunWithFailures {
  /** Wall-clock time to train with interruptions, restarts, checkpoints and stragglers. */
  timeToTrainWithFailuresSeconds: number;
  /** Failure-free training time over that. */
  goodput: number;
  /** Expected unplanned interruptions over the run. */
  expectedInterruptions: number;
  /** Training seconds between checkpoints (the optimum). */
  checkpointIntervalSeconds: number;
  /** Model and optimizer state saved per checkpoint, bytes. */
  checkpointBytes: number;
  /** GPU-hours held over that wall-clock time: the job's GPUs and its hot spares. */
  gpuHoursWithFailures: number;
  /** Hot spare nodes held beside the job (sized so it waits for a node at most 1% of the time). */
  hotSpareNodes: number;
  /** Cost of the GPUs (and hot spares) over that wall-clock time. */
  costWithFailuresUsd: number;
}

export function runWithFailures(s: Scenario, timeToTrainSeconds: number): RunWithFailures {
  const job = reliabilityJob(s);
  const horizon = { kind: 'work', seconds: timeToTrainSeconds } as const;
  const interval = optimalIntervalSeconds(job, horizon);
  const run = expectedRun(job, interval, horizon);
  return {
    timeToTrainWithFailuresSeconds: run.wallSeconds,
    goodput: run.goodput,
    expectedInterruptions: run.interruptions,
    checkpointIntervalSeconds: run.intervalSeconds,
    checkpointBytes: job.checkpoint.bytes,
    gpuHoursWithFailures: run.gpuHours,
    hotSpareNodes: job.hotSpareNodes,
    costWithFailuresUsd: run.costUsd,
  };
}
