/**
 * The time of one serving step: the forward pass of a batch (prefill chunks beside decodes)
 * through every pipeline stage of a replica, on the project's kernel and network models.
 *
 *   batch -> per stage: [embedding] -> layers x (norm, QKV, attention, proj, TP all-reduce, norm,
 *            MLP or experts (+ EP all-to-all), TP all-reduce) -> [final norm, logits, sampling]
 *         -> + pipeline hand-offs -> + kernel launches (eager or one CUDA graph) -> + host time
 *
 * GEMMs run over all the step's tokens (prefill tokens + one per decoding request); at small M
 * the kernel model's memory bound (weights read once from HBM) decides, since a split-K choice
 * keeps small-M tiles from idling the SMs. Attention (attention-step.ts): prefill on the
 * fused-attention rate, quadratic in the chunk plus its prior tokens; decode reads every context
 * token's K and V (MLA: its latent, in the absorbed form). An MoE model's leading dense layers and
 * its MoE layers are timed apart. Under attention DP the attention side runs on the busiest
 * attention rank's tokens, and an all-gather and a reduce-scatter over the TP group take the MLP's
 * all-reduce's place (with EP the all-to-alls already move the tokens).
 */
import type { ModelSpec } from '../config/model-schema.js';
import { gemmElementBytes, kernelSeconds, type GemmKernel, type Kernel } from '../compute/kernel.js';
import { layerKernels } from '../compute/layer-kernels.js';
import { ACT_BYTES, gemm, type ShardShape } from '../compute/shard-shape.js';
import { expertFfnHidden, headDim } from '../model/transformer.js';
import type { CollectiveOp, GroupPlacement } from '../network/network-model.js';
import { groupPlacement, parallelLayout } from '../parallel/layout.js';
import { invalid } from '../errors.js';
import type { BatchShape, StepTimer } from './batch.js';
import { attentionRankBatch, layerAttention } from './attention-step.js';
import { attentionTp, expertTp, servingDeployment, stageLayerKinds, type Deployment, type DeploymentInput } from './deployment.js';
import { gemmWeightBytes, servingGemmSeconds, weightGemm, withoutLaunchGap } from './serving-gemm.js';

export { servingGemmSeconds } from './serving-gemm.js';

/**
 * Per-kernel cost inside a replayed CUDA graph: a 2.9 us kernel costs 3.4 us per kernel launched
 * as a graph against 3.8 us launched one by one on a stream (NVIDIA, "Getting Started with CUDA
 * Graphs", 2019). The graph's own launch is taken as one ordinary kernel launch (not measured).
 */
export const CUDA_GRAPH_KERNEL_MICROSECONDS = 0.5;

/**
 * Bytes per logit of sampling, in fp32: cast the 16-bit logits (read 2, write 4), softmax with the
 * temperature (read 4, write 4), top-p/top-k selection and the draw (read 4). An estimate from the
 * passes, not measured.
 */
export const SAMPLING_BYTES_PER_LOGIT = 18;

/** Seconds of each part of one step. */
export interface StepBreakdown {
  gemmSeconds: number;
  attentionSeconds: number;
  /** Norms, residuals, activations, rotary, routing, casts, embedding, sampling. */
  memorySeconds: number;
  /** TP all-reduces, EP all-to-alls, logits gather, pipeline hand-offs. */
  commSeconds: number;
  /** Kernel launches: each kernel's gap eagerly, or one graph launch and the in-graph gaps. */
  launchSeconds: number;
  schedulerSeconds: number;
  /** Kernels one step launches, over all stages. */
  kernels: number;
  /** Whether the step replays a CUDA graph. */
  cudaGraph: boolean;
  /** Weight bytes the step reads from HBM on one GPU, summed over stages. */
  weightBytesRead: number;
  totalSeconds: number;
}

function checkBatch(b: BatchShape): void {
  for (const [k, v] of Object.entries(b)) {
    if (!(Number.isFinite(v) && v >= 0)) throw invalid(`batch.${k}`, `expected a count of 0 or more, got ${v}`);
  }
  if (b.prefillTokens > 0 && b.prefillRequests === 0) throw invalid('batch.prefillRequests', 'prefill tokens without a prefilling request');
}

/** Expected distinct experts `tokens` tokens touch, each picking top-k of E uniformly. */
export function expertsTouched(experts: number, topK: number, tokens: number): number {
  return experts * (1 - Math.pow(1 - topK / experts, tokens));
}

interface Parts {
  gemm: number;
  attention: number;
  memory: number;
  comm: number;
  kernels: number;
  weightBytes: number;
}

/** The model an MoE model's leading dense layers are: its ffnHidden MLP, no experts. */
const denseLayerModel = (m: ModelSpec): ModelSpec => ({ ...m, moe: undefined });

/** Step tokens and rows below these make a numeric cache key (tokens x 2^22 + rows, x 4 + kinds: below 2^53, exact). */
const KEY_TOKENS_LIMIT = 2 ** 29;
const KEY_ROWS_LIMIT = 2 ** 22;

export function servingStepBreakdown(d: Deployment, b: BatchShape): StepBreakdown {
  checkBatch(b);
  const m = d.model;
  const gpu = withoutLaunchGap(d.system.gpu);
  const tokens = b.prefillTokens + b.decodeRequests;
  const zero: StepBreakdown = {
    gemmSeconds: 0, attentionSeconds: 0, memorySeconds: 0, commSeconds: 0, launchSeconds: 0,
    schedulerSeconds: 0, kernels: 0, cudaGraph: false, weightBytesRead: 0, totalSeconds: 0,
  };
  if (tokens === 0) return zero;

  const node = d.system.node;
  const domain = node.nvlinkDomainGpus ?? node.gpusPerNode;
  const layout = parallelLayout({ gpus: d.gpus, tp: d.tp, cp: 1, ep: 1, dp: 1, pp: d.pp }, node.gpusPerNode, domain);
  const epGroup = groupPlacement(d.ep, expertTp(d), node.gpusPerNode, d.gpus, domain);
  const expertTpGroup = groupPlacement(expertTp(d), 1, node.gpusPerNode, d.gpus, domain);
  // Under attention DP an attention rank's heads split over its tp/N GPUs alone.
  const attentionDp = d.attentionDp > 1;
  const attentionGroup = attentionDp ? groupPlacement(attentionTp(d), 1, node.gpusPerNode, d.gpus, domain) : layout.tp;
  const coll = (op: CollectiveOp, bytes: number, group: GroupPlacement): number =>
    group.ranks <= 1 || bytes <= 0 ? 0 : d.network.collective({ op, bytes, group }).seconds;

  const layerGemm = (name: string, rows: number, n: number, k: number, batch = 1): GemmKernel => weightGemm(d, name, rows, n, k, batch);
  const h = m.hidden;
  const hd = headDim(m);
  const a = attentionTp(d);
  // The attention side (norm, QKV, attention, projection) runs on the busiest attention rank's tokens.
  const rankTokens = attentionDp ? ((r) => r.prefillTokens + r.decodeRequests)(attentionRankBatch(b, d.attentionDp)) : tokens;
  const parts: Parts = { gemm: 0, attention: 0, memory: 0, comm: 0, kernels: 0, weightBytes: 0 };
  const addGemm = (g: GemmKernel): void => {
    parts.gemm += servingGemmSeconds(gpu, g);
    parts.weightBytes += gemmWeightBytes(g);
    parts.kernels++;
  };
  const addMemory = (k: Kernel): void => {
    parts.memory += kernelSeconds(gpu, k);
    parts.kernels++;
  };
  const addComm = (s: number): void => {
    if (s > 0) {
      parts.comm += s;
      parts.kernels++;
    }
  };

  /** One layer on one GPU, but its attention core (every layer of a kind has the same shape). */
  const layerParts = (lm: ModelSpec): Parts => {
    const saved = { ...parts };
    Object.assign(parts, { gemm: 0, attention: 0, memory: 0, comm: 0, kernels: 0, weightBytes: 0 });
    const shape: ShardShape = {
      mbs: 1, seq: rankTokens, tp: a, cp: 1, ep: d.ep, sp: false, attention: 'flash',
      precision: 'bf16', recompute: 'none', weightDtype: 'bf16', kernels: 'fused',
    };
    // The training model's forward elementwise kernels (norms, residuals, activation, rotary, MoE
    // permutation). MLA's rotary turns only the rope dimensions of each query head and the one
    // shared key, and its two latents are RMS-normalized.
    const mla = lm.mla;
    for (const k of layerKernels(lm, shape).forward) if (k.kind === 'memory' && !(mla && k.name === 'rotary')) addMemory(k);
    if (mla) {
      addMemory({ kind: 'memory', name: 'mla.rotary', bytes: 2 * ACT_BYTES * rankTokens * (lm.heads / a + 1) * mla.qkRopeHeadDim });
      addMemory({ kind: 'memory', name: 'mla.latent-norms', bytes: 2 * ACT_BYTES * rankTokens * (mla.qLoraRank + mla.kvLoraRank) });
    }
    const f = expertFfnHidden(lm);
    const fc1Width = (lm.ffnAct === 'swiglu' ? 2 : 1) * f;
    // MLA: the replicated down-projection (query latent, KV latent and rope key in one), the query
    // up-projection, the output projection; MHA/GQA: QKV and the projection.
    const attentionGemms: GemmKernel[] = mla
      ? [
          layerGemm('mla.down', rankTokens, mla.qLoraRank + mla.kvLoraRank + mla.qkRopeHeadDim, h),
          layerGemm('mla.q-up', rankTokens, (lm.heads / a) * (mla.qkNopeHeadDim + mla.qkRopeHeadDim), mla.qLoraRank),
        ]
      : [layerGemm('qkv', rankTokens, ((lm.heads + 2 * lm.kvHeads) * hd) / a, h)];
    const proj = mla ? layerGemm('proj', rankTokens, h, ((lm.heads / a) * mla.vHeadDim)) : layerGemm('proj', rankTokens, h, (lm.heads * hd) / a);
    const mlp: GemmKernel[] = [];
    if (lm.moe) {
      addGemm(gemm('router', tokens, lm.moe.experts, h, 'bf16'));
      const touched = expertsTouched(lm.moe.experts, lm.moe.topK, tokens);
      const local = touched / d.ep;
      const rows = (tokens * lm.moe.topK) / touched;
      mlp.push(layerGemm('experts.fc1', rows, fc1Width / expertTp(d), h, local), layerGemm('experts.fc2', rows, h, f / expertTp(d), local));
      // Shared experts: a dense MLP over every token, split over the TP group; its partial sums
      // join the layer's MoE reduction (no collective of their own).
      const shared = lm.moe.sharedExperts;
      if (shared > 0) mlp.push(layerGemm('shared.fc1', tokens, (shared * fc1Width) / d.tp, h), layerGemm('shared.fc2', tokens, h, (shared * f) / d.tp));
    } else {
      mlp.push(layerGemm('fc1', tokens, fc1Width / d.tp, h), layerGemm('fc2', tokens, h, f / d.tp));
    }
    // FP8 and FP4 GEMMs quantize their 16-bit activation input first: read 2 bytes, write 1 or 0.5.
    const gemmPrecision = proj.precision;
    if (gemmPrecision === 'fp8' || gemmPrecision === 'fp4') {
      for (const g of [...attentionGemms, proj, ...mlp]) addMemory({ kind: 'memory', name: `${g.name}.quantize`, bytes: (ACT_BYTES + gemmElementBytes(gemmPrecision)) * g.m * g.k * g.batch });
    }
    for (const g of attentionGemms) addGemm(g);
    addGemm(proj);
    const activationBytes = ACT_BYTES * tokens * h;
    addComm(coll('allreduce', ACT_BYTES * rankTokens * h, attentionGroup));
    if (lm.moe && d.ep > 1) {
      // Each EP rank dispatches its 1/ep share of the tokens, top-k copies each, and combines them back.
      const a2a = (activationBytes * lm.moe.topK) / d.ep;
      addComm(coll('alltoall', a2a, epGroup));
      for (const g of mlp) addGemm(g);
      addComm(coll('alltoall', a2a, epGroup));
      addComm(coll('allreduce', activationBytes, expertTpGroup));
    } else if (attentionDp) {
      // The attention ranks' tokens are gathered for the MLP split over all tp GPUs, and its partial
      // sums reduce-scattered back to their ranks (vLLM's AgRsAll2AllManager: "all-gather (dispatch)
      // and reduce-scatter (combine)"; AMD ATOM's DP-attention guide: NCCL AllGather/ReduceScatter).
      addComm(coll('allgather', activationBytes, layout.tp));
      for (const g of mlp) addGemm(g);
      addComm(coll('reducescatter', activationBytes, layout.tp));
    } else {
      for (const g of mlp) addGemm(g);
      addComm(coll('allreduce', activationBytes, layout.tp));
    }
    const layer = { ...parts };
    Object.assign(parts, saved);
    return layer;
  };
  const moeLayer = layerParts(m);
  const denseLayer = m.moe && m.moe.denseLayers > 0 ? layerParts(denseLayerModel(m)) : moeLayer;
  const att = layerAttention(d, gpu, b);

  const rows = b.decodeRequests + b.prefillRequests;
  let launch = 0;
  let kernels = 0;
  let weightBytes = 0;
  const cudaGraph = d.cudaGraphs && tokens <= d.cudaGraphMaxTokens;
  const eagerGapSeconds = d.system.gpu.efficiency.kernelOverheadMicroseconds * 1e-6;
  for (let s = 0; s < d.pp; s++) {
    const stage: Parts = { gemm: 0, attention: 0, memory: 0, comm: 0, kernels: 0, weightBytes: 0 };
    Object.assign(parts, stage);
    if (s === 0) {
      addMemory({ kind: 'memory', name: 'embedding', bytes: 2 * ACT_BYTES * tokens * h });
      addComm(coll('allreduce', ACT_BYTES * tokens * h, layout.tp)); // vocab-parallel embedding
    }
    const kinds = m.moe ? stageLayerKinds(d, s) : { dense: 0, moe: d.stageLayers[s] };
    for (const [n, layer] of [[kinds.moe, moeLayer], [kinds.dense, denseLayer]] as const) {
      if (n === 0) continue;
      parts.gemm += n * layer.gemm;
      parts.memory += n * layer.memory;
      parts.comm += n * layer.comm;
      parts.kernels += n * layer.kernels;
      parts.weightBytes += n * layer.weightBytes;
    }
    const n = d.stageLayers[s];
    parts.attention += n * att.seconds;
    parts.kernels += n * att.kernels;
    parts.weightBytes += n * att.weightBytes;
    if (s === d.pp - 1 && rows > 0) {
      // Logits only for each request's last position (vLLM computes them for sampled rows alone).
      addMemory({ kind: 'memory', name: 'final-norm', bytes: 2 * ACT_BYTES * rows * h });
      const logits = gemm('logits', rows, m.vocab / d.tp, h, 'bf16');
      addGemm(logits);
      addComm(coll('allgather', ACT_BYTES * rows * m.vocab, layout.tp));
      addMemory({ kind: 'memory', name: 'sampling', bytes: SAMPLING_BYTES_PER_LOGIT * rows * m.vocab });
    }
    if (s < d.pp - 1) addComm(coll('sendrecv', ACT_BYTES * tokens * h, layout.pp));
    launch += cudaGraph ? eagerGapSeconds + parts.kernels * CUDA_GRAPH_KERNEL_MICROSECONDS * 1e-6 : parts.kernels * eagerGapSeconds;
    kernels += parts.kernels;
    weightBytes += parts.weightBytes;
    zero.gemmSeconds += parts.gemm;
    zero.attentionSeconds += parts.attention;
    zero.memorySeconds += parts.memory;
    zero.commSeconds += parts.comm;
  }
  const out: StepBreakdown = {
    ...zero,
    launchSeconds: launch,
    schedulerSeconds: d.schedulerSecondsPerStep,
    kernels,
    cudaGraph,
    weightBytesRead: weightBytes,
    totalSeconds: 0,
  };
  out.totalSeconds = out.gemmSeconds + out.attentionSeconds + out.memorySeconds + out.commSeconds + out.launchSeconds + out.schedulerSeconds;
  return out;
}

/** The step timer of a deployment, for the serving simulation. */
export function servingStepTimer(deployment: Deployment | DeploymentInput): StepTimer {
  const d = 'stageLayers' in deployment ? deployment : servingDeployment(deployment);
  const gpu = withoutLaunchGap(d.system.gpu);
  const layers = d.stageLayers.reduce((a, n) => a + n, 0);
  // Everything but attention depends on the tokens, the rows and which kinds of work the step
  // holds; a simulation meets the same few keys over and over, so that part is computed once
  // (a numeric key: a string built every step cost more than the rest of the simulation's step).
  // Under attention DP the busiest rank's share depends on each kind of request apart: the key
  // holds the prefill tokens and both counts (a string: such steps are rare enough).
  const rest = new Map<number | string, number>();
  const byKinds = d.attentionDp > 1;
  return {
    stepSeconds: (b: BatchShape) => {
      const tokens = b.prefillTokens + b.decodeRequests;
      const rows = b.decodeRequests + b.prefillRequests;
      const attention = layers * layerAttention(d, gpu, b).seconds;
      let key: number | string;
      if (byKinds) key = `${b.prefillTokens}|${b.prefillRequests}|${b.decodeRequests}`;
      // A step too large for the key (or not whole: the breakdown refuses it) is worked out uncached, summed as a cached one is.
      else if (!(tokens < KEY_TOKENS_LIMIT && rows < KEY_ROWS_LIMIT && Number.isInteger(tokens) && Number.isInteger(rows))) return servingStepBreakdown(d, b).totalSeconds - attention + attention;
      else key = (tokens * KEY_ROWS_LIMIT + rows) * 4 + (b.prefillRequests > 0 && b.prefillTokens > 0 ? 2 : 0) + (b.decodeRequests > 0 ? 1 : 0);
      let other = rest.get(key);
      if (other === undefined) {
        if (rest.size > 1_000_000) rest.clear();
        other = servingStepBreakdown(d, b).totalSeconds - attention;
        rest.set(key, other);
      }
      return other + attention;
    },
  };
}
