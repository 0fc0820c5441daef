/**
 * The serving report's charts for named scenarios: their SVG (numbers rounded) against a file
 * snapshot, as Observable Plot tests its own, and their figures against serve()'s numbers.
 */
import { describe, expect, it } from 'vitest';
import { resolveModel, resolveSystem } from '../../config/catalog.js';
import { nodeDocument } from '../../node/dom.js';
import { loadPresets } from '../../node/presets.js';
import { serve, type ServeInput } from '../../serving/serve.js';
import { chartSvgText, type Chart } from '../chart.js';
import { servingLoadCurve } from '../serving-load-curve.js';
import { servingCostChart } from './serving-cost.js';
import { servingLatencyLoadChart } from './serving-latency-load.js';
import { servingTtftHistogramChart, ttftSamples } from './serving-ttft-histogram.js';

const catalog = loadPresets();

/** The chart's SVG with every decimal rounded to 2 places, so float noise does not churn the snapshot. */
const roundedSvg = (c: Chart): string => chartSvgText(c, nodeDocument()).replace(/\d+\.\d+/g, (d) => Number(d).toFixed(2));

/** Llama 3.1 8B on one H100 under 4 Poisson requests a second for a minute. */
function llama8bPoisson() {
  const x: ServeInput = { system: resolveSystem(catalog, 'dgx-h100'), model: resolveModel(catalog, 'llama3.1-8b'), tp: 1, isl: 512, osl: 256, load: { kind: 'poisson', ratePerSecond: 4, durationSeconds: 60 } };
  let ttft: Float64Array = new Float64Array();
  const user = serve({ ...x, onRecords: (r, from) => (ttft = ttftSamples(r, from)) });
  return { x, user, ttft, curve: servingLoadCurve(x, user) };
}

/** Llama 3.1 70B on a DGX H100 (TP 8), a closed loop of 16 clients: serve's defaults. */
function llama70bClosed() {
  const x: ServeInput = { system: resolveSystem(catalog, 'dgx-h100'), model: resolveModel(catalog, 'llama3.1-70b'), tp: 8, isl: 1024, osl: 1024, load: { kind: 'closed', concurrency: 16, requests: 128 } };
  const user = serve(x);
  return { x, user, curve: servingLoadCurve(x, user) };
}

describe('serving charts', () => {
  const poisson = llama8bPoisson();
  const closed = llama70bClosed();

  it('latency against load carries serve()s percentiles at the user load', async () => {
    const c = servingLatencyLoadChart(poisson.curve);
    expect(c.figures['user.level']).toBe(4);
    expect(c.figures['user.ttftP50Seconds']).toBe(poisson.user.ttftSeconds.p50);
    expect(c.figures['user.ttftP99Seconds']).toBe(poisson.user.ttftSeconds.p99);
    expect(c.figures['user.tpotP90Seconds']).toBe(poisson.user.tpotSeconds.p90);
    poisson.curve.points.forEach((p, i) => expect(c.figures[`point${i}.ttftP90Seconds`]).toBe(p.ttftSeconds.p90));
    await expect(roundedSvg(c)).toMatchFileSnapshot('__snapshots__/serving-latency-load.svg');
    await expect(roundedSvg(servingLatencyLoadChart(closed.curve))).toMatchFileSnapshot('__snapshots__/serving-latency-load-closed.svg');
  });

  it('cost against load carries serve()s cost and throughput a GPU', async () => {
    const c = servingCostChart(closed.curve);
    expect(c.figures['user.level']).toBe(16);
    expect(c.figures['user.costUsdPerMillionTokens']).toBe(closed.user.costUsdPerMillionTokens);
    expect(c.figures['user.outputTokensPerSecondPerGpu']).toBe(closed.user.outputTokensPerSecondPerGpu);
    await expect(roundedSvg(c)).toMatchFileSnapshot('__snapshots__/serving-cost.svg');
  });

  it('the TTFT histogram counts the requests serve() measured, with its percentiles', async () => {
    const c = servingTtftHistogramChart(poisson.ttft, poisson.user.ttftSeconds);
    expect(poisson.ttft.length).toBe(poisson.user.ttftSeconds.count);
    expect(c.figures).toMatchObject({ count: poisson.user.ttftSeconds.count, ttftP50Seconds: poisson.user.ttftSeconds.p50, ttftP90Seconds: poisson.user.ttftSeconds.p90 });
    // The samples are the ones serve summarised: their median is its p50.
    const sorted = [...poisson.ttft].sort((a, b) => a - b);
    const mid = (sorted.length - 1) / 2;
    expect((sorted[Math.floor(mid)] + sorted[Math.ceil(mid)]) / 2).toBeCloseTo(poisson.user.ttftSeconds.p50, 12);
    await expect(roundedSvg(c)).toMatchFileSnapshot('__snapshots__/serving-ttft-histogram.svg');
  });
});
