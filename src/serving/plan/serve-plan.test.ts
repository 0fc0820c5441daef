/**
 * The serving plan's search: the cheapest it reports meets the targets and is the cheapest a
 * plain scan over the same probes finds; nothing meeting a target is said so; a looser target is
 * never dearer (property). A small model and space keep each search well under a second.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { catalog } from '../../../test/support/catalog.js';
import { resolveModelPreset, resolveSystem } from '../../config/catalog.js';
import { completeModel } from '../../config/model-schema.js';
import { servingDeployment } from '../deployment.js';
import { kvCacheBudget } from '../kv-cache.js';
import { servingStepTimer } from '../step-model.js';
import { deploymentBounds } from './bounds.js';
import { ReplicaProbe } from './replica-probe.js';
import { PLAN_MAX_BATCHED_TOKENS, servePlan, type ServePlanInput } from './serve-plan.js';
import { meetsTargets, type LatencyTarget } from './targets.js';

const h100 = resolveSystem(catalog, 'dgx-h100');
const a100 = resolveSystem(catalog, 'dgx-a100-80g');
const model = completeModel(resolveModelPreset(catalog, 'llama3.1-8b', 'model') as never);
const space = { tp: [1, 2], pp: [1], maxBatch: [4, 16, 64] };
const base: ServePlanInput = { systems: [h100, a100], model, ratePerSecond: 12, isl: 512, osl: 64, targets: [], space, requests: 300 };
const targets = (ttft: number, tpot: number): LatencyTarget[] => [
  { metric: 'ttft', percentile: 99, seconds: ttft },
  { metric: 'tpot', percentile: 99, seconds: tpot },
];

describe('servePlan', () => {
  const plan = servePlan({ ...base, targets: targets(0.5, 0.02) });

  it('reports a cheapest deployment that meets every target, and a front that starts at it', () => {
    const b = plan.best!;
    expect(b).not.toBeNull();
    expect(meetsTargets(b, plan.targets)).toBe(true);
    expect(b.gpus).toBe(b.replicas * b.gpusPerReplica);
    expect(b.costUsdPerDay).toBeCloseTo(b.gpus * (b.system === 'dgx-h100' ? h100 : a100).pricing.usdPerGpuHour * 24, 6);
    expect(b.costUsdPerMillionTokens).toBeCloseTo((b.costUsdPerDay / (12 * 86_400 * 64)) * 1e6, 9);
    expect(b.energyKWhPerDay).toBeGreaterThan(0);
    expect(plan.front[0]).toEqual(b);
    for (const p of plan.front) expect(meetsTargets(p, plan.targets)).toBe(true);
    // The front trades cost for latency: each next point dearer and faster.
    for (let i = 1; i < plan.front.length; i++) {
      expect(plan.front[i].costUsdPerDay).toBeGreaterThan(plan.front[i - 1].costUsdPerDay);
      expect(plan.front[i].latencySeconds).toBeLessThan(plan.front[i - 1].latencySeconds);
    }
    // TP 1 and 2 x batch limits 4, 16, 64 x formats: bf16, fp8, int4 on H100; bf16, int4 on A100.
    expect(plan.considered).toBe((2 * 3 + 2 * 2) * 3);
    expect(plan.rejected.reduce((a, r) => a + r.count, 0) + plan.simulated).toBe(plan.considered);
  });

  it('finds what a plain scan of every candidate and replica count finds', () => {
    // Every (system, TP, format, batch limit): the fewest replicas from the capacity bound up that meet the targets, by linear scan.
    let cheapest = Infinity;
    for (const system of [h100, a100]) {
      for (const tp of space.tp) {
        for (const weightFormat of system === h100 ? (['bf16', 'fp8', 'int4'] as const) : (['bf16', 'int4'] as const)) {
          const d = servingDeployment({ system, model, tp, weightFormat });
          const kv = kvCacheBudget(d);
          if (!kv.fitsInMemory) continue;
          const timer = servingStepTimer(d);
          const bounds = deploymentBounds({ timer, kvCacheTokens: kv.kvCacheTokens, isl: 512, osl: 64, maxBatchedTokens: PLAN_MAX_BATCHED_TOKENS, maxBatchLimit: 64 });
          const probe = new ReplicaProbe({ timer, kvCacheTokens: kv.kvCacheTokens, maxBatchedTokens: PLAN_MAX_BATCHED_TOKENS, ratePerSecond: 12, isl: 512, osl: 64, requests: 300, seed: 1 });
          for (const maxBatch of space.maxBatch) {
            const from = Math.max(1, Math.ceil(12 / bounds.capacityRequestsPerSecond(maxBatch) - 1e-9));
            for (let r = from; r * d.gpus * system.pricing.usdPerGpuHour * 24 < cheapest && r < from + 40; r++) {
              const p = probe.at(maxBatch, r);
              if (p.rejected === 0 && meetsTargets(p, plan.targets)) {
                cheapest = r * d.gpus * system.pricing.usdPerGpuHour * 24;
                break;
              }
            }
          }
        }
      }
    }
    expect(plan.best!.costUsdPerDay).toBeCloseTo(cheapest, 9);
  });

  it('says so when nothing meets a target: the floors rule out every candidate', () => {
    const none = servePlan({ ...base, targets: targets(0.5, 1e-4) });
    expect(none.best).toBeNull();
    expect(none.front).toEqual([]);
    expect(none.simulated).toBe(0);
    const byTpot = none.rejected.find((r) => r.reason === 'tpot-floor-above-target');
    expect(byTpot?.count).toBe(none.considered - (none.rejected.find((r) => r.reason === 'weights-do-not-fit')?.count ?? 0));
    expect(none.floors!.tpotSeconds).toBeGreaterThan(1e-4);
  });

  it('never costs more under a looser target (property)', () => {
    const cost = (ttft: number, tpot: number): number => servePlan({ ...base, space: { tp: [1], pp: [1], maxBatch: [8, 32] }, systems: [h100], targets: targets(ttft, tpot) }).best?.costUsdPerDay ?? Infinity;
    fc.assert(
      fc.property(fc.double({ min: 0.05, max: 2, noNaN: true }), fc.double({ min: 0.006, max: 0.05, noNaN: true }), fc.double({ min: 1, max: 4, noNaN: true }), (ttft, tpot, looser) => {
        expect(cost(ttft * looser, tpot * looser)).toBeLessThanOrEqual(cost(ttft, tpot));
      }),
      { numRuns: 12, seed: 7 },
    );
  });

  it('reports progress as a rising share of the candidates, ending at 1 (the CLI draws it as a bar)', () => {
    const seen: number[] = [];
    servePlan({ ...base, targets: targets(0.5, 0.02), onProgress: (d) => seen.push(d) });
    expect(seen.length).toBeGreaterThan(2);
    expect(seen[0]).toBe(0);
    expect(seen[seen.length - 1]).toBe(1);
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThanOrEqual(seen[i - 1]);
  });

  it('refuses bad input naming the field', () => {
    expect(() => servePlan({ ...base, targets: [] })).toThrow(/--ttft-p99: give at least one latency target/);
    expect(() => servePlan({ ...base, ratePerSecond: 0, targets: targets(1, 1) })).toThrow(/rate: expected requests per second above 0/);
    expect(() => servePlan({ ...base, targets: [{ metric: 'ttft', percentile: 90, seconds: 0 }] })).toThrow(/--ttft-p90: expected seconds above 0/);
    expect(() => servePlan({ ...base, osl: 1, targets: targets(1, 1) })).toThrow(/--tpot-p99: a one-token output/);
    expect(() => servePlan({ ...base, systems: [], targets: targets(1, 1) })).toThrow(/system: give at least one system/);
  });
});
