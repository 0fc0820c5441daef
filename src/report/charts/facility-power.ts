/**
 * The facility's IT power over a few training steps (src/facility/power-trace.ts): the synchronous
 * step's swing between compute and communication, a checkpoint's pause, and a failure stopping its
 * GPUs at once, with the swing's amplitude, period and ramp rate written on the picture. A step of
 * thousands of segments is cut to time bins that keep each bin's extremes (M4), so the amplitude
 * drawn is the one printed.
 */
import * as Plot from '@observablehq/plot';
import type { PowerSwing } from '../../facility/power-swing.js';
import { powerTrace } from '../../facility/power-trace.js';
import { formatDuration } from '../../units.js';
import type { Chart } from '../chart.js';
import { m4 } from '../downsample.js';

/** Time bins of the drawn trace (four points each at most). */
const BINS = 500;

const mw = (x: number): string => `${x.toFixed(x < 10 ? 2 : 1)} MW`;

export function facilityPowerChart(s: PowerSwing, opts: { gpus?: number } = {}): Chart {
  const trace = powerTrace(s);
  const points = m4(trace.points, BINS);
  const T = s.periodSeconds;
  const ck = trace.checkpoint;
  const fail = trace.failure;
  const yMax = s.peakMW * 1.12;
  const yMin = Math.min(fail.itMWAfter, ck.itMW, s.troughMW) * 0.9;
  const firstSteps = [{ x1: 0, x2: ck.startSeconds }];
  const figures: Record<string, number> = {
    amplitudeMW: s.amplitudeMW,
    periodSeconds: T,
    rampMWPerSecond: s.rampMWPerSecond,
    peakMW: s.peakMW,
    troughMW: s.troughMW,
    meanMW: s.meanMW,
    checkpointPauseSeconds: s.checkpoint.pauseSeconds,
    checkpointDropMW: s.checkpoint.dropMW,
    failureGpus: s.failure.gpus,
    failureDropMW: s.failure.dropMW,
    failureRampMWPerSecond: s.failure.rampMWPerSecond,
    pointsDrawn: points.length,
  };
  const label = (x: number, y: number, text: string, anchor: 'start' | 'middle' | 'end' = 'start') => Plot.text([{ x, y }], { x: 'x', y: 'y', text: () => text, textAnchor: anchor, fontSize: 11, fill: '#1b1f24', stroke: 'white', strokeWidth: 3, paintOrder: 'stroke' });
  return {
    id: 'facility-power',
    title: 'Facility IT power over a few training steps',
    caption: `IT power of ${opts.gpus ? `${opts.gpus.toLocaleString('en-US')} GPUs and their hosts, network and storage` : 'the cluster'} under the synchronous step: ${mw(s.troughMW)} to ${mw(s.peakMW)} (amplitude ${mw(s.amplitudeMW)}) every ${formatDuration(T)}, ramps of ${s.rampMWPerSecond.toFixed(1)} MW/s; a checkpoint's ${formatDuration(s.checkpoint.pauseSeconds)} pause drops ${mw(s.checkpoint.dropMW)}; a failure of ${s.failure.gpus.toLocaleString('en-US')} GPUs drops ${mw(s.failure.dropMW)} at ${s.failure.rampMWPerSecond.toFixed(1)} MW/s. The GPUs slew in ${formatDuration(s.slewSeconds)}; the grid sees the swing's shape, not this chart's resolution.`,
    figures,
    plot: {
      width: 960,
      height: 340,
      marginLeft: 60,
      x: { label: 'seconds', grid: true, domain: [0, trace.endSeconds] },
      y: { label: 'IT power (MW)', grid: true, domain: [yMin, yMax] },
      marks: [
        Plot.rect([ck], { x1: 'startSeconds', x2: 'endSeconds', y1: yMin, y2: yMax, fill: '#76b7b2', fillOpacity: 0.15 }),
        Plot.ruleX([fail.atSeconds], { stroke: '#e15759', strokeDasharray: '4,3' }),
        // Peak and trough over the first steps: the amplitude.
        Plot.ruleY([s.peakMW, s.troughMW], { x1: firstSteps[0]!.x1, x2: firstSteps[0]!.x2, stroke: '#555', strokeDasharray: '3,3' }),
        Plot.line(points, { x: 'seconds', y: 'itMW', curve: 'step-after', stroke: '#4e79a7', strokeWidth: 1.2 }),
        label(ck.startSeconds / 2, s.peakMW + (yMax - s.peakMW) * 0.45, `amplitude ${mw(s.amplitudeMW)} · period ${formatDuration(T)} · ramp ${s.rampMWPerSecond.toFixed(1)} MW/s`, 'middle'),
        label((ck.startSeconds + ck.endSeconds) / 2, yMin + (yMax - yMin) * 0.08, `checkpoint: ${formatDuration(s.checkpoint.pauseSeconds)}, −${mw(s.checkpoint.dropMW)}`, 'middle'),
        label(fail.atSeconds, s.peakMW + (yMax - s.peakMW) * 0.45, `failure: ${s.failure.gpus.toLocaleString('en-US')} GPUs stop, −${mw(s.failure.dropMW)} at ${s.failure.rampMWPerSecond.toFixed(1)} MW/s `, 'end'),
      ],
    },
  };
}
