/**
 * The planner's best plans, best first: one row per plan (its GPU count and
 * split), its failure-free time to train as a dot and its cost beside it;
 * hollow dots come from the closed form (beyond the re-checked plans), solid
 * ones from the event simulation.
 */
import * as Plot from '@observablehq/plot';
import type { Plan, PlanReport } from '../../planner/plan.js';
import { SECONDS_PER_DAY } from '../../units.js';
import type { Chart } from '../chart.js';

/** A plan's split, short. */
export const planLabel = (p: Plan, rank: number): string =>
  `${rank + 1}. ${p.gpus.toLocaleString('en-US')} × ${p.system}: TP${p.tp} PP${p.pp} DP${p.dp}${p.cp > 1 ? ` CP${p.cp}` : ''}${p.ep > 1 ? ` EP${p.ep}` : ''} VP${p.vp} mbs${p.mbs} Z${p.zero} ${p.recompute}`;

export function planTopChart(r: Pick<PlanReport, 'plans' | 'objective' | 'considered' | 'model'>): Chart {
  const rows = r.plans.map((p, i) => ({
    label: planLabel(p, i),
    days: p.timeToTrainSeconds / SECONDS_PER_DAY,
    cost: p.costUsd,
    simulated: p.method === 'event-simulation',
  }));
  const figures: Record<string, number> = { plans: r.plans.length, considered: r.considered };
  r.plans.forEach((p, i) => {
    figures[`timeToTrainSeconds${i + 1}`] = p.timeToTrainSeconds;
    figures[`costUsd${i + 1}`] = p.costUsd;
    figures[`stepTimeSeconds${i + 1}`] = p.stepTimeSeconds;
  });
  return {
    id: 'plan-top',
    title: 'The planner\'s best plans',
    caption: `The best ${r.plans.length} of ${r.considered.toLocaleString('en-US')} configurations of ${r.model} the planner searched, ranked by ${r.objective}: failure-free days to train (dot) and cost (text). Solid dots were re-checked with the event simulation, hollow ones are the closed form's estimate.`,
    figures,
    plot: {
      width: 960,
      marginLeft: 380,
      marginRight: 90,
      height: 50 + 22 * Math.max(1, rows.length),
      // Not from zero: the best plans are often within a few percent of each other.
      x: { label: 'days to train (failure-free)', grid: true, inset: 10 },
      y: { label: null, domain: rows.map((d) => d.label), tickSize: 0 },
      marks: [
        Plot.gridY({ stroke: '#ddd', strokeOpacity: 1 }),
        Plot.dot(rows, { x: 'days', y: 'label', r: 5, stroke: '#4e79a7', fill: (d: (typeof rows)[number]) => (d.simulated ? '#4e79a7' : 'white') }),
        Plot.text(rows, { x: 'days', y: 'label', dx: 10, textAnchor: 'start', fontSize: 10, text: (d: (typeof rows)[number]) => `$${(d.cost / 1e6).toFixed(2)}M` }),
      ],
    },
  };
}
