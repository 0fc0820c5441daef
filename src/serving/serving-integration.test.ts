/**
 * The step model and the serving simulation together, as `serve` will run them: Llama 3.1 70B on
 * one DGX H100 (TP 8), a closed loop as serving benchmarks run it. The simulation must agree with
 * the step model it is given, and the figures must be physical.
 */
import { describe, expect, it } from 'vitest';
import { catalog } from '../../test/support/catalog.js';
import { resolveSystem, resolveModelPreset } from '../config/catalog.js';
import { completeModel } from '../config/model-schema.js';
import { servingDeployment } from './deployment.js';
import { kvCacheBudget } from './kv-cache.js';
import { servingStepTimer } from './step-model.js';
import { simulateReplica } from './replica-sim.js';

const system = resolveSystem(catalog, 'dgx-h100');
const model = completeModel(resolveModelPreset(catalog, 'llama3.1-70b', 'model') as never);
const deployment = servingDeployment({ system, model, tp: 8 });
const timer = servingStepTimer(deployment);
const budget = kvCacheBudget(deployment);

describe('the serving step model inside the serving simulation', () => {
  it('runs a closed loop of 64 clients (2,048 in, 256 out) to a physical answer', () => {
    const r = simulateReplica(
      { kind: 'closed', concurrency: 64, prompt: { kind: 'fixed', tokens: 2048 }, output: { kind: 'fixed', tokens: 256 }, seed: 1, requests: 640 },
      { timer, kvBudgetTokens: budget.kvCacheTokens },
    );
    expect(budget.fitsInMemory).toBe(true);
    expect(r.requests.finished + r.requests.rejected + r.requests.running + r.requests.waiting).toBe(r.requests.arrived);
    expect(r.requests.finished).toBe(640);
    expect(r.ttftSeconds.mean).toBeGreaterThan(0);
    expect(r.tpotSeconds.p50).toBeGreaterThan(0);
    // A decode step of 64 requests is the floor of TPOT; prefill chunks beside it only add to it.
    const decodeOnly = timer.stepSeconds({ prefillTokens: 0, prefillRequests: 0, prefillPriorTokens: 0, decodeRequests: 64, decodeContextTokens: 64 * 2048 });
    expect(r.tpotSeconds.p50).toBeGreaterThanOrEqual(decodeOnly * 0.999);
    // Throughput can never pass what 64 requests decoding every step would give.
    expect(r.outputTokensPerSecond).toBeLessThanOrEqual(64 / decodeOnly);
    expect(r.kvUtilization.max).toBeLessThanOrEqual(1);
  });
});

describe('serve reports its progress', () => {
  it('now and then, between 0 and 1, never going back, for an open and a closed load', async () => {
    const { serve } = await import('./serve.js');
    for (const load of [{ kind: 'poisson', ratePerSecond: 20, durationSeconds: 600 }, { kind: 'closed', concurrency: 8, requests: 400 }] as const) {
      const seen: number[] = [];
      serve({ system, model, tp: 8, isl: 512, osl: 512, load, onProgress: (x) => seen.push(x) });
      expect(seen.length).toBeGreaterThan(2);
      expect(Math.min(...seen)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...seen)).toBeLessThanOrEqual(1);
      for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThanOrEqual(seen[i - 1]);
    }
  });
});

describe('attention data parallelism in serve', () => {
  it('refuses a request larger than one attention rank\'s cache even when the replica\'s ranks together would hold it', async () => {
    const { serve } = await import('./serve.js');
    const { GIB } = await import('../units.js');
    const b200 = resolveSystem(catalog, 'dgx-b200');
    const r1 = completeModel(resolveModelPreset(catalog, 'deepseek-r1', 'model') as never);
    const input = { system: b200, model: r1, tp: 8, ep: 8, attentionDp: 8, weightFormat: 'fp8' as const };
    // A memory fraction that leaves each rank room for about 3,000 tokens: 24,000 over the 8 ranks.
    const s = kvCacheBudget(servingDeployment(input)).stages[0];
    const memoryUtilization = (s.weightBytes + s.activationBytes + s.reserveBytes + 3000 * s.kvBytesPerToken) / (b200.gpu.hbmGiB * GIB);
    const budget = kvCacheBudget(servingDeployment({ ...input, memoryUtilization }));
    expect(budget.kvCacheTokensPerAttentionRank).toBeGreaterThanOrEqual(2999);
    expect(budget.kvCacheTokensPerAttentionRank).toBeLessThanOrEqual(3000);
    expect(budget.kvCacheTokens).toBe(8 * budget.kvCacheTokensPerAttentionRank);
    const load = { kind: 'closed', concurrency: 2, requests: 2 } as const;
    expect(() => serve({ ...input, memoryUtilization, isl: 4096, osl: 64, load })).toThrow(/^isl: .*tokens an attention rank holds/);
    expect(() => serve({ ...input, memoryUtilization, isl: 2048, osl: 64, load })).not.toThrow();
  });
});
