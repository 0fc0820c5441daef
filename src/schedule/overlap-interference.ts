/**
 * What a collective costs the compute it is overlapped with (docs/sources/tp-overlap.md, "The
 * interference model"). Overlap hides a transfer's time, not its footprint on the GPU:
 *
 * - SMs: NCCL runs one thread block per channel and Transformer Engine's userbuffers kernels run on
 *   the SMs they are given; a GEMM left with fewer SMs runs more waves of tiles, and can lose more
 *   than the SM share when its tiles tip into an extra wave (tile and wave quantization, NVIDIA's
 *   "Matrix Multiplication Background User's Guide"; PyTorch's async-TP announcement).
 * - HBM: a transfer reads and writes the GPU's memory at two to three times the link rate (NVIDIA/nccl
 *   #1428: "300GB/s needs to be multiplied by at least 2x for memory bandwidth, as we need to store to
 *   memory, then read back from it. If you add reading from or writing to user data, it can be 3x").
 *   Those bytes are served by the same HBM the kernels beside it use; a kernel slows by them in
 *   proportion to how much of its time it is waiting on HBM (its roofline memory share), so a big
 *   compute-bound GEMM slows little and a norm or a small GEMM slows a lot.
 * - Synchronisation: every chunk an overlap method splits the work into hands over through a stream
 *   event or a flag (Transformer Engine comm_gemm_overlap.cpp: a receive, an event record and a stream
 *   wait per ring step; an event per reduce-scatter split), a kernel gap each on the path that waits.
 *
 * - Both ways: the same HBM serves the transfer, so the compute's traffic slows the transfer too
 *   (NVIDIA/nccl #1433: a CUTLASS GEMM on 128 of 142 SMs beside send/recv on one block, SMs to spare,
 *   the communication up to 2x longer; the maintainer: "You may not compete for SMs but still compete
 *   for memory bandwidth"). The rule is the one above turned round: the transfer waits out the
 *   compute's HBM time in proportion to its own memory share (its HBM bytes over the achieved HBM
 *   bandwidth, against its time). Both shares at 1 is the 2x of #1433; a compute-bound GEMM (share
 *   about 0.1) costs a transfer little.
 *
 * `none` is the model before this one (SMs by their share only); `sms` adds the wave quantization and
 * the per-chunk gaps; `sms-hbm` adds the HBM traffic; `both-ways` (the default) adds the transfers
 * slowed by the compute's HBM traffic. Not counted: NCCL's blocks contending with a GEMM for issue
 * slots, since NCCL's CTAs do not share an SM with compute kernels (NVIDIA/nccl #689, the maintainer),
 * and NCCL kernels delayed until a GEMM's blocks leave SMs free (#1431), a launch-order matter the
 * frameworks avoid by queueing communication first (CUDA_DEVICE_MAX_CONNECTIONS=1).
 */
import type { GpuSpec } from '../config/system-schema.js';
import { OVERLAP_INTERFERENCE_MODES, type OverlapInterference } from '../config/execution-schema.js';
import { achievedHbmBytesPerSecond, gemmElementBytes, kernelSeconds, type GemmKernel, type Kernel } from '../compute/kernel.js';
import type { CollectiveOp } from '../network/network-model.js';

export { OVERLAP_INTERFERENCE_MODES, type OverlapInterference };

/** How a transfer moves its bytes, which sets the HBM traffic it makes. */
export type TransferMethod = 'nccl' | 'copy-engine' | 'userbuffers-sm';

/**
 * Bytes of HBM traffic at one GPU per byte the GPU receives over the link (equal to what it sends):
 *
 * - `nccl` (ring or tree, Simple protocol, buffers not registered): the peer stores into the
 *   receiver's FIFO, the receiver reads it back and writes (all-gather, the last reduce-scatter
 *   step) or reads (reduce: the local input it adds) user data: 3, the maintainer's figure (#1428).
 *   A send/recv pair counts both ends, 4: the sender reads its user buffer (1) and the receiver
 *   stores, reads back and writes (3); each pipeline stage and each CP rank sends as much as it
 *   receives, so the pair is charged to the sender.
 * - `copy-engine` (userbuffers' ring exchange, `use_ce` on by default: Transformer Engine
 *   pytorch/module/base.py, initialize_ub): a copy engine reads the source and writes straight into
 *   the registered destination, no staging: one read where it leaves, one write where it lands, 2.
 * - `userbuffers-sm` (userbuffers' pipelined and bulk collectives, on SMs): the all-gather pulls each
 *   peer's slice and writes it locally while the peers pull ours (2); the reduce-scatter pulls this
 *   rank's slice of every peer's partial result (served by their HBM), reads its own and writes the
 *   reduced slice: (ranks - 1 + 2) / (ranks - 1) per received byte.
 */
export function hbmBytesPerLinkByte(method: TransferMethod, op: CollectiveOp, ranks: number): number {
  if (method === 'copy-engine') return 2;
  if (method === 'userbuffers-sm') return op === 'reducescatter' && ranks > 1 ? (ranks + 1) / (ranks - 1) : 2;
  return op === 'sendrecv' || op === 'alltoall' ? 4 : 3;
}

/** HBM-bound seconds of a kernel: the memory leg of its roofline (attention is timed by its FLOPs and counted compute-bound: FlashAttention keeps its tiles on chip). */
export function kernelHbmSeconds(gpu: GpuSpec, k: Kernel): number {
  const hbm = achievedHbmBytesPerSecond(gpu);
  if (k.kind === 'memory') return k.bytes / hbm;
  if (k.kind === 'attention') return 0;
  const e = gemmElementBytes(k.precision);
  const bytes = k.batch * (e * k.m * k.k + (k.weightBytesPerElement ?? e) * k.k * k.n) + 2 * k.batch * k.m * k.n;
  return bytes / hbm;
}

/** Share of a run of kernels' time spent waiting on HBM (0: compute-bound throughout, 1: memory-bound). */
export function memoryBoundShare(gpu: GpuSpec, kernels: readonly Kernel[]): number {
  let hbm = 0;
  let total = 0;
  for (const k of kernels) {
    const t = kernelSeconds(gpu, k);
    hbm += Math.min(t, kernelHbmSeconds(gpu, k));
    total += t;
  }
  return total > 0 ? hbm / total : 0;
}

/**
 * Compute lost to the HBM traffic of `linkBytes` moved under it: the traffic takes that many seconds
 * of HBM time, which the kernels beside it wait out in proportion to their memory share.
 */
export function hbmSlowdownSeconds(gpu: GpuSpec, linkBytes: number, bytesPerLinkByte: number, memoryShare: number): number {
  if (linkBytes <= 0 || memoryShare <= 0) return 0;
  return (memoryShare * bytesPerLinkByte * linkBytes) / achievedHbmBytesPerSecond(gpu);
}

/** A GEMM's seconds when only `sms` of the GPU's SMs run it: the peak in proportion, the waves of tiles recounted. */
export function gemmSecondsOnSms(gpu: GpuSpec, k: GemmKernel, sms: number): number {
  if (sms >= gpu.smCount) return kernelSeconds(gpu, k);
  const share = Math.max(1, sms) / gpu.smCount;
  const p = gpu.peakTflops;
  const scaled = (x: number | undefined): number | undefined => (x === undefined ? undefined : x * share);
  const fewer: GpuSpec = {
    ...gpu,
    smCount: Math.max(1, Math.floor(sms)),
    peakTflops: { ...p, fp32: p.fp32 * share, tf32: scaled(p.tf32), fp16: p.fp16 * share, bf16: scaled(p.bf16), fp8: scaled(p.fp8), fp4: scaled(p.fp4) },
  };
  return kernelSeconds(fewer, k);
}

/**
 * Compute lost while `takenSms` SMs are held for `overlapSeconds` of a GEMM that takes `alone` seconds
 * on the whole GPU and `onFewer` on what is left: the SM share (the floor, the model before waves,
 * since the twin's four tile shapes are kinder than a library's heuristics) or the waves recounted.
 */
export function smSlowdownSeconds(alone: number, onFewer: number, takenSms: number, smCount: number, overlapSeconds: number): number {
  const share = (overlapSeconds * takenSms) / smCount;
  if (alone <= 0) return share;
  return Math.max(share, (onFewer / alone - 1) * Math.min(overlapSeconds, alone));
}

/** The gap one chunk's hand-over costs on the path that waits for it: one kernel gap (a receive or event, then the launch). */
export const chunkSyncSeconds = (gpu: GpuSpec): number => gpu.efficiency.kernelOverheadMicroseconds * 1e-6;

export const countsSms = (m: OverlapInterference): boolean => m !== 'none';
export const countsHbm = (m: OverlapInterference): boolean => m === 'sms-hbm' || m === 'both-ways';
export const countsTransferSlowdown = (m: OverlapInterference): boolean => m === 'both-ways';

/** Share of a kernel's time it waits on HBM, from its roofline (0: compute-bound, 1: memory-bound); `seconds` overrides its time (a GEMM on fewer SMs). */
export function kernelMemoryShare(gpu: GpuSpec, k: Kernel, seconds = kernelSeconds(gpu, k)): number {
  return seconds > 0 ? Math.min(1, kernelHbmSeconds(gpu, k) / seconds) : 0;
}

/** Share of a transfer's time its HBM traffic takes: `linkBytes` moved in `commSeconds`, `bytesPerLinkByte` of HBM each. */
export function transferMemoryShare(gpu: GpuSpec, linkBytes: number, bytesPerLinkByte: number, commSeconds: number): number {
  if (linkBytes <= 0 || commSeconds <= 0) return 0;
  return Math.min(1, (bytesPerLinkByte * linkBytes) / (achievedHbmBytesPerSecond(gpu) * commSeconds));
}

/**
 * Seconds a transfer of `linkBytes` taking `commSeconds` alone loses to compute of memory share
 * `computeMemoryShare` that runs beside it for `windowSeconds`: while beside it, the transfer waits out
 * the compute's HBM time in proportion to its own memory share (the mirror of hbmSlowdownSeconds), so it
 * moves at 1 / (1 + d u) of its pace; what is left when the compute ends runs at full pace. The loss is
 * d u x min(comm, window / (1 + d u)): at most the transfer's own time (d = u = 1: twice as long), and
 * never more for a shorter window of the same HBM bytes, so a faster GPU is never slower for it.
 */
export function transferSlowdownSeconds(
  gpu: GpuSpec,
  linkBytes: number,
  bytesPerLinkByte: number,
  commSeconds: number,
  computeMemoryShare: number,
  windowSeconds: number,
): number {
  if (windowSeconds <= 0 || commSeconds <= 0 || computeMemoryShare <= 0) return 0;
  const du = transferMemoryShare(gpu, linkBytes, bytesPerLinkByte, commSeconds) * Math.min(1, computeMemoryShare);
  return du * Math.min(commSeconds, windowSeconds / (1 + du));
}

/** What the TP overlap plans (tp-comm.ts) need to charge interference to the GEMMs they overlap. */
export interface TpInterference {
  mode: OverlapInterference;
  smCount: number;
  /** Seconds of GEMM `name` run as `parts` chunks of rows on all but `takenSms` SMs. */
  gemmOnFewerSms: (name: string, parts: number, takenSms: number) => number;
  /** Roofline memory share of GEMM `name` (0 when unknown). */
  memoryShare: (name: string) => number;
  /** Compute lost to `linkBytes` moved by `method` under GEMM `name`, seconds. */
  hbmSlowdown: (name: string, linkBytes: number, method: TransferMethod, op: CollectiveOp) => number;
  /**
   * Seconds a transfer (`linkBytes` by `method` in `commSeconds` alone) loses to GEMM `name` beside it
   * for `windowSeconds`, the GEMM run as `parts` chunks on all but `takenSms` SMs (0 unless both-ways).
   */
  transferSlowdown: (name: string, parts: number, takenSms: number, linkBytes: number, commSeconds: number, windowSeconds: number, method: TransferMethod, op: CollectiveOp) => number;
  /** One chunk hand-over, seconds. */
  syncSeconds: number;
  /** Ranks of the TP group (for the reduce-scatter's HBM bytes). */
  ranks: number;
}

/** The TP plans' interference on `gpu`, for a layer whose GEMMs are looked up by name. */
export function tpInterference(gpu: GpuSpec, mode: OverlapInterference, ranks: number, gemmByName: (name: string) => GemmKernel | undefined): TpInterference {
  const chunk = (k: GemmKernel, parts: number): GemmKernel => (parts <= 1 ? k : { ...k, m: Math.ceil(k.m / parts) });
  const memoryShare = (name: string): number => {
    const k = gemmByName(name);
    return k ? memoryBoundShare(gpu, [k]) : 0;
  };
  return {
    mode,
    smCount: gpu.smCount,
    ranks,
    syncSeconds: chunkSyncSeconds(gpu),
    gemmOnFewerSms: (name, parts, takenSms) => {
      const k = gemmByName(name);
      if (!k) return 0;
      return Math.max(1, parts) * gemmSecondsOnSms(gpu, chunk(k, parts), gpu.smCount - takenSms);
    },
    memoryShare,
    hbmSlowdown: (name, linkBytes, method, op) =>
      countsHbm(mode) ? hbmSlowdownSeconds(gpu, linkBytes, hbmBytesPerLinkByte(method, op, ranks), memoryShare(name)) : 0,
    transferSlowdown: (name, parts, takenSms, linkBytes, commSeconds, windowSeconds, method, op) => {
      const k = gemmByName(name);
      if (!k || !countsTransferSlowdown(mode)) return 0;
      // The GEMM as it runs beside the transfer: in chunks (each re-reads the weights) on the SMs left.
      const c = chunk(k, parts);
      const share = kernelMemoryShare(gpu, c, gemmSecondsOnSms(gpu, c, gpu.smCount - takenSms));
      return transferSlowdownSeconds(gpu, linkBytes, hbmBytesPerLinkByte(method, op, ranks), commSeconds, share, windowSeconds);
    },
  };
}
