import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { loadPresets } from '../node/presets.js';
import { resolveModel, resolveSystem } from '../config/catalog.js';
import { achievedHbmBytesPerSecond, kernelSeconds } from '../compute/kernel.js';
import type { BatchShape } from './batch.js';
import { servingDeployment } from './deployment.js';
import { attentionRankBatch, layerAttention } from './attention-step.js';
import { withoutLaunchGap } from './serving-gemm.js';

const runs = Number(process.env.PROPERTY_RUNS ?? 25);
const cat = loadPresets();
const b200 = resolveSystem(cat, 'dgx-b200');
const r1 = resolveModel(cat, 'deepseek-r1');
const gpu = withoutLaunchGap(b200.gpu);
const decode = (n: number, context: number): BatchShape => ({ prefillTokens: 0, prefillRequests: 0, prefillPriorTokens: 0, decodeRequests: n, decodeContextTokens: n * context });
const batch = fc.record({
  prefillRequests: fc.integer({ min: 0, max: 8 }),
  chunk: fc.integer({ min: 1, max: 4096 }),
  prior: fc.integer({ min: 0, max: 8192 }),
  decodeRequests: fc.integer({ min: 0, max: 512 }),
  context: fc.integer({ min: 1, max: 16_384 }),
}).map((x): BatchShape => ({
  prefillRequests: x.prefillRequests,
  prefillTokens: x.prefillRequests * x.chunk,
  prefillPriorTokens: x.prefillRequests * x.prior,
  decodeRequests: x.decodeRequests,
  decodeContextTokens: x.decodeRequests * x.context,
}));

describe('attention ranks', () => {
  it('the busiest rank takes ceil(requests / N) of each kind and its share of their tokens, never less than an even split (property)', () => {
    fc.assert(
      fc.property(batch, fc.integer({ min: 1, max: 64 }), (b, n) => {
        const r = attentionRankBatch(b, n);
        const even = (x: number) => x / n - 1e-9 * x;
        return (
          r.prefillRequests === Math.ceil(b.prefillRequests / n) &&
          r.decodeRequests === Math.ceil(b.decodeRequests / n) &&
          r.prefillTokens >= even(b.prefillTokens) && r.prefillTokens <= b.prefillTokens &&
          r.decodeContextTokens >= even(b.decodeContextTokens) && r.decodeContextTokens <= b.decodeContextTokens
        );
      }),
      { numRuns: runs },
    );
  });

  it('one prefill is not split: its rank runs it whole', () => {
    const b: BatchShape = { prefillTokens: 4096, prefillRequests: 1, prefillPriorTokens: 0, decodeRequests: 16, decodeContextTokens: 16 * 1000 };
    expect(attentionRankBatch(b, 8)).toEqual({ prefillTokens: 4096, prefillRequests: 1, prefillPriorTokens: 0, decodeRequests: 2, decodeContextTokens: 2000 });
  });
});

describe('multi-head latent attention', () => {
  it('decode reads each context token\'s 576-element latent once per GPU, whatever its heads: TP 8 is bound by those bytes', () => {
    const d = servingDeployment({ system: b200, model: r1, tp: 8, ep: 8, weightFormat: 'fp8' });
    const b = decode(64, 8192);
    const a = layerAttention(d, gpu, b);
    const bytes = 64 * 8192 * 576 * 2;
    // 16 heads a GPU: 16 x 2176 FLOPs against 1,152 bytes a token (30 FLOP/B) is far under B200's ridge: the bytes decide.
    expect(a.seconds).toBeGreaterThan(bytes / achievedHbmBytesPerSecond(b200.gpu));
    expect(a.seconds).toBeLessThan(1.2 * (bytes / achievedHbmBytesPerSecond(b200.gpu)));
  });

  it('absorbed decode does 2 (512 + 64) + 2 x 512 FLOPs a head and context token: with every head on one GPU it is compute-bound at that count', () => {
    // Attention DP 8 on TP 8: one GPU an attention rank, all 128 heads, 1/8 of the requests.
    const d = servingDeployment({ system: b200, model: r1, tp: 8, ep: 8, attentionDp: 8, weightFormat: 'fp8' });
    const b = decode(64, 8192);
    const a = layerAttention(d, gpu, b);
    const flops = 128 * 8 * 8192 * (2 * (512 + 64) + 2 * 512);
    const core = kernelSeconds(gpu, { kind: 'attention', name: 'x', pass: 'forward', flops, implementation: 'fa2' });
    const bytes = (8 * 8192 * 576 * 2) / achievedHbmBytesPerSecond(b200.gpu);
    expect(a.seconds).toBeGreaterThan(Math.max(core, bytes));
    expect(a.seconds).toBeLessThan(1.1 * Math.max(core, bytes) + 20e-6);
    // Three kernels: q_nope x W_UK, the latent attention, the output x W_UV; their weights are read.
    expect(a.kernels).toBe(3);
    expect(a.weightBytes).toBe(128 * 128 * 512 * 2);
  });

  it('attention DP divides the decode attention of a large batch: each GPU reads only its own requests\' latents', () => {
    const tp = layerAttention(servingDeployment({ system: b200, model: r1, tp: 8, ep: 8 }), gpu, decode(256, 4096));
    const dp = layerAttention(servingDeployment({ system: b200, model: r1, tp: 8, ep: 8, attentionDp: 8 }), gpu, decode(256, 4096));
    expect(dp.seconds).toBeLessThan(tp.seconds / 2);
  });

  it('prefill runs the non-absorbed form: 192-wide scores, 128-wide values, and up-projects the chunk\'s and prior tokens\' latents', () => {
    const d = servingDeployment({ system: b200, model: r1, tp: 8, ep: 8 });
    const alone = layerAttention(d, gpu, { prefillTokens: 8192, prefillRequests: 1, prefillPriorTokens: 0, decodeRequests: 0, decodeContextTokens: 0 });
    const prior = layerAttention(d, gpu, { prefillTokens: 8192, prefillRequests: 1, prefillPriorTokens: 8192, decodeRequests: 0, decodeContextTokens: 0 });
    const flops = 16 * 2 * (192 + 128) * (8192 * 8192) / 2;
    const core = kernelSeconds(gpu, { kind: 'attention', name: 'x', pass: 'forward', flops, implementation: 'fa2' });
    expect(alone.seconds).toBeGreaterThan(core);
    expect(alone.kernels).toBe(2);
    // With 8,192 prior tokens the chunk has three times the pairs (8192^2 + 8192^2/2 against 8192^2/2).
    expect(prior.seconds).toBeGreaterThan(2.5 * alone.seconds);
  });
});
