/**
 * The kernels of one transformer layer, of the embedding, of the logits and
 * loss, and of the optimizer step, as one GPU of a TP (and CP, EP) group runs
 * them for one micro-batch. Shapes follow Megatron-LM's tensor-parallel split
 * (Shoeybi et al. 2019): QKV and FC1 split by columns, projection and FC2 by
 * rows. Norms, dropout and residual adds run on the whole sequence on every
 * TP rank unless sequence parallelism shards them (Korthikanti et al. 2022).
 */
import type { ModelSpec } from '../config/model-schema.js';
import { isFusedAttention, type OptimizerKernel } from '../config/execution-schema.js';
import { expertFfnHidden, headDim } from '../model/transformer.js';
import type { AttentionKernel, GemmKernel, Kernel } from './kernel.js';
import { elementwiseForwardEager } from './eager-elementwise.js';
import { fp8CastBytes, fp8QuantizedElements, fp8QuantizeExtras, fp8WeightExtras, markFp8Gemms, type Fp8CastSettings } from './fp8-overheads.js';
import {
  ACT_BYTES,
  elementwiseTokens,
  gemm,
  layerGemms,
  localTokens,
  routedTokensPerGpu,
  selectiveOpSplit,
  type ShardShape,
} from './shard-shape.js';

/** dgrad and wgrad GEMMs for a forward GEMM C = A x W. */
function backwardGemms(g: GemmKernel): GemmKernel[] {
  return [
    gemm(`${g.name}.dgrad`, g.m, g.k, g.n, g.precision, g.batch),
    gemm(`${g.name}.wgrad`, g.k, g.n, g.m, g.precision, g.batch),
  ];
}

/**
 * FP8 GEMMs need their activation input (forward) or output gradient (backward) cast and scaled.
 * `share`: the part of the GEMM's tensor this GPU casts. Under sequence parallelism a tensor that is
 * all-gathered before its GEMM (the QKV and FC1 inputs forward, the projection's and FC2's output
 * gradients backward) is cast on this GPU's 1/TP slice before the gather, which then moves FP8
 * (Transformer Engine; step-costs.ts counts the gather at one byte; docs/sources/fp8.md sec. 5).
 */
function fp8Casts(g: GemmKernel, pass: 'forward' | 'backward', s: ShardShape, share = 1): Kernel[] {
  if (g.precision !== 'fp8') return [];
  return [{ kind: 'memory', name: `${g.name}.cast-${pass}`, bytes: fp8CastBytes(s) * fp8QuantizedElements(g, pass, share) }];
}

/**
 * The FP8 copies of the weights, made once per step: TE casts (and transposes) the updated weights
 * on the first micro-batch and reuses them for the rest (Megatron passes is_first_microbatch).
 */
export function fp8WeightCastKernels(weightParams: number, fp8: Fp8CastSettings = {}): Kernel[] {
  return [{ kind: 'memory', name: 'fp8-weight-cast', bytes: fp8CastBytes(fp8) * weightParams }, ...fp8WeightExtras(weightParams, fp8)];
}

/** The attention core (scores, softmax, context) in the forward pass. */
function attentionCoreForward(m: ModelSpec, s: ShardShape): Kernel[] {
  const headsLocal = m.heads / s.tp;
  const d = headDim(m);
  const sq = s.seq / s.cp;
  if (isFusedAttention(s.attention)) {
    // Causal masking halves the work a fused kernel executes.
    const flops = 0.5 * 4 * s.mbs * sq * s.seq * headsLocal * d;
    const implementation = s.attention === 'flash-triton' ? 'triton' : 'fa2';
    return [{ kind: 'attention', name: 'flash-attention', pass: 'forward', flops, implementation }];
  }
  const scores = s.mbs * headsLocal * sq * s.seq;
  const dropout: Kernel[] = m.dropout ? [{ kind: 'memory', name: 'attention-dropout', bytes: 5 * scores }] : [];
  return [
    gemm('scores', sq, s.seq, d, 'bf16', s.mbs * headsLocal),
    // Fused scale, mask and softmax: read and write the scores once.
    { kind: 'memory', name: 'softmax', bytes: 2 * ACT_BYTES * scores },
    ...dropout,
    gemm('context', sq, d, s.seq, 'bf16', s.mbs * headsLocal),
  ];
}

function attentionCoreBackward(m: ModelSpec, s: ShardShape): Kernel[] {
  if (isFusedAttention(s.attention)) {
    const fwd = attentionCoreForward(m, s)[0] as AttentionKernel;
    // FlashAttention's backward runs five GEMMs to the forward's two (Dao 2023).
    return [{ ...fwd, name: 'flash-attention.bwd', pass: 'backward', flops: 2.5 * fwd.flops }];
  }
  const headsLocal = m.heads / s.tp;
  const d = headDim(m);
  const sq = s.seq / s.cp;
  const scores = s.mbs * headsLocal * sq * s.seq;
  const batch = s.mbs * headsLocal;
  const dropout: Kernel[] = m.dropout ? [{ kind: 'memory', name: 'attention-dropout.bwd', bytes: 5 * scores }] : [];
  return [
    ...backwardGemms(gemm('context', sq, d, s.seq, 'bf16', batch)),
    ...dropout,
    { kind: 'memory', name: 'softmax.bwd', bytes: 3 * ACT_BYTES * scores },
    ...backwardGemms(gemm('scores', sq, s.seq, d, 'bf16', batch)),
  ];
}

/** Memory-bound kernels around the GEMMs (norms, activation, residuals, rotary), forward. */
function elementwiseForward(m: ModelSpec, s: ShardShape): Kernel[] {
  const te = elementwiseTokens(s);
  const t = localTokens(s);
  const h = m.hidden;
  const d = headDim(m);
  const f = expertFfnHidden(m);
  const mlpElems = m.moe ? routedTokensPerGpu(m, s) * f : (t * f) / s.tp;
  const residual = (m.dropout ? 7 : 6) * te * h; // read x and residual, write sum (+ dropout mask)
  const actBytes = (m.ffnAct === 'swiglu' ? 3 : 2) * ACT_BYTES * mlpElems;
  const out: Kernel[] = [
    { kind: 'memory', name: 'norm1', bytes: 2 * ACT_BYTES * te * h },
    { kind: 'memory', name: 'residual1', bytes: residual },
    { kind: 'memory', name: 'norm2', bytes: 2 * ACT_BYTES * te * h },
    { kind: 'memory', name: 'activation', bytes: actBytes },
    { kind: 'memory', name: 'residual2', bytes: residual },
  ];
  if (m.positional === 'rope') {
    out.push({ kind: 'memory', name: 'rotary', bytes: 2 * ACT_BYTES * ((t * (m.heads + m.kvHeads) * d) / s.tp) });
  }
  if (m.moe) {
    // Router logits, top-k and the permutation of tokens to experts and back.
    out.push({ kind: 'memory', name: 'moe-permute', bytes: 4 * ACT_BYTES * t * h * m.moe.topK });
  }
  return out;
}

/** The kernels of one layer, per micro-batch, for one GPU. */
export interface LayerKernels {
  forward: Kernel[];
  backward: Kernel[];
  /** Extra forward work done before the backward pass, by the recompute mode. */
  recompute: Kernel[];
}

/**
 * Bytes per weight element autocast moves when the weights are fp32: read 4, write the bf16 copy 2,
 * once per forward (the copy is saved for the backward); and the same again to turn the bf16 weight
 * gradient into the fp32 gradient (torch.autocast caches casts only within one forward).
 */
const AUTOCAST_CAST_BYTES = 6;

export function layerKernels(m: ModelSpec, s: ShardShape): LayerKernels {
  const g = layerGemms(m, s);
  const core = attentionCoreForward(m, s);
  const elementwise = s.kernels === 'eager' ? elementwiseForwardEager(m, s) : elementwiseForward(m, s);
  const gemms = [g.qkv, g.proj, g.fc1, g.fc2];
  // The share of each GEMM's quantized tensor this GPU casts (fp8Casts): 1/TP for those all-gathered under
  // SP, the QKV and FC1 inputs forward and the projection's and FC2's output gradients backward.
  const slice = s.sp && s.tp > 1 ? 1 / s.tp : 1;
  const forwardShare = (x: GemmKernel): number => (x === g.qkv || x === g.fc1 ? slice : 1);
  const backwardShare = (x: GemmKernel): number => (x === g.proj || x === g.fc2 ? slice : 1);
  const forward: Kernel[] = [
    ...elementwise,
    ...gemms.flatMap((x) => fp8Casts(x, 'forward', s, forwardShare(x))),
    // Under fp8Overheads te: what the recipe adds to each cast (the projection's input has no fused amax).
    ...gemms.flatMap((x) => fp8QuantizeExtras(x, 'forward', x !== g.proj, s, forwardShare(x))),
    g.qkv,
    ...core,
    g.proj,
    g.fc1,
    g.fc2,
  ];
  if (m.moe) {
    const router = gemm('router', localTokens(s), m.moe.experts, m.hidden, 'bf16');
    forward.push(router);
  }
  // fp32 weights: autocast casts each GEMM's weight (k x n per batch entry) at each forward.
  const weights = s.weightDtype === 'fp32' ? gemms.reduce((n, x) => n + x.k * x.n * x.batch, 0) : 0;
  if (weights > 0) forward.push({ kind: 'memory', name: 'weight-cast', bytes: AUTOCAST_CAST_BYTES * weights });
  // Backward moves about twice the bytes of the forward for elementwise work
  // (reads the saved input and the incoming gradient, writes the gradient).
  const backward: Kernel[] = [
    ...elementwise.map((k) => ({ ...k, name: `${k.name}.bwd`, bytes: 2 * (k as { bytes: number }).bytes })),
    ...gemms.flatMap((x) => fp8Casts(x, 'backward', s, backwardShare(x))),
    ...gemms.flatMap((x) => fp8QuantizeExtras(x, 'backward', false, s, backwardShare(x))),
    ...[g.fc2, g.fc1, g.proj].flatMap(backwardGemms),
    ...attentionCoreBackward(m, s),
    ...backwardGemms(g.qkv),
    ...(weights > 0 ? [{ kind: 'memory' as const, name: 'grad-cast', bytes: AUTOCAST_CAST_BYTES * weights }] : []),
  ];
  let recompute: Kernel[] = [];
  if (s.recompute === 'full') recompute = forward;
  // Per-op selective: the elementwise work and every second matmul run again; the attention's output is kept.
  else if (s.recompute === 'selective-op') {
    // An unfused attention core is not in the save list (batched matmuls, softmax): it runs again too.
    recompute = [...elementwise, ...selectiveOpSplit(m, s).recomputed, ...(isFusedAttention(s.attention) ? [] : core)];
  }
  // Selective recompute re-runs the attention core (Korthikanti et al.), whatever its kernel: Megatron-Core
  // wraps core_attention in a checkpoint, a fused kernel included, so a fused kernel's forward runs a second
  // time before its backward (megatron/core/transformer/attention.py _checkpointed_attention_forward, May 2024
  // and core_v0.15: recompute_granularity 'selective' with "core_attn" in recompute_modules, the default).
  // Until 2026-12-03 the twin charged a fused kernel nothing here.
  else if (s.recompute === 'selective') recompute = core;
  return { forward: markFp8Gemms(forward, s), backward: markFp8Gemms(backward, s), recompute: markFp8Gemms(recompute, s) };
}

/** Token (and learned position) embedding lookup, forward and backward. */
export function embeddingKernels(m: ModelSpec, s: ShardShape): { forward: Kernel[]; backward: Kernel[] } {
  const t = localTokens(s);
  const te = elementwiseTokens(s);
  const positions = m.positional === 'learned' ? 2 : 1;
  return {
    forward: [{ kind: 'memory', name: 'embedding', bytes: ACT_BYTES * (positions + 1) * t * m.hidden }],
    backward: [
      { kind: 'memory', name: 'embedding.bwd', bytes: ACT_BYTES * 3 * te * m.hidden },
      // The gradient of the (vocab/tp x hidden) table is zeroed and accumulated in fp32.
      { kind: 'memory', name: 'embedding.grad-zero', bytes: (4 * m.vocab * m.hidden) / s.tp },
    ],
  };
}

/** Bytes per logit the fp32 cross entropy moves, forward and backward (see logitsKernels). */
const CROSS_ENTROPY_FORWARD_BYTES = 6 + 4 + 8 + 8 + 4 + 8;
const CROSS_ENTROPY_BACKWARD_BYTES = 8 + 6;

/** Output projection to the vocabulary and the cross-entropy loss, forward and backward. */
export function logitsKernels(m: ModelSpec, s: ShardShape): { forward: Kernel[]; backward: Kernel[] } {
  const t = localTokens(s);
  const te = elementwiseTokens(s);
  // The output layer stays in 16-bit under FP8: Megatron-Core builds it as a plain
  // tensor_parallel.ColumnParallelLinear, not a Transformer Engine module, so fp8_autocast skips it.
  const p = s.precision === 'fp16' ? 'fp16' : 'bf16';
  const logits = gemm('logits', t, m.vocab / s.tp, m.hidden, p);
  const vocabElems = (t * m.vocab) / s.tp;
  return {
    forward: [
      { kind: 'memory', name: 'final-norm', bytes: 2 * ACT_BYTES * te * m.hidden },
      logits,
      // Megatron-LM's vocab-parallel cross entropy, in fp32, one pass per step:
      // cast (read 2, write 4), max (4), subtract (4 + 4), exp (4 + 4), sum (4), divide (4 + 4).
      { kind: 'memory', name: 'cross-entropy', bytes: CROSS_ENTROPY_FORWARD_BYTES * vocabElems },
    ],
    backward: [
      // Scale the saved softmax by the incoming gradient (4 + 4), cast back for the GEMM (4 + 2).
      { kind: 'memory', name: 'cross-entropy.bwd', bytes: CROSS_ENTROPY_BACKWARD_BYTES * vocabElems },
      ...backwardGemms(logits),
      { kind: 'memory', name: 'final-norm.bwd', bytes: 4 * ACT_BYTES * te * m.hidden },
    ],
  };
}

/**
 * Bytes the fused Adam step moves per parameter it updates: read and write the
 * fp32 master weight, both moments (24 B), read the fp32 gradient (4 B), write
 * the bf16 weight (2 B).
 */
export const ADAM_BYTES_PER_PARAM = 30;

/**
 * Bytes PyTorch's multi-tensor AdamW (torch.optim.AdamW, foreach: its default) moves per fp32
 * parameter, one pass per op of `_multi_tensor_adam`: decoupled weight decay p *= 1 - lr wd (read,
 * write: 8), m.lerp_(g) (12), v *= beta2 (8), v.addcmul_(g, g) (12), sqrt(v) into a new list (8),
 * divided by the bias correction (8), + eps (8), p.addcdiv_(m, denom) (16). Measured on H100
 * (calibration/results/h100-sxm-80g-2026-11-28.json, MPT-1B's 1.31B parameters): 39.0 ms of
 * multi_tensor_apply kernels, 87.6 bytes a parameter at the preset's HBM rate. Composer's
 * DecoupledAdamW runs the same ops parameter by parameter (more launches, about the same bytes).
 */
export const FOREACH_ADAMW_BYTES_PER_PARAM = 80;

/** The optimizer step over `params` parameters held by this GPU. */
export function optimizerKernels(params: number, kernel: OptimizerKernel = 'fused'): Kernel[] {
  if (kernel === 'foreach') return [{ kind: 'memory', name: 'adamw-foreach', bytes: FOREACH_ADAMW_BYTES_PER_PARAM * params }];
  return [{ kind: 'memory', name: 'adam', bytes: ADAM_BYTES_PER_PARAM * params }];
}
