/**
 * Activation memory one GPU keeps for the backward pass, per layer and per
 * micro-batch: every tensor a layer saves, from the shapes. For a GPT layer
 * with dropout and a 4h GELU MLP this gives Korthikanti et al. (2022): sbh(34 +
 * 5as/h) bytes, sbh(10 + 24/t + 5as/(ht)) under TP, sbh/t(34 + 5as/h) with
 * sequence parallelism, 34sbh/t adding selective recompute, 2sbh(/t) under
 * full recompute; and it extends to GQA, SwiGLU, fused attention and MoE.
 */
import type { ModelSpec } from '../config/model-schema.js';
import { isFusedAttention, type LossKernel } from '../config/execution-schema.js';
import { expertFfnHidden, headDim } from '../model/transformer.js';
import { countsTe } from '../compute/fp8-overheads.js';
import { elementwiseTokens, localTokens, residualStreamBytes, routedTokensPerGpu, selectiveOpSplit, type ShardShape } from '../compute/shard-shape.js';

const E = 2; // bytes per bf16/fp16 activation element

/**
 * Bytes per element of an FP8 GEMM input kept for the backward pass under Transformer Engine: the quantized
 * tensor itself, with the layout the weight gradient reads (TE v2.9 pytorch/module/linear.py: `saved_inputmat =
 * inputmat`, the QuantizedTensorStorage after `update_usage(rowwise_usage=False, columnwise_usage=True)`; TE 1.8
 * saves `inputmat_t`, the FP8 transpose, "if fp8 and not ... override_linear_precision.wgrad"). MXFP8's
 * 1/32-byte scales are left out. docs/sources/fp8.md sec. 9
 */
export const FP8_SAVED_INPUT_BYTES = 1;

/** Bytes saved by one layer for one micro-batch, by recompute mode. */
export function layerActivationBytes(m: ModelSpec, s: ShardShape): number {
  const t = localTokens(s);
  const tr = elementwiseTokens(s);
  const h = m.hidden;
  const r = residualStreamBytes(s);
  if (s.recompute === 'full') return r * tr * h; // only the layer input
  if (s.recompute === 'selective-op') return selectiveOpBytes(m, s, r);
  const d = headDim(m);
  const headsLocal = m.heads / s.tp;
  const mask = m.dropout ? 1 : 0;
  const f = expertFfnHidden(m);
  const fc1Width = (m.ffnAct === 'swiglu' ? 2 : 1) * f;
  // A norm keeps its input; MPT's low-precision LayerNorm keeps the 16-bit copy it casts its input to.
  const normInput = m.norm === 'low-precision-layernorm' ? E : r;
  // The dense GEMMs' inputs, which their weight gradients need: Transformer Engine keeps the FP8 copy it cast
  // (one byte; one layout only) instead of the 16-bit tensor (FP8_SAVED_INPUT_BYTES).
  const g = s.precision === 'fp8' && countsTe(s) ? FP8_SAVED_INPUT_BYTES : E;

  let bytes = 0;
  bytes += normInput * tr * h; // norm1 input
  bytes += g * tr * h; // QKV GEMM input (norm1 output)
  bytes += (E * t * (m.heads + 2 * m.kvHeads) * d) / s.tp; // Q, K, V
  bytes += (g * t * m.heads * d) / s.tp; // projection input (attention output)
  bytes += mask * tr * h; // dropout mask after the projection
  bytes += normInput * tr * h; // norm2 input
  bytes += g * tr * h; // FC1 input (norm2 output)
  if (m.moe) {
    const r = routedTokensPerGpu(m, s);
    // With expert TP the expert GEMMs take the ETP group's tokens, all-gathered (etp x), at 1/etp the width.
    bytes += E * r * h * (s.etp ?? 1); // permuted (and gathered) expert input
    bytes += E * r * fc1Width; // activation input
    bytes += E * r * f; // FC2 input
    bytes += E * t * m.moe.experts / s.tp; // router probabilities
  } else {
    bytes += (E * t * fc1Width) / s.tp; // activation input
    bytes += (g * t * f) / s.tp; // FC2 input
  }
  bytes += mask * tr * h; // dropout mask after FC2

  // The attention core: a fused kernel keeps only its log-sum-exp (fp32);
  // an unfused one keeps the softmax output (and dropout mask and output),
  // unless selective recompute drops them.
  const sq = s.seq / s.cp;
  if (isFusedAttention(s.attention)) {
    bytes += 4 * s.mbs * headsLocal * sq;
  } else if (s.recompute !== 'selective') {
    const scores = s.mbs * headsLocal * sq * s.seq;
    bytes += E * scores + (m.dropout ? (1 + E) * scores : 0);
  }
  return bytes;
}

/**
 * torchtitan's per-op selective checkpointing keeps the block's input, the outputs of every other
 * matmul (the first, third, ...) and the attention's output and log-sum-exp; the rest is recomputed.
 */
function selectiveOpBytes(m: ModelSpec, s: ShardShape, residual: number): number {
  const headsLocal = m.heads / s.tp;
  const sq = s.seq / s.cp;
  const saved = selectiveOpSplit(m, s).saved.reduce((n, g) => n + E * g.m * g.n * g.batch, 0);
  const attention = isFusedAttention(s.attention)
    ? (E * localTokens(s) * m.heads * headDim(m)) / s.tp + 4 * s.mbs * headsLocal * sq
    : 0;
  return residual * elementwiseTokens(s) * m.hidden + saved + attention;
}

/** Bytes of a layer's full activations: what one layer re-materializes under full recompute. */
export function fullLayerActivationBytes(m: ModelSpec, s: ShardShape): number {
  return layerActivationBytes(m, { ...s, recompute: 'none' });
}

/** Activations the first stage keeps per micro-batch for the embedding (output, dropout mask). */
export function embeddingActivationBytes(m: ModelSpec, s: ShardShape): number {
  return (residualStreamBytes(s) + (m.dropout ? 1 : 0)) * elementwiseTokens(s) * m.hidden;
}

/**
 * Bytes per logit eager reference code holds while its loss runs: the logits upcast to fp32 (kept by
 * the model's output until the backward pass), the shifted contiguous copy the loss reads, and
 * log_softmax's fp32 output, which it saves (Hugging Face's LlamaForCausalLM / GPT heads:
 * `logits.float()`, `logits[..., :-1, :].contiguous()`, `CrossEntropyLoss`). The bf16 logits are
 * freed once upcast. torchtitan's loss (bf16 logits, `.float()`, log_softmax) holds 10. (The first
 * backward ops briefly hold more: Hugging Face's 16 with the loss's two fp32 gradients, while the
 * shifted copy is gone; not counted.)
 */
export const EAGER_LOSS_BYTES_PER_LOGIT = 12;

/**
 * The output layer's transient peak on the last stage: bf16 logits plus their
 * fp32 copy and gradient in the vocab-parallel cross entropy (Korthikanti: 4sbv/t);
 * eager code's fp32 copies with an eager loss.
 */
export function logitsActivationBytes(m: ModelSpec, s: ShardShape, loss: LossKernel): number {
  const vocabElems = (localTokens(s) * m.vocab) / s.tp;
  const perLogit = loss === 'eager' ? EAGER_LOSS_BYTES_PER_LOGIT : E + 4;
  return perLogit * vocabElems + E * elementwiseTokens(s) * m.hidden;
}
