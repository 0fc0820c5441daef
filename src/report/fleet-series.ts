/**
 * The fleet's hourly series (FleetReport.series) in buckets of whole hours for the fleet charts: at
 * most MAX_POINTS buckets whatever the run's length, so 90 days or a year draws as fast as a week.
 * Each bucket carries the mean GPUs in each state (they sum to the fleet's GPUs), the allocated and
 * useful shares (both from the GPU-hours, so useful never tops allocated), and the queue's mean and
 * peak length at the hourly samples.
 */
import type { FleetReport, GpuHours } from '../fleet/simulate-fleet.js';
import { bucketHours, bucketed } from './downsample.js';

/** Buckets a fleet chart draws at most. */
export const MAX_POINTS = 360;

/** The states in the order they stack, bottom up, with their labels and colours. */
export const GPU_STATES: ReadonlyArray<{ key: keyof GpuHours; label: string; color: string }> = [
  { key: 'busy', label: 'busy (useful)', color: '#4e79a7' },
  { key: 'lostToFailure', label: 'lost to failure', color: '#e15759' },
  { key: 'lostToPreemption', label: 'lost to preemption', color: '#f28e2b' },
  { key: 'idle', label: 'idle', color: '#bab0ac' },
  { key: 'failedOrRepair', label: 'failed, in repair or maintenance', color: '#9c755f' },
  { key: 'spare', label: 'hot spare', color: '#76b7b2' },
];

export interface FleetBucket {
  /** The bucket's start, days from the run's start. */
  startDay: number;
  endDay: number;
  /** Mean GPUs in each state over the bucket. */
  gpus: Record<keyof GpuHours, number>;
  /** Share of the fleet's GPUs held by jobs over the bucket. */
  allocatedShare: number;
  usefulShare: number;
  queueMean: number;
  queueMax: number;
}

export interface FleetBuckets {
  bucketHours: number;
  buckets: FleetBucket[];
}

export function fleetBuckets(r: Pick<FleetReport, 'series' | 'gpus'>, maxPoints = MAX_POINTS): FleetBuckets {
  const s = r.series;
  const n = s.hour.length;
  const size = bucketHours(n, maxPoints);
  const sums = Object.fromEntries(GPU_STATES.map(({ key }) => [key, bucketed(s.gpuHours[key], size, 'sum')])) as Record<keyof GpuHours, number[]>;
  const qMean = bucketed(s.queueLength, size, 'mean');
  const qMax = bucketed(s.queueLength, size, 'max');
  const buckets: FleetBucket[] = [];
  for (let b = 0; b * size < n; b++) {
    const from = b * size;
    const to = Math.min(n, from + size);
    const hours = to - from;
    const gpus = {} as Record<keyof GpuHours, number>;
    for (const { key } of GPU_STATES) gpus[key] = sums[key][b]! / hours;
    const held = gpus.busy + gpus.lostToFailure + gpus.lostToPreemption;
    drawable(gpus);
    buckets.push({
      startDay: from / 24,
      endDay: to / 24,
      gpus,
      allocatedShare: held / r.gpus,
      usefulShare: gpus.busy / r.gpus,
      queueMean: qMean[b]!,
      queueMax: qMax[b]!,
    });
  }
  return { bucketHours: size, buckets };
}

/**
 * Lost work is charged when it is lost (a restart's whole wait at its start, given back if the job
 * stops again sooner), so a bucket can lose more than its jobs held, or less than nothing. A stack
 * cannot draw either: the loss is shown between none and what the jobs held then, the rest moved to
 * busy, which keeps the bucket's sum.
 */
function drawable(g: Record<keyof GpuHours, number>): void {
  for (const k of ['lostToFailure', 'lostToPreemption'] as const) {
    if (g[k] < 0) {
      g.busy += g[k];
      g[k] = 0;
    }
  }
  if (g.busy < 0) {
    const deficit = -g.busy;
    const fromFailure = Math.min(deficit, g.lostToFailure);
    g.lostToFailure -= fromFailure;
    g.lostToPreemption = Math.max(0, g.lostToPreemption - (deficit - fromFailure));
    g.busy = 0;
  }
}

/** "6-hour" or "1-day" buckets, for captions. */
export const bucketWords = (hours: number): string => (hours % 24 === 0 ? `${hours / 24}-day` : `${hours}-hour`);
