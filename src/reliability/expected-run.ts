/**
 * The expected-value model of a run with failures: fast and deterministic,
 * what `simulate` reports. Interruptions arrive as a Poisson process over
 * wall-clock time. Renewal arguments give the answer exactly for that
 * process (the Monte Carlo checks it):
 *
 * - Running, the job trains for the interval, then stalls for the
 *   checkpoint. An unplanned interruption loses the work since the last
 *   durable checkpoint: for a run segment X ~ Exp(rate) and a cycle c,
 *   E[X mod c] when saving is synchronous, plus the write when it is not.
 * - Recovering (detect, restart, load), a further interruption starts
 *   recovery over; with a_i = 1 - exp(-rate x downtime_i), wall time =
 *   running time / (1 - sum_i share_i x a_i). Waiting for a spare node
 *   takes a further share of wall-clock time.
 */
import { SECONDS_PER_HOUR } from '../units.js';
import type { ReliabilityJob } from './job.js';

/** What the run is measured over: a training budget (failure-free seconds of training) or a wall-clock window. */
export type Horizon = { kind: 'work'; seconds: number } | { kind: 'window'; seconds: number };

/** Where wall-clock time goes, seconds (sums to the wall-clock time). */
export interface WallTimeBreakdown {
  /** Training that counts (failure-free training time). */
  usefulSeconds: number;
  /** Training slowed by stragglers. */
  stragglerSeconds: number;
  checkpointStallSeconds: number;
  /** Training redone after unplanned interruptions. */
  lostWorkSeconds: number;
  detectSeconds: number;
  restartSeconds: number;
  loadSeconds: number;
  /** Checkpoints saved before planned stops. */
  saveSeconds: number;
  spareWaitSeconds: number;
}

export interface ExpectedRun {
  /** Training seconds between checkpoints. */
  intervalSeconds: number;
  wallSeconds: number;
  usefulSeconds: number;
  /** Useful fraction of wall-clock time. */
  goodput: number;
  /** Unplanned interruptions. */
  interruptions: number;
  plannedInterruptions: number;
  /** Interruptions by cause name (planned ones included). */
  byCause: Record<string, number>;
  time: WallTimeBreakdown;
  /** GPU-hours held, hot spares included. */
  gpuHours: number;
  /** GPU-hours of the job's own GPUs not spent on useful training. */
  lostGpuHours: number;
  costUsd: number;
}

/** E[X mod c] for X ~ Exp(rate): the running time since the last cycle boundary when the segment ends. */
export function expectedPhaseSeconds(rate: number, cycleSeconds: number): number {
  const x = rate * cycleSeconds;
  if (x < 1e-4) return cycleSeconds / 2 - (x * cycleSeconds) / 12;
  return 1 / rate - (cycleSeconds * Math.exp(-x)) / -Math.expm1(-x);
}

/**
 * Expected running time lost to one unplanned interruption, seconds: the
 * time since the last durable checkpoint. Segments end at `rate` (every
 * interruption); a checkpoint becomes durable `lagSeconds` after its stall.
 */
export function expectedLostSeconds(rate: number, cycleSeconds: number, lagSeconds: number): number {
  if (rate <= 0) return 0;
  const beforeLag = -Math.expm1(-rate * lagSeconds);
  return beforeLag / rate + (1 - beforeLag) * expectedPhaseSeconds(rate, cycleSeconds);
}

const sum = (xs: number[]): number => xs.reduce((a, x) => a + x, 0);

/** The interval actually used: at least the checkpoint's minimum. */
export const effectiveInterval = (job: ReliabilityJob, intervalSeconds: number): number =>
  Math.max(intervalSeconds, job.checkpoint.minIntervalSeconds, 1e-9);

/** Fraction of running time that ends up as committed training (checkpoint stalls and redone work removed). */
export function runningEfficiency(job: ReliabilityJob, intervalSeconds: number): number {
  return efficiencyOf(job)(intervalSeconds);
}

/** runningEfficiency as a function of the interval alone, the job's rates summed once. */
function efficiencyOf(job: ReliabilityJob): (intervalSeconds: number) => number {
  const rate = sum(job.interruptions.map((i) => i.perSecond));
  const unplanned = sum(job.interruptions.map((i) => (i.planned ? 0 : i.perSecond)));
  const { stallSeconds, durableLagSeconds } = job.checkpoint;
  return (intervalSeconds) => {
    const tau = effectiveInterval(job, intervalSeconds);
    const cycle = tau + stallSeconds;
    const lost = expectedLostSeconds(rate, cycle, durableLagSeconds);
    return Math.max(0, 1 - unplanned * lost) * (tau / cycle);
  };
}

/**
 * Fraction of wall-clock time the job is running rather than recovering.
 * Detection, restart and loading start over when another interruption
 * strikes. Waiting for a spare node is a share of time of its own (see
 * hot-spares.ts): rate x expected wait, summed over causes.
 */
export function runningFraction(job: ReliabilityJob): number {
  const rate = sum(job.interruptions.map((i) => i.perSecond));
  if (rate === 0) return 1;
  const a = sum(job.interruptions.map((i) => (i.perSecond / rate) * -Math.expm1(-rate * (i.downtimeSeconds - i.spareWaitSeconds))));
  const waiting = sum(job.interruptions.map((i) => i.perSecond * i.spareWaitSeconds));
  return Math.max(0, (1 - a) * (1 - waiting));
}

export function expectedRun(job: ReliabilityJob, intervalSeconds: number, horizon: Horizon): ExpectedRun {
  const tau = effectiveInterval(job, intervalSeconds);
  const ck = job.checkpoint;
  const cycle = tau + ck.stallSeconds;
  const rate = sum(job.interruptions.map((i) => i.perSecond));
  const unplanned = sum(job.interruptions.map((i) => (i.planned ? 0 : i.perSecond)));
  const lostPer = expectedLostSeconds(rate, cycle, ck.durableLagSeconds);
  const efficiency = runningEfficiency(job, tau);
  const running = runningFraction(job);

  let wallSeconds: number;
  let runningSeconds: number;
  let trainingSeconds: number; // committed training, stragglers' slow time included
  if (horizon.kind === 'work') {
    trainingSeconds = horizon.seconds * job.stragglerStretch;
    runningSeconds = efficiency > 0 ? trainingSeconds / efficiency : Infinity;
    wallSeconds = running > 0 ? runningSeconds / running : Infinity;
  } else {
    wallSeconds = horizon.seconds;
    runningSeconds = wallSeconds * running;
    trainingSeconds = runningSeconds * efficiency;
  }
  const usefulSeconds = horizon.kind === 'work' ? horizon.seconds : trainingSeconds / job.stragglerStretch;
  const lostWorkSeconds = unplanned * runningSeconds * lostPer;
  const downtime = wallSeconds - runningSeconds;
  // Downtime split by part, in proportion to each part's expected share.
  const weight = sum(job.interruptions.map((i) => i.perSecond * i.downtimeSeconds));
  const part = (k: 'detectSeconds' | 'restartSeconds' | 'loadSeconds' | 'saveSeconds' | 'spareWaitSeconds'): number =>
    weight > 0 ? (downtime * sum(job.interruptions.map((i) => i.perSecond * i[k]))) / weight : 0;
  const finite = Number.isFinite(wallSeconds);
  const byCause: Record<string, number> = {};
  for (const i of job.interruptions) byCause[i.name] = i.perSecond * wallSeconds;
  const heldGpus = job.gpus + job.hotSpareNodes * job.gpusPerNode;
  const gpuHours = (heldGpus * wallSeconds) / SECONDS_PER_HOUR;
  return {
    intervalSeconds: tau,
    wallSeconds,
    usefulSeconds,
    goodput: finite && wallSeconds > 0 ? usefulSeconds / wallSeconds : 0,
    interruptions: unplanned * wallSeconds,
    plannedInterruptions: (rate - unplanned) * wallSeconds,
    byCause,
    time: {
      usefulSeconds,
      stragglerSeconds: trainingSeconds - usefulSeconds,
      checkpointStallSeconds: finite ? (runningSeconds - lostWorkSeconds) * (ck.stallSeconds / cycle) : Infinity,
      lostWorkSeconds,
      detectSeconds: part('detectSeconds'),
      restartSeconds: part('restartSeconds'),
      loadSeconds: part('loadSeconds'),
      saveSeconds: part('saveSeconds'),
      spareWaitSeconds: part('spareWaitSeconds'),
    },
    gpuHours,
    lostGpuHours: (job.gpus * (wallSeconds - usefulSeconds)) / SECONDS_PER_HOUR,
    costUsd: gpuHours * job.usdPerGpuHour,
  };
}

/**
 * The checkpoint interval with the highest goodput under this model
 * (golden-section search over log interval). Without unplanned interruptions
 * checkpoints only cost, so the answer is the longest interval considered:
 * the horizon.
 */
export function optimalIntervalSeconds(job: ReliabilityJob, horizon: Horizon): number {
  const lo = Math.max(job.checkpoint.minIntervalSeconds, 1);
  const hi = Math.max(lo, horizon.seconds * (horizon.kind === 'work' ? job.stragglerStretch : 1));
  const efficiency = efficiencyOf(job);
  const f = (logTau: number): number => efficiency(Math.exp(logTau));
  let a = Math.log(lo);
  let b = Math.log(hi);
  const g = (Math.sqrt(5) - 1) / 2;
  let c = b - g * (b - a);
  let d = a + g * (b - a);
  let fc = f(c);
  let fd = f(d);
  // To 0.01% of the interval: far below what the rates are known to.
  for (let i = 0; i < 80 && b - a > 1e-4; i++) {
    if (fc >= fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - g * (b - a);
      fc = f(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + g * (b - a);
      fd = f(d);
    }
  }
  // The ends are candidates too: the optimum may sit on a bound.
  const candidates = [lo, Math.exp((a + b) / 2), hi];
  return candidates.reduce((best, t) => (efficiency(t) > efficiency(best) ? t : best));
}
