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
import { dataParallelRanks } from '../parallel/layout.js';
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
export function layerParamsPerGpu(m: ModelSpec, e: Pick<Execution, 'tp' | 'ep'> & { etp?: number | null }): number {
  // Expert tensor parallelism splits each local expert's weights etp ways.
  const mlp = m.moe ? ((m.moe.experts / e.ep) * mlpParams(m)) / (e.etp ?? 1) + m.hidden * m.moe.experts : mlpParams(m) / e.tp;
  return attentionParams(m) / e.tp + mlp + layerNormParams(m);
}

/** Parameters one GPU of stage `stage` holds (before ZeRO sharding). */
export function stageParamsPerGpu(m: ModelSpec, e: Pick<Execution, 'tp' | 'ep' | 'pp'> & { etp?: number | null }, stage: number, layers: number): number {
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

/**
 * Bytes of the 16-bit weight copies alive at the end of the forward pass when the weights are fp32
 * (`weightDtype: fp32`): one copy of every Linear weight (and bias) this GPU runs, the output layer's
 * included. They are alive for either of two reasons:
 * - autocast's cache (`autocastCache: forward`): PyTorch caches the low-precision cast of every fp32
 *   leaf weight that requires grad until the outermost autocast region ends, and the region is the
 *   whole forward pass, loss included (aten/src/ATen/autocast_mode.cpp `cached_cast`: "Do what Apex
 *   does, and cache lower_precision_fp casts of fp32 model weights (leaves)"). Under FSDP with
 *   original parameters the copies are of the gathered, whole weights and outlive FSDP's resharding.
 * - autograd: without activation recompute each Linear saves its 16-bit weight for the backward pass.
 * Under FSDP1 a module's weights are views into the flat parameter during the forward pass, not leaves
 * (torch flat_param.py `_use_unsharded_views`), so nothing is cached (`autocastCache: none`) and under
 * full recompute no copies are kept. DDP, a single GPU and FSDP2 hand autocast leaf parameters.
 */
export function autocastWeightCacheBytes(m: ModelSpec, e: Execution, stage: number, layers: number): number {
  if (e.weightDtype !== 'fp32') return 0;
  if (e.autocastCache === 'none' && e.recompute === 'full') return 0;
  const linear = layerParamsPerGpu(m, e) - layerNormParams(m);
  const output = stage === e.pp - 1 ? (m.vocab * m.hidden) / e.tp : 0;
  return 2 * (layers * linear + output);
}

/** What one moment of the step holds beside the weights and optimizer states. */
interface Moment {
  grads: number;
  activations: number;
  transient: number;
}

/** A stage's memory at its peak; the parts sum to the total. */
export interface StageMemory {
  stage: number;
  weightsBytes: number;
  /** Gradients alive at the peak (none at the end of the forward pass where the loop frees them between steps). */
  gradsBytes: number;
  optimizerBytes: number;
  /** Activations alive at the peak. */
  activationsBytes: number;
  /** Short-lived buffers at the peak: the loss's, autocast's weight copies, a re-materialized layer, gathered ZeRO-3 weights. */
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

/**
 * Whether the training loop frees the gradients between steps. PyTorch-native loops (the eager stacks:
 * FSDP, DDP, Hugging Face, torchtitan) call `optimizer.zero_grad()`, which sets them to None since
 * PyTorch 2.0, so none exist until the backward pass makes them; Megatron-LM and NeMo keep persistent
 * gradient buffers (main_grad) allocated for the whole run.
 */
export const freesGradsBetweenSteps = (e: Pick<Execution, 'kernels'>): boolean => e.kernels === 'eager';

/**
 * The stage's peak, the larger of two moments: the end of the forward pass (every activation held, the
 * loss's buffers on the last stage, autocast's weight copies) and the backward pass (a re-materialized
 * layer under recompute, gradients growing as activations are freed: where the loop frees gradients
 * between steps the two trade places, so the larger of them bounds their sum).
 */
export function stageMemory(x: MemoryInput): StageMemory {
  const { model: m, exec: e } = x;
  const params = stageParamsPerGpu(m, e, x.stage, x.layers);
  const b = stateBytesPerParam(e);
  // ZeRO shards over the ranks that hold the same weights: DP x CP (parallel/layout.ts dataParallelRanks).
  const shards = dataParallelRanks(e);
  const weightsBytes = (params * b.weights) / (e.zero >= 3 ? shards : 1);
  const allGradsBytes = (params * b.grads) / (e.zero >= 2 ? shards : 1);
  const optimizerBytes = (params * b.optimizer) / (e.zero >= 1 ? shards : 1);

  let activationsBytes = x.inFlightLayerMicrobatches * layerActivationBytes(m, x.shape);
  if (x.stage === 0) activationsBytes += x.inFlightFirstChunk * embeddingActivationBytes(m, x.shape);

  // ZeRO-3 holds one gather unit's weights (a layer for FSDP, a bucket for DeepSpeed) and prefetches
  // the next, whatever else is alive.
  const layerParams = layerParamsPerGpu(m, e);
  const unitParams = e.zeroBucketParams > 0 ? Math.min(e.zeroBucketParams, layerParams) : layerParams;
  const gatheredBytes = e.zero >= 3 ? 2 * unitParams * b.weights : 0;
  const lossBytes = x.stage === e.pp - 1 ? logitsActivationBytes(m, x.shape, e.lossKernel) : 0;
  const forwardEndTransient = lossBytes + autocastWeightCacheBytes(m, e, x.stage, x.layers) + gatheredBytes;
  // Recompute re-materializes one layer's activations during its backward pass.
  const recomputes = (e.recompute === 'full' || e.recompute === 'selective-op') && x.layers > 0;
  const backwardTransient = (recomputes ? fullLayerActivationBytes(m, x.shape) : 0) + gatheredBytes;

  const freed = freesGradsBetweenSteps(e);
  const forwardEnd: Moment = { grads: freed ? 0 : allGradsBytes, activations: activationsBytes, transient: forwardEndTransient };
  // Freed between steps, gradients appear as activations go: the backward holds at most the larger.
  const backward: Moment = freed
    ? { grads: allGradsBytes, activations: Math.max(0, activationsBytes - allGradsBytes), transient: backwardTransient }
    : { grads: allGradsBytes, activations: activationsBytes, transient: backwardTransient };
  const size = (p: Moment) => p.grads + p.activations + p.transient;
  const peak = size(forwardEnd) >= size(backward) ? forwardEnd : backward;

  const reserveBytes = x.gpu.efficiency.runtimeReserveGiB * GIB;
  const totalBytes = weightsBytes + optimizerBytes + size(peak) + reserveBytes;
  return {
    stage: x.stage,
    weightsBytes,
    gradsBytes: peak.grads,
    optimizerBytes,
    activationsBytes: peak.activations,
    transientBytes: peak.transient,
    reserveBytes,
    totalBytes,
  };
}
