/**
 * The parametric workload model fitted to a cluster summary (docs/sources/workload.md):
 *
 *   Z1, Z2 ~ N(0, 1) independent;  state s ~ the summary's job shares
 *   GPUs     = 2^k,  k = clamp(round(log2(median GPUs) + sizeSigma * Z1), 0, log2(max GPUs))
 *   runtime  = min(max runtime, exp(mu + ln g_s + sigma * (rho * Z1 + sqrt(1 - rho^2) * Z2)))
 *   g_s      = (GPU-time share of s) / (job share of s)
 *
 * sizeSigma is set so the mean GPUs per job is the summary's (the median is 2^0 = 1 for all four
 * summaries, and stays so: P(k = 0) = Phi(0.5 / sizeSigma) > 1/2). mu and sigma are set so the
 * runtime mixture's median and mean are the summary's. Because the state is drawn independently of
 * size and of Z1, Z2, GPU time by state is proportional to share x g_s, which is the summary's GPU-time
 * share. rho (size and runtime correlated through Z1) is set so the mean GPU time per job is the
 * summary's total GPU time over its GPU jobs: in every trace big jobs run longer than small ones, so
 * mean GPUs x mean runtime falls well short of it.
 */
import type { JobState } from '../job.js';
import type { ClusterSummary } from './acme-summary.js';
import { bisect, normalCdf, normalPdf } from './normal.js';

export interface FittedWorkload {
  summary: ClusterSummary;
  /** log2 of the median size, and the largest k. */
  sizeLog2Median: number;
  sizeLog2Max: number;
  sizeSigma: number;
  /** States with their job shares (normalised to sum to 1) and runtime multipliers g_s. */
  states: { state: JobState; share: number; multiplier: number }[];
  mu: number;
  sigma: number;
  rho: number;
  maxRuntimeSeconds: number;
}

const STATES: JobState[] = ['completed', 'cancelled', 'failed'];

/** P(k) for the rounded, clamped normal size exponent. */
export function sizeExponentProbabilities(log2Median: number, log2Max: number, sigma: number): number[] {
  const p: number[] = [];
  for (let k = 0; k <= log2Max; k++) {
    const lo = k === 0 ? 0 : normalCdf((k - 0.5 - log2Median) / sigma);
    const hi = k === log2Max ? 1 : normalCdf((k + 0.5 - log2Median) / sigma);
    p.push(hi - lo);
  }
  return p;
}

/** E[min(X, cap)] for X log-normal with log-mean a and log-sd s. */
export function cappedLogNormalMean(a: number, s: number, cap: number): number {
  if (s <= 0) return Math.min(Math.exp(a), cap);
  const lc = Math.log(cap);
  return Math.exp(a + (s * s) / 2) * normalCdf((lc - a - s * s) / s) + cap * (1 - normalCdf((lc - a) / s));
}

/** The size exponent for a standard normal z. */
export const sizeExponent = (f: Pick<FittedWorkload, 'sizeLog2Median' | 'sizeLog2Max' | 'sizeSigma'>, z: number): number =>
  Math.min(f.sizeLog2Max, Math.max(0, Math.round(f.sizeLog2Median + f.sizeSigma * z)));

const Z_GRID_STEP = 0.01;
const Z_GRID_LIMIT = 8;

/** E[GPUs x runtime | state] under the model, GPUs clamped to maxGpus, by integration over Z1. */
export function meanGpuSecondsOfState(f: FittedWorkload, state: FittedWorkload['states'][number], maxGpus = Infinity, rho = f.rho): number {
  const condSigma = f.sigma * Math.sqrt(1 - rho * rho);
  let total = 0;
  for (let z = -Z_GRID_LIMIT; z <= Z_GRID_LIMIT; z += Z_GRID_STEP) {
    const gpus = Math.min(maxGpus, 2 ** sizeExponent(f, z));
    const rt = cappedLogNormalMean(f.mu + Math.log(state.multiplier) + f.sigma * rho * z, condSigma, f.maxRuntimeSeconds);
    total += gpus * rt * normalPdf(z) * Z_GRID_STEP;
  }
  return total;
}

/** E[GPUs x runtime] under the model, GPUs clamped to maxGpus. */
export function meanGpuSeconds(f: FittedWorkload, maxGpus = Infinity, rho = f.rho): number {
  return f.states.reduce((a, s) => a + s.share * meanGpuSecondsOfState(f, s, maxGpus, rho), 0);
}

/** Each state's expected share of GPU time under the model. */
export function expectedGpuTimeShares(f: FittedWorkload, maxGpus = Infinity): Record<JobState, number> {
  const total = meanGpuSeconds(f, maxGpus);
  const out = {} as Record<JobState, number>;
  for (const s of f.states) out[s.state] = (s.share * meanGpuSecondsOfState(f, s, maxGpus)) / total;
  return out;
}

export function fitWorkload(summary: ClusterSummary): FittedWorkload {
  const sizeLog2Median = Math.round(Math.log2(summary.medianGpus));
  const sizeLog2Max = Math.floor(Math.log2(summary.maxGpus));
  const meanSize = (sigma: number): number =>
    sizeExponentProbabilities(sizeLog2Median, sizeLog2Max, sigma).reduce((acc, p, k) => acc + p * 2 ** k, 0);
  const sizeSigma = bisect((s) => meanSize(s) - summary.meanGpus, 0.01, 20);

  const jobTotal = STATES.reduce((a, s) => a + summary.jobShare[s], 0);
  const timeTotal = STATES.reduce((a, s) => a + summary.gpuTimeShare[s], 0);
  const states = STATES.map((state) => {
    const share = summary.jobShare[state] / jobTotal;
    return { state, share, multiplier: summary.gpuTimeShare[state] / timeTotal / share };
  });

  const cap = summary.maxRuntimeSeconds;
  const lnMedian = Math.log(summary.medianRuntimeSeconds);
  const muFor = (sigma: number): number =>
    // The mixture's CDF at the median falls as mu rises: find mu where it is 1/2.
    bisect((mu) => 0.5 - states.reduce((a, s) => a + s.share * normalCdf((lnMedian - mu - Math.log(s.multiplier)) / sigma), 0), lnMedian - 20, lnMedian + 20);
  const meanFor = (sigma: number): number => {
    const mu = muFor(sigma);
    return states.reduce((a, s) => a + s.share * cappedLogNormalMean(mu + Math.log(s.multiplier), sigma, cap), 0);
  };
  const fitted: FittedWorkload = { summary, sizeLog2Median, sizeLog2Max, sizeSigma, states, mu: 0, sigma: 1, rho: 0, maxRuntimeSeconds: cap };
  const target = summary.totalGpuSeconds / summary.gpuJobs;
  // The runtime cap trims the long-running states (cancelled, mostly) more than the others, so
  // share x g_s overstates their GPU time: correct g_s by the model's own shares until they agree.
  for (let round = 0; round < FIT_ROUNDS; round++) {
    fitted.sigma = bisect((s) => meanFor(s) - summary.meanRuntimeSeconds, 0.01, 8);
    fitted.mu = muFor(fitted.sigma);
    fitted.rho = bisect((r) => meanGpuSeconds(fitted, Infinity, r) - target, 0, 0.99, 30);
    const got = expectedGpuTimeShares(fitted);
    for (const s of states) s.multiplier *= summary.gpuTimeShare[s.state] / timeTotal / got[s.state];
  }
  fitted.sigma = bisect((s) => meanFor(s) - summary.meanRuntimeSeconds, 0.01, 8);
  fitted.mu = muFor(fitted.sigma);
  fitted.rho = bisect((r) => meanGpuSeconds(fitted, Infinity, r) - target, 0, 0.99, 30);
  return fitted;
}

/** Rounds of the multiplier correction: each shrinks the error by about the cap's effect (a few %). */
const FIT_ROUNDS = 6;
