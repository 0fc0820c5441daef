/**
 * Mean and tail percentiles of a latency sample. The Monte Carlo's `summarize` reports p5/p50/p95;
 * serving is judged at p90 and p99, so this keeps its interpolation (linear between order
 * statistics at p x (n - 1)) and reports those.
 */
import { sortFloat64 } from './float-sort.js';

/** A latency distribution in seconds; every field NaN when there is no sample. */
export interface LatencySummary {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
}

/** Summarises the values (sorted in place: pass a copy you no longer need). */
export function summarizeLatency(values: Float64Array): LatencySummary {
  const n = values.length;
  if (n === 0) return { count: 0, mean: NaN, p50: NaN, p90: NaN, p99: NaN };
  sortFloat64(values);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i];
  const q = (p: number): number => {
    const at = p * (n - 1);
    const i = Math.floor(at);
    return i + 1 >= n ? values[i] : values[i] + (at - i) * (values[i + 1] - values[i]);
  };
  return { count: n, mean: sum / n, p50: q(0.5), p90: q(0.9), p99: q(0.99) };
}
