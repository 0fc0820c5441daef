/**
 * The cost of every piece of one training step, before scheduling: each
 * forward and backward pass of each model chunk on each stage (compute plus
 * the communication it cannot hide), the pipeline transfers, the gradient
 * reduction and the optimizer step. Identical layers are costed once.
 */
import type { ModelSpec } from '../config/model-schema.js';
import type { Execution } from '../config/execution-schema.js';
import type { GpuSpec } from '../config/system-schema.js';
import { embeddingKernels, layerKernels, logitsKernels, optimizerKernels, fp8WeightCastKernels } from '../compute/layer-kernels.js';
import { gradBufferKernels, mainGradAddKernels } from '../compute/grad-buffer.js';
import { linearCalls, routedTokensPerGpu, localTokens, type ShardShape } from '../compute/shard-shape.js';
import { kernelSeconds, kernelsSeconds, type GemmKernel, type Kernel } from '../compute/kernel.js';
import { headDim } from '../model/transformer.js';
import { fp8AmaxReductions, fp8ScaleUpdateKernels } from '../compute/fp8-overheads.js';
import { busBandwidthFactor, type NetworkModel, type CollectiveOp, type GroupPlacement } from '../network/network-model.js';
import { CHANNEL_BYTES_PER_SECOND } from '../network/nccl-protocols.js';
import { dataParallelRanks, type ParallelLayout } from '../parallel/layout.js';
import { chunkLayers } from '../parallel/stage-split.js';
import { layerParamsPerGpu, stageParamsPerGpu, stateBytesPerParam } from '../memory/memory-model.js';
import { hostBoundPassSeconds, type HostSettings } from '../compute/host-overhead.js';
import { rankWaitFraction } from './rank-variation.js';
import { aggregatePlan, asyncAllReducePlan, planComm, planExposed, spBackwardPlan, spForwardPlan, type TpPassPlan } from './tp-comm.js';
import { chunkSyncSeconds, countsHbm, countsSms, countsTransferSlowdown, hbmBytesPerLinkByte, hbmSlowdownSeconds, kernelHbmSeconds, tpInterference, transferSlowdownSeconds } from './overlap-interference.js';

/** How data parallelism reduces gradients at the end of the backward pass: all-reduce, or reduce-scatter under ZeRO (each rank keeps its shard). */
export const gradientReduceOp = (e: Pick<Execution, 'zero'>): 'allreduce' | 'reducescatter' => (e.zero >= 1 ? 'reducescatter' : 'allreduce');

export const COMM_KINDS = ['tp', 'cp', 'ep', 'pp', 'dp'] as const;
export type CommKind = (typeof COMM_KINDS)[number];

/** Communication time by kind, seconds. */
export type CommSeconds = Record<CommKind, number>;
export const zeroComm = (): CommSeconds => ({ tp: 0, cp: 0, ep: 0, pp: 0, dp: 0 });

/** One forward or backward pass of one model chunk for one micro-batch. */
export interface PassCost {
  /** Kernel time, recompute included. */
  computeSeconds: number;
  /** The recompute share of computeSeconds (backward only). */
  recomputeSeconds: number;
  /** Communication that blocks compute (not hidden behind it), by kind. */
  exposedComm: CommSeconds;
  /** All communication issued, hidden or not, by kind. */
  totalComm: CommSeconds;
  /** The pass on its stage's compute stream: compute plus exposed communication. */
  seconds: number;
  /** The tensor-core share of computeSeconds (GEMMs and fused attention), for the step's GEMM duty (compute/power-clock.ts). */
  tensorSeconds?: number;
}

const sumComm = (c: CommSeconds): number => c.tp + c.cp + c.ep + c.pp + c.dp;

export interface StageCosts {
  layers: number;
  chunkLayers: number[];
  forward: PassCost[];
  backward: PassCost[];
  /** Gradient reduction of each chunk's parameters over DP, seconds. */
  dpReduceSeconds: number[];
  /** Compute each chunk's gradient reduction slows if it all runs under compute, seconds. */
  dpReduceSmSeconds: number[];
  /** The GPU's SM count (bounds the slowdown of a window of compute). */
  smCount: number;
  /** Compute each chunk's gradient reduction slows by its HBM traffic if it all runs under compute, seconds (overlap-interference.ts; absent: none). */
  dpReduceHbmSeconds?: number[];
  /** Of dpReduceSeconds, what the compute's HBM traffic adds to each reduction (overlapInterference both-ways; absent: none), seconds. */
  dpReduceSlowdownSeconds?: number[];
  /** All-gather of updated weights after a sharded optimizer step, seconds. */
  paramGatherSeconds: number;
  /** Compute that all-gather slows if it all runs under the next forward pass (SMs and HBM), seconds (absent: none). */
  paramGatherInterferenceSeconds?: number;
  /** The optimizer step, and under FP8 the once-per-step cast of the new weights, seconds. */
  optimizerSeconds: number;
  /** Parameters one GPU of this stage holds. */
  paramsPerGpu: number;
}

/**
 * The part of a stage's weight all-gather (after a sharded optimizer step) left exposed: with DP
 * overlap, Megatron hides it behind the next step's first forward pass, the whole pass with its TP
 * collectives, as the gather runs on its own stream beside it.
 */
export function exposedParamGatherSeconds(e: Execution, st: StageCosts): number {
  if (!e.overlap.dp) return st.paramGatherSeconds;
  const window = st.forward[0]?.seconds ?? 0;
  const exposed = Math.max(0, st.paramGatherSeconds - window);
  const lost = st.paramGatherInterferenceSeconds ?? 0;
  return lost > 0 ? exposed + lost * Math.min(1, window / st.paramGatherSeconds) : exposed;
}

export interface StepCosts {
  stages: StageCosts[];
  /** One activation (or gradient) transfer between adjacent stages, seconds. */
  p2pSeconds: number;
  /** Bytes of that transfer. */
  p2pBytes: number;
  /** Compute one asynchronous transfer slows on the stage that sends it (SMs and HBM; absent: none), seconds. */
  p2pInterferenceSeconds?: number;
  /** Share of each stage's compute the step waits for its slowest rank at the barrier (rank-variation.ts; 0 when off). */
  rankWaitFraction: number;
}

export interface CostInput {
  model: ModelSpec;
  exec: Execution;
  gpu: GpuSpec;
  network: NetworkModel;
  layout: ParallelLayout;
  /** The host CPU's time per framework op relative to a DGX H100's Xeon (system node `hostCpuSlowdown`; default 1). */
  hostCpuSlowdown?: number;
}

const ACT = 2;
/** Bytes of an FP8 activation or gradient element (e4m3 / e5m2). */
const FP8_ACT = 1;

/** `gpu`: the GPU's FP8 GEMM layouts (a per-tensor FP8 cast writes a transpose only where they are TN only; compute/fp8-overheads.ts fp8CastBytes). */
export function shardShape(e: Execution, gpu?: Pick<GpuSpec, 'fp8AnyLayoutGemm'>): ShardShape {
  // Every shape carries the same fields in the same order, so the hot paths see one object layout.
  return {
    mbs: e.mbs,
    seq: e.seq,
    tp: e.tp,
    cp: e.cp,
    ep: e.ep,
    etp: e.etp,
    sp: e.sp,
    attention: e.attention,
    precision: e.precision,
    recompute: e.recompute,
    weightDtype: e.weightDtype,
    kernels: e.kernels,
    fp8Overheads: e.fp8Overheads,
    fp8Recipe: e.fp8Recipe,
    fp8AnyLayoutGemm: gpu?.fp8AnyLayoutGemm === true,
  };
}

function collective(net: NetworkModel, op: CollectiveOp, bytes: number, group: GroupPlacement): number {
  if (group.ranks <= 1 || bytes <= 0) return 0;
  return net.collective({ op, bytes, group }).seconds;
}

/** NCCL's usual cap on channels per communicator (NCCL_MAX_NCHANNELS; device.h allows 64). */
const MAX_CHANNELS = 32;

/**
 * The compute a collective slows when it runs under compute, in seconds of
 * the whole GPU: NCCL runs one thread block per channel and needs about one
 * channel per 20 GB/s of bus bandwidth (its per-channel model, topo.h), so it
 * holds channels x time SM-seconds, which overlapped compute cannot use. It
 * depends on the bytes moved, not on how fast: a faster link never costs more.
 */
export function commSmSeconds(gpu: GpuSpec, op: CollectiveOp, bytes: number, ranks: number, seconds: number): number {
  if (seconds <= 0 || ranks <= 1) return 0;
  const busBytes = bytes * busBandwidthFactor(op, ranks);
  return Math.min(MAX_CHANNELS * seconds, Math.max(seconds, busBytes / CHANNEL_BYTES_PER_SECOND)) / gpu.smCount;
}

/** The most a window of overlapped compute can be slowed: every channel busy throughout it. */
/** NCCL's channel cap, for bounding the slowdown of a window of compute (see commSmSeconds). */
export const NCCL_MAX_CHANNELS = MAX_CHANNELS;

interface LayerPass {
  compute: number;
  /** GEMM time of the pass. */
  gemm: number;
  /** GEMM and fused-attention time of the pass (tensor-core work). */
  tensor: number;
  /** TP collectives of the pass and the GEMMs each can hide behind (tp-comm.ts). */
  tp: TpPassPlan;
  /** Attention-core time that CP ring exchange overlaps with. */
  attention: number;
  comm: CommSeconds;
  /** Compute each kind of communication would slow if all of it ran under compute, seconds (TP's is in its plan). */
  sm: CommSeconds;
  smCount: number;
  /** Bytes one GPU receives over the link for each kind, for the HBM traffic (overlap-interference.ts). */
  linkBytes: CommSeconds;
  /** Roofline memory share of the pass's kernels. */
  memoryShare: number;
  /** CP ring hops in the pass (each a chunk hand-over). */
  cpHops: number;
  gpu: GpuSpec;
}

function passOf(gpu: GpuSpec, kernels: readonly Kernel[]): { compute: number; gemm: number; tensor: number; attention: number; hbm: number; gemmHbm: number; gemmByName: Map<string, { kernel: GemmKernel; seconds: number }> } {
  let compute = 0;
  let gemm = 0;
  let tensor = 0;
  let attention = 0;
  // HBM-bound seconds of the pass and of its GEMMs (the roofline's memory leg, overlap-interference.ts).
  let hbm = 0;
  let gemmHbm = 0;
  const gemmByName = new Map<string, { kernel: GemmKernel; seconds: number }>();
  for (const k of kernels) {
    const t = kernelSeconds(gpu, k);
    compute += t;
    const h = Math.min(t, kernelHbmSeconds(gpu, k));
    hbm += h;
    if (k.kind === 'gemm') {
      gemm += t;
      gemmHbm += h;
      gemmByName.set(k.name, { kernel: k, seconds: t });
    }
    if (k.kind !== 'memory') tensor += t;
    if (k.kind === 'attention' || k.name === 'scores' || k.name === 'context' || k.name === 'softmax') attention += t;
  }
  return { compute, gemm, tensor, attention, hbm, gemmHbm, gemmByName };
}

/**
 * The host's settings for a layer pass: the execution's mode, the node's CPU, and under ZeRO-3 the
 * parameter tensors of a layer (one FSDP unit), each a weight (and bias) of the Linear calls and the two norms.
 */
function hostSettings(x: CostInput, shape: ShardShape): HostSettings {
  const m = x.model;
  const perLinear = m.bias ? 2 : 1;
  const perNorm = m.norm === 'layernorm' && m.bias ? 2 : 1;
  const tensors = linearCalls(m, shape).length * perLinear + 2 * perNorm;
  return { mode: x.exec.hostOverhead, style: x.exec.kernels, cpuSlowdown: x.hostCpuSlowdown ?? 1, zero3ParamTensors: x.exec.zero >= 3 ? tensors : 0 };
}

/** Seconds of the model's ends: embedding (first stage) and logits with the loss (last stage). */
interface EndCosts {
  embTp: number;
  embFwd: number;
  embBwd: number;
  logitsFwd: number;
  logitsBwd: number;
  logitsTp: number;
  /** The logits GEMMs' share of logitsFwd and logitsBwd (the embedding has none). */
  logitsTensorFwd: number;
  logitsTensorBwd: number;
}

/** Per-layer forward, backward and recompute passes with their communication. */
function layerPasses(x: CostInput, shape: ShardShape): { fwd: LayerPass; bwd: LayerPass; re: LayerPass; ends: EndCosts } {
  const { model: m, exec: e, gpu, network: net, layout } = x;
  const k = layerKernels(m, shape);
  const tokens = localTokens(shape);

  // TP: two all-reduces per pass (after attention and after the MLP), or with
  // sequence parallelism an all-gather before and a reduce-scatter after each.
  const tpBytes = ACT * tokens * m.hidden;
  // Under FP8 with SP, Transformer Engine gathers FP8: the norm's output is cast before its all-gather
  // (fused into the norm under delayed scaling) and each output gradient before its own, one byte an
  // element, while the reduce-scatters carry 16 bits (TE layernorm_linear.py / layernorm_mlp.py /
  // linear.py since v0.6; docs/sources/fp8.md sec. 5). Userbuffers' FP8 reduce-scatter (fp8_buf) is
  // not modelled.
  const tpGatherBytes = e.sp && e.precision === 'fp8' ? FP8_ACT * tokens * m.hidden : tpBytes;
  const tpOne = e.sp ? collective(net, 'allgather', tpGatherBytes, layout.tp) : collective(net, 'allreduce', tpBytes, layout.tp);
  const tpRs = e.sp ? collective(net, 'reducescatter', tpBytes, layout.tp) : 0;
  // With expert TP set (Megatron-Core 0.10+), an MoE layer's MLP has no TP collectives of its own:
  // the router and dispatcher take the sequence-parallel shard as it is and the dispatcher moves the
  // tokens (below), so only the attention's pair remains (docs/sources/moe.md).
  const tpPairs = m.moe && e.etp ? 1 : 2;
  const tpPass = e.sp ? tpPairs * (tpOne + tpRs) : tpPairs * tpOne;
  const tpOneSm = commSmSeconds(gpu, e.sp ? 'allgather' : 'allreduce', tpGatherBytes, e.tp, tpOne);
  const tpSm = (2 * tpPairs * tpOneSm) / (e.sp ? 1 : 2);

  // CP: ring attention passes K and V blocks around the CP group (cp - 1 hops).
  const kvBytes = (ACT * 2 * tokens * m.kvHeads * headDim(m)) / e.tp;
  const cpHop = collective(net, 'sendrecv', kvBytes, layout.cp);
  const cpFwd = (e.cp - 1) * cpHop;
  const cpSm = (e.cp - 1) * commSmSeconds(gpu, 'sendrecv', kvBytes, 2, cpHop);

  // EP: all-to-all to dispatch tokens to experts and to combine them back.
  const epBytes = m.moe ? ACT * routedTokensPerGpu(m, shape) * m.hidden : 0;
  // With expert TP the alltoall dispatcher then all-gathers the routed tokens over the ETP group and
  // reduce-scatters the experts' output back (token_dispatcher.py); the gathered buffer is etp shards.
  const etpBytes = epBytes * (e.etp ?? 1);
  const etpPass = m.moe ? collective(net, 'allgather', etpBytes, layout.etp) + collective(net, 'reducescatter', etpBytes, layout.etp) : 0;
  const epPass = m.moe ? 2 * collective(net, 'alltoall', epBytes, layout.ep) + etpPass : 0;

  // ZeRO-3: gather the layer's weights before forward and backward, reduce-scatter
  // its gradients; in calls of `zeroBucketParams` (each paying its latency), or one per layer.
  const layerParams = layerParamsPerGpu(m, e);
  const calls = e.zeroBucketParams > 0 ? Math.max(1, Math.ceil(layerParams / e.zeroBucketParams)) : 1;
  // nccl-tests convention: an all-gather's size is the gathered buffer.
  // FSDP gathers the weights in the dtype the GEMMs start from (fp32 without a param_dtype).
  const weightBytes = stateBytesPerParam(e).weights;
  // ZeRO-3 gathers and scatters over the ranks that hold the same weights, DP x CP (parallel/layout.ts).
  const replicas = layout.dpCp.ranks;
  const gatherOne = e.zero >= 3 ? collective(net, 'allgather', (layerParams * weightBytes) / calls, layout.dpCp) : 0;
  const zeroGather = calls * gatherOne;
  const dpSm = calls * commSmSeconds(gpu, 'allgather', (layerParams * weightBytes) / calls, replicas, gatherOne);
  const gradBytes = layerParams * stateBytesPerParam(e).reducedGrads;
  const zeroScatter = e.zero >= 3 ? calls * collective(net, 'reducescatter', gradBytes / calls, layout.dpCp) : 0;

  const f = passOf(gpu, k.forward);
  const b = passOf(gpu, k.backward);
  const r = passOf(gpu, k.recompute);
  // The host issuing the layer's kernels (compute/host-overhead.ts): where it is slower than the GPU
  // the pass takes the host's time. Off leaves the kernel sums exactly as they were.
  if (e.hostOverhead !== 'off') {
    const host = hostSettings(x, shape);
    const secs = (ks: readonly Kernel[]) => ks.map((kk) => kernelSeconds(gpu, kk));
    // FSDP1's rate limiter (limit_all_gathers) keeps the host within about one unit of the GPU.
    const lead = (g: number) => (e.zero >= 3 ? g : Infinity);
    const seg = (kernels: readonly Kernel[], issuer: 'python' | 'autograd') => ({ kernels, gpuSeconds: secs(kernels), issuer });
    f.compute = hostBoundPassSeconds(host, [seg(k.forward, 'python')], lead(f.compute));
    // Recompute runs the forward again from Python inside the backward; the backward's kernels come from autograd.
    const backward = hostBoundPassSeconds(host, [seg(k.recompute, 'python'), seg(k.backward, 'autograd')], lead(b.compute + r.compute));
    b.compute = backward - r.compute;
  }

  // TP collectives one by one with the GEMM each can hide behind (sequence parallel, dense layers),
  // or as one lump per pass (all-reduce without SP; MoE layers, whose experts TP does not split).
  const fullRecompute = e.recompute === 'full';
  const mode = e.overlapInterference;
  // Bytes one GPU receives in one TP all-gather or reduce-scatter (SP), or one all-reduce.
  const tpLinkBytes = tpBytes * busBandwidthFactor(e.sp ? 'allgather' : 'allreduce', e.tp);
  const tpPassLinkBytes = tpPairs * (e.sp ? 2 : 1) * tpLinkBytes;
  // Without named GEMMs the lump's SMs stay counted by their share; its HBM traffic (NCCL) slows the pass's GEMMs.
  const aggregateHbm = (p: ReturnType<typeof passOf>): number =>
    countsHbm(mode) && p.gemm > 0 && tpPass > 0
      ? hbmSlowdownSeconds(gpu, tpPassLinkBytes * Math.min(1, p.gemm / tpPass), hbmBytesPerLinkByte('nccl', e.sp ? 'allgather' : 'allreduce', e.tp), p.gemmHbm / p.gemm)
      : 0;
  // Both ways: the lump's transfers wait on the pass's GEMMs' HBM traffic while they run beside them.
  const aggregateCommSlowdown = (p: ReturnType<typeof passOf>): number =>
    countsTransferSlowdown(mode) && p.gemm > 0
      ? transferSlowdownSeconds(gpu, tpPassLinkBytes, hbmBytesPerLinkByte('nccl', e.sp ? 'allgather' : 'allreduce', e.tp), tpPass, p.gemmHbm / p.gemm, p.gemm)
      : 0;
  const aggregate = (p: ReturnType<typeof passOf>): TpPassPlan => {
    const plan = aggregatePlan(tpPass, p.gemm, Math.min(tpSm, (MAX_CHANNELS * p.gemm) / gpu.smCount), aggregateCommSlowdown(p));
    const hbm = aggregateHbm(p);
    return hbm > 0 ? { ...plan, overlapped: plan.overlapped.map((x) => ({ ...x, slowdown: x.slowdown + hbm })) } : plan;
  };
  const none: TpPassPlan = { plain: [], overlapped: [] };
  let tpPlans: { fwd: TpPassPlan; bwd: TpPassPlan; re: TpPassPlan };
  // The TP collectives one GPU makes (an all-gather and a reduce-scatter with SP, an all-reduce in the
  // all-gather's slot without: tpRs is 0 then) and the NCCL channels they hold.
  const channels = tpOne > 0 ? (tpOneSm * gpu.smCount) / tpOne : 0;
  // How userbuffers reduce-scatters the projection and FC2 outputs (tp-comm.ts); by ring exchange it then adds the
  // TP partials of this rank's slice in one kernel: read all of them (the whole 16-bit output), write the slice.
  const rsMethod = e.tpOverlapReduceScatter;
  const rsReduceSeconds = rsMethod === 'ring-exchange' ? kernelSeconds(gpu, { kind: 'memory', name: 'ub-rs-reduce', bytes: tpBytes * (1 + 1 / e.tp) }) : 0;
  const c = { allGather: tpOne, reduceScatter: tpRs, ncclSlowdown: tpOneSm, linkBytes: tpLinkBytes, ncclChannels: channels, rsMethod, rsReduceSeconds };
  // A GEMM run as `parts` chunks of rows (tokens) by an overlap method.
  const byName = (p: ReturnType<typeof passOf>) => (name: string, parts = 1) => {
    const g = p.gemmByName.get(name);
    if (!g) return 0;
    return parts <= 1 ? g.seconds : parts * kernelSeconds(gpu, { ...g.kernel, m: Math.ceil(g.kernel.m / parts) });
  };
  const interference = (p: ReturnType<typeof passOf>) => tpInterference(gpu, mode, e.tp, (name) => p.gemmByName.get(name)?.kernel);
  if (e.tp <= 1) tpPlans = { fwd: none, bwd: none, re: none };
  else if (e.sp && !m.moe) {
    tpPlans = {
      fwd: spForwardPlan(byName(f), c, e.tp, gpu.smCount, interference(f)),
      bwd: spBackwardPlan(byName(b), c, e.tp, gpu.smCount, interference(b)),
      re: fullRecompute ? spForwardPlan(byName(r), c, e.tp, gpu.smCount, interference(r)) : none,
    };
  } else {
    // Dense layers without SP: the backward's two all-reduces run under the QKV and FC1 wgrad GEMMs
    // unless the code predates Megatron-LM's asynchronous all-reduce (tpAsyncAllreduce off).
    const bwd = aggregate(b);
    tpPlans = {
      fwd: aggregate(f),
      bwd: e.tpAsyncAllreduce === 'on' && !m.moe ? asyncAllReducePlan(byName(b), c, bwd.overlapped, interference(b)) : bwd,
      re: fullRecompute ? aggregate(r) : none,
    };
  }

  // The ends of the model: embedding on the first stage, logits and loss on the last.
  const emb = embeddingKernels(m, shape);
  const logits = logitsKernels(m, shape);
  const ends = {
    // The vocab-parallel embedding ends in an all-reduce over TP (a reduce-scatter with SP).
    embTp: collective(net, e.sp ? 'reducescatter' : 'allreduce', ACT * tokens * m.hidden, layout.tp),
    embFwd: kernelsSeconds(gpu, emb.forward),
    embBwd: kernelsSeconds(gpu, emb.backward),
    logitsFwd: kernelsSeconds(gpu, logits.forward),
    logitsBwd: kernelsSeconds(gpu, logits.backward),
    logitsTensorFwd: passOf(gpu, logits.forward).tensor,
    logitsTensorBwd: passOf(gpu, logits.backward).tensor,
    // With SP, the final norm output is all-gathered before the logits GEMM and reduce-scattered after its backward.
    logitsTp: e.sp ? collective(net, 'allgather', ACT * tokens * m.hidden, layout.tp) : 0,
  };
  const reTp = planComm(tpPlans.re.plain);
  const reCp = e.recompute === 'full' ? cpFwd : 0;
  const reEp = e.recompute === 'full' ? epPass : 0;
  const smCount = gpu.smCount;
  // Bytes one GPU receives for the CP ring and ZeRO-3's gathers and scatters (for their HBM traffic).
  const cpLink = e.cp > 1 ? (e.cp - 1) * kvBytes : 0;
  const gatherLink = e.zero >= 3 ? layerParams * weightBytes * busBandwidthFactor('allgather', replicas) : 0;
  const scatterLink = e.zero >= 3 ? gradBytes * busBandwidthFactor('reducescatter', replicas) : 0;
  const link = (cp: number, dp: number): CommSeconds => ({ ...zeroComm(), cp, dp });
  const share = (p: ReturnType<typeof passOf>): number => (p.compute > 0 ? p.hbm / p.compute : 0);
  const hops = e.cp > 1 ? e.cp - 1 : 0;
  return {
    fwd: { ...f, tp: tpPlans.fwd, comm: { tp: planComm(tpPlans.fwd.plain), cp: cpFwd, ep: epPass, pp: 0, dp: zeroGather }, sm: { tp: 0, cp: cpSm, ep: 0, pp: 0, dp: dpSm }, smCount, linkBytes: link(cpLink, gatherLink), memoryShare: share(f), cpHops: hops, gpu },
    // Backward moves K,V and their gradients (twice the forward's bytes).
    bwd: { ...b, tp: tpPlans.bwd, comm: { tp: planComm(tpPlans.bwd.plain), cp: 2 * cpFwd, ep: epPass, pp: 0, dp: zeroGather + zeroScatter }, sm: { tp: 0, cp: 2 * cpSm, ep: 0, pp: 0, dp: 2 * dpSm }, smCount, linkBytes: link(2 * cpLink, gatherLink + scatterLink), memoryShare: share(b), cpHops: hops, gpu },
    re: { ...r, tp: tpPlans.re, comm: { tp: reTp, cp: reCp, ep: reEp, pp: 0, dp: 0 }, sm: { tp: 0, cp: fullRecompute ? cpSm : 0, ep: 0, pp: 0, dp: 0 }, smCount, linkBytes: link(fullRecompute ? cpLink : 0, 0), memoryShare: share(r), cpHops: fullRecompute ? hops : 0, gpu },
    ends,
  };
}

const exposedCache = new WeakMap<LayerPass, Map<string, CommSeconds>>();

/** exposedOf, remembered per cached layer pass and overlap switches (the planner asks again and again). */
function cachedExposedOf(e: Execution, p: LayerPass): CommSeconds {
  let byOverlap = exposedCache.get(p);
  if (!byOverlap) exposedCache.set(p, (byOverlap = new Map()));
  const key = `${e.overlap.tp}|${e.overlap.dp}|${e.overlapInterference}`;
  let hit = byOverlap.get(key);
  if (!hit) byOverlap.set(key, (hit = exposedOf(e, p)));
  return hit;
}

/**
 * What each kind of communication costs a pass beyond its compute: the part
 * not hidden behind compute, plus, for the hidden part, the compute slowed by
 * the SMs the collective occupies meanwhile.
 */
function exposedOf(e: Execution, p: LayerPass): CommSeconds {
  const out = zeroComm();
  // Exposed part, plus the compute slowed under the hidden part (at most every channel busy throughout the window).
  const hidden = (comm: number, window: number, smSeconds: number): number =>
    Math.max(0, comm - window) + Math.min(smSeconds, (MAX_CHANNELS * window) / p.smCount);
  // TP collectives one by one (tp-comm.ts); Megatron-Core's TP overlap hides the blocking ones too.
  out.tp = planExposed(e.overlap.tp ? p.tp.overlapped : p.tp.plain);
  // Ring attention overlaps each KV hop with the attention block of the previous one. With interference
  // counted each hop hands over through a receive (a gap on the communication path); attention is
  // compute-bound, so the ring's HBM traffic costs it nothing (overlap-interference.ts).
  const mode = e.overlapInterference;
  const cpSync = countsSms(mode) && p.comm.cp > 0 ? p.cpHops * chunkSyncSeconds(p.gpu) : 0;
  out.cp = cpSync > 0 ? hidden(p.comm.cp + cpSync, p.attention, p.sm.cp) : hidden(p.comm.cp, p.attention, p.sm.cp);
  out.ep = p.comm.ep;
  // ZeRO-3 prefetches the next layer's weights on its own stream, so it runs on through the blocking
  // TP, CP and EP collectives of this layer as well as its compute: the window is the whole pass.
  // (Timing it against the compute alone counted the lost compute twice when compute got faster,
  // and a property test found a faster GPU taking longer.)
  const pass = p.compute + out.tp + out.cp + out.ep;
  // The gathers' HBM bytes per link byte, over the DP x CP ranks they run across.
  const dpHbmPerLinkByte = hbmBytesPerLinkByte('nccl', 'allgather', dataParallelRanks(e));
  // Both ways: the gathers and scatters wait on the pass's HBM traffic while they run under it.
  const dpSlow =
    e.overlap.dp && countsTransferSlowdown(mode) && p.comm.dp > 0
      ? transferSlowdownSeconds(p.gpu, p.linkBytes.dp, dpHbmPerLinkByte, p.comm.dp, p.memoryShare, p.compute)
      : 0;
  out.dp = e.overlap.dp ? hidden(p.comm.dp + dpSlow, pass, p.sm.dp) : p.comm.dp;
  // ZeRO-3's gathers and scatters (NCCL) also slow the pass by their HBM traffic.
  if (e.overlap.dp && countsHbm(mode) && p.comm.dp > 0) {
    out.dp += hbmSlowdownSeconds(p.gpu, p.linkBytes.dp * Math.min(1, pass / p.comm.dp), dpHbmPerLinkByte, p.memoryShare);
  }
  return out;
}

function scaleComm(c: CommSeconds, k: number): CommSeconds {
  return { tp: c.tp * k, cp: c.cp * k, ep: c.ep * k, pp: c.pp * k, dp: c.dp * k };
}

function addComm(a: CommSeconds, b: CommSeconds): CommSeconds {
  return { tp: a.tp + b.tp, cp: a.cp + b.cp, ep: a.ep + b.ep, pp: a.pp + b.pp, dp: a.dp + b.dp };
}

/**
 * Layer passes depend on the shard shape, the groups and the overlap switches,
 * not on PP, VP or the batch: configurations that share them (as a planner's
 * do) reuse one answer per network model and model.
 */
const passCache = new WeakMap<NetworkModel, WeakMap<ModelSpec, Map<string, ReturnType<typeof layerPasses>>>>();

function cachedLayerPasses(x: CostInput, shape: ShardShape): ReturnType<typeof layerPasses> {
  let byModel = passCache.get(x.network);
  if (!byModel) passCache.set(x.network, (byModel = new WeakMap()));
  let byKey = byModel.get(x.model);
  if (!byKey) byModel.set(x.model, (byKey = new Map()));
  const e = x.exec;
  const l = x.layout;
  const key = [
    shape.mbs, shape.seq, shape.tp, shape.cp, shape.ep, shape.etp, shape.sp, shape.attention, shape.precision, shape.recompute, shape.weightDtype, shape.kernels,
    shape.fp8Overheads, shape.fp8Recipe, shape.fp8AnyLayoutGemm,
    e.dp, e.zero, e.gradReduceDtype, e.zeroBucketParams, e.overlapInterference, x.gpu.name, e.hostOverhead, x.hostCpuSlowdown ?? 1,
    e.tpOverlapReduceScatter, e.tpAsyncAllreduce,
    // The tensor-core rates, which the sustained clock scales (compute/power-clock.ts) under the same GPU name.
    x.gpu.efficiency.gemmPeakFraction, x.gpu.efficiency.gemmPeakFractionFp8, x.gpu.efficiency.flashAttentionForwardFraction, x.gpu.efficiency.flashAttentionBackwardFraction,
    l.tp.ranksPerNode, l.tp.nodes, l.cp.ranksPerNode, l.cp.nodes, l.ep.ranksPerNode, l.ep.nodes, l.etp.ranksPerNode, l.dp.ranksPerNode, l.dp.nodes, l.dp.concurrentGroupsPerNode,
    l.dpCp.ranksPerNode, l.dpCp.nodes, l.dpCp.concurrentGroupsPerNode,
  ].join('|');
  let hit = byKey.get(key);
  if (!hit) {
    if (byKey.size > 10_000) byKey.clear();
    hit = layerPasses(x, shape);
    byKey.set(key, hit);
  }
  return hit;
}

/** The group FP8 delayed scaling reduces its amaxes over: TP x CP x DP, consecutive ranks (Megatron-Core's amax reduction group). */
function amaxGroup(l: ParallelLayout, withDp = true): GroupPlacement {
  const parts = withDp ? [l.tp, l.cp, l.dp] : [l.tp, l.cp];
  const product = (f: (g: GroupPlacement) => number) => parts.reduce((n, g) => n * f(g), 1);
  const ranks = product((g) => g.ranks);
  const ranksPerNode = Math.min(ranks, product((g) => g.ranksPerNode));
  const ranksPerDomain = Math.min(ranks, product((g) => g.ranksPerDomain ?? g.ranksPerNode));
  return { ranks, ranksPerNode, nodes: Math.ceil(ranks / ranksPerNode), concurrentGroupsPerNode: 1, domains: Math.ceil(ranks / ranksPerDomain), ranksPerDomain, stride: 1, jobGpus: l.dp.jobGpus };
}

/**
 * FP8's amax reductions in one pass of a chunk of `n` layers (compute/fp8-overheads.ts) that the step
 * waits for, so exposed: TP's and TP x CP's under TP (the model-parallel group), delayed scaling's over
 * TP x DP x CP under DP. `passes` repeats the per-layer ones (a backward pass under full recompute
 * quantizes the forward's tensors again).
 */
function fp8AmaxComm(x: CostInput, n: number, pass: 'forward' | 'backward', passes = 1): CommSeconds {
  const out = zeroComm();
  for (const r of fp8AmaxReductions(x.exec, n, pass)) {
    const group = r.group === 'tp' ? x.layout.tp : amaxGroup(x.layout, r.group === 'amax');
    const t = (r.perLayer * n * passes + r.perChunk) * collective(x.network, 'allreduce', r.bytes, group);
    if (r.group === 'amax') out.dp += t;
    else out.tp += t;
  }
  return out;
}

export function stepCosts(x: CostInput, layersPerStage: readonly number[]): StepCosts {
  const { model: m, exec: e, gpu, network: net, layout } = x;
  const shape = shardShape(e, gpu);
  const lp = cachedLayerPasses(x, shape);
  const fwdExposed = cachedExposedOf(e, lp.fwd);
  const bwdExposed = cachedExposedOf(e, lp.bwd);
  const reExposed = cachedExposedOf(e, lp.re);

  const { embTp, embFwd, embBwd, logitsFwd, logitsBwd, logitsTp, logitsTensorFwd, logitsTensorBwd } = lp.ends;

  const grad = stateBytesPerParam(e).reducedGrads;
  // Middle stages with the same layer count cost the same: cost each kind once.
  const byKind = new Map<string, StageCosts>();
  const stages: StageCosts[] = layersPerStage.map((layers, s) => {
    const kind = `${layers}|${s === 0 ? 'first' : s === e.pp - 1 ? 'last' : 'middle'}`;
    const known = byKind.get(kind);
    if (known) return known;
    const chunks = chunkLayers(layers, e.vp);
    const forward: PassCost[] = [];
    const backward: PassCost[] = [];
    // Chunks of equal size away from the model's ends cost the same: build their passes once.
    const inner = new Map<number, [PassCost, PassCost]>();
    chunks.forEach((n, c) => {
      const first = s === 0 && c === 0;
      const last = s === e.pp - 1 && c === e.vp - 1;
      const same = !first && !last ? inner.get(n) : undefined;
      if (same) {
        forward.push(same[0]);
        backward.push(same[1]);
        return;
      }
      // FP8 amax reductions and scale updates (none unless fp8 with fp8Overheads te).
      const fAmax = fp8AmaxComm(x, n, 'forward');
      const bAmax = fp8AmaxComm(x, n, 'backward', e.recompute === 'full' ? 2 : 1);
      const scaleUpdate = kernelsSeconds(gpu, fp8ScaleUpdateKernels(e, n));
      let fCompute = n * lp.fwd.compute + scaleUpdate;
      let fTensor = n * lp.fwd.tensor;
      let bTensor = n * (lp.bwd.tensor + lp.re.tensor);
      let fExposed = addComm(scaleComm(fwdExposed, n), fAmax);
      let fTotal = addComm(scaleComm(lp.fwd.comm, n), fAmax);
      let bCompute = n * (lp.bwd.compute + lp.re.compute) + scaleUpdate;
      let bExposed = addComm(scaleComm(addComm(bwdExposed, reExposed), n), bAmax);
      let bTotal = addComm(scaleComm(addComm(lp.bwd.comm, lp.re.comm), n), bAmax);
      if (first) {
        fCompute += embFwd;
        // DDP's hook adds the embedding table's 16-bit gradient into the buffer each micro-batch (gradBuffer megatron).
        bCompute += embBwd + kernelsSeconds(gpu, mainGradAddKernels(e.gradBuffer, (m.vocab * m.hidden) / e.tp, stateBytesPerParam(e).grads));
        fExposed = addComm(fExposed, { ...zeroComm(), tp: embTp });
        fTotal = addComm(fTotal, { ...zeroComm(), tp: embTp });
      }
      if (last) {
        fCompute += logitsFwd;
        bCompute += logitsBwd;
        fTensor += logitsTensorFwd;
        bTensor += logitsTensorBwd;
        fExposed = addComm(fExposed, { ...zeroComm(), tp: logitsTp });
        bExposed = addComm(bExposed, { ...zeroComm(), tp: logitsTp });
        fTotal = addComm(fTotal, { ...zeroComm(), tp: logitsTp });
        bTotal = addComm(bTotal, { ...zeroComm(), tp: logitsTp });
      }
      const f: PassCost = { computeSeconds: fCompute, recomputeSeconds: 0, exposedComm: fExposed, totalComm: fTotal, seconds: fCompute + sumComm(fExposed), tensorSeconds: fTensor };
      const b: PassCost = { computeSeconds: bCompute, recomputeSeconds: n * lp.re.compute, exposedComm: bExposed, totalComm: bTotal, seconds: bCompute + sumComm(bExposed), tensorSeconds: bTensor };
      if (!first && !last) inner.set(n, [f, b]);
      forward.push(f);
      backward.push(b);
    });

    const paramsPerGpu = stageParamsPerGpu(m, e, s, layers);
    // Gradient reduction at the end of the step (ZeRO-3 already reduced per layer).
    const extraParams = paramsPerGpu - layers * layerParamsPerGpu(m, e);
    const extraChunk = s === 0 ? 0 : e.vp - 1;
    // Tied embeddings on two stages: their gradients are summed between the first and last stage.
    const tiedSync =
      m.tiedEmbeddings && e.pp > 1 && (s === 0 || s === e.pp - 1)
        ? collective(net, 'allreduce', ((m.vocab * m.hidden) / e.tp) * grad, { ...layout.pp, ranks: 2, ranksPerNode: 1, nodes: 2 })
        : 0;
    const reduceOp = gradientReduceOp(e);
    // Gradients are reduced, and ZeRO shards, over DP x CP: context-parallel ranks hold the same weights.
    const shards = layout.dpCp.ranks;
    // Each chunk's gradient reduction: its time, and the compute it slows when it runs under the backward pass.
    const reductions = chunks.map((n, c) => {
      const extra = c === extraChunk ? tiedSync : 0;
      // ZeRO-3 reduce-scatters gradients layer by layer during the backward pass.
      if (e.zero >= 3) return { seconds: extra, smSeconds: 0, hbmSeconds: 0, slower: 0 };
      const bytes = (n * layerParamsPerGpu(m, e) + (c === extraChunk ? extraParams : 0)) * grad;
      const alone = collective(net, reduceOp, bytes, layout.dpCp);
      const smSeconds = commSmSeconds(gpu, reduceOp, bytes, shards, alone);
      // Its HBM traffic (NCCL) slows the backward passes it runs under.
      const hbmSeconds =
        countsHbm(e.overlapInterference) && alone > 0
          ? hbmSlowdownSeconds(gpu, bytes * busBandwidthFactor(reduceOp, shards), hbmBytesPerLinkByte('nccl', reduceOp, shards), lp.bwd.memoryShare)
          : 0;
      // Both ways: it waits on the HBM traffic of the chunk's last backward pass, which it runs under.
      const slower =
        e.overlap.dp && countsTransferSlowdown(e.overlapInterference) && alone > 0
          ? transferSlowdownSeconds(gpu, bytes * busBandwidthFactor(reduceOp, shards), hbmBytesPerLinkByte('nccl', reduceOp, shards), alone, lp.bwd.memoryShare, n * lp.bwd.compute)
          : 0;
      if (net.concurrent && e.overlap.dp && e.tp > 1 && layout.dpCp.ranks > 1) {
        // The reduction runs under the chunk's last backward pass, whose TP traffic shares links with it.
        const reduce = { op: reduceOp, bytes, group: layout.dpCp } as const;
        const tpTraffic = { op: e.sp ? 'reducescatter' : 'allreduce', bytes: ACT * localTokens(shape) * m.hidden * 2 * n, group: layout.tp } as const;
        return { seconds: net.concurrent([reduce, tpTraffic])[0].seconds + slower + extra, smSeconds, hbmSeconds, slower };
      }
      return { seconds: alone + slower + extra, smSeconds, hbmSeconds, slower };
    });
    const dpReduceSeconds = reductions.map((r) => r.seconds);
    const dpReduceSmSeconds = reductions.map((r) => r.smSeconds);
    const dpReduceHbmSeconds = reductions.map((r) => r.hbmSeconds);
    const dpReduceSlowdownSeconds = reductions.map((r) => r.slower);
    const gatherBytes = paramsPerGpu * 2;
    const gatherAlone = e.zero === 1 || e.zero === 2 ? collective(net, 'allgather', gatherBytes, layout.dpCp) : 0;
    // Both ways: under the next step's first forward pass (overlapped) it waits on that pass's HBM traffic.
    const gatherWindow = forward[0]?.computeSeconds ?? 0;
    const paramGatherSeconds =
      gatherAlone > 0 && e.overlap.dp && countsTransferSlowdown(e.overlapInterference)
        ? gatherAlone + transferSlowdownSeconds(gpu, gatherBytes * busBandwidthFactor('allgather', shards), hbmBytesPerLinkByte('nccl', 'allgather', shards), gatherAlone, lp.fwd.memoryShare, gatherWindow)
        : gatherAlone;
    // Under the next step's first forward pass the gather holds NCCL's SMs and makes HBM traffic.
    const paramGatherInterferenceSeconds =
      paramGatherSeconds > 0 && countsSms(e.overlapInterference)
        ? commSmSeconds(gpu, 'allgather', gatherBytes, shards, gatherAlone) +
          (countsHbm(e.overlapInterference)
            ? hbmSlowdownSeconds(gpu, gatherBytes * busBandwidthFactor('allgather', shards), hbmBytesPerLinkByte('nccl', 'allgather', shards), lp.fwd.memoryShare)
            : 0)
        : 0;
    const fp8Weights = e.precision === 'fp8' ? fp8WeightCastKernels(layers * layerParamsPerGpu(m, e), shape) : [];
    // The step's passes over the local gradient buffer (zero, NaN-check norm, 1/DP scaling), all on the compute
    // stream: counted with the optimizer (compute/grad-buffer.ts; none with gradBuffer off). ZeRO-3 holds 1/DP of them.
    const gradPasses = gradBufferKernels(e.gradBuffer, { params: e.zero >= 3 ? paramsPerGpu / shards : paramsPerGpu, gradBytes: stateBytesPerParam(e).grads, dp: shards });
    const optimizerSeconds = kernelsSeconds(gpu, [...optimizerKernels(paramsPerGpu / (e.zero >= 1 ? shards : 1), e.optimizerKernel), ...fp8Weights, ...gradPasses]);
    const costs: StageCosts = { layers, chunkLayers: chunks, forward, backward, dpReduceSeconds, dpReduceSmSeconds, dpReduceHbmSeconds, dpReduceSlowdownSeconds, smCount: gpu.smCount, paramGatherSeconds, paramGatherInterferenceSeconds, optimizerSeconds, paramsPerGpu };
    byKind.set(kind, costs);
    return costs;
  });

  // Activations cross stages as [s/cp, b, h] split over the TP ranks (SP, or
  // Megatron's scatter-gather optimization), each rank on its own link.
  const p2pBytes = (ACT * localTokens(shape) * m.hidden) / e.tp;
  const p2pGroup: GroupPlacement = { ...layout.pp, ranks: 2, nodes: layout.pp.nodes > 1 ? 2 : 1, ranksPerNode: 1 };
  const p2pAlone = e.pp > 1 ? collective(net, 'sendrecv', p2pBytes, p2pGroup) : 0;
  // An asynchronous send holds NCCL's SMs and (both ends counted, overlap-interference.ts) makes HBM
  // traffic while the stage computes on.
  const layerShare = (lp.fwd.memoryShare * lp.fwd.compute + lp.bwd.memoryShare * lp.bwd.compute) / Math.max(1e-30, lp.fwd.compute + lp.bwd.compute);
  // Both ways: an asynchronous send waits on the HBM traffic of the layer passes it runs beside.
  const p2pSeconds =
    p2pAlone > 0 && e.overlap.pp && countsTransferSlowdown(e.overlapInterference)
      ? p2pAlone + transferSlowdownSeconds(gpu, p2pBytes, hbmBytesPerLinkByte('nccl', 'sendrecv', 2), p2pAlone, layerShare, Math.min(lp.fwd.compute, lp.bwd.compute))
      : p2pAlone;
  const p2pInterferenceSeconds =
    p2pSeconds > 0 && countsSms(e.overlapInterference)
      ? commSmSeconds(gpu, 'sendrecv', p2pBytes, 2, p2pAlone) +
        (countsHbm(e.overlapInterference) ? hbmSlowdownSeconds(gpu, p2pBytes, hbmBytesPerLinkByte('nccl', 'sendrecv', 2), layerShare) : 0)
      : 0;
  // Every GPU of the job meets at the gradient reduction and optimizer barrier.
  return { stages, p2pSeconds, p2pBytes, p2pInterferenceSeconds, rankWaitFraction: rankWaitFraction(e.rankVariation, gpu.kernelTimeCv, e.gpus) };
}

/** Kernel time of one stage's step (every pass of every micro-batch, recompute and optimizer included), seconds. */
export function stageComputeSeconds(st: StageCosts, microbatches: number): number {
  let passes = 0;
  for (let c = 0; c < st.forward.length; c++) passes += st.forward[c].computeSeconds + st.backward[c].computeSeconds;
  return microbatches * passes + st.optimizerSeconds;
}

/** What waiting for the slowest rank adds to one stage's step at its barrier, seconds. */
export function stageRankWaitSeconds(costs: StepCosts, st: StageCosts, microbatches: number): number {
  return costs.rankWaitFraction > 0 ? costs.rankWaitFraction * stageComputeSeconds(st, microbatches) : 0;
}
