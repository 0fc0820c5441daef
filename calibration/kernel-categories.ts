/**
 * Sorts a PyTorch profiler's kernels and the twin's kernels into the same few categories, so a
 * measured training step and the twin's prediction of it can be set side by side category by
 * category (calibration/compare.ts).
 */
import type { GpuSpec } from '../src/config/system-schema.js';
import type { ModelSpec } from '../src/config/model-schema.js';
import type { OptimizerKernel } from '../src/config/execution-schema.js';
import { kernelSeconds, type Kernel } from '../src/compute/kernel.js';
import { embeddingKernels, layerKernels, logitsKernels, optimizerKernels } from '../src/compute/layer-kernels.js';
import type { ShardShape } from '../src/compute/shard-shape.js';
import { totalParams } from '../src/model/transformer.js';

export type KernelCategory = 'gemm' | 'attention' | 'norm' | 'optimizer' | 'loss' | 'elementwise';

/** One row of measure_gpu.py's profile: a kernel name, calls per step, GPU microseconds per step. */
export interface ProfiledKernel {
  name: string;
  count: number;
  microseconds: number;
}

/** The category of a CUDA kernel, by the names cuBLAS, cuDNN, FlashAttention and ATen give them. */
export function kernelCategory(name: string): KernelCategory {
  if (/flash|fmha|attention|cudnn.*sdpa/i.test(name)) return 'attention';
  if (/gemm|xmma|nvjet|cutlass|cublas|matmul|wgmma/i.test(name)) return 'gemm';
  if (/multi_tensor|adam|foreach/i.test(name)) return 'optimizer';
  if (/layer_?norm|rms_?norm/i.test(name)) return 'norm';
  if (/softmax|nll_loss|cross_entropy|log_softmax/i.test(name)) return 'loss';
  return 'elementwise';
}

/** A twin kernel's category, from its name in src/compute/layer-kernels.ts. */
export function twinCategory(k: Kernel): KernelCategory {
  if (k.kind === 'gemm') return 'gemm';
  if (k.kind === 'attention') return 'attention';
  if (/adam/.test(k.name)) return 'optimizer';
  if (/norm/.test(k.name)) return 'norm';
  if (/cross-entropy/.test(k.name)) return 'loss';
  return 'elementwise';
}

export function measuredCategorySeconds(kernels: readonly ProfiledKernel[]): Partial<Record<KernelCategory, number>> {
  const out: Partial<Record<KernelCategory, number>> = {};
  for (const k of kernels) {
    const c = kernelCategory(k.name);
    out[c] = (out[c] ?? 0) + k.microseconds / 1e6;
  }
  return out;
}

/** The twin's kernel time of one single-GPU step of `m` (all layers, embedding, logits, and the optimizer unless left out; measure_gpu.py's steps use PyTorch's foreach AdamW), by category. */
export function twinCategorySeconds(gpu: GpuSpec, m: ModelSpec, s: ShardShape, withOptimizer = true, optimizer: OptimizerKernel = 'foreach'): Partial<Record<KernelCategory, number>> {
  const layer = layerKernels(m, s);
  const ends = [embeddingKernels(m, s), logitsKernels(m, s)];
  const perLayer = [...layer.forward, ...layer.recompute, ...layer.backward];
  const once = [...ends.flatMap((e) => [...e.forward, ...e.backward]), ...(withOptimizer ? optimizerKernels(totalParams(m), optimizer) : [])];
  const out: Partial<Record<KernelCategory, number>> = {};
  const add = (k: Kernel, times: number) => {
    const c = twinCategory(k);
    out[c] = (out[c] ?? 0) + times * kernelSeconds(gpu, k);
  };
  for (const k of perLayer) add(k, m.layers);
  for (const k of once) add(k, 1);
  return out;
}
