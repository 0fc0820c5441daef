import { describe, expect, it } from 'vitest';
import { catalog } from '../../test/support/catalog.js';
import { resolveModel } from '../config/catalog.js';
import type { ShardShape } from '../compute/shard-shape.js';
import { layerActivationBytes } from './activations.js';

// Korthikanti et al. 2022 (Eq. 1-6) for a GPT layer with dropout, a 4h GELU MLP and unfused attention.
const gpt = resolveModel(catalog, 'gpt3-175b');
const { hidden: h, heads: a } = gpt;
const s = 2048;
const b = 1;
const shape = (tp: number, sp: boolean, recompute: ShardShape['recompute']): ShardShape => ({
  mbs: b,
  seq: s,
  tp,
  cp: 1,
  ep: 1,
  sp,
  attention: 'unfused',
  precision: 'fp16',
  recompute,
  weightDtype: 'bf16',
  kernels: 'fused',
});

describe('activation memory per layer', () => {
  it('is sbh(34 + 5as/h) without parallelism', () => {
    expect(layerActivationBytes(gpt, shape(1, false, 'none'))).toBe(s * b * h * (34 + (5 * a * s) / h));
  });
  it('is sbh(10 + 24/t + 5as/(ht)) with tensor parallelism', () => {
    const t = 8;
    expect(layerActivationBytes(gpt, shape(t, false, 'none'))).toBeCloseTo(s * b * h * (10 + 24 / t + (5 * a * s) / (h * t)), 3);
  });
  it('is sbh/t (34 + 5as/h) with sequence parallelism', () => {
    const t = 8;
    expect(layerActivationBytes(gpt, shape(t, true, 'none'))).toBeCloseTo(((s * b * h) / t) * (34 + (5 * a * s) / h), 3);
  });
  it('is 34 sbh/t with sequence parallelism and selective recompute', () => {
    expect(layerActivationBytes(gpt, shape(8, true, 'selective'))).toBeCloseTo((34 * s * b * h) / 8, 3);
  });
  it('is 2sbh/t (the layer input) under full recompute with SP', () => {
    expect(layerActivationBytes(gpt, shape(8, true, 'full'))).toBe((2 * s * b * h) / 8);
  });
  it('drops the s^2 terms with a fused attention kernel', () => {
    const flash = layerActivationBytes(gpt, { ...shape(8, true, 'none'), attention: 'flash' });
    expect(flash).toBeLessThan(layerActivationBytes(gpt, shape(8, true, 'none')));
    expect(flash).toBeGreaterThan((34 * s * b * h) / 8);
    // The Triton FlashAttention kernel keeps the same log-sum-exp, so the same bytes.
    expect(layerActivationBytes(gpt, { ...shape(8, true, 'none'), attention: 'flash-triton' })).toBe(flash);
  });
});

describe('FP8 GEMM inputs kept for the backward pass (Transformer Engine)', () => {
  const llama = resolveModel(catalog, 'llama3-70b');
  const fp8 = (tp: number, sp: boolean, fp8Overheads: 'te' | 'off'): ShardShape => ({
    mbs: 1, seq: 8192, tp, cp: 1, ep: 1, sp, attention: 'flash', precision: 'fp8', recompute: 'none', weightDtype: 'bf16', kernels: 'fused', fp8Overheads, fp8Recipe: 'delayed',
  });
  it('keeps the QKV, projection, FC1 and FC2 inputs at one byte, not two', () => {
    for (const [tp, sp] of [[1, false], [4, true], [8, true]] as const) {
      const t = 8192;
      const tr = sp ? t / tp : t;
      const fourInputs = tr * llama.hidden * 2 + (t * llama.heads * (llama.hidden / llama.heads)) / tp + (t * llama.ffnHidden) / tp;
      expect(layerActivationBytes(llama, fp8(tp, sp, 'off')) - layerActivationBytes(llama, fp8(tp, sp, 'te'))).toBeCloseTo(fourInputs, 0);
    }
  });
  it('never holds more than BF16 for the same shape, and off is the 16-bit size', () => {
    const bf16 = { ...fp8(4, true, 'te'), precision: 'bf16' as const };
    expect(layerActivationBytes(llama, fp8(4, true, 'te'))).toBeLessThan(layerActivationBytes(llama, bf16));
    expect(layerActivationBytes(llama, fp8(4, true, 'off'))).toBe(layerActivationBytes(llama, bf16));
  });
});
