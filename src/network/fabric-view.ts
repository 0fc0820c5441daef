/**
 * What the analytical network model needs to know of a system, in SI units:
 * the bandwidth and latency of each level a collective can cross. Derived
 * once from the system description; the collective code asks these numbers,
 * never "is this NVLink or InfiniBand?".
 */
import type { SystemSpec } from '../config/system-schema.js';
import { gbpsToBytesPerSecond } from '../units.js';
import { fatTreeGeometry } from '../topology/fat-tree-geometry.js';
import { fabricKind, type FabricProtocol } from '../config/fabric-kinds.js';

export interface FabricView {
  gpusPerNode: number;
  /** GPUs that share one NVLink domain (a node, or an NVL72 rack). */
  nvlinkDomainGpus: number;
  /** Achieved NVLink bandwidth per GPU per direction, bytes/s. */
  intraBytesPerSecond: number;
  /** NVLS all-reduce algorithm bandwidth, bytes/s (0 when the switch cannot reduce). */
  nvlsAlgBytesPerSecond: number;
  /** Achieved NIC bandwidth of a whole node, bytes/s per direction. */
  nodeNicBytesPerSecond: number;
  /** Extra one-way latency on the wire through the fabric's switches (worst case: up to the top tier and down). */
  netPathLatencySeconds: number;
  /** Switch tiers (1 to 3), one switch's latency and the NIC's, seconds: a placed job's path climbs only as far as it must. */
  tiers: number;
  switchLatencySeconds: number;
  nicLatencySeconds: number;
  /** Downlink:uplink ratio at the leaf and spine tiers. */
  oversubscription: [number, number];
  /** Nodes under one leaf switch (per rail when rail-optimized) before traffic must climb to the spines. */
  nodesPerLeaf: number;
  /** Nodes under one pod before traffic must climb to the cores. */
  nodesPerPod: number;
  sharp: boolean;
  /**
   * The fabric kind's software latency per network step and protocol, microseconds, in place of
   * NCCL's hwLat[NET] (EFA, TCPX); absent: NCCL's own (InfiniBand, RoCE).
   */
  netStepLatencyMicroseconds?: Readonly<Record<FabricProtocol, number>>;
}

export function fabricView(system: SystemSpec): FabricView {
  const n = system.node;
  const f = system.fabric;
  const switchHops = 2 * f.tiers - 1;
  const geo = fatTreeGeometry(f, n);
  return {
    gpusPerNode: n.gpusPerNode,
    nvlinkDomainGpus: n.nvlinkDomainGpus ?? n.gpusPerNode,
    intraBytesPerSecond: n.nvlinkGBpsPerGpu * 1e9 * n.nvlinkAchievedFraction,
    nvlsAlgBytesPerSecond: n.nvls ? n.nvlinkGBpsPerGpu * 1e9 * (n.nvlsAlgbwFraction ?? 0) : 0,
    nodeNicBytesPerSecond: n.nicsPerNode * gbpsToBytesPerSecond(n.nicGbps) * n.nicAchievedFraction,
    netPathLatencySeconds: (switchHops * f.switchLatencyMicroseconds + f.nicLatencyMicroseconds) * 1e-6,
    tiers: f.tiers,
    switchLatencySeconds: f.switchLatencyMicroseconds * 1e-6,
    nicLatencySeconds: f.nicLatencyMicroseconds * 1e-6,
    oversubscription: geo.oversubscription,
    nodesPerLeaf: geo.nodesPerLeaf,
    nodesPerPod: geo.nodesPerPod,
    sharp: f.sharp,
    netStepLatencyMicroseconds: fabricKind(f.kind).netStepLatencyMicroseconds,
  };
}
