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
 * keeps small-M tiles from idling the SMs. Attention: prefill on the fused-attention rate,
 * quadratic in the chunk plus its prior tokens; decode reads every context token's K and V.
 */
import type { GpuSpec } from '../config/system-schema.js';
import { achievedHbmBytesPerSecond, gemmElementBytes, kernelSeconds, type GemmKernel, type Kernel } from '../compute/kernel.js';
import { layerKernels } from '../compute/layer-kernels.js';
import { ACT_BYTES, gemm, type ShardShape } from '../compute/shard-shape.js';
import { expertFfnHidden, headDim } from '../model/transformer.js';
import type { CollectiveOp, GroupPlacement } from '../network/network-model.js';
import { groupPlacement, parallelLayout } from '../parallel/layout.js';
import { invalid } from '../errors.js';
import type { BatchShape, StepTimer } from './batch.js';
import { expertTp, servingDeployment, type Deployment, type DeploymentInput } from './deployment.js';
import { kvBytesPerTokenPerLayerPerGpu } from './kv-cache.js';
import { WEIGHT_FORMAT_GEMM, weightBytesPerElement } from './weight-format.js';

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

/** Reduction splits a small-M GEMM may use to fill the SMs (cuBLASLt's split-K). */
const SPLIT_K = [1, 2, 4, 8, 16] as const;
/** The shortest reduction slice a split-K kernel keeps. */
const MIN_SPLIT_K = 256;

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

/** A GPU whose kernels carry no launch gap: the step model adds launches itself (eager or graph). */
const withoutLaunchGap = (gpu: GpuSpec): GpuSpec => ({ ...gpu, efficiency: { ...gpu.efficiency, kernelOverheadMicroseconds: 0 } });

/** The fastest split-K form of a GEMM: each split reads its slice of A and B once and writes a partial C. */
export function servingGemmSeconds(gpu: GpuSpec, g: GemmKernel): number {
  let best = Infinity;
  for (const s of SPLIT_K) {
    if (s > 1 && g.k / s < MIN_SPLIT_K) break;
    best = Math.min(best, kernelSeconds(gpu, { ...g, k: g.k / s, batch: g.batch * s }));
  }
  return best;
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

/** What a layer's attention cost depends on besides the batch (the step timer works it out once). */
interface AttentionShape {
  hd: number;
  headsLocal: number;
  hbm: number;
  kvLayer: number;
}

function attentionShape(d: Deployment, gpu: GpuSpec): AttentionShape {
  return { hd: headDim(d.model), headsLocal: d.model.heads / d.tp, hbm: achievedHbmBytesPerSecond(gpu), kvLayer: kvBytesPerTokenPerLayerPerGpu(d) };
}

/** Step tokens and rows below these make a numeric cache key (tokens x 2^22 + rows, x 4 + kinds: below 2^53, exact). */
const KEY_TOKENS_LIMIT = 2 ** 29;
const KEY_ROWS_LIMIT = 2 ** 22;

/**
 * The attention of one layer on one GPU: prefill chunks (taken as equal) attend causally to
 * themselves and to their prior tokens; decodes read every context token's K and V. The only part
 * of a step that depends on how many tokens the batch attends to (the timer caches the rest).
 */
function layerAttention(d: Deployment, gpu: GpuSpec, b: BatchShape, a: AttentionShape = attentionShape(d, gpu)): { seconds: number; kernels: number } {
  const { hd, headsLocal, hbm, kvLayer } = a;
  let seconds = 0;
  let kernels = 0;
  if (b.prefillRequests > 0 && b.prefillTokens > 0) {
    const c = b.prefillTokens / b.prefillRequests;
    const p = b.prefillPriorTokens / b.prefillRequests;
    const flops = b.prefillRequests * 4 * headsLocal * hd * (c * p + (c * c) / 2);
    const compute = kernelSeconds(gpu, { kind: 'attention', name: 'prefill-attention', pass: 'forward', flops, implementation: 'fa2' });
    const bytes = (b.prefillPriorTokens + b.prefillTokens) * kvLayer + 2 * ACT_BYTES * b.prefillTokens * headsLocal * hd;
    seconds += Math.max(compute, bytes / hbm);
    kernels++;
  }
  if (b.decodeRequests > 0) {
    const flops = 4 * headsLocal * hd * b.decodeContextTokens;
    const compute = kernelSeconds(gpu, { kind: 'attention', name: 'decode-attention', pass: 'forward', flops, implementation: 'fa2' });
    const bytes = b.decodeContextTokens * kvLayer + 2 * ACT_BYTES * b.decodeRequests * headsLocal * hd;
    seconds += Math.max(compute, bytes / hbm);
    kernels++;
  }
  return { seconds, kernels };
}

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
  const coll = (op: CollectiveOp, bytes: number, group: GroupPlacement): number =>
    group.ranks <= 1 || bytes <= 0 ? 0 : d.network.collective({ op, bytes, group }).seconds;

  const gemmPrecision = WEIGHT_FORMAT_GEMM[d.weightFormat];
  const wBytes = weightBytesPerElement(d.weightFormat);
  const layerGemm = (name: string, rows: number, n: number, k: number, batch = 1): GemmKernel => ({
    ...gemm(name, rows, n, k, gemmPrecision, batch),
    weightBytesPerElement: wBytes,
  });
  const h = m.hidden;
  const hd = headDim(m);
  const parts: Parts = { gemm: 0, attention: 0, memory: 0, comm: 0, kernels: 0, weightBytes: 0 };
  const addGemm = (g: GemmKernel): void => {
    parts.gemm += servingGemmSeconds(gpu, g);
    parts.weightBytes += g.k * g.n * g.batch * (g.weightBytesPerElement ?? gemmElementBytes(g.precision));
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

  // One layer on one GPU (every layer of the model has the same shape).
  const layer: Parts = { gemm: 0, attention: 0, memory: 0, comm: 0, kernels: 0, weightBytes: 0 };
  {
    const saved = { ...parts };
    Object.assign(parts, layer);
    const shape: ShardShape = {
      mbs: 1, seq: tokens, tp: d.tp, cp: 1, ep: d.ep, sp: false, attention: 'flash',
      precision: 'bf16', recompute: 'none', weightDtype: 'bf16', kernels: 'fused',
    };
    // The training model's forward elementwise kernels (norms, residuals, activation, rotary, MoE permutation).
    for (const k of layerKernels(m, shape).forward) if (k.kind === 'memory') addMemory(k);
    const f = expertFfnHidden(m);
    const fc1Width = (m.ffnAct === 'swiglu' ? 2 : 1) * f;
    const qkv = layerGemm('qkv', tokens, ((m.heads + 2 * m.kvHeads) * hd) / d.tp, h);
    const proj = layerGemm('proj', tokens, h, (m.heads * hd) / d.tp);
    const mlp: GemmKernel[] = [];
    if (m.moe) {
      addGemm(gemm('router', tokens, m.moe.experts, h, 'bf16'));
      const touched = expertsTouched(m.moe.experts, m.moe.topK, tokens);
      const local = touched / d.ep;
      const rows = (tokens * m.moe.topK) / touched;
      mlp.push(layerGemm('experts.fc1', rows, fc1Width / expertTp(d), h, local), layerGemm('experts.fc2', rows, h, f / expertTp(d), local));
    } else {
      mlp.push(layerGemm('fc1', tokens, fc1Width / d.tp, h), layerGemm('fc2', tokens, h, f / d.tp));
    }
    // FP8 and FP4 GEMMs quantize their 16-bit activation input first: read 2 bytes, write 1 or 0.5.
    if (gemmPrecision === 'fp8' || gemmPrecision === 'fp4') {
      for (const g of [qkv, proj, ...mlp]) addMemory({ kind: 'memory', name: `${g.name}.quantize`, bytes: (ACT_BYTES + gemmElementBytes(gemmPrecision)) * g.m * g.k * g.batch });
    }
    addGemm(qkv);
    const att = layerAttention(d, gpu, b);
    parts.attention += att.seconds;
    parts.kernels += att.kernels;
    addGemm(proj);
    const activationBytes = ACT_BYTES * tokens * h;
    addComm(coll('allreduce', activationBytes, layout.tp));
    if (m.moe && d.ep > 1) {
      // Each EP rank dispatches its 1/ep share of the tokens, top-k copies each, and combines them back.
      const a2a = (activationBytes * m.moe.topK) / d.ep;
      addComm(coll('alltoall', a2a, epGroup));
      for (const g of mlp) addGemm(g);
      addComm(coll('alltoall', a2a, epGroup));
      addComm(coll('allreduce', activationBytes, expertTpGroup));
    } else {
      for (const g of mlp) addGemm(g);
      addComm(coll('allreduce', activationBytes, layout.tp));
    }
    Object.assign(layer, parts);
    Object.assign(parts, saved);
  }

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
    const n = d.stageLayers[s];
    parts.gemm += n * layer.gemm;
    parts.attention += n * layer.attention;
    parts.memory += n * layer.memory;
    parts.comm += n * layer.comm;
    parts.kernels += n * layer.kernels;
    parts.weightBytes += n * layer.weightBytes;
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
  const shape = attentionShape(d, gpu);
  // Everything but attention depends on the tokens, the rows and which kinds of work the step
  // holds; a simulation meets the same few keys over and over, so that part is computed once
  // (a numeric key: a string built every step cost more than the rest of the simulation's step).
  const rest = new Map<number, number>();
  return {
    stepSeconds: (b: BatchShape) => {
      const tokens = b.prefillTokens + b.decodeRequests;
      const rows = b.decodeRequests + b.prefillRequests;
      const attention = layers * layerAttention(d, gpu, b, shape).seconds;
      // A step too large for the key (or not whole: the breakdown refuses it) is worked out uncached, summed as a cached one is.
      if (!(tokens < KEY_TOKENS_LIMIT && rows < KEY_ROWS_LIMIT && Number.isInteger(tokens) && Number.isInteger(rows))) return servingStepBreakdown(d, b).totalSeconds - attention + attention;
      const key = (tokens * KEY_ROWS_LIMIT + rows) * 4 + (b.prefillRequests > 0 && b.prefillTokens > 0 ? 2 : 0) + (b.decodeRequests > 0 ? 1 : 0);
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

