/**
 * The fleet's utilisation over time: the share of its GPUs held by jobs (allocated) and the share
 * doing work that stands (useful), in buckets of whole hours, with the run's averages as rules.
 * The gap between the lines is work lost to failures and preemption.
 */
import * as Plot from '@observablehq/plot';
import type { FleetReport } from '../../fleet/simulate-fleet.js';
import type { Chart } from '../chart.js';
import { bucketWords, fleetBuckets } from '../fleet-series.js';
import { keyMarks } from './key.js';

const ALLOCATED = '#4e79a7';
const USEFUL = '#59a14f';

export function fleetUtilizationChart(r: Pick<FleetReport, 'series' | 'gpus' | 'utilization'>): Chart {
  const { bucketHours, buckets } = fleetBuckets(r);
  const rows = buckets.map((b) => ({ day: (b.startDay + b.endDay) / 2, allocated: b.allocatedShare * 100, useful: b.usefulShare * 100 }));
  const marginTop = 30;
  return {
    id: 'fleet-utilization',
    title: 'Utilisation over time',
    caption: `Share of the fleet's GPUs held by jobs (allocated) and doing work that stands (useful), averaged over ${bucketWords(bucketHours)} buckets. Over the run: ${(r.utilization.allocated * 100).toFixed(1)}% allocated, ${(r.utilization.useful * 100).toFixed(1)}% useful (dashed rules).`,
    figures: { allocated: r.utilization.allocated, useful: r.utilization.useful, bucketHours, buckets: buckets.length },
    plot: {
      width: 960,
      height: 300 + marginTop,
      marginTop,
      marginLeft: 60,
      x: { label: 'day', grid: true },
      y: { label: '%', grid: true, domain: [0, 100] },
      marks: [
        Plot.ruleY([r.utilization.allocated * 100], { stroke: ALLOCATED, strokeDasharray: '4,3' }),
        Plot.ruleY([r.utilization.useful * 100], { stroke: USEFUL, strokeDasharray: '4,3' }),
        Plot.line(rows, { x: 'day', y: 'allocated', stroke: ALLOCATED, strokeWidth: 3 }),
        Plot.line(rows, { x: 'day', y: 'useful', stroke: USEFUL }),
        ...keyMarks(
          [
            { label: 'allocated', color: ALLOCATED },
            { label: 'useful', color: USEFUL },
          ],
          { perRow: 2, columnPx: 120, marginTop },
        ),
      ],
    },
  };
}
