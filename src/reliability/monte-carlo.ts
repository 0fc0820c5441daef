/**
 * A seeded Monte Carlo over the whole run: interruptions drawn one by one
 * (exponential gaps, cause by its share of the rate), training that commits
 * at each durable checkpoint, recovery that starts over when another
 * interruption strikes it, and a pool of hot spares whose failed nodes come
 * back after the repair time (the run starts with the pool in its steady
 * state). Same job, interval, horizon and seed: the same answer, to the bit.
 */
import { SECONDS_PER_HOUR } from '../units.js';
import { effectiveInterval, type Horizon } from './expected-run.js';
import type { ReliabilityJob } from './job.js';
import { seededRng } from './prng.js';

/** Summary of one quantity over the trials. */
export interface TrialStats {
  mean: number;
  stdev: number;
  min: number;
  p5: number;
  p50: number;
  p95: number;
  max: number;
}

export interface MonteCarloResult {
  trials: number;
  seed: number;
  intervalSeconds: number;
  wallSeconds: TrialStats;
  /** Unplanned interruptions per trial. */
  interruptions: TrialStats;
  plannedInterruptions: TrialStats;
  goodput: TrialStats;
  lostGpuHours: TrialStats;
  costUsd: TrialStats;
  /** Mean interruptions by cause name. */
  byCause: Record<string, number>;
  /** Each trial's wall-clock seconds in trial order (Infinity: never finished), with `keepWallSeconds` only: for a histogram. */
  wallSecondsByTrial?: number[];
}

export interface MonteCarloOptions {
  trials: number;
  seed: number;
  /** Called now and then with trials done and the total. */
  onProgress?: (done: number, total: number) => void;
  /** Keep each trial's wall-clock time (`wallSecondsByTrial`), for the report's histogram. */
  keepWallSeconds?: boolean;
}

/** A trial still running after this many times its failure-free training is called unfinished (wall-clock time Infinity). */
export const GIVE_UP_FACTOR = 20;

export function summarize(values: ArrayLike<number>): TrialStats {
  const xs = Float64Array.from(values).sort();
  const n = xs.length;
  if (n === 0) return { mean: NaN, stdev: NaN, min: NaN, p5: NaN, p50: NaN, p95: NaN, max: NaN };
  let s = 0;
  for (let i = 0; i < n; i++) s += xs[i];
  const mean = s / n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (xs[i] - mean) ** 2;
  const q = (p: number): number => {
    const at = p * (n - 1);
    const i = Math.floor(at);
    if (i + 1 >= n || xs[i] === xs[i + 1]) return xs[i];
    // Unfinished runs are Infinity: take the nearer value rather than interpolate.
    if (!Number.isFinite(xs[i + 1])) return at - i < 0.5 ? xs[i] : xs[i + 1];
    return xs[i] + (at - i) * (xs[i + 1] - xs[i]);
  };
  const stdev = !Number.isFinite(mean) ? Infinity : n > 1 ? Math.sqrt(v / (n - 1)) : 0;
  return { mean, stdev, min: xs[0], p5: q(0.05), p50: q(0.5), p95: q(0.95), max: xs[n - 1] };
}

export function monteCarlo(job: ReliabilityJob, intervalSeconds: number, horizon: Horizon, opts: MonteCarloOptions): MonteCarloResult {
  const rng = seededRng(opts.seed);
  const tau = effectiveInterval(job, intervalSeconds);
  const stall = job.checkpoint.stallSeconds;
  const cycle = tau + stall;
  const lag = job.checkpoint.durableLagSeconds;
  const causes = job.interruptions;
  const nCauses = causes.length;
  const rate = causes.reduce((a, c) => a + c.perSecond, 0);
  const cumulative = new Float64Array(nCauses);
  causes.reduce((acc, c, i) => (cumulative[i] = acc + c.perSecond), 0);
  const baseDowntime = Float64Array.from(causes, (c) => c.detectSeconds + c.restartSeconds + c.loadSeconds + c.saveSeconds);
  const planned = causes.map((c) => c.planned);
  const replacesNode = causes.map((c) => c.replacesNode);
  const spares = job.hotSpareNodes;
  const repair = job.nodeRepairSeconds;
  // Stragglers' share of training: events per training second times the training each costs.
  const stragglerShare = job.stragglerStretch - 1;
  const heldGpus = job.gpus + spares * job.gpusPerNode;

  /** Training progress after running x seconds of a segment (stalls excluded). */
  const progress = (x: number): number => {
    const k = Math.floor(x / cycle);
    return k * tau + Math.min(x - k * cycle, tau);
  };
  /** Progress made durable after running x seconds of a segment. */
  const committed = (x: number): number => (x < lag ? 0 : Math.floor((x - lag) / cycle) * tau);
  /** Running time a segment needs to make `remaining` progress. */
  const finishTime = (remaining: number): number => {
    if (remaining <= 0) return 0;
    const k = Math.ceil(remaining / tau) - 1;
    return k * cycle + (remaining - k * tau);
  };
  const pick = (): number => {
    const u = rng.next() * rate;
    for (let i = 0; i < nCauses - 1; i++) if (u < cumulative[i]) return i;
    return nCauses - 1;
  };

  const trials = Math.max(1, Math.floor(opts.trials));
  const wall = new Float64Array(trials);
  const unplannedCount = new Float64Array(trials);
  const plannedCount = new Float64Array(trials);
  const goodput = new Float64Array(trials);
  const lostGpuHours = new Float64Array(trials);
  const cost = new Float64Array(trials);
  const causeTotals = new Float64Array(nCauses);
  // Return times of nodes in repair: they fail in time order and repair takes a fixed time, so a queue stays sorted.
  let repairQueue: number[] = [];
  const progressEvery = Math.max(1, Math.floor(trials / 100));

  const replaceRate = causes.reduce((a, c) => a + (c.replacesNode ? c.perSecond : 0), 0);
  for (let trial = 0; trial < trials; trial++) {
    // The cluster is already running: a Poisson number of nodes is in repair, each partway through.
    repairQueue = [];
    const inRepairAtStart = rng.poisson(replaceRate * repair);
    for (let i = 0; i < inRepairAtStart; i++) repairQueue.push(rng.next() * repair);
    repairQueue.sort((a, b) => a - b);
    let head = 0;
    const downtime = (cause: number, at: number): number => {
      let d = baseDowntime[cause];
      if (replacesNode[cause]) {
        while (head < repairQueue.length && repairQueue[head] <= at) head++;
        // Drop the returned nodes now and then, so a trial of millions of failures keeps a short queue.
        if (head > 4096 && head * 2 > repairQueue.length) {
          repairQueue = repairQueue.slice(head);
          head = 0;
        }
        const inRepair = repairQueue.length - head;
        repairQueue.push(at + repair);
        // No spare free: wait for the (inRepair - spares + 1)-th return, the new failure's own included.
        if (inRepair >= spares) d += repairQueue[head + inRepair - spares] - at;
      }
      return d;
    };

    // Stragglers: their count over the trial's training, each costing its slowed time.
    let target = Infinity;
    if (horizon.kind === 'work') target = horizon.seconds + sampleStragglerSeconds(stragglerShare, horizon.seconds);
    const end = horizon.kind === 'window' ? horizon.seconds : Infinity;
    // A run that would take this long is reported as never finishing (too few spares, too many failures).
    const giveUpAt = horizon.kind === 'work' ? GIVE_UP_FACTOR * target : Infinity;

    let t = 0;
    let done = 0; // durable progress
    let made = 0; // progress at the end (durable or not, for a window)
    let nUnplanned = 0;
    let nPlanned = 0;
    let nextAt = rng.exponential(rate);
    for (;;) {
      // Running, from t.
      const toFinish = finishTime(target - done);
      const stop = Math.min(nextAt, end);
      if (t + toFinish <= stop) {
        t += toFinish;
        made = target;
        break;
      }
      const x = stop - t;
      t = stop;
      if (stop === end) {
        made = done + progress(x);
        break;
      }
      let cause = pick();
      causeTotals[cause]++;
      if (planned[cause]) {
        nPlanned++;
        done += progress(x);
      } else {
        nUnplanned++;
        done += committed(x);
      }
      // Recovering; a further interruption starts recovery over.
      let back = t + downtime(cause, t);
      nextAt = t + rng.exponential(rate);
      while (nextAt < back && nextAt < end && nextAt <= giveUpAt) {
        t = nextAt;
        cause = pick();
        causeTotals[cause]++;
        if (planned[cause]) nPlanned++;
        else nUnplanned++;
        // Recovery starts over, but a node already awaited still comes when it comes.
        back = Math.max(back, t + downtime(cause, t));
        nextAt = t + rng.exponential(rate);
      }
      if (back >= end) {
        t = end;
        made = done;
        break;
      }
      t = back;
      if (t > giveUpAt) {
        t = Infinity;
        break;
      }
    }

    let useful: number;
    if (horizon.kind === 'work') {
      useful = horizon.seconds;
    } else {
      // Over a window the slowed time comes out of the progress made.
      useful = Math.max(0, made - sampleStragglerSeconds(stragglerShare, made / job.stragglerStretch));
    }
    wall[trial] = t;
    unplannedCount[trial] = nUnplanned;
    plannedCount[trial] = nPlanned;
    goodput[trial] = t > 0 && Number.isFinite(t) ? useful / t : 0;
    lostGpuHours[trial] = (job.gpus * (t - useful)) / SECONDS_PER_HOUR;
    cost[trial] = ((heldGpus * t) / SECONDS_PER_HOUR) * job.usdPerGpuHour;
    if (opts.onProgress && ((trial + 1) % progressEvery === 0 || trial + 1 === trials)) opts.onProgress(trial + 1, trials);
  }

  /**
   * Seconds of training that stragglers cost over `seconds` of training: a
   * Poisson count of events, each a fixed cost, with mean (stretch - 1) x seconds.
   */
  function sampleStragglerSeconds(share: number, seconds: number): number {
    if (share <= 0 || seconds <= 0) return 0;
    const perEvent = job.stragglerCostSeconds;
    return rng.poisson((share * seconds) / perEvent) * perEvent;
  }

  const byCause: Record<string, number> = {};
  causes.forEach((c, i) => (byCause[c.name] = causeTotals[i] / trials));
  return {
    trials,
    seed: opts.seed,
    intervalSeconds: tau,
    wallSeconds: summarize(wall),
    interruptions: summarize(unplannedCount),
    plannedInterruptions: summarize(plannedCount),
    goodput: summarize(goodput),
    lostGpuHours: summarize(lostGpuHours),
    costUsd: summarize(cost),
    byCause,
    ...(opts.keepWallSeconds ? { wallSecondsByTrial: Array.from(wall) } : {}),
  };
}
