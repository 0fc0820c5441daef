import { describe, expect, it } from 'vitest';
import { catalog, scenario } from '../../test/support/catalog.js';
import { simulate, stepFlops } from '../engine.js';
import { resolveGpu, resolveModel } from '../config/catalog.js';
import type { ModelSpec } from '../config/model-schema.js';
import { layerParams } from '../model/transformer.js';
import { kernelSeconds, kernelsSeconds, type Kernel } from './kernel.js';
import { fp8WeightCastKernels, layerKernels, logitsKernels, optimizerKernels } from './layer-kernels.js';
import { selectiveOpSplit, type ShardShape } from './shard-shape.js';

// The 5B model of Transformer Engine's FP8 GEMM benchmark: h 4096, ffn 16384 (docs/sources/gpu-efficiency.md sec. 9).
const te5b: ModelSpec = { ...resolveModel(catalog, 'gpt3-175b'), hidden: 4096, heads: 32, kvHeads: 32, ffnHidden: 16384, layers: 24, dropout: false };
const shape = (tokens: number, precision: ShardShape['precision']): ShardShape => ({
  mbs: tokens / 2048, seq: 2048, tp: 1, cp: 1, ep: 1, sp: false, attention: 'flash', precision, recompute: 'none', weightDtype: 'bf16' as const, kernels: 'fused' as const,
});
const h200 = resolveGpu(catalog, 'h200-sxm-141g');
const gemmSeconds = (ks: Kernel[]) => kernelsSeconds(h200, ks.filter((k) => k.kind === 'gemm'));
const castSeconds = (ks: Kernel[]) => kernelsSeconds(h200, ks.filter((k) => k.name.includes('cast')));

describe('FP8 layer kernels', () => {
  it('adds quantization costs around what Transformer Engine measures (14% over the raw FP8 GEMMs)', () => {
    for (const tokens of [2048, 8192, 16384]) {
      const lk = layerKernels(te5b, shape(tokens, 'fp8'));
      const all = [...lk.forward, ...lk.backward];
      const raw = gemmSeconds(all);
      // TE's "autocast" timing quantizes the weights every iteration too.
      const quantize = castSeconds(all) + kernelsSeconds(h200, fp8WeightCastKernels(layerParams(te5b)));
      // The twin times FP8 GEMMs at the rate the board settles at under its power cap (measured: 1235 of
      // a 1417 TFLOP/s burst), a GEMM benchmark's short runs nearer the burst: the ratio sits lower here.
      expect(quantize / raw).toBeGreaterThan(0.06);
      expect(quantize / raw).toBeLessThan(0.2);
    }
  });
  it('has no casts in BF16', () => {
    const lk = layerKernels(te5b, shape(8192, 'bf16'));
    expect(castSeconds([...lk.forward, ...lk.backward])).toBe(0);
  });
  it('keeps the output layer in 16-bit under FP8, as Megatron-Core does', () => {
    const logits = logitsKernels(te5b, shape(8192, 'fp8')).forward.find((k) => k.name === 'logits');
    expect(logits).toMatchObject({ kind: 'gemm', precision: 'bf16' });
    expect(kernelSeconds(h200, logits!)).toBeGreaterThan(0);
  });
});

describe('FP8 under sequence parallelism: the gathered tensors are quantized before their gather', () => {
  // Transformer Engine casts the norm output (QKV, FC1 inputs) and the output gradients of the projection and FC2 on
  // this GPU's 1/TP slice and all-gathers FP8 (docs/sources/fp8.md sec. 5).
  const casts = (sp: boolean) => {
    const k = layerKernels(te5b, { ...shape(8192, 'fp8'), tp: 4, sp });
    const bytes = (name: string) => {
      const x = [...k.forward, ...k.backward].find((y) => y.name === name);
      return x?.kind === 'memory' ? x.bytes : NaN;
    };
    return Object.fromEntries(['qkv.cast-forward', 'fc1.cast-forward', 'proj.cast-backward', 'fc2.cast-backward', 'proj.cast-forward', 'fc2.cast-forward', 'qkv.cast-backward', 'fc1.cast-backward'].map((n) => [n, bytes(n)]));
  };
  it('casts a quarter at TP 4 for the four gathered tensors, and the rest as before', () => {
    const sp = casts(true);
    const full = casts(false);
    for (const n of ['qkv.cast-forward', 'fc1.cast-forward', 'proj.cast-backward', 'fc2.cast-backward']) expect(sp[n], n).toBeCloseTo(full[n] / 4, 0);
    for (const n of ['proj.cast-forward', 'fc2.cast-forward', 'qkv.cast-backward', 'fc1.cast-backward']) expect(sp[n], n).toBe(full[n]);
  });
  it('moves the all-gathers at one byte and the reduce-scatters at two: exposed TP time between half and all of BF16\'s', () => {
    const input = { system: 'dgx-h100', model: 'llama3-70b', gpus: 64, tp: 8, pp: 1, sp: true, overlap: 'dp', recompute: 'none', seq: 4096, gbs: 64, mbs: 1, zero: 1 } as const;
    const tp = (precision: 'bf16' | 'fp8') => simulate({ ...input, precision }, catalog).breakdown.tpCommSeconds;
    expect(tp('fp8')).toBeLessThan(tp('bf16'));
    expect(tp('fp8')).toBeGreaterThan(0.5 * tp('bf16'));
  });
});

describe('fp32 weights under autocast', () => {
  it('casts each GEMM weight once per forward and its gradient once per backward, 6 bytes per element', () => {
    const fp32 = layerKernels(te5b, { ...shape(8192, 'bf16'), weightDtype: 'fp32' });
    const bf16 = layerKernels(te5b, shape(8192, 'bf16'));
    // The layer's GEMM weights: QKV 3h x h, projection h x h, FC1 and FC2 4h x h.
    const weights = 12 * te5b.hidden * te5b.hidden;
    const cast = (ks: Kernel[], name: string) => ks.filter((k) => k.name === name).reduce((n, k) => n + (k as { bytes: number }).bytes, 0);
    expect(cast(fp32.forward, 'weight-cast')).toBe(6 * weights);
    expect(cast(fp32.backward, 'grad-cast')).toBe(6 * weights);
    expect(cast(bf16.forward, 'weight-cast') + cast(bf16.backward, 'grad-cast')).toBe(0);
  });
});

describe('eager PyTorch elementwise kernels (kernels: eager)', () => {
  const llama = { ...resolveModel(catalog, 'llama3-8b'), kvHeads: 32, ffnHidden: 11008, vocab: 32000 };
  const a100 = resolveGpu(catalog, 'a100-sxm-80g');
  const base: ShardShape = { mbs: 4, seq: 4096, tp: 1, cp: 1, ep: 1, sp: false, attention: 'flash', precision: 'bf16', recompute: 'none', weightDtype: 'fp32', kernels: 'fused' };
  const memoryBytes = (s: ShardShape, m = llama) =>
    layerKernels(m, s).forward.reduce((n, k) => n + (k.kind === 'memory' ? k.bytes : 0), 0);
  const names = (s: ShardShape, m = llama) => layerKernels(m, s).forward.map((k) => k.name);

  it('runs the reference RMSNorm as its five ops, in fp32 under autocast over fp32 weights', () => {
    const n = names({ ...base, kernels: 'eager' });
    expect(n.filter((x) => x.startsWith('norm1.'))).toEqual(['norm1.pow', 'norm1.mean', 'norm1.rsqrt-mul', 'norm1.weight-mul', 'norm1.autocast-0', 'norm1.autocast-1', 'norm1.autocast-2']);
    // bf16 weights: no autocast, the norm casts to fp32 and back itself, and no Linear casts its input.
    const bf16 = names({ ...base, kernels: 'eager', weightDtype: 'bf16' });
    expect(bf16.filter((x) => x.startsWith('norm1.'))).toEqual(['norm1.float', 'norm1.pow', 'norm1.mean', 'norm1.rsqrt-mul', 'norm1.to-input-dtype', 'norm1.weight-mul']);
  });
  it('casts a norm output once per consuming Linear: q, k, v apart and gate, up apart in Llama code; fused QKV in GPT code', () => {
    expect(names({ ...base, kernels: 'eager' }).filter((x) => x.includes('autocast'))).toHaveLength(5);
    const gpt = { ...resolveModel(catalog, 'gpt3-175b'), hidden: 4096, heads: 32, kvHeads: 32, ffnHidden: 16384, dropout: false };
    expect(names({ ...base, kernels: 'eager' }, gpt).filter((x) => x.includes('autocast'))).toHaveLength(2);
  });
  it('moves several times the fused kernels\' bytes, and is never faster', () => {
    for (const weightDtype of ['fp32', 'bf16'] as const) {
      const fused = memoryBytes({ ...base, weightDtype });
      const eager = memoryBytes({ ...base, weightDtype, kernels: 'eager' });
      expect(eager).toBeGreaterThan(2 * fused);
      const seconds = (s: ShardShape) => kernelsSeconds(a100, [...layerKernels(llama, s).forward, ...layerKernels(llama, s).backward]);
      expect(seconds({ ...base, weightDtype, kernels: 'eager' })).toBeGreaterThan(seconds({ ...base, weightDtype }));
    }
  });
});

describe("torchtitan's per-op selective checkpointing (recompute: selective-op)", () => {
  const llama = resolveModel(catalog, 'llama3-8b');
  const gpt = { ...resolveModel(catalog, 'gpt3-175b'), hidden: 4096, heads: 32, kvHeads: 32, ffnHidden: 16384 };
  const shape: ShardShape = { mbs: 1, seq: 8192, tp: 1, cp: 1, ep: 1, sp: false, attention: 'flash', precision: 'bf16', recompute: 'selective-op', weightDtype: 'bf16', kernels: 'eager' };
  it('saves every other matmul in call order and re-runs the rest: k, o and w3 in Llama code; the projection and FC2 in GPT code', () => {
    const names = (m: ModelSpec) => selectiveOpSplit(m, shape).recomputed.map((g) => g.name);
    expect(selectiveOpSplit(llama, shape).saved.map((g) => g.name)).toEqual(['q', 'v', 'w1', 'fc2']);
    expect(names(llama)).toEqual(['k', 'proj', 'w3']);
    expect(names(gpt)).toEqual(['proj', 'fc2']);
  });
  it('re-runs the elementwise work and those matmuls, not the attention', () => {
    const re = layerKernels(llama, shape).recompute;
    expect(re.some((k) => k.kind === 'attention')).toBe(false);
    expect(re.filter((k) => k.kind === 'gemm').map((k) => k.name)).toEqual(['k', 'proj', 'w3']);
    expect(re.filter((k) => k.kind === 'memory').length).toBeGreaterThan(5);
  });
});

describe("Megatron's selective recompute (recompute: selective)", () => {
  // Megatron-Core checkpoints core_attention whatever its kernel (megatron/core/transformer/attention.py
  // _checkpointed_attention_forward): a fused kernel's forward runs again before its backward.
  const kernels = ['flash', 'flash-triton', 'unfused'] as const;
  it('re-runs exactly the forward attention core, fused or not, and nothing else', () => {
    for (const attention of kernels) {
      const sel = layerKernels(te5b, { ...shape(8192, 'bf16'), attention, recompute: 'selective' });
      const none = layerKernels(te5b, { ...shape(8192, 'bf16'), attention, recompute: 'none' });
      expect(none.recompute, attention).toEqual([]);
      expect(sel.forward).toEqual(none.forward);
      expect(sel.backward).toEqual(none.backward);
      const core = sel.forward.filter((k) => k.kind === 'attention' || ['scores', 'softmax', 'context', 'attention-dropout'].includes(k.name));
      expect(sel.recompute, attention).toEqual(core);
      expect(kernelsSeconds(h200, sel.recompute), attention).toBeGreaterThan(0);
    }
  });
  it('counts the re-run in the executed FLOPs (HFU): half a causal attention forward with a fused kernel', () => {
    const input = { system: 'dgx-h100', model: 'llama3-8b', gpus: 8, tp: 2, pp: 1, seq: 8192, gbs: 16, mbs: 1, attention: 'flash' } as const;
    const sel = stepFlops(scenario({ ...input, recompute: 'selective' }));
    const none = stepFlops(scenario({ ...input, recompute: 'none' }));
    const m = resolveModel(catalog, 'llama3-8b');
    const attentionForward = m.layers * 2 * 2 * 8192 * 8192 * m.heads * (m.hidden / m.heads);
    expect(sel.executedFlops - none.executedFlops).toBeCloseTo(0.5 * attentionForward * 16, -6);
    expect(sel.hardwareFlops - none.hardwareFlops).toBeCloseTo(attentionForward * 16, -6);
    expect(sel.modelFlops).toBe(none.modelFlops);
  });
  it('is never faster than no recompute, on every attention kernel and size (event step)', () => {
    for (const attention of kernels)
      for (const seq of [2048, 8192]) {
        const input = { system: 'dgx-h100', model: 'llama3-8b', gpus: 8, tp: 2, pp: 1, seq, gbs: 16, mbs: 1, attention } as const;
        const sel = simulate({ ...input, recompute: 'selective' }, catalog).stepTimeSeconds;
        const none = simulate({ ...input, recompute: 'none' }, catalog).stepTimeSeconds;
        expect(sel, `${attention} ${seq}`).toBeGreaterThan(none);
      }
  });
});

describe('the optimizer step (optimizerKernel)', () => {
  it('moves 30 bytes a parameter fused and 80 with PyTorch\'s multi-tensor AdamW, one pass per op', () => {
    const params = 1e9;
    const bytes = (ks: Kernel[]) => ks.reduce((n, k) => n + (k.kind === 'memory' ? k.bytes : 0), 0);
    expect(bytes(optimizerKernels(params))).toBe(30 * params);
    expect(bytes(optimizerKernels(params, 'fused'))).toBe(30 * params);
    expect(bytes(optimizerKernels(params, 'foreach'))).toBe(80 * params);
  });
  it('times foreach AdamW within 15% of the measured step on H100 (39.0 ms for MPT-1B\'s 1.31B parameters)', () => {
    const h100 = resolveGpu(catalog, 'h100-sxm-80g');
    const seconds = kernelsSeconds(h100, optimizerKernels(1.311e9, 'foreach'));
    expect(Math.abs(seconds / 39.0e-3 - 1)).toBeLessThan(0.15);
  });
  it('follows the kernel style unless set, and is set per scenario', () => {
    const base = { system: 'dgx-h100', model: 'mpt-7b', gpus: 8, tp: 1, pp: 1, gbs: 8, mbs: 1 };
    expect(scenario({ ...base } as never).exec.optimizerKernel).toBe('fused');
    expect(scenario({ ...base, kernels: 'eager' } as never).exec.optimizerKernel).toBe('foreach');
    expect(scenario({ ...base, kernels: 'eager', optimizerKernel: 'fused' } as never).exec.optimizerKernel).toBe('fused');
    // An unsharded optimizer (ZeRO 0) on one GPU: foreach takes 50/30 x longer than fused.
    const one = { ...base, gpus: 1, gbs: 1, zero: 0 };
    const fused = simulate({ ...one, optimizerKernel: 'fused' } as never, catalog).breakdown.optimizerSeconds;
    const foreach = simulate({ ...one, optimizerKernel: 'foreach' } as never, catalog).breakdown.optimizerSeconds;
    expect(foreach / fused).toBeGreaterThan(2.4);
    expect(foreach / fused).toBeLessThan(80 / 30 + 0.01);
  });
});
