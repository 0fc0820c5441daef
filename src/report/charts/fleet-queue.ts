/**
 * How many jobs wait over the run: the queue's length at the hourly samples, its mean over each
 * bucket as a line and its peak as a light band, so a backlog that builds and drains shows.
 */
import * as Plot from '@observablehq/plot';
import type { FleetReport } from '../../fleet/simulate-fleet.js';
import type { Chart } from '../chart.js';
import { bucketWords, fleetBuckets } from '../fleet-series.js';

export function fleetQueueChart(r: Pick<FleetReport, 'series' | 'gpus'>): Chart {
  const { bucketHours, buckets } = fleetBuckets(r);
  const rows = buckets.map((b) => ({ day: (b.startDay + b.endDay) / 2, mean: b.queueMean, max: b.queueMax }));
  const q = r.series.queueLength;
  const peak = q.length ? Math.max(...q) : 0;
  const mean = q.length ? q.reduce((a, b) => a + b, 0) / q.length : 0;
  return {
    id: 'fleet-queue',
    title: 'Queue length over time',
    caption: `Jobs waiting at each hourly sample: the mean over ${bucketWords(bucketHours)} buckets (line) and the bucket's peak (band). Over the run: ${mean.toFixed(1)} waiting on average, ${peak.toLocaleString('en-US')} at most.`,
    figures: { meanQueueLength: mean, maxQueueLength: peak, bucketHours, buckets: buckets.length },
    plot: {
      width: 960,
      height: 260,
      marginLeft: 60,
      x: { label: 'day', grid: true },
      y: { label: 'jobs waiting', grid: true, nice: true, domain: [0, Math.max(1, peak)] },
      marks: [Plot.areaY(rows, { x: 'day', y1: 'mean', y2: 'max', fill: '#f28e2b', fillOpacity: 0.25 }), Plot.line(rows, { x: 'day', y: 'mean', stroke: '#f28e2b' }), Plot.ruleY([0])],
    },
  };
}
