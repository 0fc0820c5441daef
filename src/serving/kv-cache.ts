/**
 * What one GPU of a serving replica holds: its shard of the weights, the KV cache of every token
 * in flight, activation workspace for the largest step, and the runtime's reserve. The KV budget
 * follows vLLM's rule: the model executor may use `memoryUtilization` of the HBM (weights,
 * activation peak and KV cache together); what the weights and the workspace leave is KV cache,
 * and the runtime's own memory (CUDA context, NCCL buffers, CUDA graphs) comes out of it too.
 */
import { attentionParams, embeddingParams, finalNormParams, layerNormParams, mlpParams, outputParams, expertFfnHidden, headDim } from '../model/transformer.js';
import { ACT_BYTES } from '../compute/shard-shape.js';
import { GIB } from '../units.js';
import { expertTp, kvHeadsPerGpu, type Deployment } from './deployment.js';
import { KV_DTYPE_BYTES, weightBytesPerElement } from './weight-format.js';

/** Bytes of 16-bit parameters (embedding, output projection, norms, router). */
const BF16 = 2;

/** Weight bytes one GPU holds for one transformer layer. */
export function layerWeightBytesPerGpu(d: Deployment): number {
  const m = d.model;
  const w = weightBytesPerElement(d.weightFormat);
  const attention = (attentionParams(m) / d.tp) * w;
  const mlp = m.moe ? (m.moe.experts / d.ep) * (mlpParams(m) / expertTp(d)) * w + BF16 * m.hidden * m.moe.experts : (mlpParams(m) / d.tp) * w;
  return attention + mlp + BF16 * layerNormParams(m);
}

/** Weight bytes one GPU of pipeline stage `stage` holds. */
export function stageWeightBytesPerGpu(d: Deployment, stage: number): number {
  const m = d.model;
  let bytes = d.stageLayers[stage] * layerWeightBytesPerGpu(d);
  // Vocab-parallel embedding and output projection, split by TP (a tied one is held again on the last stage when pp > 1).
  if (stage === 0) bytes += (BF16 * embeddingParams(m)) / d.tp;
  if (stage === d.pp - 1) {
    const out = m.tiedEmbeddings ? (d.pp > 1 ? m.vocab * m.hidden : 0) : outputParams(m);
    bytes += (BF16 * out) / d.tp + BF16 * finalNormParams(m);
  }
  return bytes;
}

/** KV-cache bytes one token costs on one GPU of a stage of `layers` layers: K and V of its KV heads. */
export function kvBytesPerTokenPerGpu(d: Deployment, layers = Math.max(...d.stageLayers)): number {
  return layers * kvHeadsPerGpu(d) * headDim(d.model) * 2 * KV_DTYPE_BYTES[d.kvDtype];
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
 * attention output, the FC1 output and the activated half) plus the fp32 logits of `maxStepRequests` rows.
 */
export function activationWorkspaceBytes(d: Deployment): number {
  const m = d.model;
  const f = expertFfnHidden(m);
  const fLocal = m.moe ? (f * m.moe.topK) / expertTp(d) : f / d.tp;
  const qkv = ((m.heads + 2 * m.kvHeads) * headDim(m)) / d.tp;
  const perToken = ACT_BYTES * (3 * m.hidden + qkv + (m.heads * headDim(m)) / d.tp + 3 * fLocal);
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
  /** Tokens the replica's KV cache holds (the tightest stage decides). 0 when nothing fits. */
  kvCacheTokens: number;
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
  const tokens = Math.min(...stages.map((s) => Math.floor(Math.max(0, s.kvBudgetBytes) / s.kvBytesPerToken)));
  return {
    stages,
    kvCacheTokens: tokens,
    fitsInMemory: stages.every((s) => s.kvBudgetBytes > 0),
    weightsFit: stages.every((s) => s.weightBytes < hbm),
  };
}
