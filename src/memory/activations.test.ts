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
