import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { loadPresets } from '../node/presets.js';
import { resolveModel, resolveSystem } from '../config/catalog.js';
import { servingDeployment } from './deployment.js';
import { mlaAttentionParams } from '../model/transformer.js';
import { attentionWeightBytesPerGpu, kvBytesPerTokenPerGpu, kvCacheBudget, stageWeightBytesPerGpu } from './kv-cache.js';

const runs = Number(process.env.PROPERTY_RUNS ?? 25);

const cat = loadPresets();
const dgxH100 = resolveSystem(cat, 'dgx-h100');
const llama70 = resolveModel(cat, 'llama3.1-70b');

describe('KV cache', () => {
  it('Llama 3.1 70B in bf16: 80 layers x 8 KV heads x 128 x 2 (K, V) x 2 bytes = 327,680 bytes a token, over the TP shards', () => {
    for (const tp of [1, 2, 4, 8]) {
      const d = servingDeployment({ system: dgxH100, model: llama70, tp });
      expect(kvBytesPerTokenPerGpu(d) * tp).toBe(327_680);
    }
    expect(kvBytesPerTokenPerGpu(servingDeployment({ system: dgxH100, model: llama70, tp: 8, kvDtype: 'fp8' }))).toBe(327_680 / 8 / 2);
  });

  it('TP above the KV heads replicates them: each GPU still holds one', () => {
    const qwen = resolveModel(cat, 'qwen3-235b-a22b');
    const d = servingDeployment({ system: dgxH100, model: qwen, tp: 8, ep: 8 });
    expect(kvBytesPerTokenPerGpu(d)).toBe(94 * 1 * 128 * 2 * 2);
  });

  it('a pipeline stage holds the KV of its own layers', () => {
    const d = servingDeployment({ system: dgxH100, model: llama70, tp: 4, pp: 2 });
    expect(kvBytesPerTokenPerGpu(d)).toBe(327_680 / 4 / 2);
  });

  it('Llama 3.1 70B fits TP8 on H100 with room for a million tokens and does not fit on one GPU', () => {
    const eight = kvCacheBudget(servingDeployment({ system: dgxH100, model: llama70, tp: 8 }));
    expect(eight.fitsInMemory).toBe(true);
    expect(eight.kvCacheTokens).toBeGreaterThan(1e6);
    const one = kvCacheBudget(servingDeployment({ system: dgxH100, model: llama70, tp: 1 }));
    expect(one.fitsInMemory).toBe(false);
    expect(one.weightsFit).toBe(false);
    expect(one.kvCacheTokens).toBe(0);
  });

  it('fp8 weights leave more room for KV than bf16, and a lower memory fraction less', () => {
    const bf16 = kvCacheBudget(servingDeployment({ system: dgxH100, model: llama70, tp: 8 })).kvCacheTokens;
    const fp8 = kvCacheBudget(servingDeployment({ system: dgxH100, model: llama70, tp: 8, weightFormat: 'fp8' })).kvCacheTokens;
    const low = kvCacheBudget(servingDeployment({ system: dgxH100, model: llama70, tp: 8, memoryUtilization: 0.5 })).kvCacheTokens;
    expect(fp8).toBeGreaterThan(bf16);
    expect(low).toBeLessThan(bf16);
  });
});

describe('KV cache with multi-head latent attention and attention data parallelism', () => {
  const b200 = resolveSystem(cat, 'dgx-b200');
  const r1 = resolveModel(cat, 'deepseek-r1');
  const r1On = (tp: number, attentionDp = 1) => servingDeployment({ system: b200, model: r1, tp, ep: tp, attentionDp, weightFormat: 'fp8' });

  it('DeepSeek-R1 caches the 512-wide latent and the 64-wide rope key a token and layer: 61 x 576 x 2 bytes, on every GPU', () => {
    expect(kvBytesPerTokenPerGpu(r1On(8))).toBe(61 * (512 + 64) * 2);
    expect(kvBytesPerTokenPerGpu(servingDeployment({ system: b200, model: r1, tp: 8, ep: 8, kvDtype: 'fp8', weightFormat: 'fp8' }))).toBe(61 * 576);
  });

  it('MLA KV bytes a token per GPU do not depend on TP or attention DP (property)', () => {
    fc.assert(
      fc.property(fc.constantFrom(1, 2, 4, 8, 16, 32, 64, 128), fc.constantFrom(1, 2, 4, 8), (tp, dp) => {
        fc.pre(tp % dp === 0);
        const d = servingDeployment({ system: b200, model: r1, tp, attentionDp: dp });
        return kvBytesPerTokenPerGpu(d) === kvBytesPerTokenPerGpu(r1On(1));
      }),
      { numRuns: runs },
    );
  });

  it('attention DP holds the KV of each rank apart: the replica holds N times a rank, and a rank more than TP alone holds', () => {
    const tp = kvCacheBudget(r1On(8));
    const dp = kvCacheBudget(r1On(8, 8));
    expect(tp.kvCacheTokensPerAttentionRank).toBe(tp.kvCacheTokens);
    expect(dp.kvCacheTokens).toBe(8 * dp.kvCacheTokensPerAttentionRank);
    // Each rank holds the whole attention weights (over 1 GPU instead of 8), so a GPU has a little less room.
    expect(dp.kvCacheTokensPerAttentionRank).toBeLessThan(tp.kvCacheTokens);
    expect(dp.kvCacheTokens).toBeGreaterThan(6 * tp.kvCacheTokens);
  });

  it('attention DP replicates the attention weights: a GPU holds tp/N of them, the experts unchanged', () => {
    const tp = r1On(8);
    const dp = r1On(8, 8);
    const p = mlaAttentionParams(r1, r1.mla!);
    // fp8: 1 byte a weight; MLA's down-projections are on every GPU either way.
    expect(attentionWeightBytesPerGpu(tp)).toBeCloseTo(p.replicated + p.split / 8, 6);
    expect(attentionWeightBytesPerGpu(dp)).toBeCloseTo(p.replicated + p.split, 6);
    expect(stageWeightBytesPerGpu(dp, 0) - stageWeightBytesPerGpu(tp, 0)).toBeCloseTo(61 * p.split * (1 - 1 / 8), 0);
  });

  it('DeepSeek-R1 in FP8 holds about 671 GB of weights over a replica (its 1-byte layers, 16-bit embedding and head)', () => {
    const d = r1On(8);
    const replica = 8 * stageWeightBytesPerGpu(d, 0);
    // The replicated MLA down-projections are counted on each of the 8 GPUs.
    const p = mlaAttentionParams(r1, r1.mla!);
    expect((replica - 7 * 61 * p.replicated) / 1e9).toBeGreaterThan(671);
    expect((replica - 7 * 61 * p.replicated) / 1e9).toBeLessThan(675);
  });

  it('GQA under attention DP splits the KV heads over the attention rank only', () => {
    const d = servingDeployment({ system: dgxH100, model: llama70, tp: 8, attentionDp: 2 });
    expect(kvBytesPerTokenPerGpu(d)).toBe(327_680 / 4);
  });
});
