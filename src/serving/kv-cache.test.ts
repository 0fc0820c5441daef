import { describe, expect, it } from 'vitest';
import { loadPresets } from '../node/presets.js';
import { resolveModel, resolveSystem } from '../config/catalog.js';
import { servingDeployment } from './deployment.js';
import { kvBytesPerTokenPerGpu, kvCacheBudget } from './kv-cache.js';

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
