/**
 * Goodput by job size: the useful work over the GPU-time held, for each size class and overall.
 * Large jobs lose more to failures (more nodes, more interruptions, each throwing away the work
 * since the last checkpoint) and to slow placement across the spine.
 */
import * as Plot from '@observablehq/plot';
import type { FleetReport } from '../../fleet/simulate-fleet.js';
import { SIZE_CLASSES } from '../../fleet/size-classes.js';
import type { Chart } from '../chart.js';

export function fleetGoodputChart(r: Pick<FleetReport, 'goodput' | 'queueingDelaySeconds'>): Chart {
  const rows = SIZE_CLASSES.filter((c) => Number.isFinite(r.goodput[c])).map((c) => ({ size: c, goodput: r.goodput[c] * 100, jobs: r.queueingDelaySeconds[c].jobs }));
  const figures: Record<string, number> = { all: r.goodput.all };
  for (const c of SIZE_CLASSES) figures[c] = r.goodput[c];
  const all = Number.isFinite(r.goodput.all) ? r.goodput.all * 100 : undefined;
  const low = Math.min(100, ...rows.map((d) => d.goodput));
  // The axis starts low enough to show the differences, which are a few per cent.
  const floor = Math.max(0, Math.floor((low - 5) / 10) * 10);
  return {
    id: 'fleet-goodput',
    title: 'Goodput by job size',
    caption: `Useful work over the GPU-time held, by job size (GPUs), of the jobs that ran${all === undefined ? '' : `; ${all.toFixed(1)}% over all jobs (dashed rule)`}. Failures (work since the last checkpoint and the restart) and preemption lower it. The axis starts at ${floor}%.`,
    figures,
    plot: {
      width: 960,
      height: 260,
      marginLeft: 60,
      x: { label: 'job size (GPUs)', domain: [...SIZE_CLASSES], padding: 0.3 },
      y: { label: 'goodput (%)', domain: [floor, 100], grid: true },
      marks: [
        Plot.barY(rows, { x: 'size', y1: floor, y2: 'goodput', fill: '#59a14f', title: (d: (typeof rows)[number]) => `${d.size} GPUs: ${d.goodput.toFixed(2)}% (${d.jobs} jobs started)` }),
        Plot.text(rows, { x: 'size', y: 'goodput', text: (d: (typeof rows)[number]) => `${d.goodput.toFixed(1)}%`, dy: -6, fontSize: 11 }),
        ...(all === undefined ? [] : [Plot.ruleY([all], { stroke: '#555', strokeDasharray: '4,3' })]),
      ],
    },
  };
}
