/**
 * What each scale-out fabric kind (`fabric.kind`) means to the network model. The engine never asks
 * "is this EFA?": a kind declares the few properties the collectives and the topology read, each
 * with its source (docs/sources/cloud-instances.md section 2), and the shared code reads those.
 *
 * It lives beside the system schema (not in src/network/) because the schema's enum is this table's
 * keys and `resolveSystem` fills a preset's missing `nicAchievedFraction` from it; src/network and
 * src/topology sit above config and read it from there.
 *
 * Kept apart on purpose: the validation rows in validation/collectives.yaml that measure these
 * fabrics (P6-B200, p5, p5en, A3 Mega). No constant below is taken from them.
 */

/** NCCL's protocols, in the order of src/network/nccl-protocols.ts. */
export type FabricProtocol = 'LL' | 'LL128' | 'Simple';

export interface FabricKindProperties {
  /** What the kind is, in a few words (for `presets` and docs). */
  description: string;
  /**
   * Achieved fraction of one NIC's line rate by NCCL at large messages, used when a preset does
   * not state `node.nicAchievedFraction` (a preset's own figure always wins).
   */
  nicAchievedFraction: number;
  nicAchievedFractionSource: string;
  /**
   * Software latency of one network step of a collective, per protocol, microseconds, in place of
   * NCCL's own hwLat[NET] (nccl-protocols.ts NET_HOP_LATENCY_US), for transports NCCL's constants
   * were not tuned on. Absent: NCCL's (verbs over InfiniBand / RoCE).
   */
  netStepLatencyMicroseconds?: Record<FabricProtocol, number>;
  netStepLatencySource: string;
  /**
   * Whether the transport sprays each flow's packets over many paths (AWS SRD): the switches'
   * uplinks then act as one trunk, as under adaptive routing, whatever `fabric.routing` says.
   */
  multipathTransport: boolean;
  multipathSource: string;
  /** The NCCL net plugin traffic runs through (null: NCCL's built-in IB verbs transport). Descriptive only. */
  ncclNetPlugin: string | null;
}

/** NVIDIA's NDR figure, "46-48 GB/s per NIC" of 50 (AddyLaddy, NVIDIA/nccl-tests#290, P): the midpoint, 47/50. */
const NCCL_VERBS_FRACTION = 0.94;

export const FABRIC_KINDS = {
  infiniband: {
    description: 'InfiniBand (NCCL IB verbs, GPUDirect RDMA)',
    nicAchievedFraction: NCCL_VERBS_FRACTION,
    nicAchievedFractionSource: 'AddyLaddy (NVIDIA), NVIDIA/nccl-tests#290: "For NDR @ 400Gbps you should see 46-48GB/s per NIC" (P)',
    netStepLatencySource: "NCCL's own hwLat[NET] (src/graph/tuning.cc), which NCCL tunes on InfiniBand (P)",
    multipathTransport: false,
    multipathSource: 'one path per queue pair; spreading is the switches\' (fabric.routing)',
    ncclNetPlugin: null,
  },
  roce: {
    description: 'RDMA over Converged Ethernet (NCCL IB verbs over RoCEv2, ConnectX / Thor NICs)',
    nicAchievedFraction: NCCL_VERBS_FRACTION,
    nicAchievedFractionSource:
      "U: the InfiniBand figure (nccl-tests#290). NCCL drives RoCE through the same verbs transport; no large-message RoCE busbw of a cloud's 8x400G node was found outside the validation rows",
    netStepLatencySource: "NCCL's own hwLat[NET] (the same IB verbs transport)",
    multipathTransport: false,
    multipathSource: 'flows are hashed onto one path each (ECMP); fabric.routing says how',
    ncclNetPlugin: null,
  },
  ethernet: {
    description: 'plain TCP sockets (NCCL socket transport, no GPUDirect)',
    nicAchievedFraction: 0.5,
    nicAchievedFractionSource:
      'U: assumption. NCCL\'s socket transport copies through host memory; AddyLaddy (NVIDIA/nccl#812) calls 60 GB/s on 8x100G RoCE "a little low" and sockets are lower still. No measurement used',
    netStepLatencySource: "NCCL's own hwLat[NET] (U: sockets are slower; not modelled)",
    multipathTransport: false,
    multipathSource: 'TCP flows are hashed onto one path each (ECMP)',
    ncclNetPlugin: null,
  },
  efa: {
    description: 'AWS Elastic Fabric Adapter (SRD transport, libfabric, aws-ofi-nccl plugin)',
    nicAchievedFraction: NCCL_VERBS_FRACTION,
    nicAchievedFractionSource:
      "the wire: RDMA write over SRD sustains 193.72 of 200 Gb/s (96.9%) on one p5en EFA adapter (ib_write_bw -c SRD, stas00/ml-engineering network/README.md @744d01e1, measured 2026-08-07, P), as verbs do on InfiniBand; NCCL's loss on top is taken to be InfiniBand's (46-48 of 50 GB/s, nccl-tests#290): U for that carry-over",
    // AWS's own cost model for EFA (aws-ofi-nccl's tuner): net_lat 18 us per inter-node step on p5en
    // (20 on p5/p5e), "2 nodes, 8B RDMA w/imm lat", plus TUNER_NET_COMP_OVERHEAD (default 3 us) for
    // the Simple protocol. It replaces NCCL's hwLat[NET] (2.7 / 4.0 / 14 us for ring LL / LL128 / Simple).
    netStepLatencyMicroseconds: { LL: 18, LL128: 18, Simple: 21 },
    netStepLatencySource:
      'aws/aws-ofi-nccl @2daf7d30 src/tuner/nccl_ofi_model.cpp (P5en net_lat 18.0; P5/P5e 20.0) and include/nccl_ofi_param.h (tuner_net_comp_overhead 3) (P)',
    multipathTransport: true,
    multipathSource:
      'SRD sprays each flow over many paths and delivers out of order (Shalev et al., "A Cloud-Optimized Transport Protocol for Elastic and Scalable HPC", IEEE Micro 2020; ml-engineering network/README.md glossary, S)',
    ncclNetPlugin: 'aws-ofi-nccl (libfabric efa provider)',
  },
  tcpx: {
    description: 'Google GPUDirect-TCPX / TCPXO (TCP with GPU memory, NIC-offloaded on TCPXO; NCCL net plugin)',
    nicAchievedFraction: 0.94,
    nicAchievedFractionSource:
      'dstack examples/clusters/a3mega/README.md @30a0dd56: 2x A3 Mega (8x 200 Gb/s TCPXO), nccl-tests all_gather 8 GiB busbw 188.54 GB/s of the node\'s 200 GB/s = 0.943 (P). An all_gather run, apart from the all_reduce validation row',
    // No published per-message latency of TCPX/TCPXO was found (U). Assumption: a plugin-driven,
    // host-proxied transport costs what AWS's tuner gives EFA (18 / 21 us), not IB verbs' 2.7-14.
    netStepLatencyMicroseconds: { LL: 18, LL128: 18, Simple: 21 },
    netStepLatencySource: 'U: no TCPX/TCPXO latency published; assumed equal to EFA\'s (aws-ofi-nccl tuner)',
    multipathTransport: false,
    multipathSource: 'TCP flows are hashed onto one path each (ECMP) across the 8 VPC NICs',
    ncclNetPlugin: 'GPUDirect-TCPXO (nccl-plugin-gpudirecttcpx / FasTrak)',
  },
} as const satisfies Record<string, FabricKindProperties>;

export type FabricKind = keyof typeof FABRIC_KINDS;
/** The kinds, in the table's order (the schema's enum). */
export const FABRIC_KIND_NAMES = Object.keys(FABRIC_KINDS) as [FabricKind, ...FabricKind[]];

/** The properties of a kind. */
export function fabricKind(kind: FabricKind): FabricKindProperties {
  return FABRIC_KINDS[kind];
}

/** How uplinks are chosen in effect: a multipath transport spreads like adaptive routing. */
export function effectiveRouting<R extends string>(fabric: { kind: FabricKind; routing: R }): R | 'adaptive' {
  return fabricKind(fabric.kind).multipathTransport ? 'adaptive' : fabric.routing;
}
