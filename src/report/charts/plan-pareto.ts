/**
 * Time against cost: the best plan at each GPU count (and system) the planner
 * compared, with the points no other beats on both (the Pareto front,
 * src/planner/pareto.ts) joined and filled.
 */
import * as Plot from '@observablehq/plot';
import type { PlanReport } from '../../planner/plan.js';
import { SECONDS_PER_DAY } from '../../units.js';
import type { Chart } from '../chart.js';

export function planParetoChart(r: Pick<PlanReport, 'points'>): Chart {
  const rows = r.points
    .filter((p) => p.best !== null)
    .map((p) => ({
      label: `${p.gpus.toLocaleString('en-US')} × ${p.system}`,
      days: p.best!.timeToTrainSeconds / SECONDS_PER_DAY,
      musd: p.best!.costUsd / 1e6,
      pareto: p.pareto,
      gpus: p.gpus,
    }));
  const front = rows.filter((d) => d.pareto).sort((a, b) => a.days - b.days);
  const figures: Record<string, number> = { points: r.points.length, onFront: front.length };
  for (const p of r.points) {
    if (!p.best) continue;
    figures[`timeToTrainSeconds@${p.system}/${p.gpus}`] = p.best.timeToTrainSeconds;
    figures[`costUsd@${p.system}/${p.gpus}`] = p.best.costUsd;
  }
  const none = r.points.filter((p) => p.best === null).map((p) => `${p.gpus.toLocaleString('en-US')} × ${p.system}`);
  return {
    id: 'plan-pareto',
    title: 'Time against cost: the Pareto front',
    caption: `The best plan at each GPU count and system compared: failure-free days to train against cost. Filled points are on the front (nothing else is both faster and cheaper).${none.length ? ` No plan fits at ${none.join(', ')}.` : ''}`,
    figures,
    plot: {
      width: 960,
      height: 320,
      marginTop: 30,
      marginLeft: 70,
      marginRight: 100,
      x: { label: 'days to train (failure-free)', grid: true, inset: 20 },
      y: { label: 'cost (million USD)', grid: true, inset: 20 },
      marks: [
        Plot.line(front, { x: 'days', y: 'musd', stroke: '#e15759' }),
        Plot.dot(rows, { x: 'days', y: 'musd', r: 5, stroke: '#e15759', fill: (d: (typeof rows)[number]) => (d.pareto ? '#e15759' : 'white') }),
        Plot.text(rows, { x: 'days', y: 'musd', text: 'label', dx: 8, textAnchor: 'start', fontSize: 10 }),
      ],
    },
  };
}
