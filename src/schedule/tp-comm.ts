/**
 * Tensor-parallel communication of one transformer layer, collective by
 * collective, and the GEMM each one can hide behind.
 *
 * With sequence parallelism (Korthikanti et al. 2022) a layer's forward pass
 * all-gathers the input of QKV and FC1 and reduce-scatters the output of the
 * projection and FC2. Its backward pass all-gathers the output gradients of
 * the projection and FC2 before their dgrad GEMMs, and for QKV and FC1 it
 * all-gathers the layer input again for the wgrad GEMM while the dgrad GEMM
 * runs, then reduce-scatters the input gradient while the wgrad GEMM runs
 * (Megatron-LM's LinearWithGradAccumulationAndAsyncCommunication): six
 * collectives, four of them asynchronous.
 *
 * With TP communication overlap (Megatron-Core `tp_comm_overlap`, Transformer
 * Engine userbuffers) the blocking ones are hidden too: all-gathers by ring
 * exchange, chunk by chunk under the consuming GEMM; reduce-scatters after the
 * projection and FC2 by a pipeline of splits, on SMs taken from the GEMM; and
 * the asynchronous pairs as "bulk" overlaps on a few SMs. The SM counts and
 * splits are the ones Megatron-Bridge ships for H100 (comm_overlap.py,
 * userbuffers_*_h100_*: proj_fprop pipeline on 24 SMs, fc2_fprop on 8 to 16,
 * 4 splits; qkv_wgrad bulk on 24 SMs, the other bulk overlaps on 2 to 4).
 * Under FP8 those configurations reduce-scatter the projection and FC2
 * outputs by ring exchange instead (RingExchangeOverlapCfg(num_sm=1) in every
 * userbuffers_fp8_* but the TP 2 hidden-6144 one; NeMo tp_overlap_configs/
 * userbuffers.py @v2.3.0, Megatron-Bridge comm_overlap.py @v0.2.0): the GEMM
 * runs in TP chunks, each chunk's partial sums sent to the rank that owns them
 * while the next is computed, the local chunk last, then one kernel adds the TP
 * partials (Transformer Engine CommOverlapP2PBase::split_overlap_rs,
 * reduce_bf16; comm_gemm_overlap.cpp @v2.1).
 */
import { countsSms, smSlowdownSeconds, type TpInterference } from './overlap-interference.js';

/**
 * A collective and the GEMM it runs under. Exposed time is what the window
 * cannot hide, plus the compute the collective slows meanwhile, plus any
 * fixed cost of the overlap method.
 */
export interface TpSegment {
  comm: number;
  /** GEMM time the collective can hide behind (0: blocking). */
  window: number;
  /** Compute lost while the collective runs under the window, seconds. */
  slowdown: number;
  /** Exposed time the method adds whatever the window (a pipeline's last split). */
  fixed: number;
  /** Seconds the collective itself loses to the compute's HBM traffic under the window (both-ways; absent: none). */
  commSlowdown?: number;
}

/** TP communication of one pass, without and with TP communication overlap. */
export interface TpPassPlan {
  plain: TpSegment[];
  overlapped: TpSegment[];
}

/** Megatron-Bridge's H100 userbuffers settings (see the module comment). */
export const USERBUFFERS = {
  pipelineSplits: 4,
  projFpropSms: 24,
  fc2FpropSms: 8,
  qkvWgradBulkSms: 24,
  otherBulkSms: 2,
} as const;

export const segmentExposed = (s: TpSegment): number => Math.max(0, s.comm + (s.commSlowdown ?? 0) - s.window) + s.slowdown + s.fixed;

/**
 * Seconds of one layer's GEMMs, by name (`qkv`, `proj.dgrad`, ...), whole or, with `parts`, run as
 * that many chunks of rows (tokens), as the overlap methods run them: smaller GEMMs fill the GPU
 * less well (tile and wave quantization), so the chunks together take longer.
 */
export type GemmSeconds = (name: string, parts?: number) => number;

export interface TpCollectives {
  /** One all-gather of the layer's activations (sequence parallel), seconds; without SP, one all-reduce of them. */
  allGather: number;
  /** One reduce-scatter of the same, seconds. */
  reduceScatter: number;
  /** Compute one NCCL all-gather / reduce-scatter of that size slows when it runs under compute, seconds. */
  ncclSlowdown: number;
  /** Bytes one GPU receives over the link in one all-gather / reduce-scatter (for the HBM traffic; 0: not counted). */
  linkBytes?: number;
  /** SMs NCCL's channels hold while one runs. */
  ncclChannels?: number;
  /** How userbuffers reduce-scatters the projection and FC2 outputs (absent: pipeline, the BF16 configurations). */
  rsMethod?: 'pipeline' | 'ring-exchange';
  /** Seconds of the ring-exchange reduce-scatter's final kernel: read the TP partials of this rank's slice, write the sum. */
  rsReduceSeconds?: number;
}

const blocking = (comm: number): TpSegment => ({ comm, window: 0, slowdown: 0, fixed: 0 });

/** Share of a collective that runs under its window. */
const hiddenShare = (comm: number, window: number): number => (comm > 0 ? Math.min(1, window / comm) : 0);

/** A collective under a GEMM with NCCL: it takes NCCL's channels from the GEMM while it runs. */
function ncclUnder(comm: number, window: number, ncclSlowdown: number, x?: Interfered, name = '', op: 'allgather' | 'reducescatter' | 'allreduce' = 'allgather'): TpSegment {
  const share = hiddenShare(comm, window);
  const seg = { comm, window, slowdown: ncclSlowdown * share, fixed: 0 };
  if (!x || !countsSms(x.i.mode)) return seg;
  const channels = x.c.ncclChannels ?? 0;
  const sm = smSlowdownSeconds(window, x.i.gemmOnFewerSms(name, 1, channels), channels, x.i.smCount, Math.min(comm, window));
  const hbm = x.i.hbmSlowdown(name, (x.c.linkBytes ?? 0) * share, 'nccl', op);
  const commSlowdown = x.i.transferSlowdown(name, 1, channels, x.c.linkBytes ?? 0, comm, window, 'nccl', op);
  return { ...seg, slowdown: Math.max(seg.slowdown, sm) + hbm, ...(commSlowdown > 0 ? { commSlowdown } : {}) };
}

/**
 * Ring exchange: the GEMM runs in TP chunks as the other ranks' chunks arrive (the first is local);
 * the chunks cost more than the whole GEMM would. The copies run on copy engines (no SMs taken);
 * each of the tp - 1 hand-overs costs a gap on the communication path, so the window hides that less.
 *
 * `rs`: the reduce-scatter after a row-parallel GEMM by the same method. Each chunk's partial sums leave
 * for the rank that owns them while the next chunk is computed, the local chunk last, so every send has
 * a chunk to hide behind; the sum of the TP partials is one memory-bound kernel after them, on the main
 * stream: exposed. Userbuffers keeps one SM for its flags (num_sm 1 with set_sm_margin), which the GEMM
 * chunks lose.
 */
function ringExchange(comm: number, g: GemmSeconds, name: string, tp: number, x?: Interfered, rs?: { reduceSeconds: number }): TpSegment {
  const op = rs ? 'reducescatter' : 'allgather';
  const chunks = g(name, tp);
  const seg = { comm, window: (chunks * (tp - 1)) / tp, slowdown: 0, fixed: chunks - g(name) + (rs?.reduceSeconds ?? 0) };
  if (!x || !countsSms(x.i.mode)) return seg;
  const onFewer = rs ? Math.max(0, x.i.gemmOnFewerSms(name, tp, 1) - chunks) : 0;
  const window = Math.max(0, seg.window - (tp - 1) * x.i.syncSeconds);
  const hbm = x.i.hbmSlowdown(name, (x.c.linkBytes ?? 0) * hiddenShare(comm, window), 'copy-engine', op);
  // The copy engines' reads and writes wait on the chunks' HBM traffic (the chunks on every SM).
  const commSlowdown = x.i.transferSlowdown(name, tp, 0, x.c.linkBytes ?? 0, comm, window, 'copy-engine', op);
  return { ...seg, window, slowdown: onFewer + hbm, ...(commSlowdown > 0 ? { commSlowdown } : {}) };
}

/**
 * Pipelined reduce-scatter after a GEMM run in splits on fewer SMs: each split's reduction overlaps
 * the next split's GEMM; the last split's reduction is exposed. Each split hands over to its
 * reduction through an event; the last one's gap is exposed with it.
 */
function pipelined(comm: number, g: GemmSeconds, name: string, sms: number, smCount: number, x?: Interfered): TpSegment {
  const s = USERBUFFERS.pipelineSplits;
  const split = g(name, s);
  const slower = (split * sms) / (smCount - sms);
  const seg = { comm: (comm * (s - 1)) / s, window: ((split + slower) * (s - 1)) / s, slowdown: slower, fixed: comm / s + split - g(name) };
  if (!x || !countsSms(x.i.mode)) return seg;
  // The GEMM runs on the SMs userbuffers leaves it (set_sm_margin) throughout: recount its waves.
  const onFewer = Math.max(slower, x.i.gemmOnFewerSms(name, s, sms) - split);
  const window = Math.max(0, ((split + onFewer) * (s - 1)) / s - (s - 1) * x.i.syncSeconds);
  const hbm = x.i.hbmSlowdown(name, (x.c.linkBytes ?? 0) * ((s - 1) / s) * hiddenShare(seg.comm, window), 'userbuffers-sm', 'reducescatter');
  // The overlapped splits' reductions wait on the next splits' HBM traffic (on the SMs left them).
  const commSlowdown = x.i.transferSlowdown(name, s, sms, ((x.c.linkBytes ?? 0) * (s - 1)) / s, seg.comm, window, 'userbuffers-sm', 'reducescatter');
  return { comm: seg.comm, window, slowdown: onFewer + hbm, fixed: seg.fixed + x.i.syncSeconds, ...(commSlowdown > 0 ? { commSlowdown } : {}) };
}

/** The reduce-scatter after the projection or FC2 by the method the configuration sets. */
function reduceScatterAfter(rs: number, g: GemmSeconds, name: 'proj' | 'fc2', sms: number, c: TpCollectives, tp: number, smCount: number, x?: Interfered): TpSegment {
  return c.rsMethod === 'ring-exchange' ? ringExchange(rs, g, name, tp, x, { reduceSeconds: c.rsReduceSeconds ?? 0 }) : pipelined(rs, g, name, sms, smCount, x);
}

/** Bulk overlap: the collective runs on a few SMs beside the GEMM. */
function bulk(comm: number, gemm: number, sms: number, smCount: number, x?: Interfered, name = '', op: 'allgather' | 'reducescatter' = 'allgather'): TpSegment {
  const seg = { comm, window: gemm, slowdown: (Math.min(comm, gemm) * sms) / smCount, fixed: 0 };
  if (!x || !countsSms(x.i.mode)) return seg;
  const sm = smSlowdownSeconds(gemm, x.i.gemmOnFewerSms(name, 1, sms), sms, smCount, Math.min(comm, gemm));
  const hbm = x.i.hbmSlowdown(name, (x.c.linkBytes ?? 0) * hiddenShare(comm, gemm), 'userbuffers-sm', op);
  const commSlowdown = x.i.transferSlowdown(name, 1, sms, x.c.linkBytes ?? 0, comm, gemm, 'userbuffers-sm', op);
  return { ...seg, slowdown: Math.max(seg.slowdown, sm) + hbm, ...(commSlowdown > 0 ? { commSlowdown } : {}) };
}

/** The interference context and the collectives it charges (absent: the model before interference). */
interface Interfered {
  i: TpInterference;
  c: TpCollectives;
}

/** Forward (and recomputed forward) pass with sequence parallelism. */
export function spForwardPlan(g: GemmSeconds, c: TpCollectives, tp: number, smCount: number, i?: TpInterference): TpPassPlan {
  const { allGather: ag, reduceScatter: rs } = c;
  const x = i ? { i, c } : undefined;
  return {
    plain: [blocking(ag), blocking(rs), blocking(ag), blocking(rs)],
    overlapped: [
      ringExchange(ag, g, 'qkv', tp, x),
      reduceScatterAfter(rs, g, 'proj', USERBUFFERS.projFpropSms, c, tp, smCount, x),
      ringExchange(ag, g, 'fc1', tp, x),
      reduceScatterAfter(rs, g, 'fc2', USERBUFFERS.fc2FpropSms, c, tp, smCount, x),
    ],
  };
}

/** Backward pass with sequence parallelism. */
export function spBackwardPlan(g: GemmSeconds, c: TpCollectives, tp: number, smCount: number, i?: TpInterference): TpPassPlan {
  const { allGather: ag, reduceScatter: rs, ncclSlowdown: nccl } = c;
  const x = i ? { i, c } : undefined;
  return {
    plain: [
      blocking(ag), // FC2 output gradient
      ncclUnder(ag, g('fc1.dgrad'), nccl, x, 'fc1.dgrad', 'allgather'),
      ncclUnder(rs, g('fc1.wgrad'), nccl, x, 'fc1.wgrad', 'reducescatter'),
      blocking(ag), // projection output gradient
      ncclUnder(ag, g('qkv.dgrad'), nccl, x, 'qkv.dgrad', 'allgather'),
      ncclUnder(rs, g('qkv.wgrad'), nccl, x, 'qkv.wgrad', 'reducescatter'),
    ],
    overlapped: [
      ringExchange(ag, g, 'fc2.dgrad', tp, x),
      bulk(ag, g('fc1.dgrad'), USERBUFFERS.otherBulkSms, smCount, x, 'fc1.dgrad', 'allgather'),
      bulk(rs, g('fc1.wgrad'), USERBUFFERS.otherBulkSms, smCount, x, 'fc1.wgrad', 'reducescatter'),
      ringExchange(ag, g, 'proj.dgrad', tp, x),
      bulk(ag, g('qkv.dgrad'), USERBUFFERS.otherBulkSms, smCount, x, 'qkv.dgrad', 'allgather'),
      bulk(rs, g('qkv.wgrad'), USERBUFFERS.qkvWgradBulkSms, smCount, x, 'qkv.wgrad', 'reducescatter'),
    ],
  };
}

/**
 * Backward pass without sequence parallelism, as Megatron-LM runs it since 2021-09-02 (commit
 * 3f65246911, `--no-async-tensor-model-parallel-allreduce` to turn it off; always on in Megatron-Core,
 * whose flag is "DEPRECATED. This flag is ignored." at core_v0.15.0): the input gradient of each
 * column-parallel layer (QKV, FC1) is all-reduced asynchronously while the layer's weight-gradient
 * GEMM runs (one such all-reduce: `c.allGather`'s slot, as the caller fills it without SP). The
 * row-parallel layers' backward needs none, so these two are the pass's all-reduces. Korthikanti et al.
 * 2022 (sec. 6.2) credit this overlap for part of their baseline's speed. `overlapped`: the pass's plan
 * under TP overlap, kept as it was.
 */
export function asyncAllReducePlan(g: GemmSeconds, c: TpCollectives, overlapped: TpSegment[], i?: TpInterference): TpPassPlan {
  const x = i ? { i, c } : undefined;
  return {
    plain: [
      ncclUnder(c.allGather, g('fc1.wgrad'), c.ncclSlowdown, x, 'fc1.wgrad', 'allreduce'),
      ncclUnder(c.allGather, g('qkv.wgrad'), c.ncclSlowdown, x, 'qkv.wgrad', 'allreduce'),
    ],
    overlapped,
  };
}

/**
 * Without sequence parallelism (and for MoE layers, whose experts are not
 * split by TP): the pass's collectives, blocking, or hidden behind the pass's
 * GEMMs as a whole when overlapped, slowing them by `slowdownUnderGemm`.
 */
export function aggregatePlan(comm: number, gemm: number, slowdownUnderGemm: number, commSlowdown = 0): TpPassPlan {
  const overlapped: TpSegment = { comm, window: gemm, slowdown: slowdownUnderGemm, fixed: 0, ...(commSlowdown > 0 ? { commSlowdown } : {}) };
  return { plain: [blocking(comm)], overlapped: [overlapped] };
}

export const planComm = (segments: readonly TpSegment[]): number => segments.reduce((s, x) => s + x.comm + x.fixed, 0);
export const planExposed = (segments: readonly TpSegment[]): number => segments.reduce((s, x) => s + segmentExposed(x), 0);
