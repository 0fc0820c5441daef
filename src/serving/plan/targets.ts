/**
 * Latency targets a serving plan must meet: time to first token and time per output token, each
 * at a percentile of the requests (p50, p90 or p99), in seconds. Several may be given at once;
 * a deployment meets them when it meets every one.
 */
import type { LatencySummary } from '../latency-stats.js';

export const TARGET_PERCENTILES = [50, 90, 99] as const;
export type TargetPercentile = (typeof TARGET_PERCENTILES)[number];
export type TargetMetric = 'ttft' | 'tpot';

/** One target: `metric` at `percentile` at most `seconds`. */
export interface LatencyTarget {
  metric: TargetMetric;
  percentile: TargetPercentile;
  seconds: number;
}

/** The percentile of a latency summary. */
export function percentileOf(s: LatencySummary, p: TargetPercentile): number {
  return p === 50 ? s.p50 : p === 90 ? s.p90 : s.p99;
}

/** The flag that sets a target (`--ttft-p99`), as the CLI names it. */
export const targetFlag = (t: Pick<LatencyTarget, 'metric' | 'percentile'>): string => `--${t.metric}-p${t.percentile}`;

/** Whether measured latencies meet every target (a missing sample, NaN, meets nothing). */
export function meetsTargets(r: { ttftSeconds: LatencySummary; tpotSeconds: LatencySummary }, targets: readonly LatencyTarget[]): boolean {
  return targets.every((t) => percentileOf(t.metric === 'ttft' ? r.ttftSeconds : r.tpotSeconds, t.percentile) <= t.seconds);
}

/** The tightest target of a metric (the smallest seconds), if any. */
export function tightest(targets: readonly LatencyTarget[], metric: TargetMetric): LatencyTarget | undefined {
  return targets.filter((t) => t.metric === metric).reduce<LatencyTarget | undefined>((a, t) => (a === undefined || t.seconds < a.seconds ? t : a), undefined);
}
