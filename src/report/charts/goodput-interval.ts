/**
 * Goodput against the checkpoint interval: too often and checkpoints cost
 * the time, too seldom and each failure throws away more work. The line is
 * the expected-value model over reliability's sweep (by factors of two
 * around the optimum); dots are the Monte Carlo's mean where it ran; the
 * rule marks the interval used.
 */
import * as Plot from '@observablehq/plot';
import type { ReliabilityReport } from '../../reliability/analysis.js';
import type { Chart } from '../chart.js';

export function goodputIntervalChart(r: Pick<ReliabilityReport, 'sweep' | 'goodput' | 'checkpointIntervalSeconds' | 'optimalCheckpointIntervalSeconds'>): Chart {
  const rows = r.sweep.map((p) => ({ minutes: p.intervalSeconds / 60, goodput: p.goodput * 100, simulated: p.simulatedGoodput === undefined ? undefined : p.simulatedGoodput * 100 }));
  const simulated = rows.filter((d) => d.simulated !== undefined);
  const used = r.checkpointIntervalSeconds / 60;
  const figures: Record<string, number> = {
    goodput: r.goodput,
    checkpointIntervalSeconds: r.checkpointIntervalSeconds,
    optimalCheckpointIntervalSeconds: r.optimalCheckpointIntervalSeconds,
    sweepPoints: r.sweep.length,
  };
  return {
    id: 'goodput-interval',
    title: 'Goodput against checkpoint interval',
    caption: `Useful share of wall-clock time at each interval between checkpoints (line: expected-value model${simulated.length ? '; dots: Monte Carlo mean' : ''}). The rule marks the interval used, ${used.toPrecision(3)} min, where goodput is ${(r.goodput * 100).toFixed(1)}%.`,
    figures,
    plot: {
      width: 960,
      height: 300,
      marginLeft: 60,
      x: { type: 'log', label: 'minutes of training between checkpoints', grid: true },
      y: { label: 'goodput (%)', grid: true },
      marks: [
        Plot.ruleX([used], { stroke: '#e15759', strokeDasharray: '4,3' }),
        Plot.text([used], { x: (d: number) => d, frameAnchor: 'top', dy: 6, dx: 4, textAnchor: 'start', text: () => `used: ${used.toPrecision(3)} min`, fill: '#e15759' }),
        Plot.line(rows, { x: 'minutes', y: 'goodput', stroke: '#4e79a7', marker: 'circle' }),
        Plot.dot(simulated, { x: 'minutes', y: 'simulated', stroke: '#f28e2b', r: 4 }),
      ],
    },
  };
}
