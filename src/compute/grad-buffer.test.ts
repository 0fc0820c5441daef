import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { catalog, scenario } from '../../test/support/catalog.js';
import { resolveGpu } from '../config/catalog.js';
import type { Scenario } from '../config/resolve.js';
import { scenarioCosts } from '../engine.js';
import { estimateStepSeconds } from '../schedule/closed-form.js';
import { simulateStep } from '../schedule/step-simulation.js';
import { gradBufferKernels, gradBufferPassesPerStep, mainGradAddKernels } from './grad-buffer.js';
import { kernelsSeconds } from './kernel.js';

const bytesOf = (ks: ReturnType<typeof gradBufferKernels>): number => ks.reduce((n, k) => n + (k.kind === 'memory' ? k.bytes : 0), 0);

describe('gradBufferKernels', () => {
  it('counts nothing when off', () => {
    expect(gradBufferKernels('off', { params: 1e9, gradBytes: 4, dp: 48 })).toEqual([]);
  });

  it("moves Megatron DDP's four passes over an fp32 buffer with DP > 1: 16 bytes a parameter", () => {
    // zero (write 4), NaN-check norm (read 4), 1/DP scaling (read 4, write 4): param_and_grad_buffer.py.
    expect(bytesOf(gradBufferKernels('megatron', { params: 1e9, gradBytes: 4, dp: 48 }))).toBe(16e9);
    expect(gradBufferPassesPerStep(48)).toBe(4);
  });

  it('skips the scaling on one replica (the factor is 1)', () => {
    expect(bytesOf(gradBufferKernels('megatron', { params: 1e9, gradBytes: 4, dp: 1 }))).toBe(8e9);
    expect(gradBufferPassesPerStep(1)).toBe(2);
  });

  it("adds a 16-bit .grad into the buffer per micro-batch: read 2, read and write the buffer's element", () => {
    expect(mainGradAddKernels('off', 1e9, 4)).toEqual([]);
    expect(bytesOf(mainGradAddKernels('megatron', 1e9, 4))).toBe(10e9);
    expect(bytesOf(mainGradAddKernels('megatron', 1e9, 2))).toBe(6e9);
  });

  it('is never faster with more parameters or wider gradients (property)', () => {
    const gpu = resolveGpu(catalog, 'h100-sxm-80g');
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e10 }), fc.integer({ min: 1, max: 1e10 }), fc.integer({ min: 1, max: 4096 }), (a, b, dp) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        const t = (params: number, gradBytes: number) => kernelsSeconds(gpu, gradBufferKernels('megatron', { params, gradBytes, dp }));
        expect(t(hi, 2)).toBeGreaterThanOrEqual(t(lo, 2));
        expect(t(lo, 4)).toBeGreaterThanOrEqual(t(lo, 2));
      }),
    );
  });
});

const withMode = (s: Scenario, mode: 'off' | 'megatron'): Scenario => ({ ...s, exec: { ...s.exec, gradBuffer: mode } });
const eventStep = (s: Scenario): number => simulateStep(s.exec, scenarioCosts(s), { keepTimeline: false }).stepTimeSeconds;

describe('the gradient buffer in the step', () => {
  // Megatron-Core's 1.7B of the megatron-core-h100 group (fp32 gradients, as Megatron-LM runs bf16). Without the
  // wait for the slowest rank, which scales the compute stream's kernels (these passes too) by its own factor:
  // this test counts the passes themselves.
  const base = scenario({
    system: 'dgx-h100', model: 'gpt3-175b', layers: 24, hidden: 2048, heads: 16, vocab: 131072, tied: false, gpus: 48, tp: 1, pp: 1,
    seq: 4096, gbs: 192, mbs: 1, zero: 1, recompute: 'none', gradReduceDtype: 'fp32', overlap: 'tp,dp,pp', rankVariation: 'off',
  });

  it('is off by default, and off is the step as before', () => {
    expect(base.exec.gradBuffer).toBe('off');
    expect(eventStep(withMode(base, 'off'))).toBe(eventStep(base));
  });

  it('adds exactly its passes, on the compute stream, to the event step and the closed form', () => {
    const params = scenarioCosts(base).stages[0].paramsPerGpu;
    const gpu = base.system.gpu;
    const perStep = kernelsSeconds(gpu, gradBufferKernels('megatron', { params, gradBytes: 4, dp: 48 }));
    // 1.75e9 parameters x 16 B at the preset's 3.03 TB/s: about 9 ms.
    expect(perStep).toBeGreaterThan(0.008);
    expect(perStep).toBeLessThan(0.011);
    // The embedding table's gradient added into the buffer in each of the 4 micro-batches.
    const perMicrobatch = kernelsSeconds(gpu, mainGradAddKernels('megatron', 131072 * 2048, 4));
    expect(base.exec.microbatches).toBe(4);
    const passes = perStep + 4 * perMicrobatch;
    const on = withMode(base, 'megatron');
    expect(eventStep(on) - eventStep(base)).toBeCloseTo(passes, 9);
    expect(estimateStepSeconds(on.exec, scenarioCosts(on)) - estimateStepSeconds(base.exec, scenarioCosts(base))).toBeCloseTo(passes, 9);
  });

  it('is never faster on, over model sizes and DP sizes (property)', () => {
    fc.assert(
      fc.property(fc.constantFrom(1024, 2048, 4096), fc.constantFrom(8, 16, 64), (hidden, gpus) => {
        const s = scenario({ system: 'dgx-h100', model: 'gpt3-175b', layers: 4, hidden, heads: hidden / 128, gpus, tp: 1, pp: 1, seq: 2048, gbs: 2 * gpus, mbs: 1 });
        expect(eventStep(withMode(s, 'megatron'))).toBeGreaterThan(eventStep(withMode(s, 'off')));
      }),
      { numRuns: 9 },
    );
  });
});
