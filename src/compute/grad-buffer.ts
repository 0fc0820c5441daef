/**
 * The passes a training step makes over one GPU's whole local gradient buffer, apart from the
 * optimizer (which runs over its shard only under a distributed optimizer). Megatron-Core's DDP
 * keeps every gradient in one contiguous buffer (fp32 under Megatron-LM's bf16, which forces
 * `accumulate_allreduce_grads_in_fp32`), and each step (Megatron-LM core_r0.8.0,
 * megatron/core/distributed/param_and_grad_buffer.py; the same at d98e8a64):
 * - `reset()` zeroes it (`grad_data.zero_()`) before the first micro-batch: one write;
 * - `start_grad_sync()`, bucket by bucket before the reduction, takes `grad_data.norm(p=2)` and asserts
 *   it is not NaN when `check_for_nan_in_grad` is on (Megatron-LM's default; --no-check-for-nan-in-loss-
 *   and-grad turns it off): one read;
 * - then scales the bucket by `gradient_scaling_factor` (1/DP, unless --ddp-average-in-collective
 *   folds it into the collective): one read and one write, when DP > 1.
 * docs/sources/small-models.md (b).
 */
import type { GradBufferMode } from '../config/execution-schema.js';
import type { Kernel } from './kernel.js';

/** What the passes need to know: the gradients this GPU holds, their bytes, and the DP size. */
export interface GradBufferInput {
  /** Parameters whose gradients this GPU's buffer holds (all of its stage's, not the optimizer's shard). */
  params: number;
  /** Bytes per gradient element in the buffer (4 for fp32 main gradients, 2 for 16-bit). */
  gradBytes: number;
  /** Data-parallel size: the 1/DP scaling runs only when there is more than one replica. */
  dp: number;
}

/** Buffer passes per step under `megatron`: zero (write), NaN-check norm (read), and with DP > 1 the scaling (read + write). */
export function gradBufferPassesPerStep(dp: number): number {
  return dp > 1 ? 4 : 2;
}

/** The memory-bound kernels one step runs over the local gradient buffer; none under `off`. */
export function gradBufferKernels(mode: GradBufferMode, x: GradBufferInput): Kernel[] {
  if (mode === 'off' || x.params <= 0) return [];
  const buffer = x.params * x.gradBytes;
  const out: Kernel[] = [
    { kind: 'memory', name: 'grad-buffer.zero', bytes: buffer },
    { kind: 'memory', name: 'grad-buffer.nan-check-norm', bytes: buffer },
  ];
  if (x.dp > 1) out.push({ kind: 'memory', name: 'grad-buffer.scale', bytes: 2 * buffer });
  return out;
}

/**
 * Per micro-batch under `megatron`: a parameter whose gradient is not accumulated into the buffer by its
 * own GEMM (Transformer Engine's and Megatron's Linear layers fuse that into the weight-gradient GEMM;
 * the embedding table's gradient comes from PyTorch's embedding backward as a 16-bit `.grad`) is added
 * by DDP's hook: `param.main_grad.add_(param.grad.data)` (core_r0.8.0 distributed_data_parallel.py
 * `_make_param_hook`): read the 16-bit gradient (2 B), read and write the buffer's element. Counted for
 * the embedding table; the norms' and biases' few parameters are left out.
 */
export function mainGradAddKernels(mode: GradBufferMode, elements: number, gradBytes: number): Kernel[] {
  if (mode === 'off' || elements <= 0) return [];
  return [{ kind: 'memory', name: 'grad-buffer.main-grad-add', bytes: elements * (2 + 2 * gradBytes) }];
}
