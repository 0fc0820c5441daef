/**
 * Where the fleet's GPUs were over the run: a stacked area of the mean GPUs in each state (busy
 * with work that stands, lost to failure or preemption, idle, failed or in repair, held as hot
 * spares) in buckets of whole hours. The stack's top is the fleet's size throughout, as the
 * accounting's conservation says.
 */
import * as Plot from '@observablehq/plot';
import type { FleetReport } from '../../fleet/simulate-fleet.js';
import type { Chart } from '../chart.js';
import { GPU_STATES, bucketWords, fleetBuckets } from '../fleet-series.js';
import { KEY_ROW_PX, keyMarks, keyRows } from './key.js';

export function fleetGpuHoursChart(r: Pick<FleetReport, 'series' | 'gpus' | 'gpuHours' | 'days'>): Chart {
  const { bucketHours, buckets } = fleetBuckets(r);
  // Drawn only where a state holds anything over the run (no preemption without the priority scheduler).
  const states = GPU_STATES.filter((s) => r.gpuHours[s.key] > 0 || s.key === 'busy' || s.key === 'idle');
  const rows = buckets.flatMap((b) => states.map((s) => ({ day: b.startDay, end: b.endDay, state: s.label, gpus: b.gpus[s.key] })));
  // A step area: each bucket's value held over the bucket (a final point closes the last one).
  const last = buckets[buckets.length - 1];
  if (last) rows.push(...states.map((s) => ({ day: last.endDay, end: last.endDay, state: s.label, gpus: last.gpus[s.key] })));
  const total = r.gpus * r.days * 24;
  const figures: Record<string, number> = { gpus: r.gpus, bucketHours, buckets: buckets.length };
  for (const s of GPU_STATES) figures[`gpuHours.${s.key}`] = r.gpuHours[s.key];
  const perRow = 3;
  const marginTop = 14 + keyRows(states.length, perRow) * KEY_ROW_PX;
  const share = (k: keyof FleetReport['gpuHours']) => `${((r.gpuHours[k] / total) * 100).toFixed(1)}%`;
  return {
    id: 'fleet-gpu-hours',
    title: 'GPUs by state over time',
    caption: `Mean GPUs in each state over ${bucketWords(bucketHours)} buckets; the stack is the fleet's ${r.gpus.toLocaleString('en-US')} GPUs. Over the run: ${share('busy')} busy, ${share('lostToFailure')} lost to failure, ${share('idle')} idle, ${share('failedOrRepair')} failed or in repair, ${share('spare')} spare. Lost work is charged when it is lost (a failure's work since the last checkpoint, a restart's wait).`,
    figures,
    plot: {
      width: 960,
      height: 320 + marginTop,
      marginTop,
      marginLeft: 60,
      x: { label: 'day', grid: true },
      y: { label: 'GPUs', grid: true, domain: [0, r.gpus] },
      color: { domain: states.map((s) => s.label), range: states.map((s) => s.color) },
      marks: [
        Plot.areaY(rows, { x: 'day', y: 'gpus', fill: 'state', order: states.map((s) => s.label), curve: 'step-after' }),
        Plot.ruleY([0, r.gpus], { stroke: '#555' }),
        ...keyMarks(states.map((s) => ({ label: s.label, color: s.color })), { perRow, columnPx: 220, marginTop }),
      ],
    },
  };
}
