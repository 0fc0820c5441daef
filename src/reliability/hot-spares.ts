/**
 * Hot spare nodes: a failed node is swapped for a spare at once while one is
 * free; otherwise the job waits for a node to come back from repair. With
 * node failures as a Poisson process and a fixed repair time, the nodes in
 * repair form an M/D/infinity queue: Poisson with mean (rate x repair time)
 * at any moment. The job can run while no more nodes are in repair than
 * there are spares, so the share of time it waits is P(in repair > spares).
 */

/** P(K > n) for K ~ Poisson(mean). */
export function poissonTail(mean: number, n: number): number {
  if (mean <= 0) return 0;
  if (n < 0) return 1;
  let p = Math.exp(-mean);
  let cdf = p;
  for (let k = 1; k <= n; k++) {
    p *= mean / k;
    cdf += p;
  }
  return Math.max(0, 1 - cdf);
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
  if (mean <= 0) return 0;
  let p = Math.exp(-mean);
  let cdf = p;
  for (let s = 0; ; s++) {
    if (1 - cdf <= shortfall) return s;
    p *= mean / (s + 1);
    cdf += p;
  }
}
