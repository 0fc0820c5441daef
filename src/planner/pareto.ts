/**
 * The Pareto front of time to train against cost: the points no other point
 * beats on both (a point that is as fast and as cheap, and better on one,
 * dominates it).
 */

export interface TimeCost {
  timeToTrainSeconds: number;
  costUsd: number;
}

/** Whether `a` dominates `b`. */
export const dominates = (a: TimeCost, b: TimeCost): boolean =>
  a.timeToTrainSeconds <= b.timeToTrainSeconds &&
  a.costUsd <= b.costUsd &&
  (a.timeToTrainSeconds < b.timeToTrainSeconds || a.costUsd < b.costUsd);

/** For each point, whether it is on the front (quadratic: a plan has tens of points, not millions). */
export function paretoFront(points: readonly TimeCost[]): boolean[] {
  return points.map((p) => !points.some((q) => dominates(q, p)));
}
