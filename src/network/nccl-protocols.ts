/**
 * NCCL's cost constants, transcribed from NVIDIA/nccl `src/graph/tuning.cc`
 * (docs/sources/fabric.md section 1; MID = @b6475625, NEW = upstream-derived
 * fork). NCCL uses them to pick an algorithm and protocol; we use them the same
 * way, and for the latency side of every collective.
 */

export const PROTOCOLS = ['LL', 'LL128', 'Simple'] as const;
export type Protocol = (typeof PROTOCOLS)[number];

/** Fraction of link bandwidth each protocol carries as payload. */
export const PROTOCOL_BANDWIDTH_FACTOR: Record<Protocol, number> = {
  // LL: 8 bytes of data per 16-byte line; NEW tuning.cc applies x0.5.
  LL: 0.5,
  // LL128: 120 of 128 bytes are data (tuning.cc "0.92 /*120.0/128.0*/").
  LL128: 0.92,
  Simple: 1,
};

/** baseLat[algo][proto], microseconds (MID/NEW agree for ring and tree). */
export const BASE_LATENCY_US = {
  ring: { LL: 6.6, LL128: 14.0, Simple: 8.4 },
  tree: { LL: 6.8, LL128: 14.0, Simple: 8.4 },
  // NVLS: baseLat is 0 and hwLat carries the cost.
  nvls: { LL: 0, LL128: 0, Simple: 0 },
} as const;

/** hwLat[NVLINK][algo][proto], microseconds per step. */
export const NVLINK_HOP_LATENCY_US = {
  ring: { LL: 0.6, LL128: 1.9, Simple: 3.4 },
  tree: { LL: 0.6, LL128: 1.25, Simple: 4.0 },
  nvls: { LL: 0, LL128: 0, Simple: 25 },
} as const;

/** hwLat[NET][algo][proto], microseconds per step (software + NIC; the fabric's wire and switch latency is added). */
export const NET_HOP_LATENCY_US = {
  ring: { LL: 2.7, LL128: 4.0, Simple: 14.0 },
  tree: { LL: 5.0, LL128: 8.5, Simple: 14.0 },
  nvls: { LL: 0, LL128: 0, Simple: 18 },
} as const;

/**
 * LL's bandwidth ceiling (GB/s of bus bandwidth), llMaxBws in tuning.cc:
 * [single node by GPU arch, or multi-node]. Hopper row from NEW, others MID.
 */
export const LL_MAX_BUS_GBPS = { singleNode: 87.7, singleNodeHopper: 141.0, multiNode: 22.5, multiNodeHopper: 45.0 };

/** Tree's bandwidth relative to the ring's (tuning.cc: busBw x 0.92 for tree). */
export const TREE_BANDWIDTH_FACTOR = 0.92;

/**
 * Bytes a channel moves per pipeline slot: NCCL_BUFFSIZE (4 MiB) split into
 * NCCL_STEPS = 8 slots (nccl device.h; NCCL env docs).
 */
export const PIPELINE_SLOT_BYTES = (4 * 1024 * 1024) / 8;

/** Slots a channel keeps in flight (NCCL_STEPS = 8, device.h); the pipeline fills at most twice that deep. */
export const PIPELINE_MAX_DEPTH = 16;

/**
 * Bandwidth of one NCCL channel, bytes/s: NCCL models one ring channel per
 * NVLink at 20 GB/s (topo.h SM80_NVLINK_BW = 20, SM90 = 20.6).
 */
export const CHANNEL_BYTES_PER_SECOND = 20e9;

/**
 * Time to fill a collective's pipeline before it streams at full bandwidth:
 * the first slot crosses `depth` hops at one channel's bandwidth. A small
 * message fills with smaller slots, so the cost grows smoothly from zero to
 * that ceiling (E (1 - exp(-S / S0)), with S0 = E x bandwidth: linear in S for
 * small S). This is why mid-sized messages fall short of the peak bus bandwidth
 * in nccl-tests (e.g. NDm A100 v4: 166.6 GB/s at 64 MB against 231.6 at 8 GB).
 */
export function pipelineFillSeconds(bytes: number, depth: number, busBytesPerSecond: number): number {
  const d = Math.min(Math.max(depth, 1), PIPELINE_MAX_DEPTH);
  const ceiling = (d * PIPELINE_SLOT_BYTES) / CHANNEL_BYTES_PER_SECOND;
  const s0 = ceiling * busBytesPerSecond;
  return ceiling * (1 - Math.exp(-bytes / s0));
}
