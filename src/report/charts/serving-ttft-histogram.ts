/**
 * The request-level picture at the user's load: how the time to first token of every measured
 * request is distributed, from serve's own per-request records (ServeInput.onRecords), with the
 * p50, p90 and p99 that serve reports marked on it.
 */
import * as Plot from '@observablehq/plot';
import type { LatencySummary } from '../../serving/latency-stats.js';
import type { RequestRecords } from '../../serving/replica-sim.js';
import { RequestState } from '../../serving/request-store.js';
import type { Chart } from '../chart.js';

/** TTFT of each finished request that arrived in the measured window, as serve's summary counts them. */
export function ttftSamples(records: RequestRecords, measuredFromSeconds: number): Float64Array {
  const out: number[] = [];
  for (let r = 0; r < records.state.length; r++) {
    if (records.state[r] !== RequestState.finished || records.arrivalSeconds[r] < measuredFromSeconds) continue;
    out.push(records.firstTokenSeconds[r] - records.arrivalSeconds[r]);
  }
  return Float64Array.from(out);
}

/** `ttft` from ttftSamples; `summary` the report's ttftSeconds (the marks and the figures). */
export function servingTtftHistogramChart(ttft: Float64Array, summary: LatencySummary, note = ''): Chart {
  const values = Array.from(ttft);
  const marks = (['p50', 'p90', 'p99'] as const).map((q) => ({ q, seconds: summary[q] })).filter((m) => Number.isFinite(m.seconds));
  return {
    id: 'serving-ttft-histogram',
    title: 'Time to first token, request by request',
    caption: `How the time to first token of the ${summary.count.toLocaleString('en-US')} measured requests at your load is spread, in ${values.length > 0 ? 40 : 0} bins; the lines are its p50, p90 and p99 as serve reports them.${note ? ` ${note}` : ''}`,
    figures: { count: summary.count, ttftP50Seconds: summary.p50, ttftP90Seconds: summary.p90, ttftP99Seconds: summary.p99, ttftMeanSeconds: summary.mean },
    plot: {
      width: 900,
      height: 300,
      marginLeft: 56,
      marginBottom: 44,
      x: { label: 'time to first token, seconds', grid: true },
      y: { label: 'requests', grid: true },
      marks: [
        Plot.rectY(values, { ...Plot.binX({ y: 'count' }, { x: (d: number) => d, thresholds: 40 }), fill: '#3b6fd8', inset: 0.5 }),
        Plot.ruleY([0]),
        Plot.ruleX(marks, { x: 'seconds', stroke: '#c4342d', strokeDasharray: '4,3' }),
        Plot.text(marks, { x: 'seconds', text: (m: (typeof marks)[number]) => m.q, frameAnchor: 'top', dy: 4, dx: 4, textAnchor: 'start', fill: '#c4342d', fontSize: 11 }),
      ],
    },
  };
}
