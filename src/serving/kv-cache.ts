/**
 * What one GPU of a serving replica holds: its shard of the weights, the KV cache of every token
 * in flight, activation workspace for the largest step, and the runtime's reserve. The KV budget
 * follows vLLM's rule: the model executor may use `memoryUtilization` of the HBM (weights,
 * activation peak and KV cache together); what the weights and the workspace leave is KV cache,
 * and the runtime's own memory (CUDA context, NCCL buffers, CUDA graphs) comes out of it too.
 */
import {
  attentionParams,
  denseMlpParams,
  embeddingParams,
  expertFfnHidden,
  finalNormParams,
  headDim,
  layerNormParams,
  mlaAttentionParams,
  mlpParams,
  outputParams,
} from '../model/transformer.js';
import { ACT_BYTES } from '../compute/shard-shape.js';
import { GIB } from '../units.js';
import { attentionTp, expertTp, kvHeadsPerGpu, stageLayerKinds, type Deployment } from './deployment.js';
import { KV_DTYPE_BYTES, weightBytesPerElement } from './weight-format.js';

/** Bytes of 16-bit parameters (embedding, output projection, norms, router). */
const BF16 = 2;

/**
 * Attention weight bytes one GPU holds: its attention rank's share, split over that rank's GPUs
 * (all tp without attention DP; under attention DP every rank holds a whole copy, over tp/N GPUs).
 * MLA's down-projections are replicated on every GPU (mlaAttentionParams).
 */
export function attentionWeightBytesPerGpu(d: Deployment): number {
  const m = d.model;
  const w = weightBytesPerElement(d.weightFormat);
  if (m.mla) {
    const p = mlaAttentionParams(m, m.mla);
    return (p.replicated + p.split / attentionTp(d)) * w;
  }
  return (attentionParams(m) / attentionTp(d)) * w;
}

/** Weight bytes one GPU holds for one MoE layer (for a dense model: one layer). */
export function layerWeightBytesPerGpu(d: Deployment): number {
  const m = d.model;
  const w = weightBytesPerElement(d.weightFormat);
  const attention = attentionWeightBytesPerGpu(d);
  // Shared experts run every token through a dense MLP split over the TP group, as vLLM builds them.
  const mlp = m.moe
    ? (m.moe.experts / d.ep) * (mlpParams(m) / expertTp(d)) * w + ((m.moe.sharedExperts * mlpParams(m)) / d.tp) * w + BF16 * m.hidden * m.moe.experts
    : (mlpParams(m) / d.tp) * w;
  return attention + mlp + BF16 * layerNormParams(m);
}

/** Weight bytes one GPU holds for one of an MoE model's dense layers (ffnHidden MLP split over TP). */
export function denseLayerWeightBytesPerGpu(d: Deployment): number {
  const w = weightBytesPerElement(d.weightFormat);
  return attentionWeightBytesPerGpu(d) + (denseMlpParams(d.model) / d.tp) * w + BF16 * layerNormParams(d.model);
}

/** Weight bytes one GPU of pipeline stage `stage` holds. */
export function stageWeightBytesPerGpu(d: Deployment, stage: number): number {
  const m = d.model;
  const kinds = stageLayerKinds(d, stage);
  let bytes = m.moe ? kinds.dense * denseLayerWeightBytesPerGpu(d) + kinds.moe * layerWeightBytesPerGpu(d) : d.stageLayers[stage] * layerWeightBytesPerGpu(d);
  // Vocab-parallel embedding and output projection, split by TP (a tied one is held again on the last stage when pp > 1).
  if (stage === 0) bytes += (BF16 * embeddingParams(m)) / d.tp;
  if (stage === d.pp - 1) {
    const out = m.tiedEmbeddings ? (d.pp > 1 ? m.vocab * m.hidden : 0) : outputParams(m);
    bytes += (BF16 * out) / d.tp + BF16 * finalNormParams(m);
  }
  return bytes;
}

/**
 * KV-cache elements one token costs on one GPU per layer. MHA/GQA: K and V of the KV heads the GPU
 * holds. MLA: the compressed latent and the shared rotary key, kv_lora_rank + qk_rope_head_dim (512 +
 * 64 for DeepSeek-V3: DeepSeek-V2 paper sec. 2.1.2-2.1.3, "(d_c + d_h^R) l" elements a token), held
 * whole by every GPU of the attention rank whatever its TP: the latent has no heads to split (SGLang's
 * DP-attention guide: with TP "the KV cache is duplicated across all GPUs").
 */
export function kvElementsPerTokenPerLayerPerGpu(d: Deployment): number {
  const m = d.model;
  if (m.mla) return m.mla.kvLoraRank + m.mla.qkRopeHeadDim;
  return kvHeadsPerGpu(d) * headDim(m) * 2;
}

/** KV-cache bytes one token costs on one GPU of a stage of `layers` layers. */
export function kvBytesPerTokenPerGpu(d: Deployment, layers = Math.max(...d.stageLayers)): number {
  return layers * kvElementsPerTokenPerLayerPerGpu(d) * KV_DTYPE_BYTES[d.kvDtype];
}

/**
 * KV-cache bytes one token costs over the whole model (every layer, each KV head once): what moves
 * when a request's KV moves between replicas (disaggregated serving).
 */
export const kvBytesPerToken = (d: Pick<Deployment, 'model' | 'kvDtype'>): number => d.model.layers * d.model.kvHeads * headDim(d.model) * 2 * KV_DTYPE_BYTES[d.kvDtype];

/** KV bytes per token per layer per GPU (what attention reads per context token). */
export const kvBytesPerTokenPerLayerPerGpu = (d: Deployment): number => kvBytesPerTokenPerGpu(d, 1);

/**
 * Activation workspace of the largest step: inference frees each layer's tensors as the next runs,
 * so the peak is one layer's live tensors for `maxStepTokens` tokens (input and residual, QKV, the
 * attention output, the FC1 output and the activated half) plus the fp32 logits of `maxStepRequests`
 * rows. MLA's QKV are the latents, the per-head queries and the keys and values up-projected from
 * the latents (nope + v per head). An MoE model with dense layers plans for the wider of its MLPs.
 */
export function activationWorkspaceBytes(d: Deployment): number {
  const m = d.model;
  const f = expertFfnHidden(m);
  const a = attentionTp(d);
  const moeLocal = m.moe ? (f * (m.moe.topK + m.moe.sharedExperts)) / expertTp(d) : f / d.tp;
  const fLocal = m.moe && m.moe.denseLayers > 0 ? Math.max(moeLocal, m.ffnHidden / d.tp) : moeLocal;
  const mla = m.mla;
  const qkv = mla
    ? mla.qLoraRank + mla.kvLoraRank + mla.qkRopeHeadDim + (m.heads / a) * (2 * (mla.qkNopeHeadDim + mla.qkRopeHeadDim) + mla.vHeadDim)
    : ((m.heads + 2 * m.kvHeads) * headDim(m)) / a;
  const attentionOut = (m.heads * (mla ? mla.vHeadDim : headDim(m))) / a;
  const perToken = ACT_BYTES * (3 * m.hidden + qkv + attentionOut + 3 * fLocal);
  const logits = 4 * d.maxStepRequests * (m.vocab / d.tp);
  return d.maxStepTokens * perToken + logits;
}

/** One stage's memory, bytes per GPU. */
export interface StageKvBudget {
  weightBytes: number;
  activationBytes: number;
  reserveBytes: number;
  /** What is left for the KV cache (negative: the weights and workspace do not fit). */
  kvBudgetBytes: number;
  kvBytesPerToken: number;
}

export interface KvCacheBudget {
  stages: StageKvBudget[];
  /** Tokens the replica's KV cache holds: every attention rank's (the tightest stage decides). 0 when nothing fits. */
  kvCacheTokens: number;
  /** Tokens one attention-DP rank holds (= kvCacheTokens without attention DP): one request's cache lives on one rank. */
  kvCacheTokensPerAttentionRank: number;
  /** The weights, the workspace and the reserve fit within the memory fraction on every stage. */
  fitsInMemory: boolean;
  /** Whether the weights alone fit in the whole HBM. */
  weightsFit: boolean;
}

export function kvCacheBudget(d: Deployment): KvCacheBudget {
  const hbm = d.system.gpu.hbmGiB * GIB;
  const reserveBytes = d.system.gpu.efficiency.runtimeReserveGiB * GIB;
  const activationBytes = activationWorkspaceBytes(d);
  const stages = d.stageLayers.map((layers, i): StageKvBudget => {
    const weightBytes = stageWeightBytesPerGpu(d, i);
    return {
      weightBytes,
      activationBytes,
      reserveBytes,
      kvBudgetBytes: d.memoryUtilization * hbm - weightBytes - activationBytes - reserveBytes,
      kvBytesPerToken: kvBytesPerTokenPerGpu(d, layers),
    };
  });
  // Each attention rank's GPUs hold the KV of that rank's requests alone, so the ranks' caches add up.
  const perRank = Math.min(...stages.map((s) => Math.floor(Math.max(0, s.kvBudgetBytes) / s.kvBytesPerToken)));
  return {
    stages,
    kvCacheTokens: perRank * d.attentionDp,
    kvCacheTokensPerAttentionRank: perRank,
    fitsInMemory: stages.every((s) => s.kvBudgetBytes > 0),
    weightsFit: stages.every((s) => s.weightBytes < hbm),
  };
}
