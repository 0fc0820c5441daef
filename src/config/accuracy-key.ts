/**
 * What the stated accuracy of a prediction depends on: the GPU, the precision class, and the kinds
 * of execution the validation suite shows err differently (fused or eager kernels, mixture of
 * experts, weights sharded by ZeRO-3 / FSDP). A result carries its key; the caller looks the
 * record up in the validation suite's table, so the engine never reaches up to the suite.
 */
import type { KernelStyle } from './execution-schema.js';
import type { Scenario } from './resolve.js';

/** bf16 and fp16 run at the same speed: their runs speak for each other. */
export const precisionClass = (p: string): string => (p === 'bf16' || p === 'fp16' ? '16-bit' : p);

export interface AccuracyKey {
  /** GPU preset name. */
  gpu: string;
  /** `16-bit` (bf16 or fp16) or `fp8`. */
  precision: string;
  /** The stacks' elementwise kernels: fused (Megatron-LM, TE) or eager PyTorch. */
  kernels: KernelStyle;
  /** Mixture-of-experts runs (dense runs do not speak for them, nor they for dense ones). */
  moe: boolean;
  /**
   * Weights sharded across data-parallel ranks and gathered every layer (ZeRO-3, FSDP full shard):
   * the suite's such runs err apart from the replicated ones (DeepSpeed ZeRO-3's by 43-119%).
   */
  shardedWeights: boolean;
}

export function accuracyKeyOf(s: Scenario): AccuracyKey {
  return {
    gpu: s.system.gpu.name,
    precision: precisionClass(s.exec.precision),
    kernels: s.exec.kernels,
    moe: s.model.moe !== undefined,
    shardedWeights: s.exec.zero >= 3,
  };
}
