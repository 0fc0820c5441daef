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

/** P(K > n) for K ~ Poisson(mean). */
export function poissonTail(mean: number, n: number): number {
  if (mean <= 0) return 0;
  if (n < 0) return 1;
  if (n >= tailEnd(mean)) return 0;
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
  return walkPoissonTail(mean, (_, tail) => tail <= shortfall);
}
