/**
 * Transformer arithmetic that does not depend on the machine: parameter
 * counts and model FLOPs (the FLOPs that MFU counts).
 */
import type { MlaSpec, ModelSpec } from '../config/model-schema.js';

/** Head dimension. */
export const headDim = (m: ModelSpec): number => m.headDim ?? m.hidden / m.heads;

/**
 * Parameters of multi-head latent attention's projections in one layer (DeepSeek-V2, Liu et al.
 * 2024, eqs. 9-14; the Hugging Face DeepseekV3Attention modules). `replicated`: the down-projections
 * W_DQ (hidden x q_lora_rank) and W_DKV with the shared rotary key (hidden x (kv_lora_rank + rope)),
 * and the two latent RMSNorms: vLLM and SGLang build them as one ReplicatedLinear (fused_qkv_a_proj),
 * so every TP rank holds them whole. `split`: the per-head up-projections W_UQ (q_lora_rank x heads
 * (nope + rope)), W_UK and W_UV (kv_lora_rank x heads (nope + v), one kv_b_proj matrix) and W_O
 * (heads v x hidden), split by heads over TP.
 */
export function mlaAttentionParams(m: ModelSpec, mla: MlaSpec): { replicated: number; split: number } {
  const h = m.hidden;
  const qHead = mla.qkNopeHeadDim + mla.qkRopeHeadDim;
  const down = h * mla.qLoraRank + h * (mla.kvLoraRank + mla.qkRopeHeadDim);
  const up = mla.qLoraRank * m.heads * qHead + mla.kvLoraRank * m.heads * (mla.qkNopeHeadDim + mla.vHeadDim);
  const out = m.heads * mla.vHeadDim * h;
  const downBias = m.bias ? mla.qLoraRank + mla.kvLoraRank + mla.qkRopeHeadDim : 0;
  const upBias = m.bias ? m.heads * (qHead + mla.qkNopeHeadDim + mla.vHeadDim) + h : 0;
  return { replicated: down + downBias + mla.qLoraRank + mla.kvLoraRank, split: up + out + upBias };
}

/** Parameters of the attention block of one layer (weights and biases; MLA's latent norms too). */
export function attentionParams(m: ModelSpec): number {
  if (m.mla) {
    const p = mlaAttentionParams(m, m.mla);
    return p.replicated + p.split;
  }
  const d = headDim(m);
  const qkv = m.hidden * (m.heads + 2 * m.kvHeads) * d;
  const proj = m.heads * d * m.hidden;
  const bias = m.bias ? (m.heads + 2 * m.kvHeads) * d + m.hidden : 0;
  return qkv + proj + bias;
}

/** Weights of the attention block's matrices alone (what each token multiplies once: 2 FLOPs each). */
function attentionMatmulParams(m: ModelSpec): number {
  if (m.mla) {
    const mla = m.mla;
    const h = m.hidden;
    return h * (mla.qLoraRank + mla.kvLoraRank + mla.qkRopeHeadDim) + mla.qLoraRank * m.heads * (mla.qkNopeHeadDim + mla.qkRopeHeadDim) +
      mla.kvLoraRank * m.heads * (mla.qkNopeHeadDim + mla.vHeadDim) + m.heads * mla.vHeadDim * h;
  }
  const d = headDim(m);
  return m.hidden * (m.heads + 2 * m.kvHeads) * d + m.heads * d * m.hidden;
}

/**
 * The per-head widths of the attention core as it runs over the whole sequence: scores over `qk`
 * dimensions, the context over `v`. MHA/GQA: the head dimension for both; MLA in its non-absorbed
 * form (training, prefill): nope + rope dimensions for the scores, v_head_dim for the values.
 */
export function attentionCoreDims(m: ModelSpec): { qk: number; v: number } {
  if (m.mla) return { qk: m.mla.qkNopeHeadDim + m.mla.qkRopeHeadDim, v: m.mla.vHeadDim };
  const d = headDim(m);
  return { qk: d, v: d };
}

/** Number of weight matrices in one expert MLP (SwiGLU has a gate). */
export const mlpMatrices = (m: ModelSpec): number => (m.ffnAct === 'swiglu' ? 3 : 2);

/** FFN hidden size of one expert (equals ffnHidden for dense models). */
export const expertFfnHidden = (m: ModelSpec): number => m.moe?.expertFfnHidden ?? m.ffnHidden;

/** Parameters of one MLP of FFN width `f`. */
function mlpParamsOfWidth(m: ModelSpec, f: number): number {
  const weights = mlpMatrices(m) * m.hidden * f;
  const bias = m.bias ? (mlpMatrices(m) - 1) * f + m.hidden : 0;
  return weights + bias;
}

/** Parameters of one dense MLP (or of one expert). */
export const mlpParams = (m: ModelSpec): number => mlpParamsOfWidth(m, expertFfnHidden(m));

/** Parameters of the dense MLP of one of an MoE model's leading dense layers (ffnHidden wide). */
export const denseMlpParams = (m: ModelSpec): number => mlpParamsOfWidth(m, m.ffnHidden);

/** Norm parameters in one layer (two norms; LayerNorm has a bias too). */
export const layerNormParams = (m: ModelSpec): number => 2 * m.hidden * (m.norm === 'rmsnorm' ? 1 : 2);

/** Layers that are dense MLPs: all of a dense model's, an MoE model's first `denseLayers`. */
export const denseLayerCount = (m: ModelSpec): number => (m.moe ? Math.min(m.layers, m.moe.denseLayers) : m.layers);

/** Layers with experts. */
export const moeLayerCount = (m: ModelSpec): number => m.layers - denseLayerCount(m);

/** Experts each token passes through in an MoE layer: its top-k and the shared ones. */
export const expertsPerToken = (m: ModelSpec): number => (m.moe ? m.moe.topK + m.moe.sharedExperts : 1);

/**
 * Parameters of one transformer layer: an MoE layer (routed and shared experts, router) for an MoE
 * model, the dense layer for a dense one.
 */
export function layerParams(m: ModelSpec): number {
  if (!m.moe) return attentionParams(m) + mlpParams(m) + layerNormParams(m);
  const router = m.hidden * m.moe.experts;
  return attentionParams(m) + (m.moe.experts + m.moe.sharedExperts) * mlpParams(m) + router + layerNormParams(m);
}

/** Parameters of one dense layer of an MoE model (or of a dense model's layer). */
export const denseLayerParams = (m: ModelSpec): number => attentionParams(m) + denseMlpParams(m) + layerNormParams(m);

/** Parameters of all transformer layers. */
export const allLayerParams = (m: ModelSpec): number =>
  m.moe ? denseLayerCount(m) * denseLayerParams(m) + moeLayerCount(m) * layerParams(m) : m.layers * layerParams(m);

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
  return allLayerParams(m) + embeddingParams(m) + outputParams(m) + finalNormParams(m);
}

/** Parameters of an MoE layer a token touches (its top-k and the shared experts), for MoE FLOP counting. */
export function activeLayerParams(m: ModelSpec): number {
  const router = m.moe ? m.hidden * m.moe.experts : 0;
  return attentionParams(m) + expertsPerToken(m) * mlpParams(m) + router + layerNormParams(m);
}

/**
 * Parameters one token's forward pass multiplies by: every layer's attention, the experts it is
 * routed to, the output projection; the input embedding is a lookup and is left out (DeepSeek-V3's
 * README_WEIGHTS.md counts its 36.6B "activation parameters" so, the 0.9B output head included).
 */
export function activeParamsPerToken(m: ModelSpec): number {
  const layers = m.moe ? denseLayerCount(m) * denseLayerParams(m) + moeLayerCount(m) * activeLayerParams(m) : m.layers * layerParams(m);
  return layers + m.vocab * m.hidden + finalNormParams(m);
}

/**
 * Model FLOPs of the forward pass for one sequence of `seq` tokens: two FLOPs
 * per multiply-accumulate of every weight matrix, plus attention scores and
 * their product with V over the full (unmasked) sequence, plus the logits.
 * This is the Megatron-LM convention (Narayanan et al. 2021, Korthikanti et al.
 * 2022), so MFU figures compare with theirs; causal masking is not discounted.
 */
export function forwardFlopsPerSequence(m: ModelSpec, seq: number): number {
  const core = attentionCoreDims(m);
  const f = expertFfnHidden(m);
  const attentionPerToken = 2 * attentionMatmulParams(m) + 2 * seq * m.heads * (core.qk + core.v);
  const denseMlpPerToken = 2 * mlpMatrices(m) * m.hidden * (m.moe ? m.ffnHidden : f);
  const moeMlpPerToken = m.moe ? 2 * expertsPerToken(m) * mlpMatrices(m) * m.hidden * f + 2 * m.hidden * m.moe.experts : 0;
  const layers = denseLayerCount(m) * seq * (attentionPerToken + denseMlpPerToken) + moeLayerCount(m) * seq * (attentionPerToken + moeMlpPerToken);
  const logits = 2 * seq * m.hidden * m.vocab;
  return layers + logits;
}

/** Model FLOPs of one training step (forward + backward = 3x forward), for MFU. */
export const trainingFlopsPerSequence = (m: ModelSpec, seq: number): number => 3 * forwardFlopsPerSequence(m, seq);
