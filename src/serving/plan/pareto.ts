/**
 * The cost-latency Pareto front of a serving plan: the deployments no other beats on both cost a
 * day and latency (one as cheap and as fast, and better on one, dominates). At a fixed traffic a
 * lower cost is a higher throughput per dollar, so this is the latency-throughput trade-off.
 */

export interface CostLatency {
  costUsdPerDay: number;
  latencySeconds: number;
}

/** Whether `a` dominates `b`. */
export const dominates = (a: CostLatency, b: CostLatency): boolean =>
  a.costUsdPerDay <= b.costUsdPerDay && a.latencySeconds <= b.latencySeconds && (a.costUsdPerDay < b.costUsdPerDay || a.latencySeconds < b.latencySeconds);

/** The points on the front, cheapest first (a sort and one pass: the front is the running minimum of latency). */
export function paretoFront<T extends CostLatency>(points: readonly T[]): T[] {
  const sorted = [...points].sort((a, b) => a.costUsdPerDay - b.costUsdPerDay || a.latencySeconds - b.latencySeconds);
  const front: T[] = [];
  let best = Infinity;
  for (const p of sorted) {
    if (p.latencySeconds < best) {
      front.push(p);
      best = p.latencySeconds;
    }
  }
  return front;
}
