/**
 * Where the step time goes: one horizontal bar per kind of time on the
 * critical pipeline stage (the one that finishes last), from the engine's
 * `breakdown`. The bars sum to the step time.
 */
import * as Plot from '@observablehq/plot';
import type { SimulationResult } from '../../engine.js';
import type { Chart } from '../chart.js';

/** The breakdown's fields in the order simulate's table prints them, with their labels. */
export const BREAKDOWN_PARTS = [
  ['computeSeconds', 'compute'],
  ['recomputeSeconds', 'recompute'],
  ['optimizerSeconds', 'optimizer'],
  ['tpCommSeconds', 'TP comm (exposed)'],
  ['cpCommSeconds', 'CP comm (exposed)'],
  ['epCommSeconds', 'EP comm (exposed)'],
  ['ppCommSeconds', 'PP comm (exposed)'],
  ['dpCommSeconds', 'DP comm (exposed)'],
  ['rankWaitSeconds', 'slowest rank'],
  ['bubbleSeconds', 'pipeline bubble'],
] as const;

export function stepBreakdownChart(r: Pick<SimulationResult, 'breakdown' | 'stepTimeSeconds' | 'criticalStage'>): Chart {
  const parts = BREAKDOWN_PARTS.map(([key, label]) => ({ key, label, seconds: r.breakdown[key] }));
  const figures: Record<string, number> = { stepTimeSeconds: r.stepTimeSeconds };
  for (const part of parts) figures[part.key] = part.seconds;
  // The wait for the slowest rank gets a bar only where it was modelled (rankVariation on).
  const rows = parts.filter((p) => p.key !== 'rankWaitSeconds' || p.seconds > 0);
  return {
    id: 'step-breakdown',
    title: 'Where the step time goes',
    caption: `Seconds of one step on pipeline stage ${r.criticalStage}, the last to finish; communication counts only where it is not hidden behind compute. The bars sum to the step time, ${r.stepTimeSeconds.toPrecision(3)} s.`,
    figures,
    plot: {
      marginLeft: 130,
      height: 40 + 24 * rows.length,
      x: { label: 'seconds', grid: true },
      y: { label: null, domain: rows.map((d) => d.label) },
      marks: [
        Plot.barX(rows, { x: 'seconds', y: 'label', fill: 'label', title: (d: (typeof rows)[number]) => `${d.label}: ${d.seconds.toPrecision(4)} s` }),
        Plot.ruleX([0]),
      ],
    },
  };
}
