/**
 * How long jobs of each size wait to start: the p50, p90 and p99 of the queueing delay (submit to
 * first start) by job-size class, bars on a log scale of time (a wait under a second is drawn at a
 * second; a class with no started job has no bars).
 */
import * as Plot from '@observablehq/plot';
import type { FleetReport } from '../../fleet/simulate-fleet.js';
import { SIZE_CLASSES } from '../../fleet/size-classes.js';
import { formatDuration } from '../../units.js';
import type { Chart } from '../chart.js';
import { keyMarks } from './key.js';

const FLOOR_SECONDS = 1;
const PERCENTILES = [
  { key: 'p50', color: '#4e79a7' },
  { key: 'p90', color: '#f28e2b' },
  { key: 'p99', color: '#e15759' },
] as const;

interface Row {
  size: string;
  percentile: string;
  seconds: number;
  drawn: number;
  /** The bar's left and right edges on the x axis, where size class i spans i ± 0.5. */
  x1: number;
  x2: number;
}

/** Share of a size class's width its three bars take. */
const GROUP_WIDTH = 0.75;

export function fleetQueueingDelayChart(r: Pick<FleetReport, 'queueingDelaySeconds'>): Chart {
  const w = GROUP_WIDTH / PERCENTILES.length;
  const rows: Row[] = SIZE_CLASSES.flatMap((c, i) => {
    const q = r.queueingDelaySeconds[c];
    if (q.jobs === 0) return [];
    return PERCENTILES.map((p, k) => {
      const x1 = i - GROUP_WIDTH / 2 + k * w;
      return { size: c, percentile: p.key, seconds: q[p.key], drawn: Math.max(FLOOR_SECONDS, q[p.key]), x1: x1 + w * 0.05, x2: x1 + w * 0.95 };
    });
  });
  const figures: Record<string, number> = {};
  for (const c of SIZE_CLASSES) {
    const q = r.queueingDelaySeconds[c];
    figures[`${c}.jobs`] = q.jobs;
    for (const p of PERCENTILES) figures[`${c}.${p.key}Seconds`] = q[p.key];
  }
  const top = Math.max(60, ...rows.map((d) => d.drawn));
  const ticks = TICKS.filter((t) => t.seconds <= top * 2);
  const marginTop = 30;
  return {
    id: 'fleet-queueing-delay',
    title: 'Queueing delay by job size',
    caption: 'Time from submission to first start of the jobs that started, by size class (GPUs): p50, p90 and p99, on a log scale; under a second is drawn at a second. Large jobs wait for whole leaves or pods to drain.',
    figures,
    plot: {
      width: 960,
      height: 300 + marginTop,
      marginTop,
      marginLeft: 70,
      x: { label: 'job size (GPUs)', domain: [-0.5, SIZE_CLASSES.length - 0.5], ticks: SIZE_CLASSES.map((_, i) => i), tickFormat: (i: number) => SIZE_CLASSES[i] ?? '' },
      // Plot's log axis labels only the powers of ten: the round waits are labelled by text marks.
      y: { type: 'log', label: 'wait', domain: [FLOOR_SECONDS, top * 2], axis: null },
      color: { domain: PERCENTILES.map((p) => p.key), range: PERCENTILES.map((p) => p.color) },
      marks: [
        Plot.gridY(ticks.map((t) => t.seconds)),
        Plot.text(ticks, { y: 'seconds', text: 'label', frameAnchor: 'left', textAnchor: 'end', dx: -6, fontSize: 10 }),
        Plot.text(['↑ wait'], { frameAnchor: 'top-left', textAnchor: 'end', dx: -6, dy: -8, fontSize: 10 }),
        Plot.rectY(rows, { x1: 'x1', x2: 'x2', y1: FLOOR_SECONDS, y2: 'drawn', fill: 'percentile', title: (d: Row) => `${d.size} GPUs ${d.percentile}: ${formatDuration(d.seconds)}` }),
        Plot.text(rows, { x: (d: Row) => (d.x1 + d.x2) / 2, y: 'drawn', text: (d: Row) => (d.seconds < FLOOR_SECONDS ? '<1 s' : shortWait(d.seconds)), dy: -6, fontSize: 10 }),
        ...keyMarks(
          PERCENTILES.map((p) => ({ label: p.key, color: p.color })),
          { perRow: 3, columnPx: 60, marginTop },
        ),
      ],
    },
  };
}

/** Round waits for the log axis. */
const TICKS = [
  { seconds: 1, label: '1 s' },
  { seconds: 10, label: '10 s' },
  { seconds: 60, label: '1 min' },
  { seconds: 600, label: '10 min' },
  { seconds: 3600, label: '1 h' },
  { seconds: 36_000, label: '10 h' },
  { seconds: 86_400, label: '1 day' },
  { seconds: 864_000, label: '10 days' },
  { seconds: 8_640_000, label: '100 days' },
];

/** A wait in two or three significant figures and the unit a reader expects. */
function shortWait(s: number): string {
  if (s < 60) return `${s.toFixed(0)} s`;
  if (s < 3600) return `${(s / 60).toFixed(0)} min`;
  if (s < 86_400) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86_400).toFixed(1)} days`;
}
