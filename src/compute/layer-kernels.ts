/**
 * The kernels of one transformer layer, of the embedding, of the logits and
 * loss, and of the optimizer step, as one GPU of a TP (and CP, EP) group runs
 * them for one micro-batch. Shapes follow Megatron-LM's tensor-parallel split
 * (Shoeybi et al. 2019): QKV and FC1 split by columns, projection and FC2 by
 * rows. Norms, dropout and residual adds run on the whole sequence on every
 * TP rank unless sequence parallelism shards them (Korthikanti et al. 2022).
 */
import type { ModelSpec } from '../config/model-schema.js';
import { isFusedAttention, type AttentionKernel as AttentionImpl, type Precision, type RecomputeMode } from '../config/execution-schema.js';
import { expertFfnHidden, headDim } from '../model/transformer.js';
import type { AttentionKernel, GemmKernel, GemmPrecision, Kernel } from './kernel.js';

/** How one GPU's share of a micro-batch is shaped. */
export interface ShardShape {
  /** Micro-batch, sequences. */
  mbs: number;
  /** Full sequence length, tokens. */
  seq: number;
  tp: number;
  cp: number;
  ep: number;
  sp: boolean;
  attention: AttentionImpl;
  precision: Precision;
  recompute: RecomputeMode;
  /** fp32 weights are cast to 16 bits at every use, and their gradients back (PyTorch autocast). */
  weightDtype: 'bf16' | 'fp32';
  /** Fused elementwise kernels (Megatron-LM, TE) or eager PyTorch reference code. */
  kernels: 'fused' | 'eager';
}

/** Bytes per activation element (bf16/fp16). */
const ACT_BYTES = 2;

const gemmPrecision = (p: Precision): GemmPrecision => (p === 'fp8' ? 'fp8' : p === 'fp16' ? 'fp16' : 'bf16');

/** Tokens of the micro-batch this GPU holds along the sequence (after CP). */
export const localTokens = (s: ShardShape): number => (s.mbs * s.seq) / s.cp;

/** Tokens on which norms, dropout and residual adds run on this GPU. */
export const elementwiseTokens = (s: ShardShape): number => localTokens(s) / (s.sp ? s.tp : 1);

/**
 * Tokens one GPU runs through its experts in an MoE layer: its share of the
 * TP group's tokens, routed top-k times, padded to the capacity factor, after
 * the all-to-all has balanced them over the EP group.
 */
export function routedTokensPerGpu(m: ModelSpec, s: ShardShape): number {
  if (!m.moe) return 0;
  return (localTokens(s) / s.tp) * m.moe.topK * m.moe.capacityFactor;
}

function gemm(name: string, m: number, n: number, k: number, precision: GemmPrecision, batch = 1): GemmKernel {
  return { kind: 'gemm', name, m, n, k, batch, precision };
}

/** dgrad and wgrad GEMMs for a forward GEMM C = A x W. */
function backwardGemms(g: GemmKernel): GemmKernel[] {
  return [
    gemm(`${g.name}.dgrad`, g.m, g.k, g.n, g.precision, g.batch),
    gemm(`${g.name}.wgrad`, g.k, g.n, g.m, g.precision, g.batch),
  ];
}

/**
 * Bytes per element of Transformer Engine's FP8 cast-transpose: read the 16-bit tensor (2), write it
 * in FP8 (1) and, for the GEMM that needs the other layout (wgrad or dgrad on Hopper), transposed (1);
 * the amax for the scale is taken in the same pass. With these bytes, quantizing inputs, gradients
 * and weights adds 10-18% to the raw FP8 GEMM time of TE's 5B-model benchmark layer on H200 (2,048 to
 * 16,384 tokens); TE measures 14% (1.92x raw, 1.69x with quantization, over BF16;
 * docs/sources/gpu-efficiency.md sec. 9; test in layer-kernels.test.ts).
 */
export const FP8_CAST_TRANSPOSE_BYTES = 4;

/** FP8 GEMMs need their activation input (forward) or output gradient (backward) cast and scaled. */
function fp8Casts(g: GemmKernel, pass: 'forward' | 'backward'): Kernel[] {
  if (g.precision !== 'fp8') return [];
  const elements = pass === 'forward' ? g.m * g.k * g.batch : g.m * g.n * g.batch;
  return [{ kind: 'memory', name: `${g.name}.cast-${pass}`, bytes: FP8_CAST_TRANSPOSE_BYTES * elements }];
}

/**
 * The FP8 copies of the weights, made once per step: TE casts (and transposes) the updated weights
 * on the first micro-batch and reuses them for the rest (Megatron passes is_first_microbatch).
 */
export function fp8WeightCastKernels(weightParams: number): Kernel[] {
  return [{ kind: 'memory', name: 'fp8-weight-cast', bytes: FP8_CAST_TRANSPOSE_BYTES * weightParams }];
}

interface LayerGemms {
  qkv: GemmKernel;
  proj: GemmKernel;
  fc1: GemmKernel;
  fc2: GemmKernel;
}

function layerGemms(m: ModelSpec, s: ShardShape): LayerGemms {
  const t = localTokens(s);
  const d = headDim(m);
  const p = gemmPrecision(s.precision);
  const f = expertFfnHidden(m);
  const fc1Width = (m.ffnAct === 'swiglu' ? 2 : 1) * f;
  let mlpTokens = t;
  let mlpBatch = 1;
  let mlpTp = s.tp;
  if (m.moe) {
    // Each EP rank holds experts/ep experts; tokens arrive top-k times, padded
    // to the capacity factor. Experts are not split by TP here (expert TP = 1).
    const expertsLocal = m.moe.experts / s.ep;
    mlpTokens = routedTokensPerGpu(m, s) / expertsLocal;
    mlpBatch = expertsLocal;
    mlpTp = 1;
  }
  return {
    qkv: gemm('qkv', t, ((m.heads + 2 * m.kvHeads) * d) / s.tp, m.hidden, p),
    proj: gemm('proj', t, m.hidden, (m.heads * d) / s.tp, p),
    fc1: gemm('fc1', mlpTokens, fc1Width / mlpTp, m.hidden, p, mlpBatch),
    fc2: gemm('fc2', mlpTokens, m.hidden, f / mlpTp, p, mlpBatch),
  };
}

/**
 * The layer's Linear calls in the order the forward pass makes them. Llama-family code (rotary
 * embeddings) projects q, k and v apart and the SwiGLU gate (w1) before the up projection (w3), then
 * w2; GPT-style code runs fused QKV, the projection, FC1 and FC2.
 */
export function linearCalls(m: ModelSpec, s: ShardShape): GemmKernel[] {
  const g = layerGemms(m, s);
  if (m.positional !== 'rope') return [g.qkv, g.proj, g.fc1, g.fc2];
  const d = headDim(m);
  const part = (name: string, heads: number): GemmKernel => ({ ...g.qkv, name, n: (heads * d) / s.tp });
  const mlp = m.ffnAct === 'swiglu' ? [{ ...g.fc1, name: 'w1', n: g.fc1.n / 2 }, { ...g.fc1, name: 'w3', n: g.fc1.n / 2 }] : [g.fc1];
  return [part('q', m.heads), part('k', m.kvHeads), part('v', m.kvHeads), g.proj, ...mlp, g.fc2];
}

/**
 * torchtitan's per-op selective checkpointing (`selective_ac_option = "op"`): every matmul's and the
 * attention's output is saved except every second matmul's (a fresh count per block), and all else
 * is recomputed in the backward pass. Returns the Linear calls it saves and the ones it re-runs.
 */
export function selectiveOpSplit(m: ModelSpec, s: ShardShape): { saved: GemmKernel[]; recomputed: GemmKernel[] } {
  const calls = linearCalls(m, s);
  return { saved: calls.filter((_, i) => i % 2 === 0), recomputed: calls.filter((_, i) => i % 2 === 1) };
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

/**
 * The same elementwise work as eager PyTorch reference code runs it: every op its own kernel and its
 * own pass over HBM. The inventory follows the reference implementations (Hugging Face Llama / GPT,
 * Meta's Llama reference, llm-foundry's MPT, torchtitan without fused kernels):
 *
 * - Under autocast over fp32 weights the embedding's output is fp32, so the residual stream, the
 *   residual adds and the norms' inputs and outputs are fp32 (autocast runs layer_norm in fp32), and
 *   every Linear that reads a norm's output casts it to 16 bits (read 4, write 2 bytes per element).
 *   Llama-family code projects q, k and v with three Linear modules and the SwiGLU gate and up with
 *   two, so the cast happens per consumer (GPT-2, NeoX and MPT fuse QKV into one).
 * - LayerNorm is PyTorch's native kernel (read, write). RMSNorm is the reference formula, five ops:
 *   x.float(), pow(2), mean, x * rsqrt(var + eps), weight * x.to(input dtype).
 * - Rotary embeddings: rotate_half (neg of one half, cat), q * cos, rotate_half(q) * sin, add; for q
 *   and for k.
 * - SwiGLU: silu(gate), then silu * up; GELU is one kernel.
 */
function elementwiseForwardEager(m: ModelSpec, s: ShardShape): Kernel[] {
  const te = elementwiseTokens(s);
  const t = localTokens(s);
  const h = m.hidden;
  const d = headDim(m);
  const f = expertFfnHidden(m);
  const x = te * h;
  const mlpElems = m.moe ? routedTokensPerGpu(m, s) * f : (t * f) / s.tp;
  const r = s.weightDtype === 'fp32' ? 4 : 2; // residual stream and norm outputs, bytes per element
  const mem = (name: string, bytes: number): Kernel => ({ kind: 'memory', name, bytes });
  const norm = (name: string): Kernel[] =>
    m.norm === 'rmsnorm'
      ? [
          ...(r === 2 ? [mem(`${name}.float`, 6 * x)] : []),
          mem(`${name}.pow`, 8 * x),
          mem(`${name}.mean`, 4 * x),
          mem(`${name}.rsqrt-mul`, 8 * x),
          ...(r === 2 ? [mem(`${name}.to-input-dtype`, 6 * x)] : []),
          mem(`${name}.weight-mul`, 2 * r * x),
        ]
      : [mem(name, 2 * r * x)];
  const castsFor = (name: string, consumers: number): Kernel[] =>
    r === 4 ? Array.from({ length: consumers }, (_, i) => mem(`${name}.autocast-${i}`, 6 * x)) : [];
  const residual = (name: string): Kernel[] => [
    ...(m.dropout ? [mem(`${name}.dropout`, 5 * x)] : []),
    mem(name, (2 * r + ACT_BYTES) * x),
  ];
  const llamaStyle = m.positional === 'rope';
  const out: Kernel[] = [...norm('norm1'), ...castsFor('norm1', llamaStyle ? 3 : 1)];
  if (m.positional === 'rope') {
    for (const [which, heads] of [['q', m.heads], ['k', m.kvHeads]] as const) {
      const e = (t * heads * d) / s.tp;
      out.push(mem(`rotary-${which}.rotate-half`, 3 * ACT_BYTES * e), mem(`rotary-${which}.cos`, 2 * ACT_BYTES * e));
      out.push(mem(`rotary-${which}.sin`, 2 * ACT_BYTES * e), mem(`rotary-${which}.add`, 3 * ACT_BYTES * e));
    }
  }
  out.push(...residual('residual1'), ...norm('norm2'), ...castsFor('norm2', m.ffnAct === 'swiglu' ? 2 : 1));
  if (m.ffnAct === 'swiglu') out.push(mem('silu', 2 * ACT_BYTES * mlpElems), mem('gate-mul', 3 * ACT_BYTES * mlpElems));
  else out.push(mem('activation', 2 * ACT_BYTES * mlpElems));
  out.push(...residual('residual2'));
  if (m.moe) out.push(mem('moe-permute', 4 * ACT_BYTES * t * h * m.moe.topK));
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
  const forward: Kernel[] = [
    ...elementwise,
    ...gemms.flatMap((x) => fp8Casts(x, 'forward')),
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
    ...gemms.flatMap((x) => fp8Casts(x, 'backward')),
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
  // Selective recompute re-runs the attention core (Korthikanti et al.). A
  // fused attention kernel already recomputes it inside its backward, so it
  // costs nothing extra there.
  else if (s.recompute === 'selective' && s.attention === 'unfused') recompute = core;
  return { forward, backward, recompute };
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

/** The optimizer step over `params` parameters held by this GPU. */
export function optimizerKernels(params: number): Kernel[] {
  return [{ kind: 'memory', name: 'adam', bytes: ADAM_BYTES_PER_PARAM * params }];
}
