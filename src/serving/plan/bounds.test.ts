/** The plan's bounds hold against the simulation they stand in for, and the probe's reuse is exact. */
import { describe, expect, it } from 'vitest';
import { catalog } from '../../../test/support/catalog.js';
import { resolveModelPreset, resolveSystem } from '../../config/catalog.js';
import { completeModel } from '../../config/model-schema.js';
import { servingDeployment } from '../deployment.js';
import { kvCacheBudget } from '../kv-cache.js';
import { servingStepTimer } from '../step-model.js';
import { deploymentBounds } from './bounds.js';
import { ReplicaProbe } from './replica-probe.js';
import { paretoFront } from './pareto.js';

const system = resolveSystem(catalog, 'dgx-h100');
const model = completeModel(resolveModelPreset(catalog, 'llama3.1-8b', 'model') as never);
const d = servingDeployment({ system, model, tp: 1 });
const kv = kvCacheBudget(d);
const timer = servingStepTimer(d);
const x = { timer, kvCacheTokens: kv.kvCacheTokens, maxBatchedTokens: 8192, isl: 2048, osl: 128 };
const bounds = deploymentBounds({ ...x, maxBatchLimit: 256 });
const probe = (rate: number) => new ReplicaProbe({ ...x, ratePerSecond: rate, requests: 400, seed: 3 });

describe('deploymentBounds', () => {
  it('floors no simulated request beats: TTFT, TPOT', () => {
    const light = probe(0.5).at(256, 1);
    expect(light.ttftSeconds.p50).toBeGreaterThanOrEqual(bounds.ttftFloorSeconds);
    expect(light.tpotSeconds.p50).toBeGreaterThanOrEqual(bounds.tpotFloorSeconds);
    // At a light load the floors are close to what requests see (within the context's growth and a little queueing).
    expect(light.ttftSeconds.p50).toBeLessThan(1.5 * bounds.ttftFloorSeconds);
    expect(light.tpotSeconds.p50).toBeLessThan(1.5 * bounds.tpotFloorSeconds);
  });

  it('caps what one replica sustains: overloaded past the cap, its output falls short of the offered tokens', () => {
    const cap = bounds.capacityRequestsPerSecond(256);
    expect(cap).toBeGreaterThan(bounds.capacityRequestsPerSecond(4));
    const over = probe(1.5 * cap).at(256, 1);
    expect(over.outputTokensPerSecond).toBeLessThan(cap * x.osl);
  });
});

describe('ReplicaProbe', () => {
  it('serves a batch limit above a run peak from that run, exactly as a fresh simulation', () => {
    const p = probe(2);
    const big = p.at(256, 1);
    expect(big.peakRunning).toBeLessThan(256);
    const above = big.peakRunning + 1;
    expect(p.at(above, 1)).toBe(big);
    expect(p.simulations).toBe(1);
    expect(probe(2).at(above, 1)).toEqual(big);
    // At or below the peak the limit bites: a new simulation.
    p.at(big.peakRunning, 1);
    expect(p.simulations).toBe(2);
  });
});

describe('paretoFront', () => {
  it('keeps the points nothing beats on both cost and latency, cheapest first', () => {
    const pts = [
      { costUsdPerDay: 3, latencySeconds: 1 },
      { costUsdPerDay: 1, latencySeconds: 5 },
      { costUsdPerDay: 2, latencySeconds: 5 },
      { costUsdPerDay: 2, latencySeconds: 2 },
      { costUsdPerDay: 4, latencySeconds: 1 },
    ];
    expect(paretoFront(pts)).toEqual([pts[1], pts[3], pts[0]]);
  });
});
