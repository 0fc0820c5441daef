import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { scenario } from '../../test/support/catalog.js';
import { evaluateScenario, memoryByStage } from '../engine.js';
import { dataParallelRanks, groupPlacement, parallelLayout } from './layout.js';

// Context-parallel ranks hold the same weights: gradients reduce, and ZeRO / FSDP shards, over DP x CP
// (Megatron-Core's data-parallel group with context parallel; torchtitan's dp_shard_cp mesh).
describe('DP x CP: the ranks that hold the same weights', () => {
  it('is the DP group itself without CP, placement and all', () => {
    fc.assert(
      fc.property(fc.constantFrom(1, 2, 4, 8), fc.integer({ min: 1, max: 64 }), fc.constantFrom(4, 8), (tp, dp, gpusPerNode) => {
        const l = parallelLayout({ gpus: tp * dp, tp, cp: 1, ep: 1, dp, pp: 1 }, gpusPerNode);
        expect(l.dpCp).toEqual(l.dp);
        expect(dataParallelRanks({ dp, cp: 1 })).toBe(dp);
      }),
    );
  });

  it('spans DP x CP ranks, tp apart, as Megatron-LM orders them (TP, then CP, then DP)', () => {
    const l = parallelLayout({ gpus: 64, tp: 4, cp: 2, ep: 1, dp: 8, pp: 1 }, 8);
    expect(l.dpCp).toEqual(groupPlacement(16, 4, 8, 64));
    expect(l.dpCp.ranksPerNode).toBe(2);
    expect(l.dpCp.nodes).toBe(8);
  });

  it('shards ZeRO state over DP x CP: DP a with CP b holds what DP a x b holds without CP', () => {
    fc.assert(
      fc.property(fc.constantFrom(1, 2, 4), fc.constantFrom(2, 4), fc.constantFrom(1, 2, 4), fc.constantFrom(1, 2, 3), (tp, cp, dp, zero) => {
        const base = { system: 'dgx-h100', model: 'llama3-8b', tp, pp: 1, seq: 8192, mbs: 1, zero } as const;
        const withCp = memoryByStage(scenario({ ...base, gpus: tp * cp * dp, cp, gbs: dp * 4 }))[0];
        const withoutCp = memoryByStage(scenario({ ...base, gpus: tp * cp * dp, cp: 1, gbs: cp * dp * 4 }))[0];
        expect(withCp.optimizerBytes).toBeCloseTo(withoutCp.optimizerBytes, 0);
        expect(withCp.gradsBytes).toBeCloseTo(withoutCp.gradsBytes, 0);
        expect(withCp.weightsBytes).toBeCloseTo(withoutCp.weightsBytes, 0);
      }),
      { numRuns: 30 },
    );
  });

  it('reduces gradients over CP even with one data-parallel rank', () => {
    // TP 4 x CP 2 on one node, DP 1: the two CP ranks must sum their gradients (none did before 2026-12-03).
    const r = evaluateScenario(scenario({ system: 'dgx-h100', model: 'llama3-8b', gpus: 8, tp: 4, cp: 2, pp: 1, seq: 16384, gbs: 8, overlap: 'none' }));
    expect(r.breakdown.dpCommSeconds).toBeGreaterThan(0);
    const alone = evaluateScenario(scenario({ system: 'dgx-h100', model: 'llama3-8b', gpus: 4, tp: 4, cp: 1, pp: 1, seq: 16384, gbs: 8, overlap: 'none' }));
    expect(alone.breakdown.dpCommSeconds).toBe(0);
  });
});
