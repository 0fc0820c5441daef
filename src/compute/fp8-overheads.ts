/**
 * What an FP8 training step costs besides its FP8 GEMMs and the cast-transposes that layer-kernels.ts
 * counts in every mode (read 16 bits, write FP8 and its transpose: 4 B an element; the weights once a
 * step), as Transformer Engine launches it under each recipe. Sources: docs/sources/fp8.md.
 *
 *   1. Amax passes. Current scaling finds each tensor's amax before it casts, a second read of the
 *      16-bit tensor ("requires reading the tensor twice", TE's current-scaling page). TE fuses that
 *      read into the LayerNorm and the activation (normalization.cpp FUSED_NORM_AMAX_FP8,
 *      activation.cpp), so the QKV, FC1 and FC2 inputs skip it; the projection's input (the attention
 *      output), the four output gradients and the weights pay it. Each cast also launches its own
 *      scale kernel (quantizer.cpp: nvte_compute_amax, nvte_compute_scale_from_amax, nvte_quantize_v2).
 *      Delayed scaling takes the amax inside the cast and needs neither.
 *   2. MXFP8 writes one E8M0 scale per 32 elements for each of its rowwise and columnwise copies.
 *   3. Amax reductions. Delayed scaling all-reduces (MAX) the amaxes of a model chunk's FP8 tensors
 *      over TP x DP x CP once when its forward pass ends and once in its backward pass, for every
 *      micro-batch, blocking (TE quantization.py reduce_and_update_fp8_tensors, async_op=False;
 *      Megatron-Core get_amax_reduction_group and the block-wide fp8 context), then updates the amax
 *      histories and scales in one fused kernel. The group and the wait depend on the stack
 *      (`fp8AmaxReduction`): Megatron-Core 0.8 reduced over TP x CP only, as `tp_only_amax_red` does
 *      from 0.9; TE 0.8-1.5 could drop DP (NVTE_DP_AMAX_REDUCE_INTERVAL=0) and leave the backward
 *      pass's reduction running until the next backward pass (NVTE_ASYNC_AMAX_REDUCTION=1: the
 *      forward one is waited for by the next region's first module right after it is issued).
 *      Current scaling all-reduces one amax over TP for each tensor that sequence parallelism gathers
 *      (QKV and FC1 inputs forward; projection and FC2 output gradients backward: linear.py
 *      set_quantizer_amax_reduction_group) and waits for it.
 *   4. FP8 GEMMs' fixed cost per output tile (prologue, epilogue, the 16-bit output) does not halve
 *      with the main loop, so a short reduction dimension costs FP8 more: see fp8TileFactor.
 *
 * The weight cast stays once a step under pipelining: Megatron-Core passes TE is_first_microbatch (its
 * disable_parameter_transpose_cache is false by default, as in NeMo's and Megatron-Bridge's recipes),
 * so TE casts each chunk's weights on its first micro-batch and reuses them.
 *
 * Not counted: TE's delayed-scaling LayerNorm writes FP8 directly (normalization.cpp FULLY_FUSED), about
 * 3 B an element of the QKV and FC1 inputs less than the norm plus cast counted here (0.5% of a Llama 3
 * 8B layer's time), which would make FP8 faster. (FP8 all-gathers under sequence parallelism are
 * counted since 2026-12-03: step-costs.ts, docs/sources/fp8.md sec. 7.)
 */
import type { Execution, Fp8AmaxReduction, Fp8Overheads, Fp8Recipe } from '../config/execution-schema.js';
import type { GpuSpec } from '../config/system-schema.js';
import type { GemmKernel, Kernel } from './kernel.js';

/** The FP8 settings a layer's kernels need. */
export interface Fp8Settings {
  fp8Overheads?: Fp8Overheads;
  fp8Recipe?: Fp8Recipe;
}

/** Whether Transformer Engine's FP8 is counted beyond the cast-transposes (execution fp8Overheads te). */
export const countsTe = (s: Fp8Settings): boolean => s.fp8Overheads === 'te';

/**
 * Bytes per element of Transformer Engine's FP8 cast-transpose: read the 16-bit tensor (2), write it
 * in FP8 (1) and, for the GEMM that needs the other layout (wgrad or dgrad on Hopper), transposed (1);
 * the amax for the scale is taken in the same pass. With these bytes, quantizing inputs, gradients
 * and weights adds 10-18% to the raw FP8 GEMM time of TE's 5B-model benchmark layer on H200 (2,048 to
 * 16,384 tokens); TE measures 14% (1.92x raw, 1.69x with quantization, over BF16;
 * docs/sources/gpu-efficiency.md sec. 9; test in layer-kernels.test.ts).
 */
export const FP8_CAST_TRANSPOSE_BYTES = 4;

/** Read the 16-bit tensor (2), write it in FP8 (1): a per-tensor cast with no transposed copy. */
export const FP8_CAST_BYTES = 3;

/** The FP8 settings a cast needs: the recipe and whether the GPU's FP8 GEMMs take any layout (GpuSpec.fp8AnyLayoutGemm). */
export type Fp8CastSettings = Fp8Settings & { fp8AnyLayoutGemm?: boolean };

/**
 * Bytes per element of one FP8 quantization under the shape's recipe and GPU: the cast-transpose, or
 * under `fp8Overheads: te` on a GPU whose FP8 GEMMs take any layout (Blackwell) a per-tensor cast that
 * writes no transposed copy, read 2 and write 1 (Transformer Engine's Float8Quantizer and
 * Float8CurrentScalingQuantizer create the transpose only where nvte_is_non_tn_fp8_gemm_supported() is
 * false, i.e. before sm_100). MXFP8 keeps both copies: its scales run along the other axis in each.
 */
export const fp8CastBytes = (s: Fp8CastSettings): number =>
  countsTe(s) && s.fp8AnyLayoutGemm === true && s.fp8Recipe !== 'mxfp8' ? FP8_CAST_BYTES : FP8_CAST_TRANSPOSE_BYTES;

/** Bytes per element of current scaling's amax pass: one more read of the 16-bit tensor. */
export const CURRENT_SCALING_AMAX_BYTES = 2;

/** Bytes per element of MXFP8's scales: one byte (E8M0) per 32 elements, for the rowwise and the columnwise copy. */
export const MXFP8_SCALE_BYTES = 2 / 32;

/**
 * How much longer an FP8 GEMM's fixed cost per tile is than a 16-bit one's, in elements of K: the
 * half-rate K of FP8 over FP16 in TileLang's M = N = 8192 K sweeps on H800 (7 points each, K 256 to
 * 16,384; least-squares fit of R k / (k + K) in log space): FP16 262, FP8 458 (docs/sources/fp8.md).
 */
export const FP8_HALF_RATE_K_RATIO = 1.75;

/**
 * The K at which the presets' FP8 GEMM fraction was derived (calibration/derive-efficiency.ts divides
 * the measured 8192^3 FP8 rate by the 16-bit shape efficiency there, SUSTAINED_GEMM_N): the factor is
 * 1 there, so the measured point is kept.
 */
export const FP8_RATE_REFERENCE_K = 8192;

/**
 * The factor on an FP8 GEMM's rate from its longer fixed cost per tile, relative to the 16-bit
 * half-rate K the shape model applies (kernel.ts gemmShapeEfficiency). At most 1: above the
 * reference K the two curves differ by under 1%.
 */
export function fp8TileFactor(gpu: GpuSpec, k: number): number {
  const k0 = gpu.efficiency.gemmHalfRateK;
  const ratio = (kk: number): number => (kk + k0) / (kk + FP8_HALF_RATE_K_RATIO * k0);
  return Math.min(1, ratio(k) / ratio(FP8_RATE_REFERENCE_K));
}

/** The layer's FP8 GEMMs marked to pay FP8's fixed cost per tile (kernel.ts reads the mark). */
export function markFp8Gemms(kernels: Kernel[], s: Fp8Settings): Kernel[] {
  if (!countsTe(s)) return kernels;
  const blockScaled = s.fp8Recipe === 'mxfp8';
  return kernels.map((k) => (k.kind === 'gemm' && k.precision === 'fp8' ? { ...k, fp8TileOverhead: true, blockScaled } : k));
}

/**
 * An MXFP8 GEMM's rate over a per-tensor FP8 GEMM's at the same shapes: Transformer Engine's GEMM benchmark
 * of a 5B model's layer (hidden 4096, FFN 16384, 15,872 tokens; the 12 forward, dgrad and wgrad GEMMs) with
 * its inputs quantized beforehand, so that only the kernels are timed, on a B300: 7.161 ms a layer for MXFP8
 * against 6.812 ms for FP8 current scaling (TE docs/examples/gemm_profiling/gemm_profiling.rst @1609c890e,
 * "--pre-quantize"). Taken for every GPU that runs MXFP8 (Blackwell): a B300 is the one measured.
 * docs/sources/fp8.md sec. 10
 */
export const MXFP8_GEMM_RATE = 6.812 / 7.161;

const mem = (name: string, bytes: number): Kernel => ({ kind: 'memory', name, bytes });

/**
 * Quantization work beyond the cast-transpose for one FP8 GEMM's activation input (forward) or output
 * gradient (backward). `fusedAmax`: the tensor comes from a LayerNorm or an activation that takes its
 * amax in the same kernel (QKV, FC1 and FC2 inputs).
 */
export function fp8QuantizeExtras(g: GemmKernel, pass: 'forward' | 'backward', fusedAmax: boolean, s: Fp8Settings, share = 1): Kernel[] {
  if (!countsTe(s) || g.precision !== 'fp8') return [];
  const elements = fp8QuantizedElements(g, pass, share);
  if (s.fp8Recipe === 'current') {
    // A zero-byte kernel costs the launch gap: the scale kernel.
    const amax = fusedAmax ? [] : [mem(`${g.name}.amax-${pass}`, CURRENT_SCALING_AMAX_BYTES * elements)];
    return [...amax, mem(`${g.name}.scale-${pass}`, 0)];
  }
  if (s.fp8Recipe === 'mxfp8') return [mem(`${g.name}.mx-scales-${pass}`, MXFP8_SCALE_BYTES * elements)];
  return [];
}

/**
 * Elements of the tensor an FP8 GEMM quantizes: its activation input (forward) or its output gradient
 * (backward). `share`: this GPU's slice of it, where the tensor is quantized before a sequence-parallel
 * all-gather (layer-kernels.ts).
 */
export const fp8QuantizedElements = (g: GemmKernel, pass: 'forward' | 'backward', share = 1): number =>
  (pass === 'forward' ? g.m * g.k * g.batch : g.m * g.n * g.batch) * share;

/** Once a step: the weights' quantization beyond their cast-transpose (current scaling's amax pass, MXFP8's scales). */
export function fp8WeightExtras(weightParams: number, s: Fp8Settings): Kernel[] {
  if (!countsTe(s)) return [];
  if (s.fp8Recipe === 'current') return [mem('fp8-weight-amax', CURRENT_SCALING_AMAX_BYTES * weightParams)];
  if (s.fp8Recipe === 'mxfp8') return [mem('fp8-weight-mx-scales', MXFP8_SCALE_BYTES * weightParams)];
  return [];
}

/** FP8 tensors a layer's four Linear modules track in delayed scaling: input, weight and output forward (TE's fp8 meta). */
const DELAYED_TENSORS_PER_LAYER = 4 * 3;
/** Amax history length: TE DelayedScaling's default, 1024 (common/recipe/__init__.py). */
export const AMAX_HISTORY_LENGTH = 1024;

/** An amax all-reduce: its bytes and the group it runs over (`tp`; `tp-cp`: TP x CP; `amax`: TP x DP x CP). */
export interface AmaxReduction {
  bytes: number;
  group: 'tp' | 'tp-cp' | 'amax';
  /** How many per forward (or backward) pass of one layer, or of one model chunk. */
  perLayer: number;
  perChunk: number;
}

/**
 * The amax reductions of one forward (or backward) pass that the step waits for, for the recipe; none when
 * overheads are off or the run is not FP8. Delayed scaling's `fp8AmaxReduction` defaults to `tp-dp-cp`.
 */
export function fp8AmaxReductions(
  e: Pick<Execution, 'precision' | 'fp8Overheads' | 'fp8Recipe' | 'sp' | 'tp'> & { fp8AmaxReduction?: Fp8AmaxReduction },
  chunkLayers: number,
  pass: 'forward' | 'backward' = 'forward',
): AmaxReduction[] {
  if (e.precision !== 'fp8' || e.fp8Overheads !== 'te') return [];
  if (e.fp8Recipe === 'delayed') {
    const mode = e.fp8AmaxReduction ?? 'tp-dp-cp';
    // TE <= 1.5's asynchronous reduction: the backward one is waited for at the next backward pass, behind that
    // micro-batch's forward work (module/base.py _prepare_backward); the forward one right after it is issued.
    if (mode === 'tp-cp-async' && pass === 'backward') return [];
    return [{ bytes: 4 * DELAYED_TENSORS_PER_LAYER * chunkLayers, group: mode === 'tp-dp-cp' ? 'amax' : 'tp-cp', perLayer: 0, perChunk: 1 }];
  }
  // Two gathered tensors a pass per layer (QKV and FC1 inputs forward, projection and FC2 gradients backward).
  if (e.fp8Recipe === 'current' && e.sp && e.tp > 1) return [{ bytes: 4, group: 'tp', perLayer: 2, perChunk: 0 }];
  return [];
}

/**
 * Delayed scaling's update after each reduction, per chunk pass: concatenate the amaxes, the fused
 * amax-and-scale update (reads and writes every history: 8 B a slot), split them back.
 */
export function fp8ScaleUpdateKernels(e: Pick<Execution, 'precision' | 'fp8Overheads' | 'fp8Recipe'>, chunkLayers: number): Kernel[] {
  if (e.precision !== 'fp8' || e.fp8Overheads !== 'te' || e.fp8Recipe !== 'delayed') return [];
  const slots = DELAYED_TENSORS_PER_LAYER * chunkLayers;
  return [mem('amax-cat', 8 * slots), mem('amax-scale-update', 8 * AMAX_HISTORY_LENGTH * slots), mem('amax-split', 8 * slots)];
}
