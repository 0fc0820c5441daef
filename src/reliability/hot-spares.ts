/**
 * Hot spare nodes: a failed node is swapped for a spare at once while one is
 * free; otherwise the job waits for a node to come back from repair. With
 * node failures as a Poisson process and a fixed repair time, the nodes in
 * repair form an M/D/infinity queue: Poisson with mean (rate x repair time)
 * at any moment. The job can run while no more nodes are in repair than
 * there are spares, so the share of time it waits is P(in repair > spares).
 */

/**
 * Beyond this many standard deviations above the mean a Poisson tail is below 1e-300: every
 * loop here stops there, so a huge spare count or mean never spins (and nothing is lost).
 */
const TAIL_SIGMAS = 40;
const tailEnd = (mean: number): number => mean + TAIL_SIGMAS * Math.sqrt(mean) + TAIL_SIGMAS;

/**
 * Walks Poisson(mean)'s CDF term by term, calling `stop(k, tail)` with P(K > k) until it says
 * to stop. Terms are carried as logarithms: exp(-mean) underflows to 0 past a mean of about
 * 745, which once left the CDF at 0 forever and the search for spares spinning.
 */
function walkPoissonTail(mean: number, stop: (k: number, tail: number) => boolean): number {
  let logP = -mean;
  let cdf = Math.exp(logP);
  const last = Math.ceil(tailEnd(mean));
  for (let k = 0; k < last; k++) {
    if (stop(k, Math.max(0, 1 - cdf))) return k;
    logP += Math.log(mean / (k + 1));
    cdf += Math.exp(logP);
  }
  return last;
}

/**
 * Past this mean the normal approximation (with continuity correction) is used: its error in a
 * tail probability is below 1e-4 there (skewness 1/sqrt(mean) = 1e-3), and walking a CDF of
 * millions of terms would take seconds.
 */
const NORMAL_FROM_MEAN = 1e6;

/** erfc(x), Abramowitz & Stegun 7.1.26 (absolute error below 1.5e-7). */
function erfc(x: number): number {
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) * Math.exp(-x * x);
  return x >= 0 ? y : 2 - y;
}

/** P(K > n), K ~ Normal(mean, mean) standing in for Poisson(mean). */
const normalTail = (mean: number, n: number): number => 0.5 * erfc((n + 0.5 - mean) / Math.sqrt(2 * mean));

/** P(K > n) for K ~ Poisson(mean). */
export function poissonTail(mean: number, n: number): number {
  if (mean <= 0) return 0;
  if (n < 0) return 1;
  if (n >= tailEnd(mean)) return 0;
  if (mean > NORMAL_FROM_MEAN) return normalTail(mean, n);
  let tail = 0;
  walkPoissonTail(mean, (k, t) => {
    tail = t;
    return k >= n;
  });
  return tail;
}

/** Share of wall-clock time the job waits for a replacement node. */
export function spareShortfallShare(spares: number, repairSeconds: number, replaceRatePerSecond: number): number {
  return poissonTail(replaceRatePerSecond * repairSeconds, spares);
}

/**
 * Expected wait for a node per node-replacing failure, seconds: the waiting
 * share of time spread over those failures (so rate x wait = share).
 */
export function expectedSpareWaitSeconds(spares: number, repairSeconds: number, replaceRatePerSecond: number): number {
  if (replaceRatePerSecond <= 0) return 0;
  return spareShortfallShare(spares, repairSeconds, replaceRatePerSecond) / replaceRatePerSecond;
}

/** The fewest spares for which the job waits for a node at most `shortfall` of the time. */
export function autoSpareNodes(repairSeconds: number, replaceRatePerSecond: number, shortfall: number): number {
  const mean = replaceRatePerSecond * repairSeconds;
  if (!(mean > 0)) return 0;
  if (mean > NORMAL_FROM_MEAN) {
    // The fewest n with P(K > n) <= shortfall, by bisection on the normal tail.
    let lo = Math.floor(mean);
    let hi = Math.ceil(tailEnd(mean));
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (normalTail(mean, mid) <= shortfall) hi = mid;
      else lo = mid;
    }
    return hi;
  }
  return walkPoissonTail(mean, (_, tail) => tail <= shortfall);
}
