/**
 * The reliability study of one scenario, as `clustertwin reliability` shows
 * it: how often the job stops and why, what each stop costs, the checkpoint
 * interval (Young/Daly, the renewal model's optimum, the one used), goodput
 * and time or useful work over the horizon, a sweep of intervals, and the
 * Monte Carlo's distribution.
 */
import type { Scenario } from '../config/resolve.js';
import { SECONDS_PER_DAY } from '../units.js';
import type { CheckpointCost } from './checkpoint.js';
import type { ComponentCounts } from './components.js';
import { expectedRun, optimalIntervalSeconds, type ExpectedRun, type Horizon, type WallTimeBreakdown } from './expected-run.js';
import { reliabilityJob, type Interruption, type ReliabilityOptions } from './job.js';
import { GIVE_UP_FACTOR, monteCarlo, type MonteCarloResult } from './monte-carlo.js';
import { MAX_MONTE_CARLO_EVENTS } from '../config/bounds.js';
import { dalyIntervalSeconds } from './young-daly.js';

export interface AnalysisOptions extends ReliabilityOptions {
  /** Training seconds between checkpoints (default: the optimum). */
  intervalSeconds?: number;
  /** Monte Carlo trials (0: none). */
  trials?: number;
  seed?: number;
  /** Trials per interval of the sweep (default: min(trials, 200)). */
  sweepTrials?: number;
  onProgress?: (done: number, total: number) => void;
  /** Keep each main Monte Carlo trial's wall-clock time (monteCarlo.wallSecondsByTrial), for a histogram. */
  keepTrialWallSeconds?: boolean;
}

/** One cause in the report. */
export interface CauseReport {
  name: string;
  label: string;
  component: Interruption['component'];
  planned: boolean;
  /** Units of the component in the job. */
  units: number;
  /** Expected interruptions over the horizon. */
  count: number;
  /** Share of the unplanned interruptions (0 for planned causes). */
  share: number;
  perDay: number;
  /** Expected downtime of one, seconds. */
  downtimeSeconds: number;
}

export interface SweepPoint {
  intervalSeconds: number;
  goodput: number;
  wallSeconds: number;
  /** Monte Carlo mean goodput at this interval (same seed for every interval). */
  simulatedGoodput?: number;
}

export interface ReliabilityReport {
  failureModel: string;
  horizon: Horizon;
  gpus: number;
  components: ComponentCounts;
  checkpoint: CheckpointCost;
  hotSpareNodes: number;
  hotSparesAuto: boolean;
  /** Expected unplanned interruptions over the horizon. */
  interruptions: number;
  interruptionsPerDay: number;
  plannedInterruptions: number;
  /** Mean time between unplanned interruptions, seconds. */
  mtbfSeconds: number;
  /** Expected interruptions by cause name (planned causes included). */
  byCause: Record<string, number>;
  causes: CauseReport[];
  /** Useful (failure-free training) fraction of wall-clock time. */
  goodput: number;
  /**
   * False when the run never finishes in expectation (interruptions come faster than it can
   * recover and commit work): its wall-clock time, interruption counts and cost are then infinite,
   * which JSON writes as null.
   */
  finishes: boolean;
  checkpointIntervalSeconds: number;
  optimalCheckpointIntervalSeconds: number;
  youngDalyIntervalSeconds: number;
  /** The sweep interval with the best simulated goodput (with trials). */
  simulatedOptimalCheckpointIntervalSeconds?: number;
  wallSeconds: number;
  usefulSeconds: number;
  time: WallTimeBreakdown;
  gpuHours: number;
  lostGpuHours: number;
  costUsd: number;
  sweep: SweepPoint[];
  monteCarlo?: MonteCarloResult;
  /**
   * Present when the Monte Carlo ran fewer trials than asked (or none): the interruptions it would
   * draw were past its budget of MAX_MONTE_CARLO_EVENTS, so it stays within a few seconds.
   */
  monteCarloLimit?: { requestedTrials: number; trials: number; expectedEventsPerTrial: number; reason: string };
}

/**
 * Interruptions one Monte Carlo trial is expected to draw: every cause's rate over the time the
 * trial runs (the window, or the expected wall-clock time up to where a trial gives up).
 */
function eventsPerTrial(job: ReturnType<typeof reliabilityJob>, horizon: Horizon, expectedWallSeconds: number): number {
  const rate = job.interruptions.reduce((a, i) => a + i.perSecond, 0);
  const span = horizon.kind === 'window' ? horizon.seconds : Math.min(expectedWallSeconds, GIVE_UP_FACTOR * horizon.seconds * job.stragglerStretch);
  // Each trial also starts with the nodes already in repair, one draw each.
  const replaceRate = job.interruptions.reduce((a, i) => a + (i.replacesNode ? i.perSecond : 0), 0);
  return 1 + rate * span + replaceRate * job.nodeRepairSeconds;
}

/** Intervals around the optimum, by factors of two, with the one used. */
function sweepIntervals(optimal: number, used: number, minimum: number): number[] {
  const xs = [-3, -2, -1, 0, 1, 2, 3].map((k) => optimal * 2 ** k);
  xs.push(used);
  const kept = xs.filter((x) => x >= minimum && Number.isFinite(x)).sort((a, b) => a - b);
  return kept.filter((x, i) => i === 0 || x > kept[i - 1] * (1 + 1e-9));
}

export function analyzeReliability(s: Scenario, horizon: Horizon, opts: AnalysisOptions = {}): ReliabilityReport {
  const job = reliabilityJob(s, opts);
  const optimal = optimalIntervalSeconds(job, horizon);
  const used = Math.max(opts.intervalSeconds ?? optimal, job.checkpoint.minIntervalSeconds);
  const run: ExpectedRun = expectedRun(job, used, horizon);
  const unplannedRate = job.interruptions.reduce((a, i) => a + (i.planned ? 0 : i.perSecond), 0);
  const mtbfSeconds = unplannedRate > 0 ? 1 / unplannedRate : Infinity;
  const days = run.wallSeconds / SECONDS_PER_DAY;

  const requestedTrials = Math.max(0, Math.floor(opts.trials ?? 0));
  const seed = opts.seed ?? 1;
  const requestedSweepTrials = requestedTrials > 0 ? Math.max(1, Math.floor(opts.sweepTrials ?? Math.min(requestedTrials, 200))) : 0;
  const intervals = sweepIntervals(optimal, used, job.checkpoint.minIntervalSeconds);
  // Keep the draws within budget: fewer trials (all of the study alike) rather than minutes of drawing.
  const mainEvents = eventsPerTrial(job, horizon, run.wallSeconds);
  const sweepRuns = intervals.map((i) => expectedRun(job, i, horizon));
  const planned = requestedTrials * mainEvents + sweepRuns.reduce((a, r) => a + requestedSweepTrials * eventsPerTrial(job, horizon, r.wallSeconds), 0);
  const scale = planned > MAX_MONTE_CARLO_EVENTS ? MAX_MONTE_CARLO_EVENTS / planned : 1;
  const trials = Math.floor(requestedTrials * scale);
  const sweepTrials = trials > 0 ? Math.max(1, Math.floor(requestedSweepTrials * scale)) : 0;
  const limit =
    scale < 1 && requestedTrials > 0
      ? {
          requestedTrials,
          trials,
          expectedEventsPerTrial: mainEvents,
          reason: `each trial draws about ${Math.round(mainEvents).toLocaleString('en-US')} interruptions; the Monte Carlo draws at most ${MAX_MONTE_CARLO_EVENTS.toLocaleString('en-US')} in all`,
        }
      : undefined;
  const total = trials + intervals.length * sweepTrials;
  let done = 0;
  const progress = (n: number): void => opts.onProgress?.(done + n, total);

  let mc: MonteCarloResult | undefined;
  if (trials > 0) {
    mc = monteCarlo(job, used, horizon, { trials, seed, onProgress: progress, keepWallSeconds: opts.keepTrialWallSeconds });
    done += trials;
  }
  const sweep = intervals.map((interval, k): SweepPoint => {
    const r = sweepRuns[k];
    const point: SweepPoint = { intervalSeconds: interval, goodput: r.goodput, wallSeconds: r.wallSeconds };
    if (sweepTrials > 0) {
      point.simulatedGoodput = monteCarlo(job, interval, horizon, { trials: sweepTrials, seed, onProgress: progress }).goodput.mean;
      done += sweepTrials;
    }
    return point;
  });
  const simulatedBest = sweepTrials > 0 ? sweep.reduce((a, b) => ((b.simulatedGoodput ?? 0) > (a.simulatedGoodput ?? 0) ? b : a)) : undefined;

  const causes = job.interruptions.map(
    (i): CauseReport => ({
      name: i.name,
      label: i.label,
      component: i.component,
      planned: i.planned,
      units: i.units,
      count: run.byCause[i.name],
      share: i.planned || run.interruptions === 0 ? 0 : run.byCause[i.name] / run.interruptions,
      perDay: days > 0 ? run.byCause[i.name] / days : 0,
      downtimeSeconds: i.downtimeSeconds,
    }),
  );
  return {
    failureModel: job.failureModel,
    horizon,
    gpus: job.gpus,
    components: job.components,
    checkpoint: job.checkpoint,
    hotSpareNodes: job.hotSpareNodes,
    hotSparesAuto: job.hotSparesAuto,
    interruptions: run.interruptions,
    interruptionsPerDay: days > 0 ? run.interruptions / days : 0,
    plannedInterruptions: run.plannedInterruptions,
    mtbfSeconds,
    byCause: run.byCause,
    causes,
    goodput: run.goodput,
    finishes: Number.isFinite(run.wallSeconds) && run.goodput > 0,
    checkpointIntervalSeconds: run.intervalSeconds,
    optimalCheckpointIntervalSeconds: optimal,
    youngDalyIntervalSeconds: Math.max(dalyIntervalSeconds(job.checkpoint.stallSeconds, mtbfSeconds), job.checkpoint.minIntervalSeconds),
    ...(simulatedBest ? { simulatedOptimalCheckpointIntervalSeconds: simulatedBest.intervalSeconds } : {}),
    wallSeconds: run.wallSeconds,
    usefulSeconds: run.usefulSeconds,
    time: run.time,
    gpuHours: run.gpuHours,
    lostGpuHours: run.lostGpuHours,
    costUsd: run.costUsd,
    sweep,
    ...(mc ? { monteCarlo: mc } : {}),
    ...(limit ? { monteCarloLimit: limit } : {}),
  };
}
