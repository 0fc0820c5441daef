/**
 * How the job scales: tokens/s, MFU and the run's cost against GPU count,
 * each point labelled with the split the engine chose there, the user's
 * count marked. Three charts (one per measure: they need their own y axes)
 * from one list of points (src/report/scaling-points.ts).
 */
import * as Plot from '@observablehq/plot';
import type { Chart } from '../chart.js';
import type { ScalingPoint } from '../scaling-points.js';

type Ok = Extract<ScalingPoint, { ok: true }>;

const MEASURES = [
  { id: 'scaling-throughput', key: 'tokensPerSecond', title: 'Throughput against GPU count', label: 'tokens/s', scale: 1 },
  { id: 'scaling-mfu', key: 'mfu', title: 'MFU against GPU count', label: 'MFU (%)', scale: 100 },
  { id: 'scaling-cost', key: 'costUsd', title: 'Cost of the run against GPU count', label: 'cost (million USD, failure-free)', scale: 1e-6 },
] as const;

const splitLabel = (p: Pick<Ok, 'tp' | 'pp' | 'cp'>): string => `TP${p.tp}·PP${p.pp}${p.cp > 1 ? `·CP${p.cp}` : ''}`;

/** The scenario itself, drawn beside the curve: its own split may not be the one the engine chooses. */
export interface OwnPoint {
  gpus: number;
  tp: number;
  pp: number;
  cp: number;
  tokensPerSecond: number;
  mfu: number;
  costUsd: number;
}

/** The three scaling charts; `own` is the scenario as given (marked with a rule and a red diamond). */
export function scalingCharts(points: readonly ScalingPoint[], own: OwnPoint): Chart[] {
  const gpus = own.gpus;
  const ok = points.filter((p): p is Ok => p.ok);
  const failed = points.filter((p) => !p.ok);
  const missing = failed.length
    ? ` Not drawn: ${failed.map((p) => `${p.gpus.toLocaleString('en-US')} GPUs (${p.ok ? '' : p.reason})`).join('; ')}.`
    : '';
  const unfit = ok.filter((p) => !p.fitsInMemory).map((p) => p.gpus.toLocaleString('en-US'));
  const unfitText = unfit.length ? ` Hollow points do not fit in memory (${unfit.join(', ')} GPUs): figures as if they did.` : '';
  return MEASURES.map((m) => {
    const rows = ok.map((p) => ({ ...p, y: p[m.key] * m.scale, label: splitLabel(p) }));
    const mine = [{ gpus, y: own[m.key] * m.scale, label: `this scenario: ${splitLabel(own)}` }];
    const figures: Record<string, number> = { points: points.length, drawn: ok.length, [`${m.key}OfScenario`]: own[m.key] };
    for (const p of ok) figures[`${m.key}At${p.gpus}`] = p[m.key];
    return {
      id: m.id,
      title: m.title,
      caption: `The same model, sequence and batch at each GPU count, with the split the engine chooses there (the fastest that fits; labelled), simulated step by step over the analytical network; the rule and the red diamond mark this scenario (${splitLabel(own)} on ${gpus.toLocaleString('en-US')} GPUs).${unfitText}${missing}`,
      figures,
      plot: {
        width: 960,
        height: 300,
        marginTop: 30,
        marginLeft: 70,
        marginRight: 40,
        x: { type: 'log', label: 'GPUs', base: 2, tickFormat: (d: number) => d.toLocaleString('en-US') },
        y: { label: m.label, grid: true, zero: true },
        marks: [
          Plot.ruleX([gpus], { stroke: '#999', strokeDasharray: '4,3' }),
          Plot.line(rows, { x: 'gpus', y: 'y', stroke: '#4e79a7' }),
          Plot.dot(rows, { x: 'gpus', y: 'y', stroke: '#4e79a7', fill: (d: (typeof rows)[number]) => (d.fitsInMemory ? '#4e79a7' : 'white'), r: 4 }),
          Plot.text(rows, { x: 'gpus', y: 'y', text: 'label', dy: -10, fontSize: 10 }),
          Plot.dot(mine, { x: 'gpus', y: 'y', symbol: 'diamond', fill: '#e15759', r: 5 }),
          Plot.text(mine, { x: 'gpus', y: 'y', text: 'label', dy: 12, fontSize: 10, fill: '#e15759' }),
        ],
      },
    };
  });
}
