/**
 * How often the job stops and why: the expected interruptions of each cause
 * over the run (reliability's expected-value model), planned ones apart.
 */
import * as Plot from '@observablehq/plot';
import type { ReliabilityReport } from '../../reliability/analysis.js';
import type { Chart } from '../chart.js';

export function interruptionsByCauseChart(r: Pick<ReliabilityReport, 'causes' | 'interruptions' | 'plannedInterruptions' | 'failureModel' | 'mtbfSeconds'>): Chart {
  const rows = r.causes
    .filter((c) => c.count > 0)
    .map((c) => ({ name: c.name, label: c.label, count: c.count, kind: c.planned ? 'planned' : 'unplanned' }))
    .sort((a, b) => b.count - a.count);
  const figures: Record<string, number> = { interruptions: r.interruptions, plannedInterruptions: r.plannedInterruptions, mtbfSeconds: r.mtbfSeconds };
  for (const c of r.causes) figures[c.name] = c.count;
  const mtbfHours = r.mtbfSeconds / 3600;
  return {
    id: 'interruptions-by-cause',
    title: 'Interruptions by cause',
    caption: `Expected stops over the whole run from the ${r.failureModel} failure model, scaled by the job's GPUs, nodes, NICs and links: ${r.interruptions.toFixed(0)} unplanned (one every ${Number.isFinite(mtbfHours) ? `${mtbfHours.toPrecision(3)} h` : 'never'}) and ${r.plannedInterruptions.toFixed(0)} planned (grey). Failures are independent: correlated ones are not modelled.`,
    figures,
    plot: {
      width: 960,
      marginLeft: 230,
      height: 50 + 22 * Math.max(1, rows.length),
      x: { label: 'expected interruptions over the run', grid: true },
      y: { label: null, domain: rows.map((d) => d.label) },
      color: { domain: ['unplanned', 'planned'], range: ['#e15759', '#bab0ac'] },
      marks: [
        Plot.barX(rows, { x: 'count', y: 'label', fill: 'kind', title: (d: (typeof rows)[number]) => `${d.label}: ${d.count.toFixed(1)} (${d.kind})` }),
        Plot.text(rows, { x: 'count', y: 'label', text: (d: (typeof rows)[number]) => d.count.toFixed(d.count < 10 ? 1 : 0), textAnchor: 'start', dx: 4, fontSize: 10 }),
        Plot.ruleX([0]),
      ],
    },
  };
}
