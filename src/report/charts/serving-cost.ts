/**
 * Cost against load: the deployment's dollars per million output tokens at each load level of the
 * serving load curve, each point labelled with its output tokens per second a GPU (the cost is the
 * GPUs' price over that throughput, so the two move inversely). The user's own load is marked.
 */
import * as Plot from '@observablehq/plot';
import type { ServingLoadCurve } from '../serving-load-curve.js';
import type { Chart } from '../chart.js';
import { loadAxisLabel, loadPointsWords, pointFigures } from './serving-latency-load.js';

export function servingCostChart(c: ServingLoadCurve): Chart {
  const rows = c.points.filter((p) => Number.isFinite(p.costUsdPerMillionTokens) && p.costUsdPerMillionTokens > 0);
  const user = c.points.find((p) => p.user);
  const costs = rows.map((p) => p.costUsdPerMillionTokens);
  // A wide range (light loads cost many times more) reads better on a log scale.
  const log = costs.length > 1 && Math.max(...costs) / Math.min(...costs) > 20;
  type Row = (typeof rows)[number];
  return {
    id: 'serving-cost',
    title: 'Cost per million output tokens against load',
    caption: `Dollars per million output tokens (the deployment's GPU-hours at the system's price over the tokens it produced) at each load level; each point is labelled with its output tokens per second a GPU. ${loadPointsWords(c)}`,
    figures: pointFigures(c, (p) => ({ costUsdPerMillionTokens: p.costUsdPerMillionTokens, outputTokensPerSecondPerGpu: p.outputTokensPerSecondPerGpu })),
    plot: {
      width: 900,
      height: 340,
      marginLeft: 56,
      marginTop: 28,
      marginRight: 56,
      marginBottom: 44,
      x: { label: loadAxisLabel(c), type: c.axis === 'concurrency' ? 'log' : 'linear', grid: true, ...(c.axis === 'concurrency' ? { base: 2 } : {}) },
      y: { label: 'USD per million output tokens', type: log ? 'log' : 'linear', grid: true, ...(log ? {} : { zero: true }) },
      marks: [
        ...(user ? [Plot.ruleX([user.level], { stroke: '#888', strokeDasharray: '4,3' })] : []),
        Plot.line(rows, { x: 'level', y: 'costUsdPerMillionTokens', stroke: '#3b6fd8', sort: 'level' }),
        Plot.dot(rows, {
          x: 'level',
          y: 'costUsdPerMillionTokens',
          fill: (d: Row) => (d.user ? '#c4342d' : '#3b6fd8'),
          r: (d: Row) => (d.user ? 5 : 3),
          title: (d: Row) => `${d.level.toPrecision(3)}: $${d.costUsdPerMillionTokens.toFixed(2)} per million tokens, ${d.outputTokensPerSecondPerGpu.toFixed(0)} tokens/s a GPU${d.user ? ' (your load)' : ''}`,
        }),
        Plot.text(rows, { x: 'level', y: 'costUsdPerMillionTokens', text: (d: Row) => `${d.outputTokensPerSecondPerGpu.toFixed(0)} tok/s/GPU`, dy: -10, fontSize: 10, fill: '#555' }),
      ],
    },
  };
}
