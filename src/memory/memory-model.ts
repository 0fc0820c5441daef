/**
 * Peak memory of one GPU on each pipeline stage: weights, gradients and
 * optimizer states (sharded by the ZeRO stage), activations of the
 * micro-batches in flight under the pipeline schedule, the largest transient
 * buffer, and what the runtime keeps for itself.
 */
import type { ModelSpec } from '../config/model-schema.js';
import type { Execution } from '../config/execution-schema.js';
import type { GpuSpec } from '../config/system-schema.js';
import { GIB } from '../units.js';
import {
  attentionParams,
  embeddingParams,
  finalNormParams,
  layerNormParams,
  mlpParams,
  outputParams,
} from '../model/transformer.js';
import type { ShardShape } from '../compute/shard-shape.js';
import {
  embeddingActivationBytes,
  fullLayerActivationBytes,
  layerActivationBytes,
  logitsActivationBytes,
} from './activations.js';

/** Parameters one GPU holds for one transformer layer (before ZeRO sharding). */
export function layerParamsPerGpu(m: ModelSpec, e: Pick<Execution, 'tp' | 'ep'>): number {
  const mlp = m.moe ? (m.moe.experts / e.ep) * mlpParams(m) + m.hidden * m.moe.experts : mlpParams(m) / e.tp;
  return attentionParams(m) / e.tp + mlp + layerNormParams(m);
}

/** Parameters one GPU of stage `stage` holds (before ZeRO sharding). */
export function stageParamsPerGpu(m: ModelSpec, e: Pick<Execution, 'tp' | 'ep' | 'pp'>, stage: number, layers: number): number {
  let p = layers * layerParamsPerGpu(m, e);
  if (stage === 0) p += embeddingParams(m) / e.tp;
  if (stage === e.pp - 1) {
    // A tied output layer on a separate stage keeps its own copy of the embedding (Megatron-LM).
    const out = m.tiedEmbeddings ? (e.pp > 1 ? m.vocab * m.hidden : 0) : outputParams(m);
    p += out / e.tp + finalNormParams(m);
  }
  return p;
}

/** Bytes per parameter of weights, gradients and Adam state (mixed precision, Megatron-LM dist_optimizer.md). */
export interface StateBytes {
  weights: number;
  /** Gradients as stored. */
  grads: number;
  /** Gradients as the DP reduction sends them. */
  reducedGrads: number;
  optimizer: number;
}

export function stateBytesPerParam(e: Pick<Execution, 'gradReduceDtype' | 'weightDtype'>): StateBytes {
  const reducedGrads = e.gradReduceDtype === 'fp32' ? 4 : 2;
  // fp32 weights under autocast are their own master copy: fp32 weights and gradients, two fp32 Adam
  // moments (PyTorch AMP; FSDP without a param_dtype casts gradients only to send them).
  if (e.weightDtype === 'fp32') return { weights: 4, grads: 4, reducedGrads, optimizer: 8 };
  // 16-bit weights; fp32 main gradients (or 16-bit); fp32 master weights + two fp32 Adam moments.
  return { weights: 2, grads: reducedGrads, reducedGrads, optimizer: 12 };
}

export interface StageMemory {
  stage: number;
  weightsBytes: number;
  gradsBytes: number;
  optimizerBytes: number;
  activationsBytes: number;
  /** Largest short-lived buffer: logits, a re-materialized layer, or gathered ZeRO-3 weights. */
  transientBytes: number;
  reserveBytes: number;
  totalBytes: number;
}

export interface MemoryInput {
  model: ModelSpec;
  exec: Execution;
  gpu: GpuSpec;
  shape: ShardShape;
  stage: number;
  layers: number;
  /** Peak layer x micro-batch activations held at once (from the schedule). */
  inFlightLayerMicrobatches: number;
  /** Peak micro-batches of the first chunk in flight (embedding activations). */
  inFlightFirstChunk: number;
}

export function stageMemory(x: MemoryInput): StageMemory {
  const { model: m, exec: e } = x;
  const params = stageParamsPerGpu(m, e, x.stage, x.layers);
  const b = stateBytesPerParam(e);
  const weightsBytes = (params * b.weights) / (e.zero >= 3 ? e.dp : 1);
  const gradsBytes = (params * b.grads) / (e.zero >= 2 ? e.dp : 1);
  const optimizerBytes = (params * b.optimizer) / (e.zero >= 1 ? e.dp : 1);

  let activationsBytes = x.inFlightLayerMicrobatches * layerActivationBytes(m, x.shape);
  if (x.stage === 0) activationsBytes += x.inFlightFirstChunk * embeddingActivationBytes(m, x.shape);

  const transients = [0];
  if (x.stage === e.pp - 1) transients.push(logitsActivationBytes(m, x.shape));
  // Recompute re-materializes one layer's activations during its backward pass.
  if ((e.recompute === 'full' || e.recompute === 'selective-op') && x.layers > 0) transients.push(fullLayerActivationBytes(m, x.shape));
  // ZeRO-3 gathers one layer's weights and prefetches the next.
  if (e.zero >= 3) transients.push(2 * layerParamsPerGpu(m, e) * b.weights);
  const transientBytes = Math.max(...transients);

  const reserveBytes = x.gpu.efficiency.runtimeReserveGiB * GIB;
  const totalBytes = weightsBytes + gradsBytes + optimizerBytes + activationsBytes + transientBytes + reserveBytes;
  return { stage: x.stage, weightsBytes, gradsBytes, optimizerBytes, activationsBytes, transientBytes, reserveBytes, totalBytes };
}
