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
 */

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

export const segmentExposed = (s: TpSegment): number => Math.max(0, s.comm - s.window) + s.slowdown + s.fixed;

/**
 * Seconds of one layer's GEMMs, by name (`qkv`, `proj.dgrad`, ...), whole or, with `parts`, run as
 * that many chunks of rows (tokens), as the overlap methods run them: smaller GEMMs fill the GPU
 * less well (tile and wave quantization), so the chunks together take longer.
 */
export type GemmSeconds = (name: string, parts?: number) => number;

export interface TpCollectives {
  /** One all-gather of the layer's activations (sequence parallel), seconds. */
  allGather: number;
  /** One reduce-scatter of the same, seconds. */
  reduceScatter: number;
  /** Compute one NCCL all-gather / reduce-scatter of that size slows when it runs under compute, seconds. */
  ncclSlowdown: number;
}

const blocking = (comm: number): TpSegment => ({ comm, window: 0, slowdown: 0, fixed: 0 });

/** A collective under a GEMM with NCCL: it takes NCCL's channels from the GEMM while it runs. */
function ncclUnder(comm: number, window: number, ncclSlowdown: number): TpSegment {
  const share = comm > 0 ? Math.min(1, window / comm) : 0;
  return { comm, window, slowdown: ncclSlowdown * share, fixed: 0 };
}

/**
 * Ring exchange: the GEMM runs in TP chunks as the other ranks' chunks arrive (the first is local);
 * the chunks cost more than the whole GEMM would.
 */
function ringExchange(comm: number, g: GemmSeconds, name: string, tp: number): TpSegment {
  const chunks = g(name, tp);
  return { comm, window: (chunks * (tp - 1)) / tp, slowdown: 0, fixed: chunks - g(name) };
}

/**
 * Pipelined reduce-scatter after a GEMM run in splits on fewer SMs: each split's reduction overlaps
 * the next split's GEMM; the last split's reduction is exposed.
 */
function pipelined(comm: number, g: GemmSeconds, name: string, sms: number, smCount: number): TpSegment {
  const s = USERBUFFERS.pipelineSplits;
  const split = g(name, s);
  const slower = (split * sms) / (smCount - sms);
  return { comm: (comm * (s - 1)) / s, window: ((split + slower) * (s - 1)) / s, slowdown: slower, fixed: comm / s + split - g(name) };
}

/** Bulk overlap: the collective runs on a few SMs beside the GEMM. */
function bulk(comm: number, gemm: number, sms: number, smCount: number): TpSegment {
  return { comm, window: gemm, slowdown: (Math.min(comm, gemm) * sms) / smCount, fixed: 0 };
}

/** Forward (and recomputed forward) pass with sequence parallelism. */
export function spForwardPlan(g: GemmSeconds, c: TpCollectives, tp: number, smCount: number): TpPassPlan {
  const { allGather: ag, reduceScatter: rs } = c;
  return {
    plain: [blocking(ag), blocking(rs), blocking(ag), blocking(rs)],
    overlapped: [
      ringExchange(ag, g, 'qkv', tp),
      pipelined(rs, g, 'proj', USERBUFFERS.projFpropSms, smCount),
      ringExchange(ag, g, 'fc1', tp),
      pipelined(rs, g, 'fc2', USERBUFFERS.fc2FpropSms, smCount),
    ],
  };
}

/** Backward pass with sequence parallelism. */
export function spBackwardPlan(g: GemmSeconds, c: TpCollectives, tp: number, smCount: number): TpPassPlan {
  const { allGather: ag, reduceScatter: rs, ncclSlowdown: nccl } = c;
  return {
    plain: [
      blocking(ag), // FC2 output gradient
      ncclUnder(ag, g('fc1.dgrad'), nccl),
      ncclUnder(rs, g('fc1.wgrad'), nccl),
      blocking(ag), // projection output gradient
      ncclUnder(ag, g('qkv.dgrad'), nccl),
      ncclUnder(rs, g('qkv.wgrad'), nccl),
    ],
    overlapped: [
      ringExchange(ag, g, 'fc2.dgrad', tp),
      bulk(ag, g('fc1.dgrad'), USERBUFFERS.otherBulkSms, smCount),
      bulk(rs, g('fc1.wgrad'), USERBUFFERS.otherBulkSms, smCount),
      ringExchange(ag, g, 'proj.dgrad', tp),
      bulk(ag, g('qkv.dgrad'), USERBUFFERS.otherBulkSms, smCount),
      bulk(rs, g('qkv.wgrad'), USERBUFFERS.qkvWgradBulkSms, smCount),
    ],
  };
}

/**
 * Without sequence parallelism (and for MoE layers, whose experts are not
 * split by TP): the pass's collectives, blocking, or hidden behind the pass's
 * GEMMs as a whole when overlapped, slowing them by `slowdownUnderGemm`.
 */
export function aggregatePlan(comm: number, gemm: number, slowdownUnderGemm: number): TpPassPlan {
  return { plain: [blocking(comm)], overlapped: [{ comm, window: gemm, slowdown: slowdownUnderGemm, fixed: 0 }] };
}

export const planComm = (segments: readonly TpSegment[]): number => segments.reduce((s, x) => s + x.comm + x.fixed, 0);
export const planExposed = (segments: readonly TpSegment[]): number => segments.reduce((s, x) => s + segmentExposed(x), 0);
