/**
 * Transformer arithmetic that does not depend on the machine: parameter
 * counts and model FLOPs (the FLOPs that MFU counts).
 */
import type { ModelSpec } from '../config/model-schema.js';

/** Head dimension. */
export const headDim = (m: ModelSpec): number => m.headDim ?? m.hidden / m.heads;

/** Parameters of the attention block of one layer (weights and biases). */
export function attentionParams(m: ModelSpec): number {
  const d = headDim(m);
  const qkv = m.hidden * (m.heads + 2 * m.kvHeads) * d;
  const proj = m.heads * d * m.hidden;
  const bias = m.bias ? (m.heads + 2 * m.kvHeads) * d + m.hidden : 0;
  return qkv + proj + bias;
}

/** Number of weight matrices in one expert MLP (SwiGLU has a gate). */
export const mlpMatrices = (m: ModelSpec): number => (m.ffnAct === 'swiglu' ? 3 : 2);

/** FFN hidden size of one expert (equals ffnHidden for dense models). */
export const expertFfnHidden = (m: ModelSpec): number => m.moe?.expertFfnHidden ?? m.ffnHidden;

/** Parameters of one dense MLP (or of one expert). */
export function mlpParams(m: ModelSpec): number {
  const f = expertFfnHidden(m);
  const weights = mlpMatrices(m) * m.hidden * f;
  const bias = m.bias ? (mlpMatrices(m) - 1) * f + m.hidden : 0;
  return weights + bias;
}

/** Norm parameters in one layer (two norms; LayerNorm has a bias too). */
export const layerNormParams = (m: ModelSpec): number => 2 * m.hidden * (m.norm === 'rmsnorm' ? 1 : 2);

/** Parameters of one transformer layer (all experts for MoE). */
export function layerParams(m: ModelSpec): number {
  const experts = m.moe?.experts ?? 1;
  const router = m.moe ? m.hidden * m.moe.experts : 0;
  return attentionParams(m) + experts * mlpParams(m) + router + layerNormParams(m);
}

/** Input embedding (and learned positions) parameters. */
export function embeddingParams(m: ModelSpec): number {
  const positions = m.positional === 'learned' ? (m.maxSeq ?? 2048) * m.hidden : 0;
  return m.vocab * m.hidden + positions;
}

/** Output projection parameters (zero when tied to the input embedding). */
export const outputParams = (m: ModelSpec): number => (m.tiedEmbeddings ? 0 : m.vocab * m.hidden);

/** Final norm parameters. */
export const finalNormParams = (m: ModelSpec): number => m.hidden * (m.norm === 'rmsnorm' ? 1 : 2);

/** All parameters. */
export function totalParams(m: ModelSpec): number {
  return m.layers * layerParams(m) + embeddingParams(m) + outputParams(m) + finalNormParams(m);
}

/** Parameters touched per token (top-k experts only), for MoE FLOP counting. */
export function activeLayerParams(m: ModelSpec): number {
  const k = m.moe?.topK ?? 1;
  const router = m.moe ? m.hidden * m.moe.experts : 0;
  return attentionParams(m) + k * mlpParams(m) + router + layerNormParams(m);
}

/**
 * Model FLOPs of the forward pass for one sequence of `seq` tokens: two FLOPs
 * per multiply-accumulate of every weight matrix, plus attention scores and
 * their product with V over the full (unmasked) sequence, plus the logits.
 * This is the Megatron-LM convention (Narayanan et al. 2021, Korthikanti et al.
 * 2022), so MFU figures compare with theirs; causal masking is not discounted.
 */
export function forwardFlopsPerSequence(m: ModelSpec, seq: number): number {
  const d = headDim(m);
  const k = m.moe?.topK ?? 1;
  const f = expertFfnHidden(m);
  const matmulPerToken =
    2 * (m.hidden * (m.heads + 2 * m.kvHeads) * d + m.heads * d * m.hidden) + 2 * k * mlpMatrices(m) * m.hidden * f;
  const router = m.moe ? 2 * m.hidden * m.moe.experts : 0;
  const attentionPerToken = 2 * 2 * seq * m.heads * d;
  const layer = seq * (matmulPerToken + router + attentionPerToken);
  const logits = 2 * seq * m.hidden * m.vocab;
  return m.layers * layer + logits;
}

/** Model FLOPs of one training step (forward + backward = 3x forward), for MFU. */
export const trainingFlopsPerSequence = (m: ModelSpec, seq: number): number => 3 * forwardFlopsPerSequence(m, seq);
