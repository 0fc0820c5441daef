/**
 * The Monte Carlo's distribution of the wall-clock time to train: each
 * trial draws its own interruptions; the rules mark the median and the 90th
 * percentile. Needs the trials' times (analyzeReliability with
 * keepTrialWallSeconds).
 */
import * as Plot from '@observablehq/plot';
import type { MonteCarloResult } from '../../reliability/monte-carlo.js';
import { SECONDS_PER_DAY } from '../../units.js';
import type { Chart } from '../chart.js';

/** The p-quantile of sorted values, interpolated as reliability's summaries are. */
export function quantileSorted(xs: readonly number[], p: number): number {
  const n = xs.length;
  if (n === 0) return NaN;
  const at = p * (n - 1);
  const i = Math.floor(at);
  if (i + 1 >= n || xs[i] === xs[i + 1]) return xs[i];
  if (!Number.isFinite(xs[i + 1])) return at - i < 0.5 ? xs[i] : xs[i + 1];
  return xs[i] + (at - i) * (xs[i + 1] - xs[i]);
}

export function timeToTrainChart(mc: MonteCarloResult & { wallSecondsByTrial: number[] }, expectedWallSeconds: number): Chart {
  const sorted = [...mc.wallSecondsByTrial].sort((a, b) => a - b);
  const finished = sorted.filter((x) => Number.isFinite(x));
  const unfinished = sorted.length - finished.length;
  const p50 = quantileSorted(sorted, 0.5);
  const p90 = quantileSorted(sorted, 0.9);
  const days = finished.map((s) => ({ days: s / SECONDS_PER_DAY }));
  // The median's label left of its rule, the 90th percentile's right, so close ones do not overlap.
  const rules = [
    { at: p50 / SECONDS_PER_DAY, label: `p50 ${(p50 / SECONDS_PER_DAY).toFixed(1)} d `, anchor: 'end' },
    { at: p90 / SECONDS_PER_DAY, label: ` p90 ${(p90 / SECONDS_PER_DAY).toFixed(1)} d`, anchor: 'start' },
  ].filter((r) => Number.isFinite(r.at));
  const figures: Record<string, number> = {
    trials: mc.trials,
    unfinished,
    p50Seconds: p50,
    p90Seconds: p90,
    meanSeconds: mc.wallSeconds.mean,
    expectedWallSeconds,
  };
  const never = unfinished ? ` ${unfinished} trials never finished (past 20 times the failure-free time) and are not drawn.` : '';
  return {
    id: 'time-to-train-distribution',
    title: 'Time to train, Monte Carlo',
    caption: `Wall-clock days to train in each of ${mc.trials.toLocaleString('en-US')} seeded trials (seed ${mc.seed}) at a checkpoint every ${(mc.intervalSeconds / 60).toPrecision(3)} min; rules at the median and the 90th percentile; the expected-value model says ${(expectedWallSeconds / SECONDS_PER_DAY).toFixed(1)} d.${never}`,
    figures,
    plot: {
      width: 960,
      height: 280,
      marginLeft: 60,
      marginTop: 24,
      x: { label: 'days to train', grid: true },
      y: { label: 'trials', grid: true },
      marks: [
        Plot.rectY(days, { ...Plot.binX({ y: 'count' }, { x: 'days', thresholds: 40 }), fill: '#4e79a7', inset: 0.5 }),
        Plot.ruleY([0]),
        Plot.ruleX(rules, { x: 'at', stroke: '#e15759', strokeDasharray: '4,3' }),
        ...rules.map((r) => Plot.text([r], { x: 'at', text: 'label', frameAnchor: 'top', dy: -12, textAnchor: r.anchor as 'start' | 'end', fill: '#e15759', fontSize: 10 })),
      ],
    },
  };
}
