/**
 * A serving deployment: one replica of a model on `tp x pp` GPUs of a system, with its weight and
 * KV formats. Experts split over `ep` of the TP ranks, each expert's FFN over the other tp/ep
 * (expert tensor parallelism), as vLLM and SGLang lay MoE out inside a TP group.
 *
 * Attention data parallelism (`attentionDp` N) splits the TP group's attention by requests instead
 * of by heads: N attention ranks of tp/N GPUs each, every one holding the attention weights (split
 * over its tp/N GPUs) and the KV cache of its own requests, while the MLP or experts stay split over
 * all tp GPUs (SGLang `--enable-dp-attention --dp N`, docs "DP, DPA and SGLang DP Router"; TensorRT-
 * LLM `enable_attention_dp`, where each attention-DP rank has its own KV cache, NVIDIA Dynamo docs
 * "DP Rank Routing (Attention Data Parallelism)").
 */
import type { ModelSpec } from '../config/model-schema.js';
import type { SystemSpec } from '../config/system-schema.js';
import { ClusterTwinError, invalid } from '../errors.js';
import { denseLayerCount } from '../model/transformer.js';
import { defaultLayerSplit } from '../parallel/stage-split.js';
import { analyticalNetwork } from '../network/analytical.js';
import type { NetworkModel } from '../network/network-model.js';
import { KV_DTYPES, WEIGHT_FORMATS, checkWeightFormat, type KvDtype, type WeightFormat } from './weight-format.js';

/**
 * vLLM's gpu_memory_utilization default: "the fraction of GPU memory to be used for the model
 * executor" (weights, activations and KV cache), 0.9 (vLLM docs, Engine Arguments / EngineArgs).
 */
export const VLLM_GPU_MEMORY_UTILIZATION = 0.9;

/**
 * Host time per step spent scheduling the batch and preparing its inputs and outputs when it is not
 * overlapped with the GPU. Not measured here: "1-5 ms per step" for a synchronous step loop
 * (A. Bhuiyan, "Async Scheduling", ashraf-bhuiyan.com), and vLLM's v0.6.0 profile of Llama 3 8B on
 * one H100 put scheduling at 29% and the HTTP server at 33% of the run (vLLM blog, 2024-09-05).
 * The low end is the default; a framework that overlaps scheduling with the GPU sets 0.
 */
export const DEFAULT_SCHEDULER_SECONDS_PER_STEP = 1e-3;

/** Tokens of the largest step the engine plans activation workspace for (vLLM's max_num_batched_tokens; an assumed default). */
export const DEFAULT_MAX_STEP_TOKENS = 8192;
/** Requests in the largest step (vLLM's max_num_seqs, 256 in its engine arguments). */
export const DEFAULT_MAX_STEP_REQUESTS = 256;

/**
 * Steps of at most this many tokens replay a captured CUDA graph; larger ones run eagerly (vLLM
 * captures graphs for batch sizes up to 512 by default; an assumption, not checked per version).
 */
export const DEFAULT_CUDA_GRAPH_MAX_TOKENS = 512;

export interface DeploymentInput {
  system: SystemSpec;
  model: ModelSpec;
  tp?: number;
  pp?: number;
  ep?: number;
  /** Attention data-parallel ranks inside the TP group (1: attention split by heads over all tp). */
  attentionDp?: number;
  weightFormat?: WeightFormat;
  kvDtype?: KvDtype;
  cudaGraphs?: boolean;
  schedulerSecondsPerStep?: number;
  memoryUtilization?: number;
  maxStepTokens?: number;
  maxStepRequests?: number;
  cudaGraphMaxTokens?: number;
  /** Default: the analytical model of the system. */
  network?: NetworkModel;
}

/** A validated deployment with every default filled in. */
export interface Deployment {
  system: SystemSpec;
  model: ModelSpec;
  tp: number;
  pp: number;
  ep: number;
  attentionDp: number;
  weightFormat: WeightFormat;
  kvDtype: KvDtype;
  cudaGraphs: boolean;
  schedulerSecondsPerStep: number;
  memoryUtilization: number;
  maxStepTokens: number;
  maxStepRequests: number;
  cudaGraphMaxTokens: number;
  network: NetworkModel;
  /** Transformer layers on each pipeline stage. */
  stageLayers: number[];
  /** GPUs in the replica. */
  gpus: number;
}

function positiveInt(path: string, v: number): number {
  if (!Number.isInteger(v) || v < 1 || v > 1_000_000) throw invalid(path, `expected a whole number from 1 to 1,000,000, got ${v}`);
  return v;
}

function fraction(path: string, v: number): number {
  if (!(v > 0 && v <= 1)) throw invalid(path, `expected a fraction above 0 and at most 1, got ${v}`);
  return v;
}

export function servingDeployment(x: DeploymentInput): Deployment {
  const m = x.model;
  const tp = positiveInt('tp', x.tp ?? 1);
  const pp = positiveInt('pp', x.pp ?? 1);
  const ep = positiveInt('ep', x.ep ?? 1);
  const weightFormat = x.weightFormat ?? 'bf16';
  if (!WEIGHT_FORMATS.includes(weightFormat)) throw invalid('weightFormat', `expected one of ${WEIGHT_FORMATS.join(', ')}`);
  const kvDtype = x.kvDtype ?? 'bf16';
  if (!KV_DTYPES.includes(kvDtype)) throw invalid('kvDtype', `expected one of ${KV_DTYPES.join(', ')}`);
  checkWeightFormat(x.system.gpu, weightFormat);
  const attentionDp = positiveInt('attentionDp', x.attentionDp ?? 1);
  if (tp % attentionDp !== 0) throw new ClusterTwinError('not_divisible', 'attentionDp', `${attentionDp} does not divide tp ${tp}: the attention ranks split the TP group`);
  // Heads split over the GPUs of one attention rank: all tp without attention DP.
  const attentionTp = tp / attentionDp;
  const tpPath = attentionDp > 1 ? 'attentionDp' : 'tp';
  const tpText = attentionDp > 1 ? `the attention TP tp/attentionDp = ${attentionTp}` : `${tp}`;
  if (m.heads % attentionTp !== 0) throw new ClusterTwinError('not_divisible', tpPath, `${tpText} does not divide the model's ${m.heads} attention heads`);
  // TP above the KV heads replicates each KV head over tp/kvHeads ranks (vLLM does so), which needs whole multiples.
  // MLA's one latent per token is held whole by every rank whatever the TP, so its kvHeads do not constrain it.
  if (!m.mla && m.kvHeads % attentionTp !== 0 && attentionTp % m.kvHeads !== 0) {
    throw new ClusterTwinError('not_divisible', tpPath, `${tpText} neither divides the model's ${m.kvHeads} KV heads nor is a multiple of them (to replicate each)`);
  }
  if (pp > m.layers) throw invalid('pp', `${pp} stages for ${m.layers} layers: at most one stage a layer`);
  if (!m.moe && ep !== 1) throw invalid('ep', `${m.name} is dense: expert parallelism needs a mixture-of-experts model (ep 1)`);
  if (m.moe) {
    if (tp % ep !== 0) throw new ClusterTwinError('not_divisible', 'ep', `${ep} does not divide tp ${tp}: experts are split over EP ranks inside the TP group`);
    if (m.moe.experts % ep !== 0) throw new ClusterTwinError('not_divisible', 'ep', `${ep} does not divide the model's ${m.moe.experts} experts`);
  }
  const schedulerSecondsPerStep = x.schedulerSecondsPerStep ?? DEFAULT_SCHEDULER_SECONDS_PER_STEP;
  if (!(schedulerSecondsPerStep >= 0 && schedulerSecondsPerStep <= 10)) throw invalid('schedulerSecondsPerStep', `expected 0 to 10 seconds, got ${schedulerSecondsPerStep}`);
  return {
    system: x.system,
    model: m,
    tp,
    pp,
    ep,
    attentionDp,
    weightFormat,
    kvDtype,
    cudaGraphs: x.cudaGraphs ?? true,
    schedulerSecondsPerStep,
    memoryUtilization: fraction('memoryUtilization', x.memoryUtilization ?? VLLM_GPU_MEMORY_UTILIZATION),
    maxStepTokens: positiveInt('maxStepTokens', x.maxStepTokens ?? DEFAULT_MAX_STEP_TOKENS),
    maxStepRequests: positiveInt('maxStepRequests', x.maxStepRequests ?? DEFAULT_MAX_STEP_REQUESTS),
    cudaGraphMaxTokens: positiveInt('cudaGraphMaxTokens', x.cudaGraphMaxTokens ?? DEFAULT_CUDA_GRAPH_MAX_TOKENS),
    network: x.network ?? analyticalNetwork(x.system),
    stageLayers: defaultLayerSplit(m.layers, pp),
    gpus: tp * pp,
  };
}

/** GPUs one attention rank splits its heads over: tp, or tp / attentionDp under attention DP. */
export const attentionTp = (d: Pick<Deployment, 'tp' | 'attentionDp'>): number => d.tp / d.attentionDp;

/** KV heads one GPU holds: its attention rank's share, or one replicated head when that TP exceeds the KV heads. */
export const kvHeadsPerGpu = (d: Pick<Deployment, 'model' | 'tp' | 'attentionDp'>): number => Math.max(1, d.model.kvHeads / attentionTp(d));

/** Ranks one expert's FFN is split over (expert tensor parallelism). */
export const expertTp = (d: Pick<Deployment, 'tp' | 'ep'>): number => d.tp / d.ep;

/** Dense and MoE layers on pipeline stage `stage` (an MoE model's dense layers come first, on the first stages). */
export function stageLayerKinds(d: Pick<Deployment, 'model' | 'stageLayers'>, stage: number): { dense: number; moe: number } {
  const start = d.stageLayers.slice(0, stage).reduce((a, n) => a + n, 0);
  const n = d.stageLayers[stage];
  const dense = Math.max(0, Math.min(start + n, denseLayerCount(d.model)) - start);
  return { dense, moe: n - dense };
}
