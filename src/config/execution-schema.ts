/**
 * The execution axis: how one job uses the machine (parallelism, batch,
 * recompute, precision, overlap). `resolveExecution` fills the defaults and
 * checks that the split is valid for the model and GPU count.
 */
import { z } from 'zod';
import type { TokensSource } from './training-tokens.js';

/**
 * Activation recompute: `selective` re-runs the attention core (Korthikanti et al.; a fused kernel's
 * forward too: Megatron-Core checkpoints core_attention whatever its kernel); `selective-op`
 * is torchtitan's per-op policy (save every matmul's and attention's output except every second
 * matmul's, recompute the rest); `full` re-runs the whole layer from its input.
 */
export const RECOMPUTE_MODES = ['none', 'selective', 'selective-op', 'full'] as const;
/** The modes the planner searches (selective-op is a stack's own policy, chosen with --recompute). */
export const PLANNED_RECOMPUTE_MODES = ['none', 'selective', 'full'] as const;
export const PRECISIONS = ['bf16', 'fp16', 'fp8'] as const;
/**
 * Attention kernels: `flash` (FlashAttention-2 class, fused), `flash-triton` (the fused FlashAttention
 * kernel written in Triton that stacks such as llm-foundry's MPT used for ALiBi), `unfused` (scores
 * materialized, separate softmax).
 */
export const ATTENTION_KERNELS = ['flash', 'flash-triton', 'unfused'] as const;
export const OVERLAP_KINDS = ['tp', 'dp', 'pp'] as const;
/**
 * What overlapped communication costs the compute beside it (schedule/overlap-interference.ts): `none`
 * (the SMs it holds, by their share), `sms` (the GEMM's waves recounted on the SMs left, a gap per
 * chunk hand-over), `sms-hbm` (also the HBM traffic the transfers make), `both-ways` (also the
 * transfers slowed by the HBM traffic of the compute beside them).
 */
export const OVERLAP_INTERFERENCE_MODES = ['none', 'sms', 'sms-hbm', 'both-ways'] as const;
export type OverlapInterference = (typeof OVERLAP_INTERFERENCE_MODES)[number];
/** Elementwise kernels: fused (Megatron-LM, Transformer Engine) or eager PyTorch reference code. */
export const KERNEL_STYLES = ['fused', 'eager'] as const;

export type RecomputeMode = (typeof RECOMPUTE_MODES)[number];
export type Precision = (typeof PRECISIONS)[number];
export type AttentionKernel = (typeof ATTENTION_KERNELS)[number];
export type KernelStyle = (typeof KERNEL_STYLES)[number];

/**
 * What autocast's cache of 16-bit weight copies holds when the weights are fp32: every weight's copy
 * until the forward pass ends (`forward`: PyTorch caches casts of fp32 leaf weights for the autocast
 * region; DDP, a single GPU, FSDP2), or nothing (`none`: FSDP1 runs the forward pass on views into its
 * flat parameters, which are not leaves).
 */
export const AUTOCAST_CACHES = ['forward', 'none'] as const;

/**
 * The loss over the vocabulary: `fused` (Megatron-LM's vocab-parallel cross entropy, flash-attn's
 * fused cross entropy as llm-foundry uses it) or `eager` (the logits upcast to fp32, then
 * log_softmax: Hugging Face, torchtitan). It sets the loss's memory; its time is counted alike.
 */
export const LOSS_KERNELS = ['fused', 'eager'] as const;
export type LossKernel = (typeof LOSS_KERNELS)[number];
/**
 * The optimizer step's kernels: `fused` (Apex/Transformer Engine FusedAdam, PyTorch's fused=True: one
 * pass over the states) or `foreach` (PyTorch's default multi-tensor AdamW and loops like Composer's
 * DecoupledAdamW: each op of the update its own pass over HBM, about 80 bytes a parameter).
 */
export const OPTIMIZER_KERNELS = ['fused', 'foreach'] as const;
/**
 * FP8 beyond today's casts (compute/fp8-overheads.ts): `te` counts what a Transformer Engine FP8 Linear
 * does besides its GEMM under the recipe (amax passes and reductions, scale updates, FP8 GEMMs' longer
 * fixed cost per tile, MXFP8's block-scaled GEMM rate; no transposed copy where the GPU's FP8 GEMMs take any layout; the GEMM inputs kept
 * for the backward pass in FP8, memory/activations.ts); `off` counts only the cast-transposes and the
 * per-step weight cast, with 16-bit saved inputs (the model before).
 */
export const FP8_OVERHEADS = ['te', 'off'] as const;
export type Fp8Overheads = (typeof FP8_OVERHEADS)[number];
/** Transformer Engine's FP8 scaling recipe: delayed (amax history), current (per-tensor amax each cast), mxfp8 (1x32 blocks, Blackwell). */
export const FP8_RECIPES = ['delayed', 'current', 'mxfp8'] as const;
export type Fp8Recipe = (typeof FP8_RECIPES)[number];
/**
 * Where delayed scaling's amax all-reduce runs (compute/fp8-overheads.ts, docs/sources/fp8.md sec. 11):
 * `tp-dp-cp` over TP x DP x CP, blocking (Megatron-Core 0.3-0.7 and, by default, 0.9 onwards);
 * `tp-cp` over TP x CP only, blocking (Megatron-Core 0.8, and `tp_only_amax_red` from 0.9);
 * `tp-cp-async` over TP only (CP 1), the backward pass's left running until the next backward pass
 * (Transformer Engine 0.8-1.5 with NVTE_DP_AMAX_REDUCE_INTERVAL=0 and NVTE_ASYNC_AMAX_REDUCTION=1).
 */
export const FP8_AMAX_REDUCTIONS = ['tp-dp-cp', 'tp-cp', 'tp-cp-async'] as const;
export type Fp8AmaxReduction = (typeof FP8_AMAX_REDUCTIONS)[number];
/**
 * How TP overlap (userbuffers) reduce-scatters the projection and FC2 outputs (schedule/tp-comm.ts,
 * docs/sources/tp-overlap.md): `pipeline` (4 splits on SMs taken from the GEMM) or `ring-exchange` (TP
 * chunks sent by copy engine, then one sum of the partials). Defaults to ring-exchange under FP8 and
 * pipeline otherwise, as Megatron-Bridge and NeMo from v2.3 configure H100 and B200; NeMo's configurations
 * before v2.3 (and NeMo 1.0's, MLPerf v3.1's) pipelined FP8 too.
 */
export const TP_OVERLAP_RS_METHODS = ['pipeline', 'ring-exchange'] as const;
export type TpOverlapRsMethod = (typeof TP_OVERLAP_RS_METHODS)[number];
export type OptimizerKernel = (typeof OPTIMIZER_KERNELS)[number];
/**
 * The SM clock under the power cap: `step-mix` sets the compute rates from the step's own GEMM duty
 * through the GPU preset's measured `sustainedClock` curve (a GEMM-dense step settles at a lower clock;
 * compute/power-clock.ts); `off` keeps the preset's rates at every mix.
 */
export const POWER_CLOCK_MODES = ['step-mix', 'off'] as const;
export type PowerClockMode = (typeof POWER_CLOCK_MODES)[number];
/**
 * The host side of the step (compute/host-overhead.ts): `launch-queue` (the CPU issues every kernel
 * eagerly, the GPU waits where kernels are shorter than their issue), `cuda-graphs` (each layer pass
 * replayed as one CUDA graph: no per-kernel issue cost), or `off` (the GPU never waits for the host,
 * the twin before this model).
 */
export const HOST_OVERHEAD_MODES = ['launch-queue', 'cuda-graphs', 'off'] as const;
export type HostOverheadMode = (typeof HOST_OVERHEAD_MODES)[number];
/**
 * Waiting for the slowest rank (schedule/rank-variation.ts): `expected-max` adds, at the step's
 * barrier, the expected maximum over the job's GPUs of the per-GPU kernel-time spread (the GPU
 * preset's kernelTimeCv) times the compute between synchronisations (the default); `off` times every
 * GPU alike.
 */
export const RANK_VARIATIONS = ['expected-max', 'off'] as const;
export type RankVariation = (typeof RANK_VARIATIONS)[number];
/**
 * Without sequence parallelism, Megatron-LM all-reduces the input gradient of each column-parallel
 * layer (QKV, FC1) asynchronously while the layer's weight-gradient GEMM runs (schedule/tp-comm.ts
 * asyncAllReducePlan): `on` (the default; Megatron-LM since 2021-09-02, always on in Megatron-Core),
 * `off` for code before it, where the backward pass's all-reduces block.
 */
export const TP_ASYNC_ALLREDUCE_MODES = ['on', 'off'] as const;
export type TpAsyncAllreduceMode = (typeof TP_ASYNC_ALLREDUCE_MODES)[number];
/**
 * The passes a step makes over the local gradient buffer (compute/grad-buffer.ts): `megatron` (Megatron
 * DDP's contiguous buffer: zeroed every step, its norm checked for NaN and scaled by 1/DP before the
 * reduction, as Megatron-LM's training script runs it); `off` (the default) counts none.
 */
export const GRAD_BUFFER_MODES = ['megatron', 'off'] as const;
export type GradBufferMode = (typeof GRAD_BUFFER_MODES)[number];
export type AutocastCache = (typeof AUTOCAST_CACHES)[number];

/** Whether the attention kernel is fused (keeps no scores in memory, recomputes them in its backward). */
export const isFusedAttention = (a: AttentionKernel): boolean => a !== 'unfused';
export type OverlapKind = (typeof OVERLAP_KINDS)[number];

/** Which communication overlaps compute. */
export interface OverlapSwitches {
  /** TP collectives overlapped with the GEMMs beside them (Megatron-Core tp_comm_overlap, TE userbuffers; see schedule/tp-comm.ts). */
  tp: boolean;
  /** DP gradient reduction overlapped with the backward pass (bucketed). */
  dp: boolean;
  /** Pipeline sends and receives run asynchronously to compute. */
  pp: boolean;
}

/** A fully resolved execution: every field set, every product checked. */
export interface Execution {
  gpus: number;
  /** Sequence length, tokens. */
  seq: number;
  /** Global batch, sequences. */
  gbs: number;
  /** Micro-batch, sequences. */
  mbs: number;
  tp: number;
  pp: number;
  dp: number;
  cp: number;
  ep: number;
  /**
   * Expert tensor parallelism (Megatron-Core's expert_tensor_parallel_size, 0.10+): each expert's
   * weights split over `etp` ranks, with the expert rank grid ETP-fastest then EP (so EP peers sit
   * `etp` ranks apart) and the dispatcher all-gathering the routed tokens over ETP and
   * reduce-scattering them back (docs/sources/moe.md). `null`: the twin's older MoE model, kept as
   * the default: experts unsplit, EP peers carved out of DP (tp x cp ranks apart), and the MoE MLP
   * costed with the dense layer's TP collectives.
   */
  etp: number | null;
  /** Virtual pipeline stages per GPU (interleaved 1F1B when > 1). */
  vp: number;
  /** Sequence parallelism (TP all-reduce becomes reduce-scatter + all-gather). */
  sp: boolean;
  /** ZeRO stage; 1 is Megatron's distributed optimizer. */
  zero: 0 | 1 | 2 | 3;
  recompute: RecomputeMode;
  precision: Precision;
  overlap: OverlapSwitches;
  /**
   * What overlapped communication costs the compute beside it (schedule/overlap-interference.ts):
   * `none` (SMs by their share), `sms` (SMs with wave quantization, per-chunk hand-overs), `sms-hbm`
   * (also the HBM traffic the transfers make), `both-ways` (also the transfers slowed by the compute's
   * HBM traffic; the default).
   */
  overlapInterference: OverlapInterference;
  /** Training tokens for the whole run. */
  tokens: number;
  /** Where `tokens` came from: given by the scenario, the model's published figure, or Chinchilla's 20 a parameter. */
  tokensSource: TokensSource;
  /** Layers held by each pipeline stage (length pp, sums to the model's layers). */
  layersPerStage: number[];
  attention: AttentionKernel;
  /** Data type of the DP gradient reduction (Megatron reduces fp32 main grads by default). */
  gradReduceDtype: 'fp32' | 'bf16' | 'fp16';
  /**
   * Data type of the weights the GEMMs start from: `bf16` working copies (Megatron-LM; FSDP with a
   * 16-bit param_dtype), or `fp32` weights that PyTorch autocast casts at every use (plain AMP; FSDP
   * without a param_dtype, which then also gathers them in fp32).
   */
  weightDtype: 'bf16' | 'fp32';
  /**
   * How the layer's elementwise work runs: `fused` kernels (Megatron-LM, Transformer Engine: one pass
   * per norm, activation and residual add), or `eager` PyTorch reference code (each op its own kernel,
   * norms and rotary embeddings as the reference implementations write them, autocast's casts).
   */
  kernels: KernelStyle;
  /** With fp32 weights: what autocast's cache of 16-bit weight copies holds (see AUTOCAST_CACHES); defaults to `none` under ZeRO-3 (FSDP1), `forward` otherwise. */
  autocastCache: AutocastCache;
  /** The loss over the vocabulary (see LOSS_KERNELS); defaults to the kernel style. */
  lossKernel: LossKernel;
  /** The optimizer step's kernels (see OPTIMIZER_KERNELS); defaults to fused with fused kernels, foreach with eager. */
  optimizerKernel: OptimizerKernel;
  /** FP8's costs beyond the casts (see FP8_OVERHEADS); default te. */
  fp8Overheads: Fp8Overheads;
  /** FP8 scaling recipe (see FP8_RECIPES); default delayed, TE's default on Hopper. */
  fp8Recipe: Fp8Recipe;
  /** Delayed scaling's amax all-reduce: its group and whether the step waits for it (see FP8_AMAX_REDUCTIONS); default tp-dp-cp. */
  fp8AmaxReduction: Fp8AmaxReduction;
  /** TP overlap's reduce-scatter after the projection and FC2 (see TP_OVERLAP_RS_METHODS); defaults by precision. */
  tpOverlapReduceScatter: TpOverlapRsMethod;
  /** The sustained clock under the power cap from the step's mix, or the preset's rates (see POWER_CLOCK_MODES). */
  powerClock: PowerClockMode;
  /** How the host issues kernels (see HOST_OVERHEAD_MODES); defaults to `launch-queue`. */
  hostOverhead: HostOverheadMode;
  /** Waiting for the slowest rank (see RANK_VARIATIONS). */
  rankVariation: RankVariation;
  /** The backward pass's TP all-reduces (no SP) under the wgrad GEMMs, or blocking (see TP_ASYNC_ALLREDUCE_MODES). */
  tpAsyncAllreduce: TpAsyncAllreduceMode;
  /** Passes over the local gradient buffer each step (see GRAD_BUFFER_MODES). */
  gradBuffer: GradBufferMode;
  /** Micro-batches per pipeline per step (gbs / (mbs * dp)). */
  microbatches: number;
  /** Which network model times the communication: analytical (fast) or flow-level. */
  network: 'analytical' | 'flow';
  /**
   * Parameters per ZeRO-3 gather or reduce-scatter call; 0 gathers a whole
   * layer at once (FSDP's unit). DeepSpeed's stage3_prefetch_bucket_size is 5e7.
   */
  zeroBucketParams: number;
}

export const ExecutionDefaults = {
  seq: 2048,
  mbs: 1,
  cp: 1,
  ep: 1,
  vp: 1,
  zero: 1,
  recompute: 'selective',
  precision: 'bf16',
  overlap: { tp: false, dp: true, pp: true },
  overlapInterference: 'both-ways',
  attention: 'flash',
  gradReduceDtype: 'fp32',
  weightDtype: 'bf16',
  kernels: 'fused',
  fp8Overheads: 'te',
  fp8Recipe: 'delayed',
  fp8AmaxReduction: 'tp-dp-cp',
  network: 'analytical',
  zeroBucketParams: 0,
  powerClock: 'step-mix',
  hostOverhead: 'launch-queue',
  // On since 2026-12-03: with the asynchronous TP all-reduce counted and Narayanan et al.'s rows at their
  // launch script's micro-batches, every group stays inside its bound with the wait, and the A100 rows
  // lose their bias (docs/sources/variability.md, section 4d). The per-GPU spread is still a class-level
  // figure, not measured on A100, H100 or Blackwell.
  rankVariation: 'expected-max',
  // On: Megatron-LM's default since 2021-09-02 (docs/sources/tp-overlap.md, "The asynchronous all-reduce").
  tpAsyncAllreduce: 'on',
  // Off: the twin as it was before the gradient buffer's passes were counted (docs/sources/small-models.md).
  gradBuffer: 'off',
} as const;

export const OverlapInputSchema = z.union([
  z.string(),
  z.array(z.string()),
  z.object({ tp: z.boolean().optional(), dp: z.boolean().optional(), pp: z.boolean().optional() }),
]);
