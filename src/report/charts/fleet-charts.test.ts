/**
 * The fleet and facility charts for named scenarios: their SVG (numbers rounded) against a file
 * snapshot, as Observable Plot tests its own, and their figures against the engine's numbers.
 */
import { describe, expect, it } from 'vitest';
import { resolveSystem } from '../../config/catalog.js';
import { resolveScenario } from '../../engine.js';
import { facilityReport } from '../../facility/index.js';
import { fleetModel } from '../../fleet/fleet-model.js';
import { simulateFleet } from '../../fleet/simulate-fleet.js';
import { SIZE_CLASSES } from '../../fleet/size-classes.js';
import { nodeDocument } from '../../node/dom.js';
import { loadPresets } from '../../node/presets.js';
import { testJobs } from '../../../test/support/fleet-jobs.js';
import { chartSvgText, type Chart } from '../chart.js';
import { fleetBuckets, MAX_POINTS } from '../fleet-series.js';
import { fleetCharts } from '../fleet-report.js';
import { facilityPowerChart } from './facility-power.js';

const catalog = loadPresets();
const roundedSvg = (c: Chart): string => chartSvgText(c, nodeDocument()).replace(/\d+\.\d+/g, (d) => Number(d).toFixed(2));

/** 1,024 GPUs of ND H100 v5 (two hot spares) for 6 days under 600 seeded jobs, failures at 20x the preset's. */
function smallFleet() {
  const fleet = fleetModel(resolveSystem(catalog, 'nd-h100-v5'), { gpus: 1024, hotSpares: 2, failureRateScale: 20 });
  return simulateFleet(fleet, testJobs({ jobs: 600, days: 6, seed: 4, maxGpus: 1024 }), { days: 6, scheduler: 'backfill', placement: 'topology', seed: 4 });
}

describe('fleet charts', () => {
  const r = smallFleet();
  const charts = Object.fromEntries(fleetCharts(r).map((c) => [c.id, c]));

  it('GPUs by state stack to the fleet, bucket by bucket, and carry the run totals', async () => {
    const c = charts['fleet-gpu-hours']!;
    for (const k of Object.keys(r.gpuHours) as Array<keyof typeof r.gpuHours>) expect(c.figures[`gpuHours.${k}`]).toBe(r.gpuHours[k]);
    const { buckets } = fleetBuckets(r);
    for (const b of buckets) {
      expect(Object.values(b.gpus).reduce((a, v) => a + v, 0)).toBeCloseTo(r.gpus, 6);
      for (const v of Object.values(b.gpus)) expect(v).toBeGreaterThanOrEqual(-1e-9);
    }
    expect(r.gpuHours.lostToFailure).toBeGreaterThan(0);
    await expect(roundedSvg(c)).toMatchFileSnapshot('__snapshots__/fleet-gpu-hours.svg');
  });

  it("utilisation carries the run's shares; useful never tops allocated", async () => {
    const c = charts['fleet-utilization']!;
    expect(c.figures.allocated).toBe(r.utilization.allocated);
    expect(c.figures.useful).toBe(r.utilization.useful);
    for (const b of fleetBuckets(r).buckets) expect(b.usefulShare).toBeLessThanOrEqual(b.allocatedShare + 1e-12);
    await expect(roundedSvg(c)).toMatchFileSnapshot('__snapshots__/fleet-utilization.svg');
  });

  it('the queue chart carries the hourly peak', async () => {
    const c = charts['fleet-queue']!;
    expect(c.figures.maxQueueLength).toBe(Math.max(...r.series.queueLength));
    await expect(roundedSvg(c)).toMatchFileSnapshot('__snapshots__/fleet-queue.svg');
  });

  it('queueing delay and goodput carry the percentiles and goodput by size class', async () => {
    const q = charts['fleet-queueing-delay']!;
    const g = charts['fleet-goodput']!;
    for (const s of SIZE_CLASSES) {
      expect(q.figures[`${s}.p99Seconds`]).toBe(r.queueingDelaySeconds[s].p99);
      expect(q.figures[`${s}.jobs`]).toBe(r.queueingDelaySeconds[s].jobs);
      expect(g.figures[s]).toBe(r.goodput[s]);
    }
    await expect(roundedSvg(q)).toMatchFileSnapshot('__snapshots__/fleet-queueing-delay.svg');
    await expect(roundedSvg(g)).toMatchFileSnapshot('__snapshots__/fleet-goodput.svg');
  });

  it('a year draws at most MAX_POINTS buckets a chart', () => {
    const hours = 365 * 24;
    const series = { hour: Array.from({ length: hours }, (_, i) => i + 1), allocatedUtilization: new Array(hours).fill(0.5), queueLength: new Array(hours).fill(3), gpuHours: { busy: new Array(hours).fill(4), lostToFailure: new Array(hours).fill(0), lostToPreemption: new Array(hours).fill(0), idle: new Array(hours).fill(4), failedOrRepair: new Array(hours).fill(0), spare: new Array(hours).fill(0) } };
    const b = fleetBuckets({ series, gpus: 8 });
    expect(b.buckets.length).toBeLessThanOrEqual(MAX_POINTS);
    expect(b.buckets[0]!.allocatedShare).toBeCloseTo(0.5, 12);
  });
});

describe('facility power chart', () => {
  const s = resolveScenario({ system: 'dgx-h100', model: 'llama3-70b', gpus: 1024, tp: 8, pp: 4, gbs: 512 }, catalog);
  const f = facilityReport(s.system, 1024, { scenario: s });
  const swing = f.powerSwing!;

  it("annotates the swing's amplitude, period and ramp as facility reports them, and keeps the peak and trough drawn", async () => {
    const c = facilityPowerChart(swing, { gpus: 1024 });
    expect(c.figures.amplitudeMW).toBe(swing.amplitudeMW);
    expect(c.figures.periodSeconds).toBe(swing.periodSeconds);
    expect(c.figures.rampMWPerSecond).toBe(swing.rampMWPerSecond);
    expect(c.figures.failureDropMW).toBe(swing.failure.dropMW);
    expect(c.figures.pointsDrawn).toBeLessThanOrEqual(2000);
    expect(c.caption).toContain(`amplitude ${swing.amplitudeMW.toFixed(2)} MW`);
    await expect(roundedSvg(c)).toMatchFileSnapshot('__snapshots__/facility-power.svg');
  });
});
